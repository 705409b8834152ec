"""schemas.territory: communes, free-text town resolution, m2A membership, QPV, rurality."""

from __future__ import annotations

import ast
import time
import unicodedata
from pathlib import Path

import pytest

import schemas.territory as territory
from schemas.territory import (
    M2A_EPCI_SIREN,
    CommuneResolver,
    DataStatus,
    DensityClass,
    MatchMethod,
    TerritoryDataError,
    in_m2a,
    is_rural,
    load_qpv,
    load_rurality,
    normalise_postal_code,
    resolve_commune,
)

PACKAGE_DIR = Path(territory.__file__).parent
SHARED_COMMUNES = Path("/work/shared/data/communes_68_2021.csv")
HEADER = "code_insee,nom,type,codes_postaux,population,epci_siren,epci_nom,membre_m2a\n"

MULHOUSE = "68224"
BRUNSTATT_DIDENHEIM = "68056"
STEINBRUNN_LE_HAUT = "68324"
SAINT_LOUIS = "68297"
RIEDISHEIM = "68271"
ILLZACH = "68154"


@pytest.fixture(scope="module")
def resolver() -> CommuneResolver:
    return CommuneResolver.default()


def insee_of(town: str | None, postal_code: str | None = None) -> str | None:
    resolution = resolve_commune(town, postal_code)
    return None if resolution is None else resolution.insee


# -- acceptance cases ---------------------------------------------------------------------


def test_mulhouse_cedex_with_postal_code() -> None:
    resolution = resolve_commune("MULHOUSE CEDEX", "68100")
    assert resolution is not None
    assert resolution.insee == MULHOUSE
    assert resolution.name == "Mulhouse"


def test_former_commune_didenheim_resolves_to_brunstatt_didenheim() -> None:
    resolution = resolve_commune("Didenheim", "68350")
    assert resolution is not None
    assert resolution.insee == BRUNSTATT_DIDENHEIM
    assert resolution.name == "Brunstatt-Didenheim"
    assert resolution.method is MatchMethod.FORMER_COMMUNE
    assert resolution.matched_name == "Didenheim"
    assert in_m2a(resolution.insee)


def test_steinbrunn_le_haut_is_outside_m2a_although_its_postal_code_is_shared() -> None:
    resolution = resolve_commune("Steinbrunn-le-Haut", "68440")
    assert resolution is not None
    assert resolution.insee == STEINBRUNN_LE_HAUT
    assert in_m2a(resolution.insee) is False
    # Its neighbour with the same postal code is in m2A: the postal code cannot decide.
    assert insee_of("Steinbrunn-le-Bas", "68440") == "68323"
    assert in_m2a("68323") is True


@pytest.mark.parametrize(
    "town",
    ["Riedisheim", "RIEDISHEIM", "riedisheim", "Riédisheim", "  riedisheim. ", "RIEDISHEIM (68)"],
)
def test_riedisheim_variants(town: str) -> None:
    assert insee_of(town) == RIEDISHEIM


@pytest.mark.parametrize("town", ["Illzach", "ILLZACH", "illzach", " Illzach, France"])
def test_illzach_variants(town: str) -> None:
    assert insee_of(town) == ILLZACH


@pytest.mark.parametrize(
    "town", ["ST LOUIS", "St-Louis", "st. louis", "S. Louis", "SAINT LOUIS", "Saint-Louis"]
)
def test_saint_abbreviations(town: str) -> None:
    assert insee_of(town) == SAINT_LOUIS


def test_sainte_abbreviation() -> None:
    assert insee_of("STE MARIE AUX MINES") == "68298"
    assert insee_of("Ste-Croix-en-Plaine") == "68295"


def test_typo_is_fuzzy_matched_with_or_without_postal_code() -> None:
    for postal_code in (None, "68100", "68200"):
        resolution = resolve_commune("Mulhuose", postal_code)
        assert resolution is not None
        assert resolution.insee == MULHOUSE
        assert resolution.method is MatchMethod.FUZZY
        assert 80 <= resolution.score < 100


