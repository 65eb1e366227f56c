"""The article page that citations link to: GET /documents/{doc_id}#span-{start}-{end}.

Server-rendered, no framework. Every piece of document data goes through
`html.escape`, and a Content-Security-Policy allows only the one inline script
(by its hash), so an article holding markup shows it as text and runs nothing.

`start`/`end` are Python offsets (code points) into the cleaned text, which is
the only text node of #doc. JavaScript strings count UTF-16 units, so the
script converts with `Array.from` (one element per code point) before it wraps
the range in <mark id="passage"> and scrolls to it: for "a😀b", span 2-3 is
"b", UTF-16 offsets 3-4.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from rag.dates import format_date
from rag.types import Document
from ui.service import NotReady, ServiceDep

router = APIRouter()

SCRIPT = """
(function () {
  var doc = document.getElementById("doc");
  var text = doc.textContent;
  var points = Array.from(text);
  function units(n) { return points.slice(0, n).join("").length; }
  function show() {
    var m = /^#span-(\\d+)-(\\d+)$/.exec(location.hash);
    var old = document.getElementById("passage");
    if (old) { doc.textContent = text; }
    if (!m) { return; }
    var s = Math.min(+m[1], points.length), e = Math.min(+m[2], points.length);
    if (e <= s) { return; }
    var range = document.createRange();
    range.setStart(doc.firstChild, units(s));
    range.setEnd(doc.firstChild, units(e));
    var mark = document.createElement("mark");
    mark.id = "passage";
    mark.tabIndex = -1;
    range.surroundContents(mark);
    mark.scrollIntoView({block: "center"});
    mark.focus({preventScroll: true});
  }
  show();
  window.addEventListener("hashchange", show);
})();
"""
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
CSP = (
    f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{_SCRIPT_HASH}'; "
    "base-uri 'none'; form-action 'none'"
)
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"}

CSS = """
:root { color-scheme: light dark; }
body { margin: 0; font: 1.05rem/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 46rem; margin: 0 auto; padding: 1.25rem 1rem 4rem; }
nav a { text-decoration: none; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 1rem 0 0.4rem; overflow-wrap: anywhere; }
.meta { color: #6b7280; font-size: 0.9rem; margin: 0 0 1.5rem; overflow-wrap: anywhere; }
#doc { white-space: pre-wrap; overflow-wrap: anywhere; }
mark { background: #fde68a; color: inherit; padding: 0.1em 0; border-radius: 2px; outline: none; }
@media (prefers-color-scheme: dark) { mark { background: #a16207; } .meta { color: #9ca3af; } }
"""


def page(
    title: str, body: str, status: int = 200, *, css: str = CSS, headers: dict[str, str] = HEADERS
) -> HTMLResponse:
    """A whole page; `title` and `body` must already be escaped."""
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{css}</style></head>"
        '<body><main><nav><a href="/">← Back to the chat</a> · <a href="/library">Library</a></nav>'
        f"{body}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=headers)


def original_link(url: str | None) -> str:
    """A link to the article's original on the web; only http(s) URLs, escaped, opened without referrer.

    >>> original_link("javascript:alert(1)"), original_link(None)
    ('', '')
    >>> original_link('https://example.org/a?b=1&c="2"').split(" rel=")[0]
    '<a class="original" href="https://example.org/a?b=1&amp;c=&quot;2&quot;"'
    """
    if not url or not url.lower().startswith(("http://", "https://")):
        return ""
    return f'<a class="original" href="{escape(url, quote=True)}" rel="noopener noreferrer nofollow">original</a>'


def document_page(doc: Document) -> HTMLResponse:
    meta = [escape(format_date(doc.date) or "undated")]
    if doc.source:
        meta.append(escape(doc.source))
    if doc.author:
        meta.append(f"by {escape(doc.author)}")
    if link := original_link(doc.url):
        meta.append(link)
    meta.append(f"id {escape(doc.doc_id)}")
    body = (
        f"<article><h1>{escape(doc.title or doc.doc_id)}</h1>"
        f'<p class="meta">{" · ".join(meta)}</p>'
        f'<div id="doc" style="white-space:pre-wrap">{escape(doc.text)}</div></article>'
        f"<script>{SCRIPT}</script>"
    )
    return page(escape(doc.title or doc.doc_id), body)


HTML_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such article (an HTML page).", "content": {"text/html": {}}},
    503: {"description": "Still loading (an HTML page).", "content": {"text/html": {}}},
}


@router.get("/documents/{doc_id}", response_class=HTMLResponse, responses=HTML_ERRORS)
def show_document(doc_id: str, service: ServiceDep) -> HTMLResponse:
    """The article, with the cited passage (#span-START-END) highlighted."""
    try:
        doc = service.components().store.get_document(doc_id)
    except NotReady as exc:
        return page("Loading", f"<h1>Still loading</h1><p>{escape(str(exc))}</p>", 503)
    if doc is None:
        return page(
            "Not found",
            f"<h1>No such article</h1><p>There is no document <code>{escape(doc_id)}</code>. "
            'Ask a question in <a href="/">the chat</a> to find one.</p>',
            404,
        )
    return document_page(doc)
