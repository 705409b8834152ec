"""Identity-resolution benchmark: ``make bench-linkage``.

For each population size (1,000, 10,000 and 100,000 persons by default):

1. the seeded synthetic generator (``hub.synthetic``) writes the three source files, with
   ground truth (the true person of every row);
2. **matching only**: the files are read by the connectors, and the in-memory engine
   (``hub.persons.matching``) links the records; the naive baseline (exact normalised family
   name + first given name + birth date) runs on the same records;
3. **end to end**: a fresh SQLite hub imports the three files with ``hub import`` (each
   import links its records through the persons post-import hook) and ``hub persons export``
   gives the persons; wall time and peak RSS are those of the ``hub`` processes.

Pairwise precision, recall and F1 are computed on the records that were imported (rows the
connectors quarantine are out of both truth and prediction).

    .venv/bin/python -m bench.bench_linkage [--sizes 1000,10000] [--seed 2025] [--no-e2e]
"""

from __future__ import annotations

import argparse
import atexit
import csv
import importlib.util
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from connectors.registry import get_connector
from hub.persons.matching import features_from_person, link
from hub.persons.matching.engine import no_gc_pauses
from hub.persons.matching.text import fold
from hub.synthetic import (
    DECROCHEURS,
    SOURCES,
    generate_population,
    later_rows,
    write_source_file,
)
from schemas.v1 import Person

REPOSITORY = Path(__file__).resolve().parents[1]
DEFAULT_SIZES = (1_000, 10_000, 100_000)
DEFAULT_SEED = 2025
REFERENCE_DATE = date(2025, 6, 1)
LATER_FILE = "decrocheurs-next-campaign.csv"

RecordKey = tuple[str, str]


@dataclass
class Scores:
    precision: float
    recall: float
    f1: float
    predicted_pairs: int
    true_pairs: int


@dataclass
class SizeResult:
    persons: int
    rows: int
    records: int
    generate_seconds: float
    read_seconds: float
    engine_seconds: float
    engine: Scores
    engine_stats: dict[str, Any]
    baseline_seconds: float
    baseline: Scores
    end_to_end: dict[str, Any] = field(default_factory=dict)


def _pairs(groups: Iterable[Sequence[int]]) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    for group in groups:
        members = sorted(group)
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                pairs.add((a, b))
    return pairs


def pairwise_scores(predicted: Sequence[object], truth: Sequence[object]) -> Scores:
    """Pairwise precision/recall/F1 of a labelling against the true labelling (same order)."""

    def groups(labels: Sequence[object]) -> list[list[int]]:
        by_label: dict[object, list[int]] = defaultdict(list)
        for index, label in enumerate(labels):
            by_label[label].append(index)
        return [g for g in by_label.values() if len(g) > 1]

    predicted_pairs = _pairs(groups(predicted))
    true_pairs = _pairs(groups(truth))
    hits = len(predicted_pairs & true_pairs)
    precision = hits / len(predicted_pairs) if predicted_pairs else 1.0
    recall = hits / len(true_pairs) if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, len(predicted_pairs), len(true_pairs))


def read_records(directory: Path) -> list[tuple[RecordKey, Person]]:
    """The three files read by their connectors: the records that were not quarantined."""
    records: list[tuple[RecordKey, Person]] = []
    received = datetime.now(UTC)
    for source in SOURCES:
        connector = get_connector(source)
        with (directory / f"{source}.csv").open("rb") as handle:
            for result in connector.read(handle, file_name=f"{source}.csv", received_at=received):
                if result.record is not None:
                    key = (source, result.record.source_record_id)
                    records.append((key, result.record.person))
    return records


def baseline_labels(persons: Sequence[Person]) -> list[object]:
    """Naive linkage: exact folded family name + first given name + birth date."""
    labels: list[object] = []
    for index, person in enumerate(persons):
        if person.family_name and person.given_names and person.birth_date:
            labels.append(
                (fold(person.family_name), fold(person.given_names[0]), person.birth_date)
            )
        else:
            labels.append(("alone", index))
    return labels


