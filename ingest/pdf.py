"""A PDF's text layer, as paragraphs, with its title, author and date from the document info.

PDFium (pypdfium2: Apache-2.0/BSD, Chrome's PDF engine) reads the text. Measured against
pypdf, pdfminer.six and llama-index's PDFReader (which is pypdf) on real PDFs made from news
articles (`python -m bench.formats`): the same words on plain Latin fonts, PDFium alone right
on the CJK fonts LibreOffice embeds, and 10-15x faster.

PDFium gives positioned lines, not paragraphs. General rules rebuild the article:

- running heads and feet: a line among the first or last two of a page that recurs (digits
  aside) there on at least half of the pages, two at least, is the document's, not the
  article's ("The Daily Planet — World"); so do page numbers there ("Page 3 of 7", "- 3 -",
  or bare numbers that count up with the pages);
- paragraphs: a line starts a new one when the gap above it (in line heights) is a quarter
  wider than the page's usual one, or when its first word would have fit on the line before
  (so the break was not the layout's: a paragraph's last line, a heading); that last rule
  alone decides at a page or column break. A soft
  hyphen joins the halves of a word; a word's own hyphen at a line end is kept.

    page 1: "Daily Planet"  "Port reopens"  "The port reopened on Friday after a"  "week."  "1"
    page 2: "Daily Planet"  "Ships queued overnight, officials said."              "2"
    -> "Port reopens\\nThe port reopened on Friday after a week.\\nShips queued overnight, officials said."
"""

from __future__ import annotations

import itertools
import re
import statistics
import threading
from collections import Counter
from dataclasses import dataclass

from ingest.formats import Extracted, Unreadable

_LOCK = threading.Lock()  # PDFium is not thread-safe; uploads ingest in worker threads
_EDGE = 2  # lines at each end of a page that may be a running head or foot
_PAGE_NUMBER = re.compile(
    r"page\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|[-–—(]\s*\d{1,4}\s*[-–—)]|\d{1,4}\s*(?:of|/)\s*\d{1,4}", re.I
)
_NUMBER = re.compile(r"\d{1,4}")  # a bare number is a page number only if it counts up with the pages
_SOFT_HYPHEN = "\xad\x02"  # a hyphen the layout added: the halves join without it
_LINE_HYPHEN = "\ufffe"  # PDFium's mark for a word's own hyphen that fell at a line end: kept
_HYPHENS = tuple(_SOFT_HYPHEN + _LINE_HYPHEN)
_PDF_DATE = re.compile(r"(?:D:)?(\d{4})(\d{2})(\d{2})")
_FILE_TITLE = re.compile(r"(?:microsoft\s+\w+\s*-\s*)?.*\.(?:docx?|odt|rtf|txt|pdf|html?)|untitled.*", re.I)
_LINE = re.compile(r"[^\r\n]*\S[^\r\n]*")
_PITCH = 1.25  # a gap this much wider than the page's usual line-to-line distance separates paragraphs


@dataclass(frozen=True)
class Line:
    text: str
    left: float
    right: float
    bottom: float
    top: float

    @property
    def height(self) -> float:
        return self.top - self.bottom


def read_pdf(data: bytes) -> Extracted:
    """Raises `Unreadable` with what to do for a damaged, locked or text-less PDF."""
    import pypdfium2 as pdfium

    with _LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if getattr(exc, "err_code", None) in (4, 5):  # FPDF_ERR_PASSWORD, FPDF_ERR_SECURITY
                raise Unreadable("the PDF is password-protected; save a copy without the password") from exc
            raise Unreadable(f"the PDF is damaged or incomplete ({exc}); save or download it again") from exc
        try:
            info = pdf.get_metadata_dict(skip_empty=True)
            pages = [_page_lines(pdf[i]) for i in range(len(pdf))]
        except pdfium.PdfiumError as exc:
            raise Unreadable(f"the PDF cannot be read ({exc}); save or download it again") from exc
        finally:
            pdf.close()
    text = "\n".join(paragraphs(drop_running_lines(pages)))
    if not text.strip():
        raise Unreadable("the PDF has no text layer (a scan?); run OCR on it first, e.g. ocrmypdf, and ingest that")
    title = " ".join(info.get("Title", "").split())
    return Extracted(
        text=text,
        title="" if _FILE_TITLE.fullmatch(title) else title,
        author=" ".join(info.get("Author", "").split()) or None,
        date=_pdf_date(info.get("CreationDate", "")),
    )


