"""Turn a plain-text news page (.txt, .md, and the text of PDFs, Word files and e-mails) into a
`CleanDocument`: the article without the page. HTML pages go through `ingest.html` instead.

Scraped pages carry furniture around the article: weather and date banners, "1 min read",
"Advertisement", follower counters, a teaser that repeats a later paragraph, and a tail of
related headlines and comment forms. The rules below are generic web patterns, not strings
from one site, and they work line by line:

1. repair mojibake (ftfy) and normalise whitespace in each line;
2. cut the page at the first line that opens a "more content" section (related posts, you may
   also like, previous story, leave a reply, …), once some article prose has been seen;
3. date: only from the header (a date-only line, a "Published: …" label in the first lines or a
   dateline that opens the text, "Jul 18, 2021 ... The race …"; never a date the body mentions);
   such lines, labels and the dateline are removed;
4. source: from a "…reports Outlet" standfirst or a "By Name | Outlet" byline in the header;
5. drop furniture lines, 1–2 word place/section labels above the title, exact repeats, and
   truncated teasers ("…" / "...") whose text recurs further down;
6. title: the first headline-like header line, else the start of the first sentence.

Worked example (seed 000)::

    2.2 C                                        dropped: weather banner
    Pakistan                                     dropped: place label above the title
    Sunday, January 19, 2025                     dropped, date = 20250119
    Pakistan set to strengthen … with China      title, kept in the text
    ISLAMABAD: Pakistan and China have agreed …  kept
    Related Articles                             cut here, with everything below
    LEAVE A REPLY

    -> CleanDocument(text="Pakistan set to strengthen …\\n\\nISLAMABAD: Pakistan and China …",
                     title="Pakistan set to strengthen counter-terrorism collaboration with China",
                     date=20250119, source=None)

Shortcuts: English pages only; furniture glued inside a paragraph (other than a leading date
label) survives; a "more content" heading that appears before any prose is dropped but the
headlines under it are not.
"""

from __future__ import annotations

import re

import dateparser
import ftfy
import pysbd

from rag.types import CleanDocument

_HEADER_LINES = 5  # the date is looked for this far down the page, and no further
_TITLE_LINES = 6  # likewise the title, the source and a byline (counted after furniture is gone)
_TITLE_MAX_CHARS = 90

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
_DATE = (
    rf"{_WEEKDAY}(?:\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}})"
)
_TIME = (
    r"(?:[T,]?\s*(?:at\s+)?\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?\s*(?:[ap]\.?m\.?)?"
    r"\s*(?-i:Z|[+-]\d{2}:?\d{2}|[A-Z]{2,4}\b)?)?"  # time zone: "Z", "+05:00", "GMT"
)
_LABEL = r"(?:date|dated|published|updated|posted|last\s+updated|first\s+published)(?:\s+on)?\s*[:\-–—]?"
_DATE_RE = re.compile(_DATE, re.I)
_DATE_ONLY = re.compile(rf"(?:{_LABEL}\s*)?(?P<date>{_DATE}){_TIME}", re.I)  # the whole line
_DATE_LABEL = re.compile(rf"{_LABEL}\s*(?P<date>{_DATE}){_TIME}\s*[|,;:–—-]?\s*", re.I)  # a line's start
# A dateline opening the text: "Jul 18, 2021 ... Slovenia's Tadej Pogačar …", "May 7, 2017 — Voters …".
_DATELINE = re.compile(rf"(?P<date>{_DATE}){_TIME}\s*(?:\.\.\.|…|[|–—]|-\s|:\s)\s*", re.I)
_DATEPARSER_SETTINGS = {
    "PREFER_DAY_OF_MONTH": "first",
    "REQUIRE_PARTS": ["day", "month", "year"],
    "RETURN_AS_TIMEZONE_AWARE": False,
}

