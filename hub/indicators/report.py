"""Rendering the published report as Markdown, CSV or JSON (and the files of ``--out``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from hub.indicators.schemas import Count, IndicatorReport, TablePublic

if TYPE_CHECKING:
    from hub.indicators.chart import ChartFormat


class ReportFormat(StrEnum):
    MD = "md"
    CSV = "csv"
    JSON = "json"


def _count(value: Count | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f")
    return value


def _percent(value: float | None) -> str:
    return "non publiable" if value is None else f"{value:.1f}\u00a0%".replace(".", ",")


def _days(value: float | None) -> str:
    if value is None:
        return "non publiable"
    text = f"{value:g}".replace(".", ",")
    return f"{text} jours"


def _pace(expected: int, percent: float | None) -> str:
    if expected <= 0:
        return "- La période est en dehors de celle du programme : pas de rythme attendu."
    return (
        f"- Au rythme prévu, {_count(expected)} jeunes auraient dû être repérés à la fin de la "
        f"période : les repérés en font {_percent(percent)}."
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _md_table(table: TablePublic) -> list[str]:
    out = [f"### {table.title}", "", f"*Unité : {table.unit}.*", ""]
    header = ["", *(c.label for c in table.columns)]
    out.append("| " + " | ".join(_cell(h) for h in header) + " |")
    out.append("|" + "---|" + "---:|" * len(table.columns))
    for row in table.rows:
        indent = "\u00a0\u00a0" * max(0, row.level - 1)
        label = f"**{row.label}**" if row.kind != "category" else row.label
        cells = [_count(row.values[c.id]) for c in table.columns]
        if row.kind == "total":
            cells = [f"**{c}**" for c in cells]
        out.append("| " + " | ".join([_cell(indent + label), *cells]) + " |")
    if table.note:
        out += ["", f"*{table.note}*"]
    out.append("")
    return out


def render_markdown(report: IndicatorReport, *, chart_file: str | None = None) -> str:
    period, programme, funnel, progress = (
        report.period,
        report.programme,
        report.funnel,
        report.progress,
    )
    lines = [
        "# INVISIBLES : indicateurs du programme",
        "",
        f"Période du {period.start:%d/%m/%Y} au {period.end:%d/%m/%Y} "
        f"(statuts lus le {period.as_of:%d/%m/%Y %H:%M} UTC). "
        f"Programme : {programme.start:%d/%m/%Y} – {programme.end:%d/%m/%Y}, objectif "
        f"{_count(programme.target)} jeunes.",
        "",
        " ".join(report.privacy.rules),
        "",
        "## Entonnoir (personnes distinctes)",
        "",
        "| Phase | Jeunes |",
        "|---|---:|",
        f"| Repérés | {_count(funnel.reperes)} |",
        f"| Mobilisés | {_count(funnel.mobilises)} |",
        f"| Orientés vers le droit commun | {_count(funnel.orientes)} |",
        "",
        "## Avancement par rapport à l'objectif",
        "",
        f"- Repérés sur la période : **{_count(progress.reperes)}** sur un objectif de "
        f"{_count(progress.target)}, soit {_percent(progress.percent_of_target)}.",
        _pace(progress.expected_by_as_of, progress.percent_of_expected),
        f"- Ambassadeurs (codes pair à pair) ayant amené des jeunes : "
        f"{_count(report.peer_ambassadors)}.",
        "",
    ]
    if chart_file:
        lines += [f"![Entonnoir cumulé par mois et objectif]({chart_file})", ""]
    lines += ["## Délais entre les phases (médianes)", "", "| Étape | Jeunes | Médiane |"]
    lines.append("|---|---:|---:|")
    for delay in report.delays:
        lines.append(f"| {delay.label} | {_count(delay.persons)} | {_days(delay.median_days)} |")
    deadlines = report.deadlines
    lines += [
        "",
        "## Délais de réponse garantis",
        "",
        f"- Demandes d'orientation de la période avec un délai garanti : "
        f"{_count(deadlines.with_deadline)}",
        f"- En retard, toujours sans réponse : **{_count(deadlines.overdue)}**",
        f"- Acceptées ou refusées après le délai : {_count(deadlines.answered_late)}",
        "",
        "## Détail",
        "",
    ]
    for table in report.tables:
        lines += _md_table(table)
    lines += ["## Définitions", ""]
    lines += [f"- **{d.label}** : {d.definition}" for d in report.definitions]
    lines += ["", "## Notes sur les données", ""]
    lines += [f"- {note}" for note in report.notes]
    lines += ["", f"*Produit le {report.generated_at:%d/%m/%Y %H:%M} UTC par le hub INVISIBLES.*"]
    return "\n".join(lines) + "\n"


def csv_rows(report: IndicatorReport) -> Iterator[list[str]]:
    """Long format: ``section, table, row_id, row_label, column_id, column_label, value``."""
    yield ["section", "table", "row_id", "row_label", "column_id", "column_label", "value"]
    period = report.period
    yield ["period", "", "", "", "start", "Début", period.start.isoformat()]
    yield ["period", "", "", "", "end", "Fin", period.end.isoformat()]
    yield ["period", "", "", "", "as_of", "Statuts lus le", period.as_of.isoformat()]
    for key, label in (
        ("reperes", "Repérés"),
        ("mobilises", "Mobilisés"),
        ("orientes", "Orientés vers le droit commun"),
    ):
        yield ["funnel", "", key, label, "persons", "Jeunes", _plain(getattr(report.funnel, key))]
    progress = report.progress
    for key, value in (
        ("target", progress.target),
        ("reperes", progress.reperes),
        ("percent_of_target", progress.percent_of_target),
        ("expected_by_as_of", progress.expected_by_as_of),
        ("percent_of_expected", progress.percent_of_expected),
    ):
        yield ["progress", "", key, key, "value", "", _plain(value)]
    yield ["peers", "", "ambassadors", "Ambassadeurs", "value", "", _plain(report.peer_ambassadors)]
    for delay in report.delays:
        yield ["delays", "", delay.id, delay.label, "persons", "Jeunes", _plain(delay.persons)]
        yield [
            "delays",
            "",
            delay.id,
            delay.label,
            "median_days",
            "Médiane (jours)",
            _plain(delay.median_days),
        ]
    for key in ("with_deadline", "overdue", "answered_late"):
        yield ["deadlines", "", key, key, "value", "", _plain(getattr(report.deadlines, key))]
    for table in report.tables:
        for row in table.rows:
            for column in table.columns:
                yield [
                    "table",
                    table.id,
                    row.id,
                    row.label,
                    column.id,
                    column.label,
                    _plain(row.values[column.id]),
                ]
    for point in report.cumulative:
        for key in ("reperes", "mobilises", "orientes", "target"):
            yield [
                "cumulative",
                "",
                point.month,
                point.month,
                key,
                key,
                _plain(getattr(point, key)),
            ]


def _plain(value: object) -> str:
    return "" if value is None else str(value)


def render_csv(report: IndicatorReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(csv_rows(report))
    return buffer.getvalue()


def render_json(report: IndicatorReport) -> str:
    return report.model_dump_json(indent=2) + "\n"


def render(report: IndicatorReport, fmt: ReportFormat, *, chart_file: str | None = None) -> str:
    if fmt is ReportFormat.MD:
        return render_markdown(report, chart_file=chart_file)
    if fmt is ReportFormat.CSV:
        return render_csv(report)
    return render_json(report)


@dataclass(frozen=True)
class WrittenFiles:
    reports: list[Path]
    chart: Path


def write_report(
    report: IndicatorReport,
    directory: Path,
    formats: list[ReportFormat],
    *,
    chart_format: ChartFormat = "png",
) -> WrittenFiles:
    """Write ``indicateurs_<start>_<end>.<ext>`` for each format and the chart beside them."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"indicateurs_{report.period.start.isoformat()}_{report.period.end.isoformat()}"
    # matplotlib takes a quarter of a second to import: only commands that draw pay for it.
    from hub.indicators.chart import render_chart

    chart = directory / f"{stem}_cumul.{chart_format}"
    chart.write_bytes(render_chart(report, chart_format))
    written = []
    for fmt in formats:
        path = directory / f"{stem}.{fmt.value}"
        path.write_text(render(report, fmt, chart_file=chart.name), encoding="utf-8")
        written.append(path)
    return WrittenFiles(reports=written, chart=chart)