def test_postal_code_typed_in_the_town_field() -> None:
    assert insee_of("68100 Mulhouse") == MULHOUSE
    assert insee_of("Mulhouse 68200") == MULHOUSE
    assert insee_of("68 100 MULHOUSE") == MULHOUSE


def test_postal_code_typed_in_the_town_field_serves_as_postal_code() -> None:
    # A town field holding only a postal code resolves when that code is unique.
    resolution = resolve_commune("68100")
    assert resolution is not None
    assert resolution.insee == MULHOUSE
    assert resolution.method is MatchMethod.POSTAL_CODE


def test_nfd_input() -> None:
    town = unicodedata.normalize("NFD", "Hésingue")
    assert town != "Hésingue"
    assert insee_of(town) == "68135"
    assert insee_of(unicodedata.normalize("NFD", "CHALAMPÉ")) == "68064"


def test_non_breaking_and_odd_spaces() -> None:
    assert insee_of("Sainte\u00a0Marie\u00a0aux\u00a0Mines") == "68298"
    assert insee_of("\u202fMulhouse\u00a0") == MULHOUSE
    assert insee_of("Mulhouse\tCedex\u00a01") == MULHOUSE


@pytest.mark.parametrize("town", [None, "", "   ", "\u00a0", "-", "68", "Cedex"])
def test_empty_input_gives_none(town: str | None) -> None:
    assert resolve_commune(town) is None
    assert resolve_commune(town, None) is None
    assert resolve_commune(town, "") is None


@pytest.mark.parametrize("town", ["azerty", "xyz", "Paris", "Strasbourg", "Lorem ipsum dolor", "M"])
def test_nonsense_or_foreign_town_gives_none(town: str) -> None:
    assert resolve_commune(town) is None


def test_shared_postal_code_alone_gives_none(resolver: CommuneResolver) -> None:
    assert len(resolver.by_postal_code("68440")) > 1
    assert resolve_commune(None, "68440") is None
    assert resolve_commune("", "68440") is None
    assert resolve_commune("not a town", "68490") is None


def test_unique_postal_code_alone_resolves() -> None:
    resolution = resolve_commune(None, "68400")
    assert resolution is not None
    assert resolution.insee == RIEDISHEIM
    assert resolution.method is MatchMethod.POSTAL_CODE
    # A Mulhouse quartier typed as the town falls back on the postal code.
    assert insee_of("Bourtzwiller", "68200") == MULHOUSE


def test_m2a_has_39_current_communes(resolver: CommuneResolver) -> None:
    members = [c for c in resolver.communes if c.in_m2a]
    assert len(members) == 39
    assert all(c.epci_siren == M2A_EPCI_SIREN for c in members)
    assert all(in_m2a(c.insee) for c in members)
    assert sum(in_m2a(c.insee) for c in resolver.communes) == 39
    population = sum(c.population or 0 for c in members)
    assert 260_000 < population < 290_000


# -- matching rules -------------------------------------------------------------------------


def test_exact_and_normalised_methods() -> None:
    exact = resolve_commune("Mulhouse")
    assert exact is not None
    assert exact.method is MatchMethod.EXACT
    assert exact.score == 100.0
    normalised = resolve_commune("MULHOUSE")
    assert normalised is not None
    assert normalised.method is MatchMethod.NORMALISED


def test_hyphens_spaces_ligatures_and_articles() -> None:
    assert insee_of("Village Neuf") == "68349"
    assert insee_of("Villageneuf") == "68349"
    assert insee_of("Brunstatt Didenheim") == BRUNSTATT_DIDENHEIM
    assert insee_of("Voegtlinshoffen") == "68350"  # official name has "œ"
    assert insee_of("Bonhomme") == "68044"  # "Le Bonhomme"
    assert insee_of("KAYSERSBERG-VIGNOBLE") == "68162"


def test_cedex_suffix_variants() -> None:
    for town in ("Mulhouse Cedex 1", "MULHOUSE CEDEX 2", "Mulhouse-Cedex", "COLMAR CEDEX"):
        assert insee_of(town) is not None, town
    assert insee_of("Mulhouse Cedex 1") == MULHOUSE


