"""Dates as YYYYMMDD integers: bounds given by users (CLI flags, API filters), and the days a
dated report names by weekday."""

from __future__ import annotations

import calendar
import datetime
import re

from rag.errors import BadInput
from rag.mentions import MONTH, MONTH_CAPITAL, MONTHS, YEAR

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


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_WORD = re.compile(r"\b(yesterday|today|" + "|".join(WEEKDAYS) + r")\b", re.IGNORECASE)
# "on Friday, March 8": the text dates that weekday itself, to a day that need not be in the report's week.
_DATED_BY_TEXT = re.compile(
    rf",?\s+(?:the\s+)?(?:{MONTH}\s+\d{{1,2}}\b|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH})", re.IGNORECASE
)
# A day of a month with no year after it: "on Saturday, May 18", "on 18 May".
_CAPITAL = MONTH_CAPITAL.pattern
_YEARLESS = re.compile(
    rf"(?:(?P<m1>{_CAPITAL})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{_CAPITAL}))"
    r"(?![\d:]|,?\s*(?:19|20)\d\d)"
)
# A sentence about what is to come names a day ahead of its report, not the last one.
_AHEAD = re.compile(r"\b(?:will|shall|next|upcoming|scheduled|due to|is to|are to|expected to)\b", re.IGNORECASE)


def days_named(text: str, date: int) -> list[tuple[str, int]]:
    """The days a report dated `date` names as a reporter does: "yesterday", "today", a
    weekday, which is the last one on or before the report's date ("on Wednesday" in a report of
    Wednesday, February 5 is that day), or a day of a month with no year, the last one on or
    before it ("May 18" in a report of November 2019 is May 18, 2019). Sentences about what is
    to come are left alone.

    >>> days_named("They met on Wednesday. Talks ended yesterday.", 20250205)
    [('Wednesday', 20250205), ('yesterday', 20250204)]
    >>> days_named("He will visit on Friday.", 20250205), days_named("On Friday.", 20250231)
    ([], [])
    >>> days_named("It happened on Friday, March 8, and on Sunday.", 20191120)
    [('March 8', 20190308), ('Sunday', 20191117)]
    >>> days_named("It began on 28 December.", 20200110), days_named("In 2017, it began on 28 December.", 20200110)
    ([('28 December', 20191228)], [])
    """
    try:
        day = datetime.date(date // 10000, date // 100 % 100, date % 100)
    except ValueError:  # a page may claim February 31: it dates no weekday
        return []
    found: list[tuple[str, int]] = []
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if _AHEAD.search(sentence):
            continue
        for m in _YEARLESS.finditer(sentence) if not YEAR.search(sentence) else ():  # else the year is the text's
            month = MONTHS.index(next(n for n in MONTHS if n.startswith((m["m1"] or m["m2"]).lower()[:3])))
            year = day.year - ((month + 1, int(m["d1"] or m["d2"])) > (day.month, day.day))
            try:
                named = datetime.date(year, month + 1, int(m["d1"] or m["d2"]))
            except ValueError:  # "February 30" names no day
                continue
            found.append((m.group(0).rstrip("."), named.year * 10000 + named.month * 100 + named.day))
        for m in _DAY_WORD.finditer(sentence):
            if _DATED_BY_TEXT.match(sentence, m.end()):
                continue
            word = m.group(1).lower()
            if word == "today":
                back = 0
            elif word == "yesterday":
                back = 1
            else:
                back = (day.weekday() - WEEKDAYS.index(word)) % 7
            named = day - datetime.timedelta(days=back)
            found.append((m.group(1), named.year * 10000 + named.month * 100 + named.day))
    return list(dict.fromkeys(found))