# A line (trailing ":" "|" "»" etc. ignored) that opens a "more content" section of the page.
_SECTION_END = re.compile(
    r"(?:related|more|similar|recommended|popular|trending|top|latest)\s*"
    r"(?:articles?|posts?|stories|news|reads?|videos?|content|coverage)"
    r"|you\s*(?:may|might)\s*(?:also\s*)?(?:like|enjoy|be\s*interested\s*in)"
    r"|(?:more|latest)\s*(?:from|in|on)\b.{0,40}"
    r"|don[’']?t\s*miss(?:\s*(?:it|this|out))?"
    r"|(?:previous|prev|next)\s*(?:story|post|article)"
    r"|(?:leave|post|add)\s*a\s*(?:reply|comment)|\d*\s*comments?(?:\s*\(\d+\))?"
    r"|stay\s*connected|follow\s*us(?:\s*on\b.{0,30})?"
    r"|share\s*this(?:\s*(?:article|story|post|page))?"
    r"|trending(?:\s*now)?|(?:most\s*)?popular|recommended(?:\s*for\s*you)?|(?:what\s*to\s*)?read\s*next",
    re.I,
)
# Whole lines that are page furniture wherever they appear.
_FURNITURE = (
    re.compile(r"advertisements?|advertising|ads?|(?:sponsored|promoted|paid)(?:\s*content)?", re.I),
    re.compile(r"(?:site\s*)?logo", re.I),
    re.compile(r"\d+\s*min(?:ute)?s?\.?\s*read", re.I),
    re.compile(r"(?:go|back|return|scroll)\s*to\s*top\W*", re.I),
    re.compile(
        r"(?:[\d.,]+\s*[km]?\s*(?:follower|fan|subscriber|like|member)s?"
        r"\s*(?:follow|like|subscribe|join)?\s*)+",
        re.I,
    ),
    re.compile(r"(?:[A-Z][\w .'-]{0,30}\s+)?-?\d{1,3}(?:[.,]\d+)?\s*(?:°\s*[CcFf]?|[CcFf])"),  # weather
    re.compile(r".{0,100}\((?:photo|image|picture|pic|file|credit|courtesy)\b[^)]*\)\.?", re.I),  # caption
    re.compile(r"(?:file\s*)?(?:photo|image|picture)s?\s*(?:credit|by|courtesy)?\s*[:|].{0,80}", re.I),
    re.compile(r"(?:[\w &'-]{1,30}\s*[›»>]\s*)+[\w &'-]{1,40}"),  # breadcrumbs: Home › World › Asia
    re.compile(r"!\[[^\]]*\]\([^)]*\)"),  # a Markdown image
    re.compile(r"\W*"),  # nothing but punctuation or symbols
)
_READ_ALSO = re.compile(r"(?:also\s*read|read\s*(?:more|also)|see\s*also|must\s*read|related)\s*[:|–—-]", re.I)
_PLACE = re.compile(r"[A-Z][\w'’-]+(?:\s[A-Z][\w'’-]+)?")  # "Pakistan", "New Delhi"
_BYLINE = re.compile(  # "By Jane Doe, Staff Reporter" or "By Jane Doe | Daily Planet" (the source)
    r"(?i:by)\s+[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}(?:\s*[,–—-]\s*[^|.]{2,40})?(?:\s*\|\s*(?P<src>[^|.]{2,60}))?"
)
_SOURCE_TAG = re.compile(r"(?:…|\.{3})\.?\s*(?:reports?|writes?)\s+(?P<src>[A-Z][^.!?…]{1,60}?)$")
_TEASER = re.compile(r"(?P<head>.{20,}?)\s*(?:…|\.{3})\.?\s*(?:(?:reports?|writes?|says?)\s+[^.!?…]{1,60})?")


def clean_text(raw: str, fallback_title: str) -> CleanDocument:
    """Clean a plain-text (.txt/.md) article; see the module docstring for the rules."""
    lines = _cut_at_section_end(_normalise(raw))
    date = _header_date(lines)
    lines = [_DATE_LABEL.sub("", line, count=1) for line in lines if not _DATE_ONLY.fullmatch(line)]
    first = next((i for i, line in enumerate(lines) if line), None)
    if first is not None and (dateline := _DATELINE.match(lines[first])):
        date = date or _parse_date(dateline.group("date"))
        lines[first] = lines[first][dateline.end() :]
    source = _header_source(lines[:_TITLE_LINES])
    lines = [line for line in lines if line and not _is_furniture(line)]
    lines = _drop_header_labels(lines)
    lines = _drop_repeats(lines)
    text = "\n\n".join(lines)
    title_at = _title_index(lines)
    if title_at is not None:
        title = lines[title_at]
    elif lines:
        title = _shorten(_first_sentence(lines[0]))
    else:
        title = fallback_title
    return CleanDocument(text=text, title=title, date=date, source=source)


def _normalise(raw: str) -> list[str]:
    """ftfy, then one stripped single-spaced string per line: ' a\\xa0 b ' -> 'a b'."""
    return [normalise_line(line) for line in ftfy.fix_text(raw).splitlines()]