def test_town_wins_over_a_disagreeing_postal_code() -> None:
    assert insee_of("Mulhouse", "68400") == MULHOUSE
    assert insee_of("Riedisheim", "68100") == RIEDISHEIM
    assert insee_of("Didenheim", "68100") == BRUNSTATT_DIDENHEIM


def test_fuzzy_prefers_the_communes_of_the_postal_code() -> None:
    resolution = resolve_commune("Habsehim", "68440")
    assert resolution is not None
    assert resolution.insee == "68118"
    assert resolution.method is MatchMethod.FUZZY


def test_fuzzy_refuses_near_ties_and_short_texts() -> None:
    # "Ingersheim" and "Ungersheim" are both communes: an edit between them is no typo.
    assert insee_of("Ingersheim") == "68155"
    assert insee_of("Ungersheim") == "68343"
    assert resolve_commune("Xngersheim") is None
    assert resolve_commune("Mul") is None


@pytest.mark.parametrize(
    ("former", "current"),
    [
        ("Didenheim", "68056"),
        ("Brunstatt", "68056"),
        ("Kientzheim", "68162"),
        ("Sigolsheim", "68162"),
        ("Kaysersberg", "68162"),
        ("Niederbruck", "68201"),
        ("Grentzingen", "68240"),
        ("Henflingen", "68240"),
        ("Oberdorf", "68240"),
        ("Riedwihr", "68143"),
        ("Holtzwihr", "68143"),
        ("Soppe-le-Haut", "68219"),
        ("Mortzwiller", "68219"),
        ("Spechbach-le-Bas", "68320"),
        ("Spechbach-le-Haut", "68320"),
        ("Michelbach", "68012"),
        ("Aspach-le-Haut", "68012"),
        ("Ammertzwiller", "68006"),
        ("Masevaux", "68201"),
    ],
)
def test_every_former_commune_maps_to_its_current_commune(former: str, current: str) -> None:
    resolution = resolve_commune(former)
    assert resolution is not None
    assert resolution.insee == current
    assert resolution.method is MatchMethod.FORMER_COMMUNE
    assert resolution.matched_name == former


def test_all_former_communes_of_the_file_are_placed(resolver: CommuneResolver) -> None:
    assert len(resolver.former_communes) == 20
    current_codes = {c.insee for c in resolver.communes}
    for former in resolver.former_communes:
        assert not former.is_current
        assert former.current_insee in current_codes
        assert former.population is None
        successor = resolver.get(former.current_insee)
        assert successor is not None
        assert former.postal_codes == successor.postal_codes
        assert former.in_m2a == successor.in_m2a


def test_former_bernwiller_and_current_bernwiller() -> None:
    # The current Bernwiller (68006, ex-Ammertzwiller code) absorbed the former 68031.
    resolution = resolve_commune("Bernwiller")
    assert resolution is not None
    assert resolution.insee == "68006"
    assert resolution.method is MatchMethod.EXACT


def test_resolving_100k_towns_is_fast() -> None:
    resolver = CommuneResolver.from_csv(PACKAGE_DIR / "data" / "communes_68_2021.csv")
    names = [c.name for c in resolver.communes]
    variants = [n.upper() for n in names] + [f"{n} cedex" for n in names] + ["Mulhuose"]
    towns = [variants[(i * 7919) % len(variants)] for i in range(100_000)]
    start = time.perf_counter()
    results = [resolver.resolve(town) for town in towns]
    elapsed = time.perf_counter() - start
    assert all(result is not None for result in results)
    assert elapsed < 2.0


# -- lookups --------------------------------------------------------------------------------


def test_get_and_current(resolver: CommuneResolver) -> None:
    mulhouse = resolver.get(" 68224 ")
    assert mulhouse is not None
    assert mulhouse.name == "Mulhouse"
    assert set(mulhouse.postal_codes) == {"68100", "68200"}
    assert mulhouse.is_current
    assert mulhouse.current_insee == MULHOUSE
    # A code shared by a former and a current commune gives the current one.
    shared = resolver.get("68056")
    assert shared is not None
    assert shared.name == "Brunstatt-Didenheim"
    didenheim = resolver.get("68070")
    assert didenheim is not None
    assert didenheim.name == "Didenheim"
    assert didenheim.current_insee == BRUNSTATT_DIDENHEIM
    current = resolver.current("68070")
    assert current is not None
    assert current.insee == BRUNSTATT_DIDENHEIM
    assert resolver.get("99999") is None
    assert resolver.current("99999") is None