def _page_lines(page: object) -> list[Line]:
    """The page's lines in reading order, each placed by the loose boxes of its first and last glyph
    (PDFium's text and its character boxes share one index, line breaks included)."""
    textpage = page.get_textpage()  # type: ignore[attr-defined]
    lines: list[Line] = []
    try:
        text = textpage.get_text_range()
        for match in _LINE.finditer(text):
            raw = match.group()
            first = match.start() + len(raw) - len(raw.lstrip())
            last = match.start() + len(raw.rstrip()) - 1
            step = max(1, (last - first) // 8)  # a few glyphs give the line's height: ascenders and descenders
            boxes = [textpage.get_charbox(i, loose=True) for i in (*range(first, last, step), last)]
            left, right = boxes[0][0], boxes[-1][2]
            lines.append(Line(" ".join(raw.split()), left, right, min(b[1] for b in boxes), max(b[3] for b in boxes)))
    finally:
        textpage.close()
        page.close()  # type: ignore[attr-defined]
    return lines


def drop_running_lines(pages: list[list[Line]]) -> list[list[Line]]:
    """Remove running heads/feet and page numbers from the ends of each page.

    >>> pages = [[at("Planet"), at("Port reopens"), at("1")], [at("Planet"), at("Ships queued."), at("2")]]
    >>> [[line.text for line in page] for page in drop_running_lines(pages)]
    [['Port reopens'], ['Ships queued.']]
    """
    heads = Counter(k for page in pages for k in {_key(line.text) for line in page[:_EDGE]})
    feet = Counter(k for page in pages for k in {_key(line.text) for line in page[-_EDGE:]})
    offsets = Counter(
        int(line.text) - i
        for i, page in enumerate(pages)
        for line in {*page[:_EDGE], *page[-_EDGE:]}
        if _NUMBER.fullmatch(line.text)
    )
    need = max(2, (len(pages) + 1) // 2)

    def running(line: Line, seen: Counter[str], index: int) -> bool:
        if _NUMBER.fullmatch(line.text):
            return offsets[int(line.text) - index] >= need
        return seen[_key(line.text)] >= need or _PAGE_NUMBER.fullmatch(line.text) is not None

    out: list[list[Line]] = []
    for i, page in enumerate(pages):
        head = [line for line in page[:_EDGE] if not running(line, heads, i)]
        middle = page[_EDGE:-_EDGE] if len(page) > 2 * _EDGE else []
        foot = [line for line in page[max(_EDGE, len(page) - _EDGE) :] if not running(line, feet, i)]
        out.append(head + middle + foot)
    return out


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", line.casefold())


def paragraphs(pages: list[list[Line]]) -> list[str]:
    """Join lines into paragraphs by the rules in the module docstring.

    >>> page = [at("Port reopens", y=700, right=200), at("The port reopened on Friday after a", y=680),
    ...         at("long week of repairs.", y=666, right=300), at("Ships queued.", y=640, right=250)]
    >>> paragraphs([page])
    ['Port reopens', 'The port reopened on Friday after a long week of repairs.', 'Ships queued.']
    """
    widths = sorted(line.right - line.left for page in pages for line in page)
    if not widths:
        return []
    usual = widths[-max(1, len(widths) // 10)]  # the top decile: most lines of prose run the full width
    out: list[str] = []
    current = ""
    previous: Line | None = None
    for page in pages:
        ratios = [a.bottom - b.bottom for a, b in itertools.pairwise(page)]
        ratios = [
            gap / max(a.height, b.height, 1.0)
            for gap, (a, b) in zip(ratios, itertools.pairwise(page), strict=True)
            if gap > 0
        ]
        leading = statistics.median(ratios) if ratios else 0.0  # line-to-line distance in line heights
        for n, line in enumerate(page):
            if previous is None:
                starts = True
            elif n == 0:  # the first line of a page runs on unless the last one ended its paragraph
                starts = _ended(previous, line, usual)
            else:
                gap = (previous.bottom - line.bottom) / max(previous.height, line.height, 1.0)
                # a jump up is a new column: like a page break, only the line before can tell
                starts = _ended(previous, line, usual) or gap > max(_PITCH * leading, 0.0)
            if starts and current and not current.endswith(_HYPHENS):
                out.append(current.strip())
                current = ""
            if current.endswith(tuple(_SOFT_HYPHEN)):
                current = current.rstrip(_SOFT_HYPHEN) + line.text
            elif current.endswith(_LINE_HYPHEN):
                current = current[:-1] + "-" + line.text
            else:
                current = f"{current} {line.text}" if current else line.text
            previous = line
    if current.strip():
        out.append(current.strip().rstrip(_SOFT_HYPHEN + _LINE_HYPHEN))
    return [p.replace(_LINE_HYPHEN, "-") for p in out]


def _ended(line: Line, following: Line, usual: float) -> bool:
    """Whether `line` ended its paragraph: the next line's first word would have fit after it,
    so the break was not the layout's (a paragraph's last line, a heading)."""
    if line.text.endswith(_HYPHENS):
        return False
    room = usual - (line.right - line.left)
    word = following.text.split()[0] if following.text.split() else ""
    word_width = (following.right - following.left) * (len(word) + 1) / max(len(following.text), 1)
    return room > word_width + 0.02 * usual


def at(text: str, y: float = 0.0, left: float = 50.0, right: float = 500.0, height: float = 10.0) -> Line:
    """A line at a position (points from the page's bottom-left), for examples and tests."""
    return Line(text, left, right, y, y + height)


def _pdf_date(value: str) -> int | None:
    """'D:20250119083000+05'00'' -> 20250119."""
    match = _PDF_DATE.match(value.strip())
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    return year * 10000 + month * 100 + day if 1900 < year < 2200 and 1 <= month <= 12 and 1 <= day <= 31 else None
