"""The library: GET /library lists the corpus, and the ingest-job API the page adds articles with.

The page is server-rendered like the article pages (ui.pages): every title,
outlet and id goes through `html.escape`, and its Content-Security-Policy runs
only its own inline script (ui/library.js, allowed by hash), talks only to this
server, and submits forms only here. Filtering (title words, outlet, date
range) and paging are plain GET parameters, so the list works without the
script; adding and deleting need the script, which sends the API token.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import asdict
from html import escape
from pathlib import Path, PurePath
from typing import Annotated
from urllib.parse import urlencode

import anyio
from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from ingest.fetch import is_url
from ingest.loader import SUPPORTED
from ingest.pipeline import Input, Upload
from rag.dates import format_date, parse_bound
from rag.errors import BadInput, NotFound
from rag.types import Document
from ui.api import MAX_JOB_ITEMS
from ui.auth import WRITE_ERRORS, TokenDep
from ui.jobs import Job
from ui.pages import CSS as PAGE_CSS
from ui.pages import page
from ui.service import NotReady, ServiceDep

router = APIRouter()
PAGE_SIZE = 50

SCRIPT = (Path(__file__).parent / "library.js").read_text(encoding="utf-8")
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
CSP = (
    f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{_SCRIPT_HASH}'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"}
CSS = (
    PAGE_CSS
    + """