def test_in_m2a_is_on_insee_code_only() -> None:
    assert in_m2a(MULHOUSE)
    assert in_m2a("68070")  # Didenheim, now Brunstatt-Didenheim
    assert not in_m2a("68066")  # Colmar
    assert not in_m2a(STEINBRUNN_LE_HAUT)
    assert not in_m2a("68100")  # a postal code is not an INSEE code
    assert not in_m2a("")
    assert not in_m2a("99999")


def test_by_postal_code(resolver: CommuneResolver) -> None:
    assert [c.insee for c in resolver.by_postal_code("68100")] == [MULHOUSE]
    names = {c.name for c in resolver.by_postal_code("68440")}
    assert {"Steinbrunn-le-Bas", "Steinbrunn-le-Haut", "Habsheim"} <= names
    assert all(c.is_current for c in resolver.by_postal_code("68350"))
    assert resolver.by_postal_code("75001") == []
    assert resolver.by_postal_code("nope") == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("68100", "68100"),
        (" 68 100 ", "68100"),
        ("68100.0", "68100"),
        ("8100", "08100"),
        ("", None),
        ("681", None),
        ("F-68100", None),
        (None, None),
    ],
)
def test_normalise_postal_code(raw: str | None, expected: str | None) -> None:
    assert normalise_postal_code(raw) == expected


# -- loading from a deployment path ---------------------------------------------------------


def test_package_copy_of_the_communes_file_is_verbatim() -> None:
    if not SHARED_COMMUNES.exists():
        pytest.skip("shared reference data not available")
    shipped = PACKAGE_DIR / "data" / "communes_68_2021.csv"
    assert shipped.read_bytes() == SHARED_COMMUNES.read_bytes()


def test_from_csv_accepts_a_deployment_file(tmp_path: Path) -> None:
    path = tmp_path / "communes.csv"
    path.write_text(
        "\ufeff# a comment line\n"
        + HEADER
        + "68224,Mulhouse,commune-actuelle,68200|68100,108312,200066009,m2A,1\n"
        + "68056,Brunstatt-Didenheim,commune-actuelle,68350,8163,200066009,m2A,1\n"
        + "68070,Didenheim,commune-deleguee,,,,,0\n",
        encoding="utf-8",
    )
    resolver = CommuneResolver.from_csv(path)
    assert len(resolver.communes) == 2
    resolution = resolver.resolve("didenheim")
    assert resolution is not None
    assert resolution.insee == BRUNSTATT_DIDENHEIM
    assert resolver.in_m2a("68070")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("68999,Nowhere,commune-deleguee,,,,,0\n", "no known current commune"),
        ("68224,Mulhouse,commune-actuelle,68100,1,200066009,m2A,0\n", "contradicts"),
        ("6822,Mulhouse,commune-actuelle,68100,1,200066009,m2A,1\n", "INSEE"),
        ("68224,Mulhouse,arrondissement,68100,1,200066009,m2A,1\n", "unknown type"),
        ("68224,Mulhouse,commune-actuelle,68100,many,200066009,m2A,1\n", "population"),
    ],
)
def test_from_csv_refuses_incoherent_data(tmp_path: Path, row: str, message: str) -> None:
    path = tmp_path / "communes.csv"
    path.write_text(HEADER + row, encoding="utf-8")
    with pytest.raises(TerritoryDataError, match=message):
        CommuneResolver.from_csv(path)


def test_from_csv_reports_missing_file_and_column(tmp_path: Path) -> None:
    with pytest.raises(TerritoryDataError, match="cannot read"):
        CommuneResolver.from_csv(tmp_path / "absent.csv")
    path = tmp_path / "bad.csv"
    path.write_text("code,name\n68224,Mulhouse\n", encoding="utf-8")
    with pytest.raises(TerritoryDataError, match="code_insee"):
        CommuneResolver.from_csv(path)


# -- QPV --------------------------------------------------------------------------------------