def engine_labels(persons: Sequence[Person]) -> tuple[list[object], dict[str, Any], float]:
    started = time.perf_counter()
    with no_gc_pauses():
        features = [features_from_person(i, p) for i, p in enumerate(persons)]
    linkage = link(features)
    seconds = time.perf_counter() - started
    labels: list[object] = [0] * len(persons)
    for cluster_no, members in enumerate(linkage.clusters):
        for member in members:
            labels[member] = cluster_no
    stats = asdict(linkage.stats)
    return labels, stats, seconds


# -- end to end ------------------------------------------------------------------------------


def _run_hub(
    args: Sequence[str], env: dict[str, str], stdout: Any = None
) -> tuple[float, int, float]:
    """Run ``hub <args>``; return (wall seconds, peak RSS in bytes, CPU seconds) of that
    process.

    The command runs through ``--as-hub`` (below), which reports the process's own peak RSS
    (``VmHWM``): the ``ru_maxrss`` that ``wait4`` returns would include this benchmark's own
    memory, which a forked child inherits as its high-water mark.
    """
    with tempfile.NamedTemporaryFile(prefix="hub-rss-", suffix=".txt", delete=False) as handle:
        stats_path = Path(handle.name)
    command = [sys.executable, "-m", "bench.bench_linkage", "--as-hub", str(stats_path), *args]
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own command line
        command,
        env=env,
        cwd=REPOSITORY,
        stdout=stdout or subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if process.stderr is not None:
        errors = process.stderr.read().decode(errors="replace")
        process.stderr.close()
    else:
        errors = ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"hub {' '.join(args)} failed: {errors.strip()[-500:]}")
    try:
        peak_kib = int(stats_path.read_text().strip() or 0)
    finally:
        stats_path.unlink(missing_ok=True)
    return seconds, peak_kib * 1024, usage.ru_utime + usage.ru_stime


def _as_hub(stats_file: str, hub_args: list[str]) -> None:
    """Run the ``hub`` command line in this process and write its peak RSS (KiB) on exit."""

    def report() -> None:
        peak = 0
        with Path("/proc/self/status").open() as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    peak = int(line.split()[1])
        Path(stats_file).write_text(str(peak))

    atexit.register(report)
    from hub.cli import main as hub_main

    sys.argv = ["hub", *hub_args]
    hub_main()


