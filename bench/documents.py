"""Real documents made for tests and benchmarks: PDFs (reportlab), Word files (python-docx), feeds, e-mails.

Each maker returns the file's bytes, made the way real tools make them, so the readers under
test parse genuine files rather than hand-written stand-ins.
"""

from __future__ import annotations

import io
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from xml.sax.saxutils import escape


def make_pdf(
    paragraphs: list[str],
    *,
    title: str = "",
    author: str = "",
    running_head: str = "",
    page_numbers: bool = True,
    password: str | None = None,
    text_layer: bool = True,
) -> bytes:
    """A PDF of `paragraphs` (the first set as a heading) in two columns, with a running head and
    page numbers on every page, like a newspaper's "print to PDF". No text layer: shapes only,
    like a scan."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

    out = io.BytesIO()
    width, height = A4

    def decorate(canvas: object, doc: object) -> None:
        canvas.saveState()  # type: ignore[attr-defined]
        canvas.setFont("Helvetica", 8)  # type: ignore[attr-defined]
        if running_head:
            canvas.drawString(40, height - 30, running_head)  # type: ignore[attr-defined]
        if page_numbers:
            canvas.drawString(width / 2, 20, f"Page {doc.page}")  # type: ignore[attr-defined]
        if not text_layer:
            canvas.rect(60, 60, width - 120, height - 140, fill=1)  # type: ignore[attr-defined]
        canvas.restoreState()  # type: ignore[attr-defined]

    encrypt = StandardEncryption(password, canPrint=1) if password else None
    doc = BaseDocTemplate(out, pagesize=A4, title=title, author=author, encrypt=encrypt)
    column = (width - 100) / 2
    frames = [Frame(40, 40, column, height - 100, id="left"), Frame(60 + column, 40, column, height - 100, id="right")]
    doc.addPageTemplates([PageTemplate(frames=frames, onPage=decorate)])
    styles = getSampleStyleSheet()
    story = []
    if text_layer:
        story = [Paragraph(escape(paragraphs[0]), styles["Title"])]
        story += [Paragraph(escape(p), styles["BodyText"]) for p in paragraphs[1:]]
    else:
        story = [Paragraph("", styles["BodyText"])]
    doc.build(story)
    return out.getvalue()


def make_docx(
    paragraphs: list[str],
    *,
    title: str = "",
    author: str = "",
    created: datetime | None = None,
    table: list[list[str]] | None = None,
    footer: str = "",
) -> bytes:
    """A Word file: the first paragraph as a heading, then body paragraphs, an optional table and
    a page footer (which is not body text)."""
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.author = author
    if created is not None:
        document.core_properties.created = created
    document.add_heading(paragraphs[0], level=1)
    for p in paragraphs[1:]:
        document.add_paragraph(p)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                grid.cell(r, c).text = cell
    if footer:
        document.sections[0].footer.paragraphs[0].text = footer
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def rss(channel: str, items: list[dict[str, str]]) -> bytes:
    """RSS 2.0; each item: title, link, guid, date (RFC 822), description or content (HTML)."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>',
        f"<title>{escape(channel)}</title><link>https://example.org/</link><description>News</description>",
    ]
    for item in items:
        parts.append("<item>")
        for tag in ("title", "link", "guid", "author"):
            if tag in item:
                parts.append(f"<{tag}>{escape(item[tag])}</{tag}>")
        if "date" in item:
            parts.append(f"<pubDate>{escape(item['date'])}</pubDate>")
        if "description" in item:
            parts.append(f"<description>{escape(item['description'])}</description>")
        if "content" in item:
            parts.append(f"<content:encoded><![CDATA[{item['content']}]]></content:encoded>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode()


def atom(title: str, entries: list[dict[str, str]]) -> bytes:
    """Atom 1.0; each entry: title, link, id, updated (ISO 8601), content (HTML)."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{escape(title)}</title><id>urn:feed</id><updated>2025-01-01T00:00:00Z</updated>",
    ]
    for e in entries:
        parts.append(
            f'<entry><title>{escape(e["title"])}</title><link href="{escape(e["link"])}"/>'
            f"<id>{escape(e['id'])}</id><updated>{e['updated']}</updated>"
            f'<content type="html">{escape(e["content"])}</content></entry>'
        )
    parts.append("</feed>")
    return "\n".join(parts).encode()


def eml(subject: str, sender: str, sent: datetime, plain: str | None = None, html: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = "archive@example.org"
    msg["Date"] = format_datetime(sent)
    if plain is not None:
        msg.set_content(plain)
    if html is not None:
        if plain is None:
            msg.set_content(html, subtype="html")
        else:
            msg.add_alternative(html, subtype="html")
    return bytes(msg)
