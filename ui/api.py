"""The HTTP API: an app factory, one error layer, thin typed routes.

    GET  /healthz, /readyz              liveness; readiness (503 while loading or the store is down)
    GET  /metrics                       Prometheus text: requests, answer stages, cache, queue, index (ui.metrics)
    POST /v1/answer                     cited answer (JSON, or SSE with stream / Accept: text/event-stream),
                                        saved to a conversation (`conversation_id` continues one)
    /v1/conversations…, POST /v1/feedback   saved conversations, their export, feedback (ui.conversations_api)
    POST /v1/search                     hybrid passage search
    GET  /v1/documents[/{doc_id}]       the corpus
    POST /v1/documents, DELETE …/{id}   upload / remove an article (Bearer RAG_API_TOKEN)
    POST /v1/chat/completions, GET /v1/models   OpenAI-compatible (ui.openai_compat)
    POST /v1/ingest-jobs, GET …/{id}    files and URLs ingested in the background, with progress (Bearer)
    GET  /documents/{doc_id}            the article page citations link to (ui.pages)
    GET  /library                       the corpus: filter, open, add, delete (ui.library)
    /                                   the Gradio chat (ui.chat)

Every error body is {"detail": "..."} saying what to do: `rag.errors` map to
400/404/502/503, a full answer queue to 429, validation to 422, anything
unexpected to a 500 without a traceback.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path, PurePath
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, FastAPI, File, Form, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.background import BackgroundTask
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ingest.fetch import is_url
from ingest.loader import SUPPORTED
from ingest.pipeline import Input, Upload
from rag.answer import AnswerPipeline
from rag.errors import (
    BadInput,
    ConfigError,
    GeneratorError,
    GeneratorUnavailable,
    NotFound,
    RagError,
    StoreUnavailable,
)
from rag.factory import Components
from rag.settings import Settings
from rag.types import Answer, SearchFilters
from rag.types import Message as Turn
from ui import metrics
from ui.auth import ERRORS, WRITE_ERRORS, TokenDep, require_token  # noqa: F401 (tests check require_token)
from ui.limits import FifoLimit
from ui.schemas import (
    AnswerOut,
    AnswerRequest,
    DeletedOut,
    DocumentDetailOut,
    DocumentOut,
    ErrorOut,
    HitOut,
    SearchOut,
    SearchRequest,
    UploadOut,
    filters_of,
)
from ui.service import Service, ServiceBusy, ServiceDep, Ticket, answer_in_turn, iterate_closing

log = logging.getLogger(__name__)

JSON_BODY_LIMIT = 1_000_000
MAX_JOB_ITEMS = 20  # files and URLs one ingest job may hold (ui.library)
MULTIPART_SLACK = 64 * 1024  # multipart headers and boundaries around the file
UPLOAD_TYPES = SUPPORTED
STATUS: Sequence[tuple[type[RagError], int]] = (
    (BadInput, 400),
    (NotFound, 404),
    (StoreUnavailable, 503),
    (GeneratorUnavailable, 503),
    (ConfigError, 503),
    (GeneratorError, 502),
)

router = APIRouter(prefix="/v1", responses=ERRORS)


# -- errors -----------------------------------------------------------------
def status_of(exc: RagError) -> int:
    if isinstance(exc, ServiceBusy):
        return exc.status_code
    return next((code for kind, code in STATUS if isinstance(exc, kind)), 500)


def public_message(exc: Exception) -> str:
    """What a client may be told: our own messages, never a foreign traceback."""
    if isinstance(exc, RagError):
        return str(exc)
    return "internal error; the server log has the details — please report it"


def error_response(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


async def _rag_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RagError)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, ServiceBusy) else None
    return error_response(status_of(exc), str(exc), headers)


def describe_validation(errors: Sequence[Any]) -> str:
    """pydantic's errors as one line:
    [{'loc': ('body', 'top_k'), 'msg': 'Input should be…'}] -> 'invalid request: top_k: Input should be… (…)'."""
    parts = []
    for e in errors:
        if e.get("type") == "json_invalid":
            parts.append(f"the body is not valid JSON ({e.get('ctx', {}).get('error', 'decode error')})")
            continue
        loc = ".".join(str(x) for x in e.get("loc", ()) if x != "body")
        msg = str(e.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "invalid request: " + "; ".join(parts) + " (the schema is at /docs)"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, describe_validation(exc.errors()))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    detail = str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no route {request.url.path}; the API is described at /docs"
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}; see /docs"
    return error_response(exc.status_code, detail, dict(exc.headers or {}))


def no_route(request: Request) -> JSONResponse:
    """Every other /v1 request: a JSON 404/405 here, rather than falling through to the chat
    mounted at "/" (whose CORS rules would then answer preflights for the API)."""
    path = request.url.path
    routes: list[APIRoute] = request.app.state.api_routes
    allowed = sorted({m for r in routes if r.path_regex.match(path) for m in r.methods or ()})
    if allowed:
        detail = f"{request.method} is not allowed on {path}; use {' or '.join(allowed)} (see /docs)"
        return error_response(405, detail, {"Allow": ", ".join(allowed)})
    return error_response(404, f"no route {path}; the API is described at /docs")


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, public_message(exc))


class BodyLimit:
    """413 {"detail"} for a request body over its route's limit: at once when Content-Length
    declares it, else as soon as the bytes received pass it, so a huge body is never read whole.
    An upload may take RAG_MAX_UPLOAD_BYTES plus multipart framing (an ingest job that many per
    file it may hold); other /v1 routes 1 MB.
    (FastAPI's own `max_body_size` answers in plain text, and every error here is JSON.)"""

    def __init__(self, app: ASGIApp, upload_limit: int) -> None:
        self.app = app
        self.upload_limit = upload_limit

    def limit(self, scope: Scope) -> int | None:
        if not scope["path"].startswith("/v1/"):
            return None
        if scope["path"] == "/v1/documents" and scope["method"] == "POST":
            return self.upload_limit
        if scope["path"] == "/v1/ingest-jobs" and scope["method"] == "POST":
            return self.upload_limit * MAX_JOB_ITEMS
        return JSON_BODY_LIMIT

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limit(scope) if scope["type"] == "http" else None
        if limit is None:
            await self.app(scope, receive, send)
            return
        detail = f"the request body is larger than {limit} bytes; send a smaller one"
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await error_response(413, detail)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise HTTPException(413, detail)  # inside the route: the error layer answers
            return message

        await self.app(scope, counted, send)


# -- answers ----------------------------------------------------------------
def wants_stream(flag: bool, request: Request) -> bool:
    return flag or "text/event-stream" in request.headers.get("accept", "")


async def answer_events(
    service: Service,
    pipeline: AnswerPipeline,
    ticket: Ticket,
    question: str,
    history: list[Turn],
    k: int | None,
    filters: SearchFilters | None,
    conversation_id: str | None,
) -> AsyncIterator[ServerSentEvent]:
    """`delta` {"text"} events as the model writes, then one `answer` event (with the saved
    conversation's and the answer's ids); `error` {"message"} on failure."""
    try:
        async for item in iterate_closing(pipeline.stream(question, history, k=k, filters=filters)):
            if isinstance(item, Answer):
                out = await anyio.to_thread.run_sync(finish_answer, service, item, conversation_id, history)
                yield ServerSentEvent(out.model_dump_json(), event="answer")
            else:
                yield ServerSentEvent(json.dumps({"text": item}), event="delta")
    except Exception as exc:  # the status line is sent already: the error travels as an event
        if not isinstance(exc, RagError):
            log.error("answer stream failed", exc_info=exc)
        yield ServerSentEvent(json.dumps({"message": public_message(exc)}), event="error")
    finally:
        ticket.release()


@router.post("/answer", response_model=AnswerOut, responses={200: {"content": {"text/event-stream": {}}}})
async def answer(body: AnswerRequest, request: Request, service: ServiceDep) -> AnswerOut | Response:
    """A cited answer, saved as the next turn of `conversation_id` (or of a new conversation).
    Streams `delta` then `answer` Server-Sent Events when asked to."""
    pipeline = service.pipeline()
    question = pipeline.retriever.check_query(body.question)  # refuse bad input before queueing
    conversation = body.conversation_id
    given = [m.to_message() for m in body.history]
    history = await anyio.to_thread.run_sync(service.history_for, conversation, given)
    filters = filters_of(body.filters)
    ticket = await service.gate.enter()
    if wants_stream(body.stream, request):
        events = answer_events(service, pipeline, ticket, question, history, body.top_k, filters, conversation)
        return EventSourceResponse(events, background=BackgroundTask(ticket.release))
    answered = await answer_in_turn(ticket, pipeline, question, history, body.top_k, filters)
    return await anyio.to_thread.run_sync(finish_answer, service, answered, conversation, history)


def finish_answer(service: Service, answer: Answer, conversation_id: str | None, history: list[Turn]) -> AnswerOut:
    """The answer with its citations' URLs, saved to its conversation, as the API returns it."""
    answer, turn = service.save_turn(conversation_id, service.with_urls(answer), history)
    return AnswerOut.of(answer, turn)


# -- search and documents ---------------------------------------------------
@router.post("/search", response_model=SearchOut)
def search(body: SearchRequest, service: ServiceDep) -> SearchOut:
    """Hybrid (dense + BM25) passage search, no generation."""
    retriever = service.components().retriever
    started = time.perf_counter()
    hits = retriever.search(body.query, k=body.top_k, filters=filters_of(body.filters))
    return SearchOut(hits=[HitOut.of(h) for h in hits], seconds=round(time.perf_counter() - started, 4))


@router.get("/documents", response_model=list[DocumentOut])
def list_documents(service: ServiceDep) -> list[DocumentOut]:
    return [DocumentOut.of(d) for d in service.components().store.list_documents()]


@router.get("/documents/{doc_id}", response_model=DocumentDetailOut)
def get_document(doc_id: str, service: ServiceDep) -> DocumentDetailOut:
    doc = service.components().store.get_document(doc_id)
    if doc is None:
        raise NotFound(f"no document {doc_id!r}; GET /v1/documents lists them")
    return DocumentDetailOut.of(doc)


async def upload_document(
    service: ServiceDep,
    file: Annotated[
        UploadFile | None,
        File(description="An article: .txt .md .html .pdf .docx .eml, or an RSS/Atom feed (.rss .atom .xml)."),
    ] = None,
    url: Annotated[
        str | None,
        Form(
            description="Instead of a file: the http(s) URL of a page or a feed to fetch (public addresses only, "
            "unless the server sets RAG_ALLOW_PRIVATE_URLS).",
            max_length=2000,
            pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://\S+$",
        ),
    ] = None,
) -> UploadOut:
    """Ingest one article, feed or URL now; it is searchable when this returns. A file's id is its
    sanitised stem, a URL's its host and path; a feed gives one document per item."""
    if (file is None) == (url is None):
        raise HTTPException(422, "send either a file (multipart field 'file') or a URL (form field 'url'), not both")
    item: Input
    if file is not None:
        name = file.filename or ""
        suffix = PurePath(name).suffix.lower()
        if suffix not in UPLOAD_TYPES:
            raise HTTPException(415, f"unsupported file type {suffix or '(none)'}; upload {', '.join(UPLOAD_TYPES)}")
        limit = service.settings.max_upload_bytes
        raw = await file.read(limit + 1)  # never more than one byte past the limit in memory
        if len(raw) > limit:
            raise HTTPException(
                413, f"the file is larger than {limit} bytes (RAG_MAX_UPLOAD_BYTES); split or shorten it"
            )
        item = Upload(name, raw)
    else:
        assert url is not None
        if not is_url(url):
            raise BadInput(f"{url!r} is not an http(s) URL; send one like https://example.org/news/story")
        item = url
    ingestor = service.ingestor()
    docs, report = await anyio.to_thread.run_sync(ingestor.ingest_one, item, service.settings.home / "uploads")
    return UploadOut.of(docs, [f"{s.path}: {s.reason}" for s in report.skipped])


@router.delete("/documents/{doc_id}", response_model=DeletedOut, dependencies=[TokenDep], responses=WRITE_ERRORS)
def delete_document(doc_id: str, service: ServiceDep) -> DeletedOut:
    store = service.components().store
    doc = store.get_document(doc_id, with_text=False)
    if doc is None:
        raise NotFound(f"no document {doc_id!r}; GET /v1/documents lists them")
    removed = service.ingestor().delete(doc_id)
    uploads = (service.settings.home / "uploads").resolve()
    if (
        doc.path
        and Path(doc.path).resolve().parent == uploads
        and not any(d.path == doc.path for d in store.list_documents())
    ):
        Path(doc.path).unlink(missing_ok=True)  # else a re-ingest of the uploads would bring it back; a feed's
        # file stays while another of its items is still in the index
    return DeletedOut(doc_id=doc_id, chunks_removed=removed)


# -- the app ----------------------------------------------------------------
def create_app(
    settings: Settings, *, pipeline: AnswerPipeline | None = None, components: Components | None = None
) -> FastAPI:
    """The whole service. Components, seeds and model load in the background at
    startup unless given (tests pass a pipeline with a scripted generator)."""
    from ui import conversations_api, library, openai_compat, pages
    from ui.chat import mount_chat

    service = Service(settings, pipeline=pipeline, components=components)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service.start()
        try:
            yield
        finally:
            service.close()

    app = FastAPI(
        title="newsrag",
        summary="Cited, offline question answering over news articles.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.service = service
    app.add_middleware(BodyLimit, upload_limit=settings.max_upload_bytes + MULTIPART_SLACK)
    app.add_exception_handler(RagError, _rag_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Accept"],
        )

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], responses={503: {"description": "still loading, or loading failed"}})
    def readyz() -> JSONResponse:
        ready, detail = service.ready, service.status()
        if ready:  # loaded is not enough: a Chroma server (RAG_CHROMA_URL) may have gone away since
            try:
                service.components().store.ping()
            except StoreUnavailable as exc:
                ready, detail = False, str(exc)
        headers = None if ready else {"Retry-After": "5"}
        body = {"ready": ready, "detail": detail}
        return JSONResponse(body, status_code=200 if ready else 503, headers=headers)

    app.add_middleware(FifoLimit, limit=settings.search_concurrency)
    metrics.install(app, service)  # outermost middleware: it sees every request, 413s included
    app.include_router(router, tags=["answers"])
    app.add_api_route(
        "/v1/documents",
        upload_document,
        methods=["POST"],
        status_code=201,
        response_model=UploadOut,
        dependencies=[TokenDep],
        responses={**WRITE_ERRORS, 415: {"model": ErrorOut}},
        tags=["answers"],
    )
    app.include_router(conversations_api.router, tags=["conversations"])
    app.include_router(library.router)
    app.include_router(openai_compat.router, tags=["openai"])
    app.state.api_routes = [
        r for r in (*router.routes, *openai_compat.router.routes, *app.routes) if isinstance(r, APIRoute)
    ]
    app.add_api_route(
        "/v1/{rest:path}",
        no_route,
        methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"],
        include_in_schema=False,
    )
    app.include_router(pages.router, tags=["pages"])
    mount_chat(app, service)  # last: it is mounted at "/" and would shadow later routes
    return app
