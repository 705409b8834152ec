"""Haut-Rhin communes: reference list, free-text resolution, m2A membership."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from rapidfuzz import process
from rapidfuzz.distance import OSA

from schemas.territory._data import DataPath, DataRow, is_insee_code, read_rows
from schemas.territory.normalise import (
    normalise_postal_code,
    parse_town,
    without_article,
)

M2A_EPCI_SIREN = "200066009"
"""SIREN of Mulhouse Alsace Agglomération (m2A)."""

COMMUNES_FILE = "communes_68_2021.csv"

_CURRENT_TYPES = frozenset({"commune-actuelle", "com"})
# "commune-deleguee"/"commune-associee" as in our file, COMD/COMA as in INSEE's COG files.
_FORMER_TYPES = frozenset({"commune-deleguee", "commune-associee", "comd", "coma"})

# Former communes whose code was not kept by the commune nouvelle they merged into. The
# communes CSV lists them ("commune-deleguee") without saying what they merged into; the
# former communes that share the code of their successor need no entry (same code => same
# commune). Source: INSEE COG, the Haut-Rhin communes nouvelles created in 2016.
_SUCCESSORS: dict[str, str] = {
    "68031": "68006",  # Bernwiller (former)  -> Bernwiller (Ammertzwiller + Bernwiller)
    "68070": "68056",  # Didenheim            -> Brunstatt-Didenheim
    "68108": "68240",  # Grentzingen          -> Illtal
    "68133": "68240",  # Henflingen           -> Illtal
    "68164": "68162",  # Kientzheim           -> Kaysersberg Vignoble
    "68206": "68012",  # Michelbach           -> Aspach-Michelbach
    "68233": "68201",  # Niederbruck          -> Masevaux-Niederbruck
    "68272": "68143",  # Riedwihr             -> Porte du Ried
    "68310": "68162",  # Sigolsheim           -> Kaysersberg Vignoble
    "68314": "68219",  # Soppe-le-Haut        -> Le Haut Soultzbach
    "68319": "68320",  # Spechbach-le-Bas     -> Spechbach
}


@dataclass(frozen=True)
class Commune:
    """A commune of the reference list, current or former (merged into a current one).

    For a former commune, ``postal_codes``, ``epci_siren`` and ``in_m2a`` are those of the
    current commune it belongs to today, and ``population`` is None.
    """

    insee: str
    name: str
    postal_codes: tuple[str, ...]
    population: int | None
    epci_siren: str | None
    in_m2a: bool
    current_insee: str
    """INSEE code of the commune as it exists today (its own code for a current commune)."""
    is_current: bool


class MatchMethod(StrEnum):
    """How a free-text town was matched."""

    EXACT = "exact"
    """The text is the official name, character for character (after Unicode NFC)."""
    NORMALISED = "normalised"
    """The text is the official name up to case, accents, punctuation, abbreviations..."""
    FORMER_COMMUNE = "former-commune"
    """The text names a former commune merged into the returned one ("Didenheim")."""
    FUZZY = "fuzzy"
    """The text is close to a name (a typo); see the score."""
    POSTAL_CODE = "postal-code"
    """The town was missing or unresolvable, and the postal code belongs to one commune only."""


@dataclass(frozen=True)
class Resolution:
    """A free-text town resolved to a current commune."""

    insee: str
    """INSEE code of the current commune."""
    name: str
    """Official name of the current commune."""
    method: MatchMethod
    score: float
    """Similarity (0-100) of the text with ``matched_name``; 100 unless the method is fuzzy."""
    matched_name: str
    """The official name that matched: a former commune's name for ``former-commune``."""


@dataclass(frozen=True)
class _FuzzyChoices:
    keys: tuple[str, ...]
    communes: tuple[Commune, ...]


