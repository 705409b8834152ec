"""From exact figures to the published report: suppression applied consistently across every
table, and only what it leaves visible used for derived figures (percentages, cumulative
series, medians).

Pure. The funnel totals are the total row of every person table: a total hidden by one
table (only ever as a last resort) is hidden in all of them and in the headline, until
nothing changes.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from hub.indicators.figures import PHASE_IDS, TOTAL, Figures, RawTable
from hub.indicators.population import local_day
from hub.indicators.schemas import (
    ColumnPublic,
    Count,
    CumulativePoint,
    DeadlinesPublic,
    DefinitionPublic,
    DelayPublic,
    FunnelPublic,
    IndicatorReport,
    PeriodPublic,
    PrivacyPublic,
    ProgrammePublic,
    ProgressPublic,
    RowPublic,
    TablePublic,
)
from hub.indicators.suppression import (
    MASKED_MARKER,
    SMALL_MARKER,
    THRESHOLD,
    Suppression,
    suppress,
)


@dataclass(frozen=True)
class Programme:
    start: date
    end: date
    target: int

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def expected(self, since: date, until: date) -> float:
        """Young people the target implies between two days (inclusive), at a steady pace."""
        first, last = max(since, self.start), min(until, self.end)
        if last < first:
            return 0.0
        return self.target * ((last - first).days + 1) / self.days


DEFINITIONS: tuple[tuple[str, str, str], ...] = (
    (
        "reperes",
        "Repérés",
        "Jeunes (personnes distinctes, doublons fusionnés comptés une fois) dont la première "
        "trace dans le hub tombe dans la période : un enregistrement d'une source (date de la "
        "demande ou de la campagne, au plus tard le jour de sa réception) ou une demande "
        "d'orientation (jour de sa création). Un jeune déjà repéré avant la période n'est pas "
        "recompté.",
    ),
    (
        "mobilises",
        "Mobilisés",
        "Jeunes dont une demande d'orientation a été acceptée par son destinataire pour la "
        "première fois dans la période (acceptée, en cours, en pause ou terminée).",
    ),
    (
        "orientes",
        "Orientés vers le droit commun",
        "Jeunes dont une demande d'orientation a été terminée pour la première fois dans la "
        "période avec une entrée dans le droit commun : entrée PACEA, CEJ, formation, emploi "
        "ou autre partenaire (l'issue « autre » n'en est pas une).",
    ),
    (
        "flux",
        "Flux de la période",
        "Chaque phase compte les entrées de la période : sur une sous-période, un jeune mobilisé "
        "peut avoir été repéré avant elle. Sur la période du programme, les phases sont "
        "emboîtées.",
    ),
    (
        "delais",
        "Délais",
        "Médiane, en jours, entre les dates d'entrée dans les phases, pour les jeunes entrés "
        "dans la seconde phase pendant la période.",
    ),
)

PRIVACY_RULES = (
    f"Seuls des agrégats sont publiés. Un effectif de 1 à {THRESHOLD - 1} est remplacé par "
    f"« {SMALL_MARKER} » ; 0 est publié (une catégorie vide ne désigne personne).",
    f"« {MASKED_MARKER} » : effectif masqué (secret secondaire) pour qu'aucune valeur "
    f"« {SMALL_MARKER} » ne puisse être retrouvée à partir des totaux, sous-totaux et autres "
    "cellules du tableau ; un total partagé par plusieurs tableaux est masqué partout.",
    "Les cumuls mensuels sont des cellules du tableau par mois, protégées avec lui (la courbe "
    "ne montre que les cumuls publiés). Les médianes portant sur moins de 5 personnes et "
    "les pourcentages calculés sur un effectif masqué ne sont pas publiés.",
)

DELAYS = (
    ("reperage_mobilisation", "Repérage → mobilisation", "mobilises"),
    ("mobilisation_orientation", "Mobilisation → orientation vers le droit commun", "orientes"),
    ("reperage_orientation", "Repérage → orientation vers le droit commun", "orientes"),
)


def _suppress_all(
    tables: list[RawTable], funnel: dict[str, int], threshold: int
) -> tuple[dict[str, Suppression], set[str]]:
    hidden_shared = {name for name, value in funnel.items() if 0 < value < threshold}
    while True:
        results: dict[str, Suppression] = {}
        newly: set[str] = set()
        for table in tables:
            forced = {cell for cell, name in table.shared.items() if name in hidden_shared}
            keep = set(table.shared) - forced
            result = suppress(
                table.values, table.lines, threshold=threshold, keep=keep, forced=forced
            )
            results[table.id] = result
            newly |= {name for cell, name in table.shared.items() if result.is_hidden(cell)}
        if newly <= hidden_shared:
            return results, hidden_shared
        hidden_shared |= newly


def _shown(value: int, hidden: bool, threshold: int) -> Count:
    if not hidden:
        return value
    return SMALL_MARKER if 0 < value < threshold else MASKED_MARKER  # type: ignore[return-value]


def _table(raw: RawTable, result: Suppression) -> TablePublic:
    rows = []
    for row in raw.rows:
        values = {}
        for col in raw.columns:
            key = raw.cell(row.id, col.id)
            values[col.id] = result.display(key, raw.values[key])
        rows.append(
            RowPublic(id=row.id, label=row.label, level=row.level, kind=row.kind, values=values)
        )
    return TablePublic(
        id=raw.id,
        title=raw.title,
        unit=raw.unit,
        note=raw.note,
        columns=[ColumnPublic(id=c.id, label=c.label) for c in raw.columns],
        rows=rows,
    )


def _cumulative(table: TablePublic, programme: Programme, start: date) -> list[CumulativePoint]:
    """The cumulative columns of the published month table, with the target's pace."""
    points: list[CumulativePoint] = []
    for row in table.rows:
        if row.id == TOTAL:
            continue
        values = {
            phase: value if isinstance(value := row.values[f"cumul_{phase}"], int) else None
            for phase in PHASE_IDS
        }
        year, mon = int(row.id[:4]), int(row.id[5:])
        month_end = date(year + mon // 12, mon % 12 + 1, 1) - timedelta(days=1)
        points.append(
            CumulativePoint(
                month=row.id,
                reperes=values["reperes"],
                mobilises=values["mobilises"],
                orientes=values["orientes"],
                target=round(programme.expected(start, month_end), 1),
            )
        )
    return points


def _percent(numerator: Count, denominator: float) -> float | None:
    if not isinstance(numerator, int) or denominator <= 0:
        return None
    return round(100 * numerator / denominator, 1)


def publish(
    figures: Figures,
    *,
    programme: Programme,
    generated_at: datetime,
    notes: list[str],
    threshold: int = THRESHOLD,
) -> IndicatorReport:
    results, hidden_shared = _suppress_all(figures.tables, figures.funnel, threshold)
    funnel: dict[str, Count] = {
        phase: _shown(value, phase in hidden_shared, threshold)
        for phase, value in figures.funnel.items()
    }
    tables = [_table(raw, results[raw.id]) for raw in figures.tables]
    month_table = next(table for table in tables if table.id == "month")
    cumulative = _cumulative(month_table, programme, figures.period.start)
    last_day = min(figures.period.end, local_day(figures.as_of))
    expected = programme.expected(figures.period.start, last_day)
    delays = []
    for delay_id, label, phase in DELAYS:
        days = figures.delays[delay_id]
        published = isinstance(funnel[phase], int) and len(days) >= threshold
        delays.append(
            DelayPublic(
                id=delay_id,
                label=label,
                persons=funnel[phase],
                median_days=float(statistics.median(days)) if published else None,
            )
        )
    deadline_raw = next(raw for raw in figures.tables if raw.id == "referral_deadlines")
    deadline_result = results["referral_deadlines"]

    def deadline(column: str) -> Count:
        cell = (TOTAL, column)
        return deadline_result.display(cell, deadline_raw.values[cell])  # type: ignore[return-value]

    ambassadors = figures.peer_ambassadors
    return IndicatorReport(
        generated_at=generated_at,
        period=PeriodPublic(
            start=figures.period.start, end=figures.period.end, as_of=figures.as_of
        ),
        programme=ProgrammePublic(
            start=programme.start, end=programme.end, target=programme.target
        ),
        privacy=PrivacyPublic(
            threshold=threshold,
            small_marker=SMALL_MARKER,
            masked_marker=MASKED_MARKER,
            rules=list(PRIVACY_RULES),
        ),
        definitions=[DefinitionPublic(id=i, label=lab, definition=d) for i, lab, d in DEFINITIONS],
        funnel=FunnelPublic(**funnel),
        progress=ProgressPublic(
            target=programme.target,
            reperes=funnel["reperes"],
            percent_of_target=_percent(funnel["reperes"], programme.target),
            expected_by_as_of=round(expected),
            percent_of_expected=_percent(funnel["reperes"], expected),
        ),
        delays=delays,
        deadlines=DeadlinesPublic(
            with_deadline=deadline(TOTAL),
            overdue=deadline("overdue"),
            answered_late=deadline("late"),
        ),
        peer_ambassadors=_shown(ambassadors, 0 < ambassadors < threshold, threshold),
        tables=tables,
        cumulative=cumulative,
        notes=notes,
    )
