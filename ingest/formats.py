"""Word (.docx) files and e-mails (.eml) to text, one paragraph per line, with their own metadata.

python-docx reads Word files: paragraphs and tables in document order, the title, author and
creation date from the core properties (page headers and footers are not the body, so they
never reach the text). llama-index's DocxReader (docx2txt) gives the same words but no
metadata and no paragraph structure. E-mails are read with the standard library: the
subject is the title, the sender the author, the Date header the date, and the plain-text
body is preferred over the HTML one.

Both raise `Unreadable` with what to do when the file cannot be read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from io import BytesIO


class Unreadable(Exception):
    """A file of a supported type that cannot be read; the message says what to do."""


@dataclass(frozen=True)
class Extracted:
    """A document's text (one paragraph per line) and what the file says about itself."""

    text: str
    title: str = ""
    author: str | None = None
    date: int | None = None  # YYYYMMDD


def read_docx(data: bytes) -> Extracted:
    import docx
    from docx.table import Table

    try:
        doc = docx.Document(BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors… for a broken package
        raise Unreadable(
            f"the Word file cannot be read ({type(exc).__name__}); open it in Word or LibreOffice and save it again"
        ) from exc
    lines: list[str] = []
    heading = ""
    for block in doc.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = list(dict.fromkeys(c.text.strip() for c in row.cells if c.text.strip()))  # merged cells repeat
                if cells:
                    lines.append(" | ".join(cells))
            continue
        text = block.text.strip()
        if text:
            lines.append(text)
            if not heading and len(lines) <= 5:  # a style lookup scans every style: only near the top
                style = (block.style.name if block.style is not None else "") or ""
                heading = text if style.lower().startswith(("title", "heading")) else ""
    props = doc.core_properties
    return Extracted(
        text="\n".join(lines),
        title=" ".join((props.title or "").split()) or heading,
        author=" ".join((props.author or "").split()) or None,
        date=_yyyymmdd(props.created),
    )


def read_email(data: bytes) -> Extracted:
    import email
    import email.policy
    import email.utils

    from ingest.fragment import fragment_text

    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain", "html"))  # type: ignore[attr-defined]
        content = body.get_content() if body is not None else ""
        if body is not None and body.get_content_type() == "text/html":
            content = fragment_text(content)
        subject = " ".join(str(msg.get("subject", "") or "").split())
        sender = msg.get("from")
        author = (sender.addresses[0].display_name or sender.addresses[0].addr_spec) if sender else None
        sent = email.utils.parsedate_to_datetime(str(msg["date"])) if msg.get("date") else None
    except (LookupError, ValueError, TypeError, IndexError, AttributeError) as exc:
        raise Unreadable(f"the e-mail cannot be read ({type(exc).__name__}: {exc}); export it again as .eml") from exc
    return Extracted(text=str(content), title=subject, author=author or None, date=_yyyymmdd(sent))


def _yyyymmdd(when: datetime | None) -> int | None:
    return when.year * 10000 + when.month * 100 + when.day if when is not None else None