def normalise_line(line: str) -> str:
    line = re.sub(r"[\u200b\u200c\u200d\ufeff]", "", line)
    line = re.sub(r"(?<=[\w.,;:!?)'\"’”])Â(?=\s|$)", "", line)  # a lost nbsp's mojibake ftfy leaves
    line = re.sub(r"\s+", " ", line).strip()  # \s covers nbsp and the other Unicode spaces
    return re.sub(r"^#{1,6} ", "", line)  # a Markdown heading is a plain line here


def _cut_at_section_end(lines: list[str]) -> list[str]:
    """Everything from the first "more content" heading after some prose is page, not article."""
    kept: list[str] = []
    seen_prose = False
    for line in lines:
        if _SECTION_END.fullmatch(line.rstrip(" :.!|»›>-–—")):
            if seen_prose:
                break
            continue  # a nav label above the article: drop just the line
        kept.append(line)
        seen_prose = seen_prose or _is_prose(line)
    return kept


def _header_date(lines: list[str]) -> int | None:
    """The first date on a date-only or date-labelled line among the first lines, before the body."""
    for line in [line for line in lines if line][:_HEADER_LINES]:
        match = _DATE_ONLY.fullmatch(line) or _DATE_LABEL.match(line)
        if match and (date := _parse_date(match.group("date"))):
            return date
        if _is_prose(line):
            return None
    return None


def _parse_date(value: str) -> int | None:
    """'Sunday, January 19, 2025' -> 20250119; '2024-11-29T08:00:00+05:00' -> 20241129."""
    match = _DATE_RE.search(value)  # the date part only, so a time zone cannot shift the day
    parsed = dateparser.parse(match.group(0), languages=["en"], settings=_DATEPARSER_SETTINGS) if match else None
    return None if parsed is None else parsed.year * 10000 + parsed.month * 100 + parsed.day


def _header_source(lines: list[str]) -> str | None:
    for line in lines:
        match = _SOURCE_TAG.search(line) or _BYLINE.fullmatch(line)
        if match and match.group("src"):
            return match.group("src").strip()
    return None


def _is_furniture(line: str) -> bool:
    return _READ_ALSO.match(line) is not None or any(p.fullmatch(line) for p in _FURNITURE)


def _drop_header_labels(lines: list[str]) -> list[str]:
    """Drop place/section labels ('Pakistan') above the first longer line, and a byline near the top."""
    start = 0
    while start < len(lines) and _PLACE.fullmatch(lines[start]):
        start += 1
    head, rest = lines[start : start + _TITLE_LINES], lines[start + _TITLE_LINES :]
    return [line for line in head if not _BYLINE.fullmatch(line)] + rest


def _drop_repeats(lines: list[str]) -> list[str]:
    """Keep the first of exact repeats; drop a teaser ('Start of a para…') whose text recurs below."""
    keys = [line.casefold() for line in lines]
    seen: set[str] = set()
    kept: list[str] = []
    for i, line in enumerate(lines):
        teaser = _TEASER.fullmatch(line)
        if line in seen or (teaser and any(teaser.group("head").casefold() in k for k in keys[i + 1 :])):
            continue
        seen.add(line)
        kept.append(line)
    return kept


def _title_index(lines: list[str]) -> int | None:
    """The first headline-like line of the header; None when the page opens with prose."""
    for i, line in enumerate(lines[:_TITLE_LINES]):
        if _is_headline(line):
            return i
        if _is_prose(line):
            return None
    return None


def _is_headline(line: str) -> bool:
    return (
        3 <= len(line.split()) <= 25
        and not line.endswith((".", ",", ":", ";", "…"))
        and "…" not in line
        and re.search(r"[.!?]\s+[A-Z]", line) is None  # one sentence only
    )


def _is_prose(line: str) -> bool:
    return len(line.split()) >= 8 and line.endswith((".", "!", "?", '"', "”"))


def _first_sentence(paragraph: str) -> str:
    sentences = pysbd.Segmenter(language="en", clean=False).segment(paragraph)
    return str(sentences[0]).strip() if sentences else paragraph


def _shorten(sentence: str) -> str:
    """Cut to at most _TITLE_MAX_CHARS at a word boundary: 'A long … sentence' -> 'A long…'."""
    sentence = sentence.rstrip(".")
    if len(sentence) <= _TITLE_MAX_CHARS:
        return sentence
    cut = sentence[: _TITLE_MAX_CHARS - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–—") + "…"
