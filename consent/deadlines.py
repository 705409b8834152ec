"""Deadlines of rights requests (GDPR Art. 12(3)).

The answer is due one calendar month after receipt; the controller may extend it by two
further months at most, with reasons, told to the person within the first month. A month
ends on the same day number, clamped to the last day of a shorter month (31 January + 1
month = 28 or 29 February), the usual reading of Regulation 1182/71 art. 3(2)(c).
"""

from __future__ import annotations

import calendar
from datetime import date

RESPONSE_MONTHS = 1
MAX_EXTENSION_MONTHS = 2


def add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_on(received_on: date, extended_months: int = 0) -> date:
    return add_months(received_on, RESPONSE_MONTHS + extended_months)
