"""The exact figures of a period, before any suppression: the funnel, its breakdowns, the
delays and the referral tables, each table with the additive relations a reader knows.

Pure: journeys and referral facts in, :class:`Figures` out. Nothing here leaves the hub:
:mod:`hub.indicators.publish` turns it into the published (suppressed) report.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from hub.indicators.population import Journey, ReferralFact
from hub.indicators.referral_figures import referral_tables
from hub.indicators.suppression import Line
from hub.indicators.tables import TOTAL, Column, Period, RawTable, Row
from schemas.territory import CommuneResolver, RuralityTable

PHASES: tuple[tuple[str, str], ...] = (
    ("reperes", "Repérés"),
    ("mobilises", "Mobilisés"),
    ("orientes", "Orientés vers le droit commun"),
)
PHASE_IDS = tuple(p for p, _ in PHASES)

CHANNELS: tuple[tuple[str, str], ...] = (
    ("psad", "Décrocheurs (listes PSAD / SIEI)"),
    ("boussole", "Boussole des jeunes"),
    ("perdus_de_vue", "Perdus de vue (Mission Locale)"),
    ("outreach", "Travail de rue (équipes mobiles)"),
    ("peer", "Pair à pair (ambassadeurs)"),
    ("partner", "Partenaires"),
    ("other", "Autre source"),
)
AGE_BANDS: tuple[tuple[str, str], ...] = (
    ("16-17", "16–17 ans"),
    ("18-25", "18–25 ans"),
    ("26-29", "26–29 ans"),
    ("out_of_public", "Hors public (moins de 16 ans ou 30 ans et plus)"),
    ("unknown", "Âge non renseigné"),
)
SEXES: tuple[tuple[str, str], ...] = (
    ("F", "Femmes"),
    ("M", "Hommes"),
    ("unknown", "Non renseigné"),
)
QPV: tuple[tuple[str, str], ...] = (
    ("yes", "Réside en QPV"),
    ("no", "Ne réside pas en QPV"),
    ("unknown", "Non renseigné"),
)


@dataclass
class Figures:
    period: Period
    as_of: datetime
    funnel: dict[str, int]
    tables: list[RawTable]
    delays: dict[str, list[int]]
    peer_ambassadors: int


def phase_day(journey: Journey, phase: str) -> date | None:
    if phase == "reperes":
        return journey.spotted_on
    if phase == "mobilises":
        return journey.mobilised_on
    return journey.oriented_on


def age_band(age: int | None) -> str:
    if age is None:
        return "unknown"
    if 16 <= age <= 17:
        return "16-17"
    if 18 <= age <= 25:
        return "18-25"
    if 26 <= age <= 29:
        return "26-29"
    return "out_of_public"


def qpv_key(lives_in_qpv: bool | None) -> str:
    return "unknown" if lives_in_qpv is None else ("yes" if lives_in_qpv else "no")


def sex_key(sex: str | None) -> str:
    return sex if sex in ("F", "M") else "unknown"


# -- person tables ---------------------------------------------------------------------------


def _phase_columns() -> list[Column]:
    return [Column(pid, label) for pid, label in PHASES]


def person_table(
    *,
    id: str,
    title: str,
    rows: Sequence[Row],
    journeys: Iterable[Journey],
    period: Period,
    assign: Callable[[Journey, str], str],
    note: str | None = None,
) -> RawTable:
    """Persons of each row (leaves given by ``assign``) per phase reached in the period, with
    subtotals up to the total row; the total row is the funnel (shared)."""
    all_rows = [Row(TOTAL, "Total", 0, "total", None), *rows]
    ids = {row.id for row in all_rows}
    children: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        children[row.parent or TOTAL].append(row.id)
    counts: Counter[tuple[str, str]] = Counter()
    for journey in journeys:
        for phase in PHASE_IDS:
            if phase_day(journey, phase) in period:
                leaf = assign(journey, phase)
                if leaf not in ids or children.get(leaf):
                    raise ValueError(f"table {id}: {leaf!r} is not a leaf row")
                counts[(leaf, phase)] += 1
    values: dict[tuple[str, str], int] = {}

    def fill(row_id: str, phase: str) -> int:
        if children.get(row_id):
            value = sum(fill(child, phase) for child in children[row_id])
        else:
            value = counts[(row_id, phase)]
        values[(row_id, phase)] = value
        return value

    for phase in PHASE_IDS:
        fill(TOTAL, phase)
    lines = [
        Line(tuple((child, phase) for child in kids), (parent, phase))
        for parent, kids in children.items()
        for phase in PHASE_IDS
    ]
    ordered = {key: values[key] for row in all_rows for key in ((row.id, p) for p in PHASE_IDS)}
    return RawTable(
        id=id,
        title=title,
        unit="personnes",
        columns=_phase_columns(),
        rows=all_rows,
        values=ordered,
        lines=lines,
        shared={(TOTAL, phase): phase for phase in PHASE_IDS},
        note=note,
    )


def _flat(categories: Sequence[tuple[str, str]]) -> list[Row]:
    return [Row(key, label, 1) for key, label in categories]


def territory_rows(
    journeys: Iterable[Journey],
    resolver: CommuneResolver,
    rurality: RuralityTable,
) -> tuple[list[Row], Callable[[Journey, str], str]]:
    """m2A (urban / rural / unknown density, then communes), outside m2A, unknown commune."""
    leaf_of: dict[uuid.UUID, str] = {}
    communes: dict[str, tuple[str, str]] = {}  # insee -> (group, name)
    for journey in journeys:
        commune = resolver.current(journey.commune_insee) if journey.commune_insee else None
        if commune is None:
            leaf_of[journey.person_id] = "outside" if journey.commune_insee else "unknown"
            continue
        if not commune.in_m2a:
            leaf_of[journey.person_id] = "outside"
            continue
        rural = rurality.is_rural(commune.insee)
        group = "m2a_density_unknown" if rural is None else ("m2a_rural" if rural else "m2a_urban")
        communes[commune.insee] = (group, commune.name)
        leaf_of[journey.person_id] = f"commune:{commune.insee}"
    rows = [Row("m2a", "Mulhouse Alsace Agglomération (m2A)", 1, "subtotal")]
    for group, label in (
        ("m2a_urban", "Communes urbaines (denses ou de densité intermédiaire)"),
        ("m2a_rural", "Communes rurales (peu denses ou très peu denses)"),
        ("m2a_density_unknown", "Communes de densité inconnue"),
    ):
        members = sorted(
            ((name, insee) for insee, (g, name) in communes.items() if g == group),
            key=lambda item: item[0],
        )
        if not members and group == "m2a_density_unknown":
            continue
        rows.append(Row(group, label, 2, "subtotal" if members else "category", "m2a"))
        rows.extend(
            Row(f"commune:{insee}", f"{name} ({insee})", 3, "category", group)
            for name, insee in members
        )
    rows.append(Row("outside", "Hors m2A", 1))
    rows.append(Row("unknown", "Commune non renseignée", 1))

    def assign(journey: Journey, _phase: str) -> str:
        return leaf_of[journey.person_id]

    return rows, assign


def person_tables(
    journeys: Sequence[Journey],
    period: Period,
    *,
    resolver: CommuneResolver,
    rurality: RuralityTable,
) -> list[RawTable]:
    territory, by_territory = territory_rows(journeys, resolver, rurality)
    return [
        person_table(
            id="channel",
            title="Par canal de repérage",
            rows=_flat(CHANNELS),
            journeys=journeys,
            period=period,
            assign=lambda j, _p: j.channel,
            note="Canal de la première trace du jeune dans le hub (une personne, un canal).",
        ),
        person_table(
            id="territory",
            title="Par territoire de résidence",
            rows=territory,
            journeys=journeys,
            period=period,
            assign=by_territory,
            note="Dernière commune connue (code INSEE ; une commune fusionnée compte pour sa "
            "commune nouvelle). Rural : grille communale de densité de l'INSEE.",
        ),
        person_table(
            id="qpv",
            title="Par résidence en quartier prioritaire (QPV)",
            rows=_flat(QPV),
            journeys=journeys,
            period=period,
            assign=lambda j, _p: qpv_key(j.lives_in_qpv),
            note="Déclaration de la source ou du professionnel (l'appartenance à un QPV se "
            "décide à l'adresse, pas à la commune).",
        ),
        person_table(
            id="age",
            title="Par âge au repérage",
            rows=_flat(AGE_BANDS),
            journeys=journeys,
            period=period,
            assign=lambda j, _p: age_band(j.age),
            note="Âge atteint dans l'année du repérage (année de naissance), à défaut âge au "
            "jour de la première orientation.",
        ),
        person_table(
            id="sex",
            title="Par sexe",
            rows=_flat(SEXES),
            journeys=journeys,
            period=period,
            assign=lambda j, _p: sex_key(j.sex),
        ),
        month_table(journeys, period),
    ]


def month_table(journeys: Sequence[Journey], period: Period) -> RawTable:
    """Entries into each phase per month, and the cumulative counts at each month's end.

    The cumulative counts are cells of the table, tied to the monthly ones by
    ``cumul(k) = cumul(k - 1) + month(k)`` (the last one is the total): suppression sees these
    relations, so a published cumulative point never gives a hidden month away, and a
    hidden month hides as few cumulative points as possible.
    """
    months = period.months()
    base = person_table(
        id="month",
        title="Par mois d'entrée dans la phase",
        rows=[Row(month, month, 1) for month in months],
        journeys=journeys,
        period=period,
        assign=lambda j, p: _month(phase_day(j, p)),
        note="Chaque personne est comptée le mois où elle entre pour la première fois dans "
        "la phase ; cumul : depuis le début de la période, à la fin du mois.",
    )
    values = dict(base.values)
    lines: list[Line] = []
    aliases: dict[tuple[str, str], tuple[str, str]] = {}
    for phase in PHASE_IDS:
        running = 0
        previous: tuple[str, str] | None = None
        for index, month in enumerate(months):
            running += values[(month, phase)]
            last = index == len(months) - 1
            cumulative = (TOTAL, phase) if last else (month, f"cumul_{phase}")
            if not last:
                values[cumulative] = running
            parts = ((previous,) if previous else ()) + ((month, phase),)
            lines.append(Line(parts, cumulative))
            previous = cumulative
        aliases[(months[-1], f"cumul_{phase}")] = (TOTAL, phase)
        aliases[(TOTAL, f"cumul_{phase}")] = (TOTAL, phase)
    labels = dict(PHASES)
    columns = [
        *base.columns,
        *(Column(f"cumul_{phase}", f"{labels[phase]} (cumul)") for phase in PHASE_IDS),
    ]
    return RawTable(
        id=base.id,
        title=base.title,
        unit=base.unit,
        columns=columns,
        rows=base.rows,
        values=values,
        lines=lines,
        shared=base.shared,
        note=base.note,
        aliases=aliases,
    )


def _month(day: date | None) -> str:
    assert day is not None
    return f"{day.year:04d}-{day.month:02d}"


# -- everything ------------------------------------------------------------------------------


def compute_figures(
    journeys: Sequence[Journey],
    referrals: Sequence[ReferralFact],
    *,
    period: Period,
    moment: datetime,
    organisation_names: Mapping[uuid.UUID, str],
    resolver: CommuneResolver,
    rurality: RuralityTable,
) -> Figures:
    funnel = {
        phase: sum(1 for j in journeys if phase_day(j, phase) in period) for phase in PHASE_IDS
    }
    delays: dict[str, list[int]] = {
        "reperage_mobilisation": [],
        "mobilisation_orientation": [],
        "reperage_orientation": [],
    }
    for journey in journeys:
        if journey.mobilised_on in period:
            assert journey.mobilised_on is not None
            delays["reperage_mobilisation"].append((journey.mobilised_on - journey.spotted_on).days)
        if journey.oriented_on in period:
            assert journey.oriented_on is not None
            if journey.mobilised_on is not None:
                delays["mobilisation_orientation"].append(
                    (journey.oriented_on - journey.mobilised_on).days
                )
            delays["reperage_orientation"].append((journey.oriented_on - journey.spotted_on).days)
    ambassadors = {
        referral.peer_code
        for referral in referrals
        if referral.peer_code and referral.day in period and referral.created_at < moment
    }
    tables = [
        *person_tables(journeys, period, resolver=resolver, rurality=rurality),
        *referral_tables(referrals, period, moment, organisation_names),
    ]
    return Figures(
        period=period,
        as_of=moment,
        funnel=funnel,
        tables=tables,
        delays=delays,
        peer_ambassadors=len(ambassadors),
    )


__all__ = [
    "PHASES",
    "TOTAL",
    "Column",
    "Figures",
    "Period",
    "RawTable",
    "Row",
    "compute_figures",
]