def test_default_qpv_is_provisional_and_lists_the_m2a_qpvs() -> None:
    qpv = load_qpv()
    assert qpv.provisional
    assert set(qpv.names()) == {
        "Les Coteaux",
        "Bourtzwiller",
        "Péricentre",
        "Drouot-Jonquilles",
        "Brustlein",
        "Markstein-La Forêt",
    }
    assert all(link.qpv_code is None for link in qpv.links)
    assert len(qpv.by_commune(MULHOUSE)) == 5
    assert [link.qpv_name for link in qpv.by_commune("68376")] == ["Markstein-La Forêt"]
    assert not qpv.touches_qpv(ILLZACH)
    assert qpv.touches_qpv(ILLZACH, include_uncertain=True)
    assert not qpv.touches_qpv("68066")
    assert (
        (PACKAGE_DIR / "data" / "qpv.csv").read_text(encoding="utf-8").startswith("# PROVISIONAL")
    )


def test_qpv_from_a_deployment_path(tmp_path: Path) -> None:
    path = tmp_path / "qpv.csv"
    path.write_text("qpv_code,qpv_name,insee\nQP068001,Les Coteaux,68224\n", encoding="utf-8")
    qpv = load_qpv(path)
    assert not qpv.provisional
    assert qpv.links[0].qpv_code == "QP068001"
    assert qpv.links[0].status is DataStatus.OFFICIAL


def test_qpv_refuses_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "qpv.csv"
    path.write_text("qpv_code,qpv_name,insee,status\n,X,68224,maybe\n", encoding="utf-8")
    with pytest.raises(TerritoryDataError, match="line 2"):
        load_qpv(path)


# -- rurality ---------------------------------------------------------------------------------


def test_default_rurality_is_provisional_and_population_derived(
    resolver: CommuneResolver,
) -> None:
    rurality = load_rurality()
    assert rurality.provisional
    assert set(rurality.entries) == {c.insee for c in resolver.communes}
    for commune in resolver.communes:
        expected = 3 if (commune.population or 0) < 2000 else 2
        assert rurality.density_class(commune.insee) == expected, commune.name
    assert (
        (PACKAGE_DIR / "data" / "rurality.csv")
        .read_text(encoding="utf-8")
        .startswith("# PROVISIONAL")
    )


def test_is_rural() -> None:
    assert is_rural(MULHOUSE) is False
    assert is_rural("68293") is True  # Saint-Cosme, 83 inhabitants
    assert is_rural("68108") is True  # Grentzingen (former) -> Illtal, 1,319 inhabitants
    assert is_rural("99999") is None
    assert DensityClass.TRES_PEU_DENSE.is_rural
    assert not DensityClass.INTERMEDIATE.is_rural


def test_rurality_from_a_deployment_path(tmp_path: Path) -> None:
    path = tmp_path / "rurality.csv"
    path.write_text("insee,density_class\n68224,1\n68293,4\n", encoding="utf-8")
    rurality = load_rurality(path)
    assert not rurality.provisional
    assert rurality.density_class(MULHOUSE) is DensityClass.DENSE
    assert is_rural(MULHOUSE, rurality) is False
    assert is_rural("68293", rurality) is True
    assert is_rural("68271", rurality) is None


@pytest.mark.parametrize("cell", ["0", "5", "dense", ""])
def test_rurality_refuses_bad_classes(tmp_path: Path, cell: str) -> None:
    path = tmp_path / "rurality.csv"
    path.write_text(f"insee,density_class\n68224,{cell}\n", encoding="utf-8")
    with pytest.raises(TerritoryDataError, match="density_class"):
        load_rurality(path)


# -- package boundaries -----------------------------------------------------------------------

FORBIDDEN_IMPORTS = {
    "sqlalchemy",
    "sqlmodel",
    "fastapi",
    "starlette",
    "hub",
    "consent",
    "connectors",
}


def test_territory_imports_no_forbidden_package() -> None:
    for source in PACKAGE_DIR.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                roots = {node.module.split(".")[0]}
            else:
                continue
            assert not roots & FORBIDDEN_IMPORTS, f"{source.name} imports {roots}"
