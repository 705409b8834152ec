"""Background jobs: APScheduler 3 with its job store in the hub's own database.

- Jobs live in the ``apscheduler_jobs`` table (created by migration ``0005_feeds``, never by
  APScheduler), so a restart keeps each job's next run time.
- Which jobs exist comes from the settings: :func:`sync_jobs` adds, updates or removes the
  hub's jobs (e.g. the i-milo feed poll exists only when the feed is configured).
- **One process runs jobs.** Whoever wants to run them (``hub serve`` when
  ``HUB_SCHEDULER_ENABLED`` is true, or the dedicated ``hub scheduler run``) first takes a
  database-wide lock: a PostgreSQL advisory lock (per schema) or, on SQLite, an exclusive
  lock on a file beside the database. Other processes serve the API without running jobs.
  Production runs ``hub scheduler run`` as its own process and the API workers with
  ``HUB_SCHEDULER_ENABLED=false`` (see deploy/README.md).
- Job functions are referenced by name (``"hub.feeds.jobs:poll_imilo_feed_job"``) and take no
  arguments: they find the engine, settings and keys in the :class:`JobContext` of the
  process that runs them.
"""

from __future__ import annotations

import logging
import pickle
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import BaseJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.base import BaseTrigger
from sqlalchemy import (
    Column,
    Engine,
    Float,
    LargeBinary,
    Table,
    Unicode,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection, make_url
from sqlmodel import SQLModel

from hub.crypto import Crypto, build_crypto
from hub.models_base import utcnow
from hub.settings import Settings

logger = logging.getLogger("hub.scheduler")

JOBS_TABLE = "apscheduler_jobs"

# The same columns as APScheduler's SQLAlchemyJobStore, declared in the hub's metadata so that
# the migration creates the table and the drift test watches it.
scheduler_jobs = Table(
    JOBS_TABLE,
    SQLModel.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)

JOB_DEFAULTS: dict[str, Any] = {
    # A job late by a few runs (process down) runs once, not once per missed run.
    "coalesce": True,
    "max_instances": 1,
    "misfire_grace_time": 15 * 60,
}


class SchedulerNotMigratedError(Exception):
    """The job table is missing: the database was not migrated."""


class JobInterruptedError(Exception):
    """The scheduler is stopping: a job waiting between two attempts gives up cleanly."""


class HubJobStore(SQLAlchemyJobStore):  # type: ignore[misc]
    """APScheduler's SQLAlchemy job store on the hub's engine. Unlike the original it never
    creates its table: migrations own the schema."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine=engine, tablename=JOBS_TABLE)

    def start(self, scheduler: Any, alias: str) -> None:
        BaseJobStore.start(self, scheduler, alias)
        if not inspect(self.engine).has_table(JOBS_TABLE):
            raise SchedulerNotMigratedError(
                f"table {JOBS_TABLE!r} is missing; run `hub db upgrade` first"
            )


class HubScheduler(BackgroundScheduler):  # type: ignore[misc]
    """APScheduler's background scheduler, except that it never looks for due jobs once it is
    shutting down: APScheduler 3 does one last pass then, finds its executors closed and moves
    the due jobs to their next run time, so a run would be lost instead of done at next start."""

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        wait_seconds: float | None = super()._process_jobs()
        return wait_seconds


# --- what the jobs run with -------------------------------------------------------------


@dataclass
class JobContext:
    """What a job needs from the process running it. ``stopping`` is set at shutdown: jobs
    sleep through :meth:`sleep`, which then raises :class:`JobInterruptedError`."""

    settings: Settings
    engine: Engine
    stopping: threading.Event = field(default_factory=threading.Event)
    _crypto: Crypto | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def crypto(self) -> Crypto:
        with self._lock:
            if self._crypto is None:
                self._crypto = build_crypto(self.settings, self.engine)
            return self._crypto

    def sleep(self, seconds: float) -> None:
        if self.stopping.wait(seconds):
            raise JobInterruptedError("the scheduler is stopping")


_context: JobContext | None = None
_context_lock = threading.Lock()


def set_job_context(context: JobContext | None) -> None:
    global _context  # one context per process, set by whoever runs jobs
    with _context_lock:
        _context = context


def job_context() -> JobContext:
    """The running process's job context (set when its scheduler started)."""
    with _context_lock:
        if _context is None:
            raise RuntimeError("no job context: jobs run inside a started hub scheduler")
        return _context


# --- the hub's jobs ---------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduledJob:
    """A job the settings ask for."""

    id: str
    func_ref: str
    trigger: BaseTrigger
    name: str
    first_run_now: bool = False
    """When added or changed, run once right away instead of waiting for the trigger."""


def configured_jobs(settings: Settings) -> list[ScheduledJob]:
    """Every job the hub should run with these settings (one line per domain)."""
    from hub.feeds.jobs import scheduled_jobs as feed_jobs
    from hub.gdpr.jobs import scheduled_jobs as gdpr_jobs
    from hub.referrals.jobs import scheduled_jobs as referral_jobs

    return [*feed_jobs(settings), *gdpr_jobs(settings), *referral_jobs(settings)]


@dataclass(frozen=True)
class SyncReport:
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


def sync_jobs(scheduler: BackgroundScheduler, settings: Settings) -> SyncReport:
    """Make the job store hold exactly the hub's configured jobs. An unchanged job keeps its
    next run time; a job of the hub (``hub.*`` function) no longer configured is removed."""
    wanted = {job.id: job for job in configured_jobs(settings)}
    added: list[str] = []
    updated: list[str] = []
    kept: list[str] = []
    removed: list[str] = []
    for existing in scheduler.get_jobs():
        spec = wanted.get(existing.id)
        if spec is None:
            if str(existing.func_ref).startswith("hub."):
                scheduler.remove_job(existing.id)
                removed.append(existing.id)
            continue
        if existing.func_ref == spec.func_ref and str(existing.trigger) == str(spec.trigger):
            kept.append(existing.id)
        else:
            _add(scheduler, spec, replace=True)
            updated.append(existing.id)
        del wanted[existing.id]
    for spec in wanted.values():
        _add(scheduler, spec, replace=False)
        added.append(spec.id)
    return SyncReport(tuple(added), tuple(updated), tuple(kept), tuple(removed))


def _add(scheduler: BackgroundScheduler, spec: ScheduledJob, *, replace: bool) -> None:
    # Omitted, the next run time comes from the trigger (None would mean "paused").
    first_run = {"next_run_time": utcnow()} if spec.first_run_now else {}
    scheduler.add_job(
        spec.func_ref,
        trigger=spec.trigger,
        id=spec.id,
        name=spec.name,
        replace_existing=replace,
        **first_run,
    )


# --- building and running ---------------------------------------------------------------


def build_scheduler(engine: Engine, *, max_workers: int = 2) -> BackgroundScheduler:
    """A scheduler on the hub's job table (not started)."""
    return HubScheduler(
        jobstores={"default": HubJobStore(engine)},
        executors={"default": ThreadPoolExecutor(max_workers=max_workers)},
        job_defaults=dict(JOB_DEFAULTS),
        timezone=UTC,
    )


class SchedulerLock(Protocol):
    def acquire(self) -> bool: ...
    def release(self) -> None: ...


class _PostgresAdvisoryLock:
    """A session-level advisory lock held on a connection of its own, keyed per schema so
    that several hubs may share one database."""

    _KEY = "SELECT hashtext('invisibles-hub.scheduler:' || current_schema())"

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None

    def acquire(self) -> bool:
        if self._connection is not None:
            return True
        connection = self._engine.connect()
        try:
            got = connection.execute(text(f"SELECT pg_try_advisory_lock(({self._KEY}))")).scalar()
            connection.commit()
        except BaseException:
            connection.close()
            raise
        if not got:
            connection.close()
            return False
        self._connection = connection
        return True

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.execute(text(f"SELECT pg_advisory_unlock(({self._KEY}))"))
            connection.commit()
        except Exception:
            # The lock dies with the session: never hand this connection to someone else.
            connection.invalidate()
        finally:
            connection.close()


class _FileLock:
    """An exclusive, non-blocking ``flock`` on a file beside the SQLite database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        if self._file is not None:
            return True
        if sys.platform == "win32":  # no flock: a single process is assumed
            return True
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        handle, self._file = self._file, None
        if handle is not None:
            handle.close()  # closing the file releases the flock


class _ProcessLock:
    """In-memory databases are private to the process: nothing to share."""

    def acquire(self) -> bool:
        return True

    def release(self) -> None:
        return None


def scheduler_lock(engine: Engine) -> SchedulerLock:
    """The lock that elects the one process running jobs on this database."""
    url = make_url(engine.url)
    if url.get_backend_name() == "postgresql":
        return _PostgresAdvisoryLock(engine)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return _FileLock(Path(url.database + ".scheduler.lock"))
    return _ProcessLock()


@dataclass
class RunningScheduler:
    """A started scheduler, its lock and its jobs' context."""

    scheduler: BackgroundScheduler
    lock: SchedulerLock
    context: JobContext
    sync: SyncReport

    def stop(self, *, wait: bool = True) -> None:
        """Stop taking jobs, interrupt jobs waiting to retry, wait for the running ones."""
        self.context.stopping.set()
        try:
            if self.scheduler.running:
                self.scheduler.shutdown(wait=wait)
        finally:
            set_job_context(None)
            self.lock.release()
            logger.info("scheduler stopped")


def start_scheduler(
    settings: Settings,
    engine: Engine,
    *,
    lock: SchedulerLock | None = None,
    paused: bool = False,
) -> RunningScheduler | None:
    """Take the lock, start the scheduler and align its jobs with the settings. ``None`` when
    another process already runs the jobs of this database. ``paused``: jobs are aligned but
    none runs until ``scheduler.resume()``."""
    lock = lock or scheduler_lock(engine)
    if not lock.acquire():
        logger.info("scheduler not started: another process runs the jobs of this database")
        return None
    context = JobContext(settings=settings, engine=engine)
    scheduler = build_scheduler(engine)
    try:
        set_job_context(context)
        scheduler.start(paused=True)
        report = sync_jobs(scheduler, settings)
        if not paused:
            scheduler.resume()
    except BaseException:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        set_job_context(None)
        lock.release()
        raise
    logger.info(
        "scheduler started",
        extra={
            "jobs": len(scheduler.get_jobs()),
            "jobs_added": list(report.added),
            "jobs_updated": list(report.updated),
            "jobs_removed": list(report.removed),
        },
    )
    return RunningScheduler(scheduler=scheduler, lock=lock, context=context, sync=report)


def start_background_scheduler(settings: Settings, engine: Engine) -> RunningScheduler | None:
    """For ``hub serve``: start the scheduler when ``HUB_SCHEDULER_ENABLED`` is true. A failure
    is logged, not raised: the API keeps serving without background jobs."""
    if not settings.scheduler_enabled:
        return None
    try:
        return start_scheduler(settings, engine)
    except Exception:
        logger.exception("scheduler failed to start; background jobs are not running")
        return None


def run_scheduler_process(
    settings: Settings,
    engine: Engine,
    stop: threading.Event,
    *,
    retry_lock_seconds: float = 30.0,
    on_waiting: Callable[[str], None] | None = None,
    on_started: Callable[[RunningScheduler], None] | None = None,
) -> bool:
    """Body of ``hub scheduler run``: wait for the lock (a stand-by process takes over when
    the active one ends) and for the migrations (the API process applies them at start), then
    run jobs until ``stop`` is set. False when stopped before starting."""
    reported: set[str] = set()
    while not stop.is_set():
        try:
            running = start_scheduler(settings, engine)
        except SchedulerNotMigratedError as exc:
            running, reason = None, str(exc)
        else:
            reason = "another process runs the jobs of this database"
        if running is None:
            if on_waiting is not None and reason not in reported:
                on_waiting(reason)
            reported.add(reason)
            stop.wait(retry_lock_seconds)
            continue
        if on_started is not None:
            on_started(running)
        try:
            stop.wait()
        finally:
            running.stop()
        return True
    return False


# --- reading the job table --------------------------------------------------------------


@dataclass(frozen=True)
class JobInfo:
    """A job as stored (read without importing its function)."""

    id: str
    name: str
    func_ref: str
    trigger: str
    next_run_at: datetime | None
    """``None``: paused."""


def list_jobs(engine: Engine) -> list[JobInfo]:
    """Every stored job, soonest first, paused ones last."""
    with engine.connect() as connection:
        rows = connection.execute(select(scheduler_jobs.c.id, scheduler_jobs.c.job_state)).all()
    jobs = [_job_info(row_id, state) for row_id, state in rows]
    return sorted(
        jobs,
        key=lambda j: (j.next_run_at is None, j.next_run_at or datetime.min.replace(tzinfo=UTC)),
    )


def _job_info(job_id: str, job_state: bytes) -> JobInfo:
    # The job table is written only by the hub's scheduler: its pickles are trusted, exactly
    # as APScheduler's own job store trusts them.
    state = pickle.loads(job_state)  # noqa: S301
    next_run = state.get("next_run_time")
    return JobInfo(
        id=job_id,
        name=str(state.get("name") or job_id),
        func_ref=str(state.get("func")),
        trigger=str(state.get("trigger")),
        next_run_at=next_run.astimezone(UTC) if isinstance(next_run, datetime) else None,
    )


def run_job_now(settings: Settings, engine: Engine, job_id: str) -> object:
    """Run a stored job once in this process and return what it returned. Raises KeyError
    when there is no such job."""
    scheduler = build_scheduler(engine)
    store = HubJobStore(engine)
    store.start(scheduler, "default")
    job = store.lookup_job(job_id)
    if job is None:
        raise KeyError(job_id)
    context = JobContext(settings=settings, engine=engine)
    set_job_context(context)
    try:
        func: Callable[..., object] = job.func
        args: Sequence[Any] = job.args
        return func(*args, **job.kwargs)
    finally:
        set_job_context(None)