class CommuneResolver:
    """Resolve free-text towns and postal codes to current communes; answer m2A membership.

    Build it once (:meth:`default` or :meth:`from_csv`) and reuse it: indexes are built at
    construction and resolutions are cached.
    """

    FUZZY_POSTAL_CODE_THRESHOLD: ClassVar[float] = 75.0
    """Minimum similarity for a typo among the communes of the given postal code."""
    FUZZY_DEPARTEMENT_THRESHOLD: ClassVar[float] = 85.0
    """Minimum similarity for a typo searched in the whole list (stricter: more candidates)."""
    FUZZY_MARGIN: ClassVar[float] = 4.0
    """A fuzzy match must beat the runner-up (another commune) by this much, else it is a guess."""
    FUZZY_MIN_LENGTH: ClassVar[int] = 4
    """Shorter texts are never fuzzy-matched: every short name is a few edits from another."""
    CACHE_SIZE: ClassVar[int] = 65_536

    def __init__(self, communes: Iterable[Commune]) -> None:
        """Index ``communes``; every former commune's ``current_insee`` must be listed as current.

        Raises ValueError on a duplicated current code or a dangling ``current_insee``.
        """
        current: dict[str, Commune] = {}
        former: list[Commune] = []
        for commune in communes:
            if commune.is_current:
                if commune.insee in current:
                    raise ValueError(f"commune {commune.insee} is listed twice as current")
                current[commune.insee] = commune
            else:
                former.append(commune)
        for commune in former:
            if commune.current_insee not in current:
                raise ValueError(
                    f"former commune {commune.insee} {commune.name} points to "
                    f"{commune.current_insee}, which is not a current commune"
                )
        self._current = current
        self._former = tuple(former)
        # A former commune that kept its code is reached through the current one.
        self._former_by_code = {c.insee: c for c in former if c.insee not in current}

        self._by_postal_code: dict[str, list[Commune]] = {}
        for commune in current.values():
            for code in commune.postal_codes:
                self._by_postal_code.setdefault(code, []).append(commune)

        self._exact: dict[str, list[Commune]] = {}
        self._current_keys: dict[str, list[Commune]] = {}
        self._former_keys: dict[str, list[Commune]] = {}
        fuzzy_all: list[tuple[str, Commune]] = []
        for commune in current.values():
            self._exact.setdefault(commune.name, []).append(commune)
        for commune in (*current.values(), *former):
            index = self._current_keys if commune.is_current else self._former_keys
            for key in _name_keys(commune.name):
                index.setdefault(key, []).append(commune)
                fuzzy_all.append((key, commune))
        self._fuzzy_all = _FuzzyChoices(
            tuple(key for key, _ in fuzzy_all), tuple(c for _, c in fuzzy_all)
        )
        self._fuzzy_by_postal_code: dict[str, _FuzzyChoices] = {}
        for code in self._by_postal_code:
            pairs = [(k, c) for k, c in fuzzy_all if code in c.postal_codes]
            self._fuzzy_by_postal_code[code] = _FuzzyChoices(
                tuple(k for k, _ in pairs), tuple(c for _, c in pairs)
            )

        # Per-instance caches: the same towns repeat endlessly in imported files.
        self._resolve_cached = functools.lru_cache(maxsize=self.CACHE_SIZE)(self._resolve)
        self._resolve_key_cached = functools.lru_cache(maxsize=self.CACHE_SIZE)(self._resolve_key)

    # -- construction -------------------------------------------------------------------

    @classmethod
    def from_csv(cls, path: DataPath) -> CommuneResolver:
        """Build a resolver from a communes CSV in the format of ``data/communes_68_2021.csv``.

        Raises :class:`~schemas.territory.TerritoryDataError` on an unreadable or incoherent
        file (unknown row type, malformed code, a former commune with no known successor...).
        """
        return cls(_communes_from_rows(read_rows(path, COMMUNES_FILE, _REQUIRED_COLUMNS)))

    @classmethod
    def default(cls) -> CommuneResolver:
        """The resolver over the communes list shipped with the package (built once)."""
        return _default_resolver()

    # -- lookups ---------------------------------------------------------------------------

    @property
    def communes(self) -> tuple[Commune, ...]:
        """The current communes, in file order."""
        return tuple(self._current.values())

    @property
    def former_communes(self) -> tuple[Commune, ...]:
        """The former (merged) communes, in file order."""
        return self._former

    def get(self, insee: str) -> Commune | None:
        """The commune with this INSEE code: the current one when a former commune shares it."""
        code = insee.strip()
        return self._current.get(code) or self._former_by_code.get(code)

    def current(self, insee: str) -> Commune | None:
        """The current commune for this code, following a former commune to its successor."""
        commune = self.get(insee)
        return None if commune is None else self._current[commune.current_insee]

    def in_m2a(self, insee: str) -> bool:
        """True when the commune with this INSEE code belongs to m2A today.

        Decided on the INSEE code only, never on a postal code (postal codes straddle the
        agglomeration's boundary). A former commune's code answers for its successor; an
        unknown code is False.
        """
        commune = self.get(insee)
        return commune is not None and commune.in_m2a

    def by_postal_code(self, postal_code: str) -> list[Commune]:
        """The current communes served by this postal code (empty when unknown)."""
        code = normalise_postal_code(postal_code)
        return list(self._by_postal_code.get(code, ())) if code else []

    def resolve(self, town: str | None, postal_code: str | None = None) -> Resolution | None:
        """Resolve a free-text town, helped by a postal code, to a current commune.

        The town wins when it resolves confidently, even against a disagreeing postal code.
        The postal code alone (no town, or a town that does not resolve) gives a commune only
        when exactly one current commune has it. None when nothing resolves or it is ambiguous.
        """
        return self._resolve_cached(town, postal_code)

    # -- internals -------------------------------------------------------------------------

    def _resolve(self, town: str | None, postal_code: str | None) -> Resolution | None:
        code = normalise_postal_code(postal_code)
        if town is not None:
            exact = self._exact.get(unicodedata.normalize("NFC", town).strip(), [])
            if len(exact) == 1:
                return _resolution(exact[0], MatchMethod.EXACT, 100.0, exact[0].name)
            parsed = parse_town(town)
            code = code or parsed.postal_code
            if parsed.key:
                found = self._resolve_key_cached(parsed.key, code)
                if found is not None:
                    return self._current_resolution(found)
        return self._resolve_postal_code(code)

    def _resolve_key(
        self, key: str, postal_code: str | None
    ) -> tuple[Commune, MatchMethod, float] | None:
        compact = key.replace(" ", "")
        for index, method in (
            (self._current_keys, MatchMethod.NORMALISED),
            (self._former_keys, MatchMethod.FORMER_COMMUNE),
        ):
            candidates = index.get(key) or index.get(compact)
            if candidates:
                chosen = _disambiguate(candidates, postal_code)
                # Two communes with this very name and no postal code to choose: refuse
                # rather than let a fuzzy search pick one at random.
                return None if chosen is None else (chosen, method, 100.0)
        if len(compact) < self.FUZZY_MIN_LENGTH:
            return None
        if postal_code is not None and postal_code in self._fuzzy_by_postal_code:
            found = _fuzzy(
                key,
                self._fuzzy_by_postal_code[postal_code],
                self.FUZZY_POSTAL_CODE_THRESHOLD,
                self.FUZZY_MARGIN,
            )
            if found is not None:
                return found
        return _fuzzy(key, self._fuzzy_all, self.FUZZY_DEPARTEMENT_THRESHOLD, self.FUZZY_MARGIN)

    def _current_resolution(self, found: tuple[Commune, MatchMethod, float]) -> Resolution:
        commune, method, score = found
        return Resolution(
            insee=commune.current_insee,
            name=self._current[commune.current_insee].name,
            method=method,
            score=score,
            matched_name=commune.name,
        )

    def _resolve_postal_code(self, postal_code: str | None) -> Resolution | None:
        if postal_code is None:
            return None
        communes = self._by_postal_code.get(postal_code, [])
        if len(communes) != 1:
            return None
        return _resolution(communes[0], MatchMethod.POSTAL_CODE, 100.0, communes[0].name)


