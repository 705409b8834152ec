"""Programme indicators of a period: read the facts, build the journeys, compute the exact
figures, publish them with suppression. Reads only; takes the session first, never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from hub.errors import UnprocessableError
from hub.indicators import repository
from hub.indicators.figures import Figures, Period, compute_figures
from hub.indicators.population import PARIS, build_journeys
from hub.indicators.publish import Programme, publish
from hub.indicators.schemas import IndicatorReport
from hub.indicators.suppression import MASKED_MARKER, SMALL_MARKER, THRESHOLD
from hub.models_base import utcnow
from hub.settings import Settings
from schemas.territory import (
    CommuneResolver,
    RuralityTable,
    TerritoryDataError,
    load_qpv,
    load_rurality,
)


class InvalidPeriodError(UnprocessableError):
    code = "invalid-period"
    title = "Invalid reporting period"


class TerritoryFileError(UnprocessableError):
    code = "territory-data-invalid"
    title = "Territory reference file unreadable"


def programme_of(settings: Settings) -> Programme:
    if settings.programme_end < settings.programme_start:
        raise InvalidPeriodError(
            "HUB_PROGRAMME_END is before HUB_PROGRAMME_START: fix the programme period"
        )
    return Programme(settings.programme_start, settings.programme_end, settings.programme_target)


def resolve_period(settings: Settings, start: date | None, end: date | None) -> Period:
    """The period asked for; a missing bound is the programme's."""
    period = Period(start or settings.programme_start, end or settings.programme_end)
    if period.end < period.start:
        raise InvalidPeriodError(
            f"the period starts ({period.start.isoformat()}) after it ends "
            f"({period.end.isoformat()}): 'from' must be on or before 'to'"
        )
    return period


def period_end(period: Period) -> datetime:
    """The end of the period's last day, local time (as an aware UTC datetime)."""
    return datetime.combine(period.end + timedelta(days=1), time(0), tzinfo=PARIS).astimezone(UTC)


def end_of(period: Period, now: datetime) -> datetime:
    """The moment statuses are read at: the end of the period, or ``now`` if it is not over."""
    return min(period_end(period), now)


def _territory(settings: Settings) -> tuple[RuralityTable, list[str]]:
    try:
        rurality = load_rurality(settings.rurality_file)
        qpv = load_qpv(settings.qpv_file)
    except TerritoryDataError as exc:
        raise TerritoryFileError(f"territory reference data: {exc}") from exc
    notes = []
    if rurality.provisional:
        notes.append(
            "Rural / urbain : la grille communale de densité utilisée est PROVISOIRE (fichier "
            "livré avec le hub, en attendant la grille officielle de l'INSEE : "
            "HUB_RURALITY_FILE)."
        )
    else:
        notes.append("Rural / urbain : grille communale de densité fournie par le déploiement.")
    if qpv.provisional:
        notes.append(
            "QPV : la résidence en QPV est la déclaration de la source ou du professionnel ; la "
            "liste des QPV du hub est PROVISOIRE (codes et périmètres officiels à charger : "
            "HUB_QPV_FILE)."
        )
    else:
        notes.append(
            "QPV : la résidence en QPV est la déclaration de la source ou du professionnel."
        )
    return rurality, notes


@dataclass(frozen=True)
class Computed:
    """The exact figures of a period (never published as such) and what publishing needs."""

    figures: Figures
    programme: Programme
    notes: list[str]
    generated_at: datetime


def compute_exact(
    session: Session,
    settings: Settings,
    *,
    start: date | None = None,
    end: date | None = None,
    now: datetime | None = None,
) -> Computed:
    """The exact, unsuppressed figures of the period: for :func:`compute` and for tests."""
    now = now or utcnow()
    programme = programme_of(settings)
    period = resolve_period(settings, start, end)
    moment = end_of(period, now)
    rurality, notes = _territory(settings)
    referrals = repository.referrals(session)
    journeys = build_journeys(
        repository.persons(session),
        repository.records(session, until=period.end),
        referrals,
        until=period.end,
        until_moment=moment,
    )
    figures = compute_figures(
        list(journeys.values()),
        referrals,
        period=period,
        moment=moment,
        organisation_names=repository.organisation_names(session),
        resolver=CommuneResolver.default(),
        rurality=rurality,
    )
    unlinked = repository.unlinked_record_count(session)
    if unlinked:
        shown = SMALL_MARKER if unlinked < THRESHOLD else str(unlinked)
        notes.append(
            f"{shown} enregistrement(s) de source pas encore rattaché(s) à une personne (en "
            "attente de la résolution d'identité) ne sont pas comptés."
        )
    if moment < period_end(period):
        notes.append(
            f"Période en cours : statuts lus le {moment.astimezone(PARIS):%d/%m/%Y à %H:%M}."
        )
    if period.start < programme.start or period.end > programme.end:
        notes.append(
            "La période déborde de celle du programme "
            f"({programme.start:%d/%m/%Y} – {programme.end:%d/%m/%Y}) : l'objectif n'est "
            "réparti que sur les jours du programme."
        )
    notes.append(
        f"Confidentialité : « {SMALL_MARKER} » = effectif de 1 à {THRESHOLD - 1} ; "
        f"« {MASKED_MARKER} » = masqué pour protéger un petit effectif."
    )
    return Computed(figures=figures, programme=programme, notes=notes, generated_at=now)


def compute(
    session: Session,
    settings: Settings,
    *,
    start: date | None = None,
    end: date | None = None,
    now: datetime | None = None,
) -> IndicatorReport:
    """The published indicators of the period ``start``..``end`` (inclusive days; default:
    the programme period): aggregates only, small counts suppressed."""
    computed = compute_exact(session, settings, start=start, end=end, now=now)
    return publish(
        computed.figures,
        programme=computed.programme,
        generated_at=computed.generated_at,
        notes=computed.notes,
    )
