"""One source's bytes to the `CleanDocument` the index stores, by kind; or why not.

    text (.txt .md)      decode, plain-text furniture rules (ingest.clean)
    html                 trafilatura: body + the page's metadata (ingest.html)
    pdf                  PDFium text, running heads dropped, reflowed (ingest.pdf), then the text rules
    docx, email          python-docx / the e-mail parser (ingest.formats), then the text rules
    feed-item            the item's HTML as a fragment (ingest.fragment), then the text rules

What a file says about itself wins over what the text rules guess: a PDF's or Word file's
title, an e-mail's subject, a feed item's title and date. The text rules' date comes from the
article's own header and wins over a file's creation date, which may be the day it was saved.
"""

from __future__ import annotations

from dataclasses import replace

from ingest.clean import clean_text
from ingest.formats import Extracted, Unreadable, read_docx, read_email
from ingest.loader import Skipped, Source, decode
from rag.types import CleanDocument


def extract(src: Source, max_bytes: int) -> CleanDocument | Skipped:
    """The cleaned article; Skipped when the source holds none or cannot be read."""
    name = src.origin
    if src.kind == "feed-item" and not src.data.strip():
        return _for_item(src, _EMPTY["feed-item"])
    try:
        if src.kind in ("text", "html", "feed-item"):
            text = decode(name, src.data, max_bytes, src.charset)
            if isinstance(text, Skipped):
                return _for_item(src, text.reason)
            doc = _from_text(src, text)
        else:
            doc = _from_file(src)
    except Unreadable as exc:
        return Skipped(name, str(exc))
    if not doc.text.strip():
        return _for_item(src, _EMPTY.get(src.kind, "no article text left after removing page furniture"))
    return doc


_EMPTY = {
    "html": "no article text found in the page (a front page, a gallery, or a page built by JavaScript?)",
    "feed-item": "the item has no text, only a title; nothing to ingest",
}


def _from_text(src: Source, text: str) -> CleanDocument:
    if src.kind == "html":
        from ingest.html import extract_html

        return extract_html(text, src.doc_id, src.url)
    if src.kind == "feed-item":
        from ingest.fragment import fragment_text

        doc = clean_text(fragment_text(text), src.doc_id)
        hints = src.hints
        if hints is None:
            return replace(doc, url=src.url)
        return replace(
            doc,
            title=hints.title or doc.title,
            date=hints.date or doc.date,
            source=hints.source or doc.source,
            author=hints.author,
            url=src.url,
        )
    return replace(clean_text(text, src.doc_id), url=src.url)


def _from_file(src: Source) -> CleanDocument:
    if src.kind == "pdf":
        from ingest.pdf import read_pdf

        found = read_pdf(src.data)
    elif src.kind == "docx":
        found = read_docx(src.data)
    elif src.kind == "email":
        found = read_email(src.data)
    else:
        raise Unreadable(f"cannot read a {src.kind} source as a document")
    return _with_metadata(clean_text(found.text, src.doc_id), found, src.url)


def _with_metadata(doc: CleanDocument, found: Extracted, url: str | None) -> CleanDocument:
    return replace(
        doc,
        title=found.title or doc.title,
        date=doc.date or found.date,
        author=found.author,
        url=url,
    )


def _for_item(src: Source, reason: str) -> Skipped:
    if src.kind == "feed-item" and src.hints is not None and src.hints.title:
        return Skipped(src.origin, f"item {src.hints.title!r}: {reason}")
    return Skipped(src.origin, reason)