main { max-width: 64rem; }
form.filters { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: end; margin: 0 0 1rem; }
form.filters label { display: flex; flex-direction: column; font-size: 0.85rem; color: #6b7280; }
input, select, button { font: inherit; font-size: 0.95rem; padding: 0.3rem 0.45rem; max-width: 100%; }
button { cursor: pointer; }
table { width: 100%; border-collapse: collapse; font-size: 0.95rem; }
th, td { text-align: left; padding: 0.45rem 0.4rem; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
th { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.04em; color: #6b7280; }
td.title { overflow-wrap: anywhere; }
td.num { text-align: right; }
td.date { white-space: nowrap; }
details.add { margin: 0 0 1.25rem; padding: 0.6rem 0.8rem; border: 1px solid #e5e7eb; border-radius: 8px; }
details.add summary { cursor: pointer; font-weight: 600; }
details.add form { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: end; margin-top: 0.6rem; }
details.add label { display: flex; flex-direction: column; font-size: 0.85rem; color: #6b7280; }
#job { margin-top: 0.6rem; }
#job progress { width: 100%; }
.error { color: #b91c1c; }
button.delete { display: none; color: #b91c1c; background: none; border: 1px solid #fca5a5; border-radius: 6px; }
body.has-token button.delete { display: inline-block; }
.pages { display: flex; justify-content: space-between; margin-top: 1rem; }
.hint { color: #6b7280; font-size: 0.85rem; margin: 0.4rem 0 0; }
@media (max-width: 640px) { .outlet, .chunks { display: none; } main { padding: 0.75rem 0.5rem 3rem; } }
@media (prefers-color-scheme: dark) { th, td, details.add { border-color: #374151; } }
"""
)


def matches(doc: Document, words: list[str], outlet: str, since: int | None, until: int | None) -> bool:
    """Whether a document passes the filters: every title word, the outlet, the date range
    (an undated article is left out once a date bound is set)."""
    title = doc.title.casefold()
    if any(w not in title for w in words) or (outlet and (doc.source or "") != outlet):
        return False
    if since is not None and (doc.date is None or doc.date < since):
        return False
    return until is None or (doc.date is not None and doc.date <= until)


def newest_first(doc: Document) -> tuple[int, str]:
    return (-(doc.date or 0), doc.title.casefold())


def _row(doc: Document) -> str:
    title = escape(doc.title or doc.doc_id)
    return (
        f'<tr><td class="title"><a href="/documents/{escape(doc.doc_id)}">{title}</a></td>'
        f'<td class="outlet">{escape(doc.source or "")}</td>'
        f'<td class="date">{escape(format_date(doc.date) or "undated")}</td>'
        f'<td class="num chunks">{doc.chunk_count}</td>'
        f'<td><button type="button" class="delete" data-id="{escape(doc.doc_id)}" data-title="{title}">'
        "Delete</button></td></tr>"
    )


def _filters(q: str, outlet: str, outlets: list[str], since: str, until: str) -> str:
    options = ['<option value="">All outlets</option>'] + [
        f'<option value="{escape(o)}"{" selected" if o == outlet else ""}>{escape(o)}</option>' for o in outlets
    ]
    return (
        '<form class="filters" method="get" action="/library">'
        f'<label>Title<input type="search" name="q" value="{escape(q)}" placeholder="words in the title"></label>'
        f'<label>Outlet<select name="outlet">{"".join(options)}</select></label>'
        f'<label>From<input type="date" name="since" value="{escape(since)}"></label>'
        f'<label>To<input type="date" name="until" value="{escape(until)}"></label>'
        '<button type="submit">Filter</button> <a href="/library">Clear</a></form>'
    )


ADD_PANEL = f"""<details class="add" id="add-panel"><summary>Add or delete articles</summary>
<form id="add-form"><label>API token<input type="password" id="token" autocomplete="off" size="24"
 placeholder="RAG_API_TOKEN"></label>
<label>Files<input type="file" id="files" multiple accept="{",".join(SUPPORTED)}"></label>
<label>or a URL<input type="url" id="url" placeholder="https://… a page or a feed" size="32"></label>
<button type="submit" id="add">Add</button></form>
<p class="hint">Articles as {escape(" ".join(SUPPORTED))}, or the address of a news page or an RSS/Atom feed.
With the token entered, each article gets a Delete button.</p>
<div id="job" hidden><progress id="job-bar"></progress><div id="job-status" role="status"></div>
<ul id="job-results"></ul></div></details>"""


def library_page(
    docs: list[Document], q: str, outlet: str, since: str, until: str, page_no: int, error: str = ""
) -> HTMLResponse:
    outlets = sorted({d.source for d in docs if d.source}, key=str.casefold)
    try:
        lo, hi = parse_bound(since or None), parse_bound(until or None, end=True)
    except BadInput as exc:
        lo = hi = None
        error = str(exc)
    shown = sorted(
        (d for d in docs if matches(d, q.casefold().split(), outlet, lo, hi)),
        key=newest_first,
    )
    pages = max(1, -(-len(shown) // PAGE_SIZE))
    page_no = min(max(page_no, 1), pages)
    rows = shown[(page_no - 1) * PAGE_SIZE : page_no * PAGE_SIZE]
    counts = f"{len(docs)} articles, {sum(d.chunk_count for d in docs)} passages"
    if len(shown) != len(docs):
        counts += f" · {len(shown)} match the filters"
    params = {k: v for k, v in (("q", q), ("outlet", outlet), ("since", since), ("until", until)) if v}

    def link(n: int, text: str) -> str:
        return f'<a href="/library?{escape(urlencode({**params, "page": n}))}">{text}</a>'

    nav = ""
    if pages > 1:
        newer = link(page_no - 1, "← newer") if page_no > 1 else "<span></span>"
        older = link(page_no + 1, "older →") if page_no < pages else "<span></span>"
        nav = f'<nav class="pages">{newer}<span>page {page_no} of {pages}</span>{older}</nav>'
    table = (
        '<table id="documents"><thead><tr><th>Title</th><th class="outlet">Outlet</th><th>Date</th>'
        '<th class="num chunks">Passages</th><th></th></tr></thead>'
        f"<tbody>{''.join(_row(d) for d in rows)}</tbody></table>"
        if rows
        else '<p id="documents">No article matches. <a href="/library">Show all</a>.</p>'
    )
    body = (
        f'<h1>Library</h1><p class="meta">{escape(counts)}</p>'
        + (f'<p class="error" role="alert">{escape(error)}</p>' if error else "")
        + ADD_PANEL
        + _filters(q, outlet, outlets, since, until)
        + table
        + nav
        + f"<script>{SCRIPT}</script>"
    )
    return page("Library — News Q&amp;A", body, css=CSS, headers=HEADERS)


@router.get("/library", response_class=HTMLResponse)
def show_library(
    service: ServiceDep,
    q: Annotated[str, Query(max_length=200)] = "",
    outlet: Annotated[str, Query(max_length=200)] = "",
    since: Annotated[str, Query(max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
    page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """Every article with its outlet, date and passage count; filter by title words, outlet and dates."""
    try:
        docs = service.components().store.list_documents()
    except NotReady as exc:
        return page("Loading", f"<h1>Still loading</h1><p>{escape(str(exc))}</p>", 503)
    return library_page(docs, q.strip(), outlet, since, until, page_no)


# -- ingest jobs --------------------------------------------------------------
class JobItemOut(BaseModel):
    name: str
    documents: dict[str, str]
    errors: list[str]


class IngestJobOut(BaseModel):
    id: str
    state: str
    stage: str
    done: int
    total: int
    names: list[str]
    items: list[JobItemOut]
    error: str | None

    @classmethod
    def of(cls, job: Job) -> IngestJobOut:
        return cls.model_validate({k: v for k, v in asdict(job).items() if k in cls.model_fields})


@router.post(
    "/v1/ingest-jobs",
    status_code=202,
    response_model=IngestJobOut,
    dependencies=[TokenDep],
    responses={**WRITE_ERRORS, 415: {"model": WRITE_ERRORS[400]["model"]}},
    tags=["answers"],
)
async def start_ingest_job(
    service: ServiceDep,
    files: Annotated[list[UploadFile] | None, File(description="Articles or feeds (.txt .md .html .pdf …).")] = None,
    urls: Annotated[
        list[str] | None, Form(description="http(s) URLs of pages or feeds to fetch.", max_length=MAX_JOB_ITEMS)
    ] = None,
) -> JSONResponse:
    """Ingest files and URLs in the background; poll GET /v1/ingest-jobs/{id} for progress and results."""
    items: list[Input] = []
    limit = service.settings.max_upload_bytes
    for f in files or []:
        name = f.filename or ""
        suffix = PurePath(name).suffix.lower()
        if suffix not in SUPPORTED:
            raise HTTPException(415, f"unsupported file type {suffix or '(none)'} ({name}); use {', '.join(SUPPORTED)}")
        raw = await f.read(limit + 1)
        if len(raw) > limit:
            raise HTTPException(413, f"{name} is larger than {limit} bytes (RAG_MAX_UPLOAD_BYTES); split or shorten it")
        items.append(Upload(name, raw))
    for u in urls or []:
        if not is_url(u.strip()):
            raise BadInput(f"{u!r} is not an http(s) URL; send one like https://example.org/news/story")
        items.append(u.strip())
    if not items:
        raise BadInput("send files (multipart field 'files') or URLs (form field 'urls') to ingest")
    if len(items) > MAX_JOB_ITEMS:
        raise BadInput(f"{len(items)} files and URLs in one job; send at most {MAX_JOB_ITEMS} at a time")
    service.components()  # 503 while loading, before a job is queued
    job = await anyio.to_thread.run_sync(service.jobs.submit, items)
    return JSONResponse(IngestJobOut.of(job).model_dump(), status_code=202)


@router.get(
    "/v1/ingest-jobs/{job_id}",
    response_model=IngestJobOut,
    dependencies=[TokenDep],
    responses=WRITE_ERRORS,
    tags=["answers"],
)
def get_ingest_job(job_id: str, service: ServiceDep) -> IngestJobOut:
    job = service.jobs.get(job_id)
    if job is None:
        raise NotFound(f"no ingest job {job_id!r}; POST /v1/ingest-jobs starts one")
    return IngestJobOut.of(job)