def end_to_end(
    directory: Path, truth: dict[RecordKey, str], later_truth: dict[RecordKey, str]
) -> dict[str, Any]:
    """Import the three files into a fresh hub and score the persons it exports; then import
    a later export (new records of known people) on top, and score again."""
    data_dir = directory / "hub"
    shutil.rmtree(data_dir, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env |= {
        "HUB_DATA_DIR": str(data_dir),
        "HUB_SCHEDULER_ENABLED": "false",
        "HUB_LOG_LEVEL": "WARNING",
    }
    _run_hub(["db", "upgrade"], env)
    result: dict[str, Any] = {"imports": {}}
    total = cpu_total = 0.0
    peak = 0
    for source in SOURCES:
        seconds, rss, cpu = _run_hub(["import", source, str(directory / f"{source}.csv")], env)
        result["imports"][source] = {
            "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu, 2),
            "peak_rss_mb": rss >> 20,
        }
        total += seconds
        cpu_total += cpu
        peak = max(peak, rss)
    result["import_seconds"] = round(total, 2)
    result["import_cpu_seconds"] = round(cpu_total, 2)
    result["peak_rss_mb"] = peak >> 20
    seconds, records, scores = _export_and_score(directory, env, truth)
    result["export_seconds"] = round(seconds, 2)
    result["records"] = records
    result["scores"] = asdict(scores)

    seconds, rss, cpu = _run_hub(["import", DECROCHEURS, str(directory / LATER_FILE)], env)
    _seconds, records, scores = _export_and_score(directory, env, truth | later_truth)
    result["later_import"] = {
        "new_records": len(later_truth),
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_rss_mb": rss >> 20,
        "records": records,
        "scores": asdict(scores),
    }
    return result


def _export_and_score(
    directory: Path, env: dict[str, str], truth: dict[RecordKey, str]
) -> tuple[float, int, Scores]:
    export_path = directory / "persons.csv"
    with export_path.open("wb") as handle:
        seconds, _rss, _cpu = _run_hub(["persons", "export", "--format", "csv"], env, stdout=handle)
    with export_path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    keys = [(row["source"], row["source_record_id"]) for row in rows]
    scores = pairwise_scores([row["person_id"] for row in rows], [truth[key] for key in keys])
    return seconds, len(rows), scores


def ingest_available() -> bool:
    try:
        return importlib.util.find_spec("hub.ingest.service") is not None
    except ImportError:
        return False


# -- driver ----------------------------------------------------------------------------------


def run_size(
    persons: int, seed: int, work_dir: Path, *, e2e: bool, log: io.TextIOBase | Any
) -> SizeResult:
    directory = work_dir / f"n{persons}"
    directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    population = generate_population(persons, seed, reference_date=REFERENCE_DATE)
    for source in SOURCES:
        write_source_file(population, source, directory / f"{source}.csv")
    generate_seconds = time.perf_counter() - started
    truth = population.truth()
    rows = population.row_count
    # A later export (the next campaign): new records of known people, imported on top.
    later = later_rows(population, DECROCHEURS, max(persons // 10, 1), seed=seed + 1)
    write_source_file(population, DECROCHEURS, directory / LATER_FILE, rows=later)
    later_truth = {(DECROCHEURS, row.source_record_id): row.person_id for row in later}
    del population, later
    log.write(f"[{persons:>7,} persons] generated {rows:,} rows in {generate_seconds:.1f} s\n")

    started = time.perf_counter()
    records = read_records(directory)
    read_seconds = time.perf_counter() - started
    keys = [key for key, _ in records]
    people = [person for _, person in records]
    true_labels = [truth[key] for key in keys]
    log.write(f"[{persons:>7,} persons] connectors read {len(records):,} records in "
              f"{read_seconds:.1f} s\n")  # fmt: skip

    labels, stats, engine_seconds = engine_labels(people)
    engine_scores = pairwise_scores(labels, true_labels)
    started = time.perf_counter()
    naive = baseline_labels(people)
    baseline_seconds = time.perf_counter() - started
    baseline_scores = pairwise_scores(naive, true_labels)
    result = SizeResult(
        persons=persons,
        rows=rows,
        records=len(records),
        generate_seconds=round(generate_seconds, 2),
        read_seconds=round(read_seconds, 2),
        engine_seconds=round(engine_seconds, 2),
        engine=engine_scores,
        engine_stats=stats,
        baseline_seconds=round(baseline_seconds, 3),
        baseline=baseline_scores,
    )
    log.write(
        f"[{persons:>7,} persons] engine F1 {engine_scores.f1:.4f} in {engine_seconds:.1f} s; "
        f"baseline F1 {baseline_scores.f1:.4f}\n"
    )
    del records, people
    if e2e:
        result.end_to_end = end_to_end(directory, truth, later_truth)
        log.write(
            f"[{persons:>7,} persons] end to end: imports {result.end_to_end['import_seconds']} s "
            f"(CPU {result.end_to_end['import_cpu_seconds']} s), "
            f"peak RSS {result.end_to_end['peak_rss_mb']} MB, "
            f"F1 {result.end_to_end['scores']['f1']:.4f}\n"
        )
        later_import = result.end_to_end["later_import"]
        log.write(
            f"[{persons:>7,} persons] later import of {later_import['new_records']:,} records: "
            f"{later_import['seconds']} s (CPU {later_import['cpu_seconds']} s), "
            f"F1 {later_import['scores']['f1']:.4f}\n"
        )
    log.flush()
    return result


def _per_record(result: SizeResult) -> float:
    return result.engine_seconds / max(result.records, 1)


def render(results: Sequence[SizeResult]) -> str:
    lines = [
        "",
        "Identity resolution benchmark (pairwise scores on imported records)",
        "",
        f"{'persons':>8} {'records':>8} | {'engine P':>8} {'R':>6} {'F1':>6} {'match s':>7} | "
        f"{'naive P':>7} {'R':>6} {'F1':>6} {'s':>5} | {'e2e s':>6} {'cpu s':>6} {'RSS MB':>6} "
        f"{'e2e F1':>6}",
    ]
    for r in results:
        e2e = r.end_to_end
        e2e_cols = (
            f"{e2e['import_seconds']:>6.1f} {e2e['import_cpu_seconds']:>6.1f} "
            f"{e2e['peak_rss_mb']:>6} {e2e['scores']['f1']:>6.4f}"
            if e2e
            else f"{'-':>6} {'-':>6} {'-':>6} {'-':>6}"
        )
        lines.append(
            f"{r.persons:>8,} {r.records:>8,} | {r.engine.precision:>8.4f} {r.engine.recall:>6.4f} "
            f"{r.engine.f1:>6.4f} {r.engine_seconds:>7.2f} | {r.baseline.precision:>7.4f} "
            f"{r.baseline.recall:>6.4f} {r.baseline.f1:>6.4f} {r.baseline_seconds:>5.2f} | "
            f"{e2e_cols}"
        )
    later = [r for r in results if r.end_to_end.get("later_import")]
    if later:
        lines += [
            "",
            "Later import (next campaign) on top of the hub: new records linked to known people",
        ]
        for r in later:
            step = r.end_to_end["later_import"]
            lines.append(
                f"{r.persons:>8,} persons: {step['new_records']:>6,} new records in "
                f"{step['seconds']:>5.1f} s (CPU {step['cpu_seconds']:.1f} s), "
                f"F1 after {step['scores']['f1']:.4f}"
            )
    by_size = {r.persons: r for r in results}
    if 10_000 in by_size and 100_000 in by_size:
        small, large = by_size[10_000], by_size[100_000]
        ratio = f"time ratio 100k/10k: matching {large.engine_seconds / small.engine_seconds:.1f}x"
        ratio += f", matching per record {_per_record(large) / _per_record(small):.2f}x"
        if large.end_to_end and small.end_to_end:
            e2e_ratio = large.end_to_end["import_seconds"] / small.end_to_end["import_seconds"]
            ratio += f", end to end {e2e_ratio:.1f}x"
        lines += ["", ratio + " (10x is linear)"]
    lines.append(
        f"peak RSS of this benchmark process: "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10} MB"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["--as-hub"]:
        _as_hub(arguments[1], arguments[2:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(s) for s in DEFAULT_SIZES),
        help="comma-separated population sizes (persons)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--no-e2e", action="store_true", help="skip the end-to-end imports")
    parser.add_argument("--work-dir", type=Path, default=None, help="keep files here")
    parser.add_argument("--json", type=Path, default=None, help="also write results as JSON")
    args = parser.parse_args(arguments)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    e2e = not args.no_e2e
    if e2e and not ingest_available():
        sys.stderr.write("ingest pipeline not available: end-to-end imports skipped\n")
        e2e = False
    temporary = None
    if args.work_dir is None:
        temporary = tempfile.TemporaryDirectory(prefix="bench-linkage-")
        work_dir = Path(temporary.name)
    else:
        work_dir = args.work_dir
    try:
        results = [run_size(n, args.seed, work_dir, e2e=e2e, log=sys.stderr) for n in sizes]
    finally:
        if temporary is not None:
            temporary.cleanup()
    print(render(results))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