_REQUIRED_COLUMNS = ("code_insee", "nom", "type")


def _resolution(commune: Commune, method: MatchMethod, score: float, matched: str) -> Resolution:
    return Resolution(commune.insee, commune.name, method, score, matched)


def _name_keys(name: str) -> list[str]:
    """The lookup keys of an official name: normalised, compact, and without its article."""
    key = parse_town(name).key
    keys = [key, key.replace(" ", "")]
    bare = without_article(key)
    if bare is not None:
        keys += [bare, bare.replace(" ", "")]
    return list(dict.fromkeys(keys))


def _disambiguate(candidates: Sequence[Commune], postal_code: str | None) -> Commune | None:
    by_current = {c.current_insee: c for c in candidates}
    if len(by_current) == 1:
        return candidates[0]
    if postal_code is not None:
        matching = [c for c in by_current.values() if postal_code in c.postal_codes]
        if len(matching) == 1:
            return matching[0]
    return None


def _fuzzy(
    key: str, choices: _FuzzyChoices, threshold: float, margin: float
) -> tuple[Commune, MatchMethod, float] | None:
    # Optimal string alignment counts a swap of two letters ("Mulhuose") as one edit.
    # Candidates slightly under the threshold are fetched too, so that a near tie with a
    # commune just below it still counts as ambiguous.
    hits = process.extract(
        key,
        choices.keys,
        scorer=OSA.normalized_similarity,
        score_cutoff=max(threshold - margin, 0.0) / 100.0,
        limit=None,
    )
    best: dict[str, tuple[float, Commune]] = {}
    for _, similarity, position in hits:
        commune = choices.communes[position]
        score = float(similarity) * 100.0
        if commune.current_insee not in best or score > best[commune.current_insee][0]:
            best[commune.current_insee] = (score, commune)
    ranked = sorted(best.values(), key=lambda item: item[0], reverse=True)
    if not ranked or ranked[0][0] < threshold:
        return None
    if len(ranked) > 1 and ranked[0][0] - ranked[1][0] < margin:
        return None
    score, commune = ranked[0]
    return commune, MatchMethod.FUZZY, round(score, 1)


