"""Import benchmark: ``make bench-import`` (``.venv/bin/python -m bench.bench_import --rows N``).

1. The seeded synthetic generator (``hub.synthetic``, Faker ``fr_FR`` name pools, the mess of
   FORMATS.md: dropped accents, date formats, swapped names, household phones, typos, town
   variants, bad rows...) writes N rows of each source in its platform's usual CSV dialect
   (``--format xlsx`` for workbooks).
2. For each database — SQLite (a fresh file), and PostgreSQL when ``HUB_TEST_DATABASE_URL``
   or ``--pg-url`` is set (a throw-away schema, dropped afterwards) — each file is imported
   twice in a child process, as ``hub import`` does it (one transaction, encryption): the
   first import creates the records, the second finds them unchanged. The post-import hooks
   (identity resolution, routing: other domains' work, benchmarked by ``make bench-linkage``)
   are skipped unless ``--with-hooks``.
3. For each import it reports rows/s, wall and CPU time (reading the file to commit), the
   time spent in post-import hooks, the load average, and the peak RSS of the child.

The target is a 100,000-row décrocheurs file in at most 30 s with a peak RSS of at most
500 MB. Results are printed and written as JSON (``bench-out/bench-import.json``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

DEFAULT_ROWS = 100_000
DEFAULT_SEED = 2025
REFERENCE_DATE = date(2025, 6, 1)
TARGET_SECONDS = 30.0
TARGET_RSS_MB = 500.0
TARGET_SOURCE = "decrocheurs"
PG_ENV = "HUB_TEST_DATABASE_URL"


@dataclass
class Measure:
    database: str
    source: str
    run: str
    rows: int
    created: int
    updated: int
    unchanged: int
    quarantined: int
    load_average: float
    seconds: float
    cpu_seconds: float
    hooks_seconds: float
    peak_rss_mb: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def write_files(rows: int, seed: int, directory: Path, fmt: str) -> dict[str, Path]:
    """N rows of each source, from one seeded population (the generator draws ~1.4 rows per
    person across the three sources: enough persons are drawn for the smallest source)."""
    from hub.synthetic import SOURCES, Population, generate_population, write_source_file

    persons = math.ceil(rows / 0.36)
    while True:
        population = generate_population(persons, seed, reference_date=REFERENCE_DATE)
        if all(len(population.rows[source]) >= rows for source in SOURCES):
            break
        persons = math.ceil(persons * 1.15)
    files: dict[str, Path] = {}
    for source in SOURCES:
        trimmed = Population(
            seed=population.seed,
            reference_date=population.reference_date,
            persons=population.persons,
            rows={source: population.rows[source][:rows]},
        )
        path = directory / f"{source}-{rows}.{fmt}"
        write_source_file(trimmed, source, path, fmt)  # type: ignore[arg-type]
        files[source] = path
    return files


# ---------------------------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------------------------


def _pg_schema_url(base: str, schema: str) -> str:
    from urllib.parse import quote

    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options={quote(f'-csearch_path={schema}')}"


def _pg_execute(base: str, statement: str) -> None:
    from sqlalchemy import text

    from hub.db import create_db_engine

    engine = create_db_engine(base)
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()


def databases(work: Path, pg_url: str | None) -> list[tuple[str, str, str | None]]:
    """``(label, url, postgres schema to drop)`` of each database to measure, migrated."""
    from hub import migrations
    from hub.settings import normalise_database_url

    found: list[tuple[str, str, str | None]] = [
        ("sqlite", f"sqlite:///{work / 'bench.sqlite3'}", None)
    ]
    if pg_url:
        base = normalise_database_url(pg_url)
        schema = f"bench_import_{uuid.uuid4().hex[:10]}"
        _pg_execute(base, f'CREATE SCHEMA "{schema}"')
        found.append(("postgresql", _pg_schema_url(base, schema), schema))
    for _, url, _ in found:
        migrations.upgrade(url)
    return found


# ---------------------------------------------------------------------------------------------
# One import, in a child process (its own peak RSS)
# ---------------------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """Peak resident memory of this process since it started.

    ``VmHWM`` of the process's own memory map: ``ru_maxrss`` would carry over the parent's
    peak across fork and exec (Linux keeps it), and the parent holds the generated data.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(args: argparse.Namespace) -> None:
    """Import one file like ``hub import`` does; print the measure as JSON."""
    os.environ["HUB_DATA_DIR"] = args.data_dir
    os.environ["HUB_DATABASE_URL"] = args.db_url
    import hub.cli  # noqa: F401  - the whole hub, as `hub import` loads it (hooks included)
    from hub.crypto import build_crypto
    from hub.db import engine_from_settings, unit_of_work
    from hub.ingest import service
    from hub.ingest.hooks import post_import_hooks, register_post_import, unregister_post_import
    from hub.settings import Settings

    hooks = {"seconds": 0.0}

    def timed(hook: Callable[..., None]) -> Callable[..., None]:
        def run(*hook_args: Any) -> None:
            started = time.perf_counter()
            try:
                hook(*hook_args)
            finally:
                hooks["seconds"] += time.perf_counter() - started

        return run

    for hook in post_import_hooks():
        unregister_post_import(hook)
        if args.with_hooks:
            register_post_import(timed(hook))
    settings = Settings(data_dir=Path(args.data_dir), database_url=args.db_url)
    engine = engine_from_settings(settings)
    crypto = build_crypto(settings, engine)
    path = Path(args.file)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    with path.open("rb") as stream, unit_of_work(engine) as session:
        outcome = service.import_file(
            session,
            crypto,
            source=args.source,
            stream=stream,
            file_name=path.name,
            actor="bench",
            organisation_id=None,
        )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime + after.ru_stime) - (usage.ru_utime + usage.ru_stime)
    engine.dispose()
    summary = outcome.summary
    print(
        json.dumps(
            {
                "load_average": os.getloadavg()[0],
                "rows": summary.rows,
                "created": summary.created,
                "updated": summary.updated,
                "unchanged": summary.unchanged,
                "quarantined": summary.quarantined,
                "seconds": seconds,
                "cpu_seconds": cpu,
                "hooks_seconds": hooks["seconds"],
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )


def measure(
    database: str, url: str, source: str, file: Path, data_dir: Path, run: str, with_hooks: bool
) -> Measure:
    command = [
        sys.executable,
        "-m",
        "bench.bench_import",
        "--worker",
        "--db-url",
        url,
        "--source",
        source,
        "--file",
        str(file),
        "--data-dir",
        str(data_dir),
        *(["--with-hooks"] if with_hooks else []),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise SystemExit(f"bench: import of {file.name} on {database} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return Measure(database=database, source=source, run=run, **result)


# ---------------------------------------------------------------------------------------------


def _print(measures: list[Measure]) -> None:
    header = (
        f"{'database':<11}{'source':<15}{'run':<10}{'rows':>9}{'created':>9}{'unchanged':>10}"
        f"{'quarant.':>9}{'seconds':>9}{'rows/s':>9}{'CPU s':>8}{'hooks s':>9}{'peak RSS':>10}"
    )
    print(header)
    print("-" * len(header))
    for m in measures:
        print(
            f"{m.database:<11}{m.source:<15}{m.run:<10}{m.rows:>9,}{m.created:>9,}"
            f"{m.unchanged:>10,}{m.quarantined:>9,}{m.seconds:>9.1f}{m.rows_per_second:>9,.0f}"
            f"{m.cpu_seconds:>8.1f}{m.hooks_seconds:>9.1f}{m.peak_rss_mb:>7.0f} MB"
        )


def _verdict(measures: list[Measure], rows: int) -> list[str]:
    lines = []
    for m in measures:
        if m.source != TARGET_SOURCE or m.run != "first":
            continue
        scaled = m.seconds * (DEFAULT_ROWS / rows) if rows != DEFAULT_ROWS else m.seconds
        ok = scaled <= TARGET_SECONDS and m.peak_rss_mb <= TARGET_RSS_MB
        note = "" if rows == DEFAULT_ROWS else f" (extrapolated to {DEFAULT_ROWS:,} rows)"
        lines.append(
            f"target on {m.database}: {DEFAULT_ROWS:,} décrocheurs rows in {scaled:.1f} s"
            f"{note}, peak RSS {m.peak_rss_mb:.0f} MB -> {'OK' if ok else 'MISSED'} "
            f"(≤ {TARGET_SECONDS:.0f} s, ≤ {TARGET_RSS_MB:.0f} MB)"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows per source")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--sources", default="", help="comma-separated (default: all three)")
    parser.add_argument("--pg-url", default=os.environ.get(PG_ENV), help=f"default: ${PG_ENV}")
    parser.add_argument("--out", default="bench-out/bench-import.json")
    parser.add_argument(
        "--with-hooks",
        action="store_true",
        help="also run the post-import hooks (identity resolution, routing...): other domains' "
        "work, excluded by default",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db-url", help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args)
        return

    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        files = write_files(args.rows, args.seed, work, args.format)
        if args.sources:
            wanted = set(args.sources.split(","))
            files = {s: p for s, p in files.items() if s in wanted}
        print(
            f"Generated {args.rows:,} rows per source (seed {args.seed}, {args.format}) in "
            f"{time.perf_counter() - started:.1f} s: "
            + ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in files.values()),
            flush=True,
        )
        measures: list[Measure] = []
        targets = databases(work, args.pg_url)
        try:
            for label, url, _ in targets:
                for source, path in files.items():
                    for run in ("first", "re-import"):
                        m = measure(label, url, source, path, work / "data", run, args.with_hooks)
                        measures.append(m)
                        print(
                            f"  {label} {source} {run}: {m.rows:,} rows in {m.seconds:.1f} s "
                            f"({m.rows_per_second:,.0f} rows/s, CPU {m.cpu_seconds:.1f} s, "
                            f"load {m.load_average:.1f}), "
                            f"peak RSS {m.peak_rss_mb:.0f} MB",
                            flush=True,
                        )
        finally:
            for _, _, schema in targets:
                if schema is not None and args.pg_url:
                    from hub.settings import normalise_database_url

                    _pg_execute(
                        normalise_database_url(args.pg_url),
                        f'DROP SCHEMA IF EXISTS "{schema}" CASCADE',
                    )
    print()
    _print(measures)
    if not args.pg_url:
        print(f"(PostgreSQL skipped: set {PG_ENV} or pass --pg-url)")
    if not args.with_hooks:
        print("(post-import hooks of other domains not run: --with-hooks to include them)")
    print(
        f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: wall times on a "
        "busy machine exceed the CPU times)"
    )
    for line in _verdict(measures, args.rows):
        print(line)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "rows_per_source": args.rows,
                "seed": args.seed,
                "format": args.format,
                "with_hooks": args.with_hooks,
                "cpus": os.cpu_count(),
                "measures": [asdict(m) | {"rows_per_second": m.rows_per_second} for m in measures],
            },
            indent=2,
        )
    )
    print(f"Results written to {out}")


if __name__ == "__main__":
    main()
