"""Art. 12(3) deadlines: one calendar month, clamped to the end of shorter months."""

from __future__ import annotations

from datetime import date

import pytest

from consent.deadlines import add_months, due_on


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2025, 3, 14), date(2025, 4, 14)),
        (date(2025, 1, 31), date(2025, 2, 28)),
        (date(2024, 1, 31), date(2024, 2, 29)),
        (date(2025, 3, 31), date(2025, 4, 30)),
        (date(2025, 12, 15), date(2026, 1, 15)),
        (date(2025, 2, 28), date(2025, 3, 28)),
    ],
)
def test_due_one_calendar_month_after_receipt(received: date, due: date) -> None:
    assert due_on(received) == due


def test_extension_counts_from_receipt_not_from_the_clamped_date() -> None:
    # 31 Jan + 1 month = 28 Feb, but + 3 months is 30 April, not 28 April.
    assert due_on(date(2025, 1, 31), extended_months=2) == date(2025, 4, 30)
    assert due_on(date(2025, 11, 30), extended_months=2) == date(2026, 2, 28)


def test_add_months_backwards_and_across_years() -> None:
    assert add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)
    assert add_months(date(2025, 1, 15), -12) == date(2024, 1, 15)
