"""Seeded synthetic population and source files with ground truth (never real people).

``generate_population(n, seed, reference_date=...)`` draws young people in households
(siblings, twins sharing a birth date, a household phone) and renders about 1.4 rows per
person across the three sources, with the mess described in FORMATS.md ("What real files
look like"). ``write_source_file`` writes one source in its reference layout. The same seed
and reference date always give the same files.

Used by the linkage and import benchmarks, the tests and the demo.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from hub.synthetic.population import SyntheticPerson, generate_persons
from hub.synthetic.rows import (
    BOUSSOLE,
    COLUMNS,
    DECROCHEURS,
    PERDUS_DE_VUE,
    RENDERERS,
    SOURCES,
    SourceRow,
    _Context,
    record_id_factory,
    spoil,
)
from hub.synthetic.writers import FileFormat, write_ground_truth, write_source_file

BAD_ROW_RATE = 0.004
# Rows per person: 1 (68%), 2 (25%), 3 (6%), 4 (1%): 1.40 on average.
_ROWS_PER_PERSON = (1, 2, 3, 4)
_ROWS_CUM_WEIGHTS = (0.68, 0.93, 0.99, 1.0)
_SOURCE_CUM_WEIGHTS = (0.36, 0.70, 1.0)


@dataclass(frozen=True)
class Population:
    """Synthetic people and the source rows describing them, with the truth."""

    seed: int
    reference_date: date
    persons: tuple[SyntheticPerson, ...]
    rows: dict[str, tuple[SourceRow, ...]] = field(repr=False)

    @property
    def row_count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    def truth(self) -> dict[tuple[str, str], str]:
        """``(source, source_record_id) -> person_id`` for every row."""
        return {
            (source, row.source_record_id): row.person_id
            for source, rows in self.rows.items()
            for row in rows
        }


def generate_population(
    n_persons: int,
    seed: int,
    *,
    reference_date: date,
    bad_row_rate: float = BAD_ROW_RATE,
) -> Population:
    """Draw ``n_persons`` people and their rows in the three sources (about 1.4 per person).

    ``reference_date`` is "today" for ages and record dates; the same arguments always
    produce the same population.
    """
    if n_persons < 0:
        raise ValueError("n_persons must be positive")
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not a secret
    persons = generate_persons(rng, n_persons, reference_date)
    plans: dict[str, list[tuple[int, int]]] = {source: [] for source in SOURCES}
    for index in range(len(persons)):
        count = rng.choices(_ROWS_PER_PERSON, cum_weights=_ROWS_CUM_WEIGHTS)[0]
        seen: dict[str, int] = {}
        for _ in range(count):
            source = rng.choices(SOURCES, cum_weights=_SOURCE_CUM_WEIGHTS)[0]
            occurrence = seen.get(source, 0)
            seen[source] = occurrence + 1
            plans[source].append((index, occurrence))
    twins = {p.twin_of for p in persons if p.twin_of} | {p.person_id for p in persons if p.twin_of}
    rows: dict[str, tuple[SourceRow, ...]] = {}
    for source in SOURCES:
        plan = plans[source]
        rng.shuffle(plan)
        make_id = record_id_factory(source, rng)
        render = RENDERERS[source]
        rendered: list[SourceRow] = []
        for number, (index, occurrence) in enumerate(plan, start=1):
            person = persons[index]
            record_id = make_id(number)
            ctx = _Context(rng=rng, reference_date=reference_date, occurrence=occurrence)
            cells, tags = render(ctx, person, record_id)
            if occurrence:
                tags.append("repeat")
            if person.person_id in twins:
                tags.append("twin")
            if rng.random() < bad_row_rate:
                cells = spoil(rng, source, cells, tags)
            rendered.append(
                SourceRow(
                    source=source,
                    source_record_id=record_id,
                    person_id=person.person_id,
                    cells=tuple(cells),
                    variations=tuple(tags),
                )
            )
        rows[source] = tuple(rendered)
    return Population(seed=seed, reference_date=reference_date, persons=tuple(persons), rows=rows)


def later_rows(
    population: Population, source: str, n_rows: int, *, seed: int
) -> tuple[SourceRow, ...]:
    """Rows of a later export of ``source`` (the next campaign, new requests): ``n_rows`` new
    records of people of ``population`` (repeats, with the usual mess), with record ids that
    follow the population's. Ground truth in ``person_id``; deterministic for ``seed``."""
    if source not in RENDERERS:
        raise ValueError(f"unknown source {source!r}; expected one of {list(SOURCES)}")
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not a secret
    make_id = record_id_factory(source, rng)
    first = len(population.rows.get(source, ())) + 1
    rows: list[SourceRow] = []
    for number in range(first, first + n_rows):
        person = population.persons[rng.randrange(len(population.persons))]
        ctx = _Context(rng=rng, reference_date=population.reference_date, occurrence=1)
        record_id = make_id(number)
        cells, tags = RENDERERS[source](ctx, person, record_id)
        rows.append(
            SourceRow(
                source=source,
                source_record_id=record_id,
                person_id=person.person_id,
                cells=tuple(cells),
                variations=(*tags, "later"),
            )
        )
    return tuple(rows)


__all__ = [
    "BOUSSOLE",
    "COLUMNS",
    "DECROCHEURS",
    "PERDUS_DE_VUE",
    "SOURCES",
    "FileFormat",
    "Population",
    "SourceRow",
    "SyntheticPerson",
    "generate_population",
    "later_rows",
    "write_ground_truth",
    "write_source_file",
]
