"""Prometheus metrics at GET /metrics, and one JSON log line per answer.

    rag_http_requests_total{method,route,status}         requests, by route template (never the raw path)
    rag_http_request_duration_seconds{method,route}      latency histogram (a stream: until its last byte)
    rag_answers_total{model,outcome,cached}              answers given (outcome: answered | refused)
    rag_answer_stage_seconds{stage}                      retrieve, evidence, generate, first_token, total
    rag_answer_prompt_tokens                             prompt size of answers the model wrote
    rag_answer_cache_total{result}                       answer cache hits and misses
    rag_answer_queue_depth                               answers admitted (running or waiting), all workers
    rag_index_chunks, rag_answer_cache_entries           sizes, read when /metrics is scraped

With several worker processes (`rag serve --workers N`) the server sets
PROMETHEUS_MULTIPROC_DIR before the workers start; each worker then writes its
values to files there and /metrics sums every live worker's (prometheus_client's
multiprocess mode), whichever worker answers the scrape.

The answer log line goes to the logger ``newsrag.answers`` (stderr, JSON):
{"message": "answer", "pid": …, "question_sha": …, "model": …, "refused": …,
"cached": …, "citations": […doc ids], "prompt_tokens": …, "retrieve_s": …, …}.
The question itself is not logged, only a hash to group repeats by.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sys
import time
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import generate_latest as _generate
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag.types import Answer

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ui.service import Service

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.5, 3, 6, 12, 30, 60)

REQUESTS = Counter("rag_http_requests", "HTTP requests served.", ["method", "route", "status"])
REQUEST_SECONDS = Histogram(
    "rag_http_request_duration_seconds", "HTTP request latency.", ["method", "route"], buckets=LATENCY_BUCKETS
)
ANSWERS = Counter("rag_answers", "Answers given.", ["model", "outcome", "cached"])
STAGE_SECONDS = Histogram(
    "rag_answer_stage_seconds", "Time spent in each answer stage.", ["stage"], buckets=LATENCY_BUCKETS
)
PROMPT_TOKENS = Histogram(
    "rag_answer_prompt_tokens", "Prompt tokens per model answer.", buckets=(50, 100, 150, 200, 300, 500, 800, 1500)
)
CACHE = Counter("rag_answer_cache", "Answer cache lookups.", ["result"])
QUEUE_DEPTH = Gauge("rag_answer_queue_depth", "Answers admitted (running or waiting).", multiprocess_mode="livesum")
INDEX_CHUNKS = Gauge("rag_index_chunks", "Chunks in the index.", multiprocess_mode="mostrecent")
CACHE_ENTRIES = Gauge("rag_answer_cache_entries", "Answers in the answer cache.", multiprocess_mode="mostrecent")

answer_log = logging.getLogger("newsrag.answers")


def route_label(scope: Scope) -> str:
    """The matched route's template ("/documents/{doc_id}"), so labels stay few; "other" when none matched."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(template) if template else "other"


class MetricsMiddleware:
    """Counts and times every HTTP request by method, route template and status (pure ASGI: streams pass)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless the app starts a response

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            method, route = scope.get("method", "GET"), route_label(scope)
            REQUESTS.labels(method, route, str(status)).inc()
            REQUEST_SECONDS.labels(method, route).observe(time.perf_counter() - started)


def observe_answer(answer: Answer) -> None:
    """Record one answer: metrics, and its JSON log line."""
    t = answer.timings
    outcome = "refused" if answer.refused else "answered"
    ANSWERS.labels(answer.model, outcome, str(t.cached).lower()).inc()
    CACHE.labels("hit" if t.cached else "miss").inc()
    if not t.cached:
        for stage, seconds in (
            ("retrieve", t.retrieve_s),
            ("evidence", t.evidence_s),
            ("generate", t.generate_s),
            ("first_token", t.first_token_s),
            ("total", t.total_s),
        ):
            if seconds is not None and (seconds > 0 or stage == "total"):
                STAGE_SECONDS.labels(stage).observe(seconds)
        if answer.prompt_tokens:
            PROMPT_TOKENS.observe(answer.prompt_tokens)
    answer_log.info(
        "answer",
        extra={
            "pid": os.getpid(),
            "question_sha": hashlib.sha256(answer.standalone_question.encode()).hexdigest()[:16],
            "model": answer.model,
            "refused": answer.refused,
            "cached": t.cached,
            "citations": [c.doc_id for c in answer.citations],
            "prompt_tokens": answer.prompt_tokens,
            "retrieve_s": round(t.retrieve_s, 4),
            "evidence_s": round(t.evidence_s, 4),
            "generate_s": round(t.generate_s, 4),
            "first_token_s": None if t.first_token_s is None else round(t.first_token_s, 4),
            "total_s": round(t.total_s, 4),
            "notes": len(answer.notes),
        },
    )


def set_queue_depth(admitted: int) -> None:
    QUEUE_DEPTH.set(admitted)


def configure_answer_log() -> None:
    """JSON lines on stderr for ``newsrag.answers`` (once per process)."""
    if any(getattr(h, "_rag_answers", False) for h in answer_log.handlers):
        return
    from pythonjsonlogger.json import JsonFormatter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler._rag_answers = True  # type: ignore[attr-defined]
    answer_log.addHandler(handler)
    answer_log.setLevel(logging.INFO)
    answer_log.propagate = False


def exposition() -> bytes:
    """The Prometheus text of this process, or of every live worker in multiprocess mode."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return _generate(registry)
    return _generate(REGISTRY)


def install(app: FastAPI, service: Service) -> None:
    """The middleware and GET /metrics on `app`."""
    configure_answer_log()
    app.add_middleware(MetricsMiddleware)

    def metrics(request: Request) -> Response:
        sizes: list[tuple[Gauge, Any]] = []
        pipeline = service.pipeline_if_ready()
        if pipeline is not None:
            sizes.append((INDEX_CHUNKS, pipeline.retriever.store.count))
            cache = getattr(pipeline, "cache", None)
            if cache is not None:
                sizes.append((CACHE_ENTRIES, cache.size))
        for gauge, read in sizes:
            with contextlib.suppress(Exception):  # the store is down: the other metrics still count
                gauge.set(read())
        return Response(exposition(), media_type=CONTENT_TYPE_LATEST)

    app.add_api_route("/metrics", metrics, methods=["GET"], include_in_schema=False, tags=["ops"])
