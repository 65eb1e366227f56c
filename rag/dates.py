"""Date bounds given by users (CLI flags, API filters) as YYYYMMDD integers."""

from __future__ import annotations

import calendar
import re

from rag.errors import BadInput
from rag.mentions import MONTHS

_DATE = re.compile(r"^(\d{4})(?:-?(\d{2})(?:-?(\d{2}))?)?$")


def parse_bound(value: str | int | None, *, end: bool = False) -> int | None:
    """A date, month or year, as the first (or with `end`, the last) day it covers.

    >>> parse_bound("2025-02"), parse_bound("2025-02", end=True), parse_bound("20241129")
    (20250201, 20250228, 20241129)
    """
    if value is None or value == "":
        return None
    text = str(value).strip()
    m = _DATE.match(text)
    if not m:
        raise BadInput(f"date {text!r} is not YYYY-MM-DD, YYYY-MM or YYYY")
    year, month, day = int(m[1]), int(m[2] or (12 if end else 1)), m[3]
    if not 1 <= month <= 12:
        raise BadInput(f"date {text!r} has no month {month}")
    last = calendar.monthrange(year, month)[1]
    d = int(day) if day else (last if end else 1)
    if not 1 <= d <= last:
        raise BadInput(f"date {text!r} has no day {d} in that month")
    return year * 10000 + month * 100 + d


def written_date(value: int) -> str:
    """20250205 -> 'February 5, 2025', as a reader writes a date."""
    return f"{MONTHS[value // 100 % 100 - 1].capitalize()} {value % 100}, {value // 10000}"


def format_date(value: int | None) -> str | None:
    """20250119 -> '2025-01-19'."""
    if value is None:
        return None
    return f"{value // 10000:04d}-{value // 100 % 100:02d}-{value % 100:02d}"
