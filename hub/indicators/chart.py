"""The report's chart: the monthly cumulative funnel against the target's pace.

Drawn from the published report only (:attr:`IndicatorReport.cumulative`: points that could
only be worked out from hidden cells are gaps), with matplotlib's Agg canvas and no pyplot
(no global state: safe in a server process).
"""

from __future__ import annotations

import io
import math
from typing import Literal

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from hub.indicators.schemas import IndicatorReport

ChartFormat = Literal["png", "svg"]

_SERIES = (
    ("reperes", "Repérés", "#1f5fa8", "o"),
    ("mobilises", "Mobilisés", "#e07b00", "s"),
    ("orientes", "Orientés vers le droit commun", "#2a9d5c", "^"),
)


def _thousands(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")


def render_chart(report: IndicatorReport, fmt: ChartFormat = "png") -> bytes:
    """The chart as PNG or SVG bytes."""
    points = report.cumulative
    figure = Figure(figsize=(10, 5.5), dpi=110)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    positions = list(range(len(points)))
    labels = [point.month for point in points]
    for field, label, colour, marker in _SERIES:
        ys = [getattr(point, field) for point in points]
        axes.plot(
            positions,
            [math.nan if y is None else y for y in ys],
            label=label,
            color=colour,
            marker=marker,
            markersize=4,
            linewidth=2,
        )
        # Across months that cannot be shown, a dotted line joins the published points (it
        # says nothing of the hidden months but the trend).
        known = [(x, y) for x, y in zip(positions, ys, strict=True) if y is not None]
        if len(known) > 1:
            axes.plot(
                [x for x, _ in known],
                [y for _, y in known],
                color=colour,
                linestyle=":",
                linewidth=1,
            )
    if any(point.target for point in points):
        _plot_target(axes, positions, report)
    step = max(1, math.ceil(len(points) / 12))
    axes.set_xticks(positions[::step], labels[::step], rotation=45, ha="right")
    axes.set_ylim(bottom=0)
    axes.set_ylabel("Jeunes (cumul depuis le début de la période)")
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="upper left", fontsize=8)
    period = report.period
    axes.set_title(
        f"INVISIBLES : parcours cumulés par mois, {period.start:%d/%m/%Y} – {period.end:%d/%m/%Y}",
        fontsize=11,
    )
    figure.text(
        0.01,
        0.01,
        "Pointillés : mois dont le cumul n'est pas publiable (secret statistique).",
        fontsize=7,
        color="#555555",
    )
    figure.tight_layout(rect=(0, 0.03, 1, 1))
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, metadata=_metadata(fmt))
    return buffer.getvalue()


def _metadata(fmt: ChartFormat) -> dict[str, str | None]:
    # Reproducible files: no creation date or software version stamped in them.
    if fmt == "svg":
        return {"Date": None, "Creator": None}
    return {"Software": None}


def _plot_target(axes: Axes, positions: list[int], report: IndicatorReport) -> None:
    axes.plot(
        positions,
        [point.target for point in report.cumulative],
        label=f"Objectif au rythme du programme ({_thousands(report.programme.target)} jeunes)",
        color="#777777",
        linestyle="--",
        linewidth=1.5,
    )