def _communes_from_rows(rows: Sequence[DataRow]) -> list[Commune]:
    current: dict[str, Commune] = {}
    former_rows: list[DataRow] = []
    for row in rows:
        insee = row.get("code_insee")
        if not is_insee_code(insee):
            raise row.error(f"code_insee {insee!r} is not an INSEE commune code")
        if not row.get("nom"):
            raise row.error("nom is empty")
        kind = row.get("type").lower()
        if kind in _FORMER_TYPES:
            former_rows.append(row)
        elif kind in _CURRENT_TYPES:
            if insee in current:
                raise row.error(f"commune {insee} is listed twice as current")
            current[insee] = _current_commune(row)
        else:
            raise row.error(f"unknown type {kind!r}")

    communes = list(current.values())
    for row in former_rows:
        insee = row.get("code_insee")
        successor_code = insee if insee in current else _SUCCESSORS.get(insee)
        successor = current.get(successor_code) if successor_code else None
        if successor is None:
            raise row.error(f"former commune {insee} {row.get('nom')} has no known current commune")
        communes.append(
            Commune(
                insee=insee,
                name=unicodedata.normalize("NFC", row.get("nom")),
                postal_codes=successor.postal_codes,
                population=None,
                epci_siren=successor.epci_siren,
                in_m2a=successor.in_m2a,
                current_insee=successor.insee,
                is_current=False,
            )
        )
    return communes


def _current_commune(row: DataRow) -> Commune:
    insee = row.get("code_insee")
    postal_codes: list[str] = []
    for raw in row.get("codes_postaux").split("|"):
        if not raw.strip():
            continue
        code = normalise_postal_code(raw)
        if code is None:
            raise row.error(f"codes_postaux holds {raw!r}, not a postal code")
        postal_codes.append(code)
    population_text = row.get("population")
    try:
        population = int(population_text) if population_text else None
    except ValueError:
        raise row.error(f"population {population_text!r} is not a number") from None
    epci_siren = row.get("epci_siren") or None
    by_epci = epci_siren == M2A_EPCI_SIREN
    flag = row.get("membre_m2a")
    if flag:
        if flag not in ("0", "1"):
            raise row.error(f"membre_m2a {flag!r} is neither 0 nor 1")
        # Two columns say the same thing; a disagreement means a corrupted file, and a wrong
        # answer here misplaces people inside or outside the programme's territory.
        if (flag == "1") != by_epci:
            raise row.error(f"membre_m2a={flag} contradicts epci_siren={epci_siren}")
    return Commune(
        insee=insee,
        name=unicodedata.normalize("NFC", row.get("nom")),
        postal_codes=tuple(postal_codes),
        population=population,
        epci_siren=epci_siren,
        in_m2a=by_epci,
        current_insee=insee,
        is_current=True,
    )


@functools.cache
def _default_resolver() -> CommuneResolver:
    return CommuneResolver(_communes_from_rows(read_rows(None, COMMUNES_FILE, _REQUIRED_COLUMNS)))
