"""Blocking keys: which records are worth comparing (never all pairs).

A record emits a handful of keys; two records are compared when they share one. The keys are
chosen so that each kind of variation leaves at least one key intact:

- ``ine``, ``email``, ``phone``: identifiers (a changed phone still leaves the e-mail...);
- ``name_dob``: the phonetic code of one name word with the birth date read with day and
  month in either order: survives a typo or a change in the *other* name (married name), names
  swapped or typed in one field, and day/month swaps;
- ``names``: the phonetic codes of a family word and a given word, in either order, without
  the birth date: for records *without* a birth date (missing or unreadable). Every record
  carries it, so that one without a birth date finds the others; but two records that both
  have a birth date are never paired through it (``name_dob`` and the identifiers do that),
  which keeps common names from flooding the comparisons.

Key values are plain strings here; the persistence layer stores only their blind indexes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import combinations

from hub.persons.matching.features import FeatureRecord, NameForm
from hub.persons.matching.text import phonetic

KEY_KINDS: tuple[str, ...] = ("ine", "email", "phone", "name_dob", "names")

UNDATED_ONLY_KINDS = frozenset({"names"})
"""Kinds that pair two records only when at least one of them has no birth date."""

MAX_BLOCK_SIZE: dict[str, int] = {
    "ine": 50,
    "email": 40,
    "phone": 40,
    "name_dob": 60,
    "names": 200,
}
"""Blocks larger than this are not compared within (an organisation's phone typed for every
young person, a very common name): the other keys still bring the true pairs together."""


def _word_codes(forms: Sequence[NameForm]) -> list[str]:
    codes: list[str] = []
    for form in forms:
        codes.append(form.phonetic)
        if len(form.tokens) > 1:
            codes.extend(phonetic(token) for token in sorted(form.tokens))
    return codes


def blocking_keys(record: FeatureRecord) -> list[tuple[str, str]]:
    """The ``(kind, value)`` blocking keys of a record, without duplicates."""
    keys: dict[tuple[str, str], None] = {}
    if record.ine:
        keys[("ine", record.ine)] = None
    for email in record.emails:
        keys[("email", email)] = None
    for phone in record.phones:
        keys[("phone", phone)] = None
    first = record.readings[0]
    family_codes = _word_codes(first.family)
    given_codes = _word_codes(first.given[:1])
    if record.birth_date is not None:
        birth = record.birth_date
        low, high = sorted((birth.day, birth.month))
        date_key = f"{birth.year}|{low:02d}{high:02d}"
        for code in dict.fromkeys(family_codes + given_codes):
            if len(code) >= 2:
                keys[("name_dob", f"{code}|{date_key}")] = None
    if family_codes and given_codes:
        pairs: Iterable[tuple[str, str]] = (
            (f, g) for f in family_codes[:3] for g in given_codes[:2]
        )
    else:
        # Names in one field: every pair of its words.
        pairs = combinations(dict.fromkeys(family_codes or given_codes), 2)
    for a, b in pairs:
        if a != b and len(a) >= 2 and len(b) >= 2:
            low_code, high_code = sorted((a, b))
            keys[("names", f"{low_code}|{high_code}")] = None
    return list(keys)


def candidate_pairs(
    keys_by_record: Sequence[Sequence[tuple[str, str]]],
    *,
    undated: Sequence[bool] | None = None,
    max_block_size: dict[str, int] | None = None,
) -> Iterator[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i < j``, of records sharing a key, each pair once; blocks over the
    size cap are skipped. ``undated[i]`` says record ``i`` has no birth date (see
    :data:`UNDATED_ONLY_KINDS`); when not given, every record counts as undated."""
    caps = max_block_size or MAX_BLOCK_SIZE
    blocks: dict[tuple[str, str], list[int]] = {}
    for index, keys in enumerate(keys_by_record):
        for key in keys:
            blocks.setdefault(key, []).append(index)
    seen: set[int] = set()
    width = len(keys_by_record) + 1
    for (kind, _value), members in blocks.items():
        if len(members) < 2 or len(members) > caps.get(kind, 50):
            continue
        pairs: Iterable[tuple[int, int]]
        if undated is not None and kind in UNDATED_ONLY_KINDS:
            pairs = ((a, b) for a, b in combinations(members, 2) if undated[a] or undated[b])
        else:
            pairs = combinations(members, 2)
        for a, b in pairs:
            code = a * width + b
            if code not in seen:
                seen.add(code)
                yield a, b
