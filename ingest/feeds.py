"""RSS and Atom feeds: one document per item, with the item's title, date, author and link.

feedparser reads every RSS and Atom dialect (and bad XML, leniently); it never sees a URL or
a file name here, only bytes in a stream, so it cannot fetch or open anything itself. The
item's text is its full content when the feed carries it, else its summary; it is HTML that
is all article, so it is read as a fragment (`ingest.fragment`), not as a page.

An item's document id is the feed's id plus a hash of the item's guid (else its link, else
its title), so the same item keeps its id as the feed rolls on:
``world-news`` + guid ``https://example.org/a/1`` -> ``world-news-3f0c…``.
"""

from __future__ import annotations

import hashlib
import time
from io import BytesIO
from typing import Any

from ingest.html import web_url
from ingest.loader import Hints, Skipped, Source


def split_feed(src: Source) -> list[Source] | Skipped:
    """The feed's items as sources of kind "feed-item", or why the feed cannot be read."""
    import feedparser

    parsed = feedparser.parse(BytesIO(src.data), sanitize_html=True, resolve_relative_uris=True)
    entries: list[Any] = list(parsed.entries)
    if not entries:
        if parsed.get("bozo") and parsed.get("version", "") == "":
            problem = parsed.get("bozo_exception")
            return Skipped(src.origin, f"not a readable RSS or Atom feed ({problem}); check the file or the feed URL")
        return Skipped(src.origin, "the feed has no items; nothing to ingest")
    site = _clean(parsed.feed.get("title")) or None
    items: list[Source] = []
    for n, entry in enumerate(entries):
        link = web_url(entry.get("link")) or None
        key = entry.get("id") or link or entry.get("title") or str(n)
        digest = hashlib.sha256(str(key).encode()).hexdigest()[:12]
        content = entry.get("content") or []
        html = content[0].get("value", "") if content else entry.get("summary", "")
        hints = Hints(
            title=_clean(entry.get("title")),
            date=_date(entry.get("published_parsed") or entry.get("updated_parsed")),
            author=_clean(entry.get("author")) or None,
            source=site,
        )
        items.append(
            Source(
                doc_id=f"{src.doc_id[:86]}-{digest}",
                origin=src.origin,
                path=src.path,
                kind="feed-item",
                data=str(html).encode("utf-8"),
                url=link,
                hints=hints,
            )
        )
    return items


def _clean(value: object) -> str:
    return " ".join(str(value or "").split())[:300]


def _date(value: time.struct_time | None) -> int | None:
    return value.tm_year * 10000 + value.tm_mon * 100 + value.tm_mday if value else None
