"""What the API, the document pages and the chat share at run time.

- `Service`: the components and the answer pipeline, loaded once in a
  background thread so the server answers /healthz at once; until they are
  ready, whatever needs them raises `NotReady` (HTTP 503).
- `AnswerGate`: the one bounded queue every answer goes through, from the API
  and from the chat alike. At most `capacity` answers are admitted (running or
  waiting); one more is refused at once (`QueueFull`, 429). An admitted answer
  waits at most `wait_s` for its turn (`QueueTimeout`, 503), so no request
  hangs behind a stuck model.
- `iterate_closing`: runs a blocking iterator (the pipeline's stream) in worker
  threads, one item at a time, and always closes it, so an abandoned stream
  still stops the model and frees the turn.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, TypeVar

import anyio
from fastapi import Depends, Request

from ingest.pipeline import Ingestor
from ingest.seed import ensure_embedded, ensure_seeded, ingestor_for
from rag.answer import AnswerPipeline
from rag.conversations import ConversationStore, Turn
from rag.db import Database
from rag.errors import RagError
from rag.factory import Components, build_components, build_pipeline
from rag.feedback import FeedbackStore
from rag.settings import Settings
from rag.store import ChromaStore
from rag.types import Answer, Message, SearchFilters
from ui import metrics

if TYPE_CHECKING:
    from ui.jobs import IngestJobs

log = logging.getLogger(__name__)
T = TypeVar("T")


class ServiceBusy(RagError):
    """The request is fine but cannot be served now; retry after `retry_after` seconds."""

    status_code = 503

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotReady(ServiceBusy):
    pass


class QueueFull(ServiceBusy):
    status_code = 429


class QueueTimeout(ServiceBusy):
    pass


class Ticket:
    """One admitted answer: wait for the turn, run, then `release()` (idempotent)."""

    def __init__(self, gate: AnswerGate) -> None:
        self._gate = gate
        self._running = False
        self._released = False
        self._started = 0.0

    def wait_turn(self) -> None:
        """Block until this answer may run, or raise `QueueTimeout` (and release) after `wait_s`."""
        if not self._gate._slots.acquire(timeout=self._gate.wait_s):
            self.release()
            raise QueueTimeout(
                f"waited {self._gate.wait_s:g} s for the model without getting a turn; "
                "the service is busy, try again shortly",
                self._gate.retry_after(),
            )
        self._running = True
        self._started = time.monotonic()

    def release(self) -> None:
        self._gate._release(self)


class AnswerGate:
    def __init__(
        self, capacity: int, wait_s: float, slots: int = 1, on_change: Callable[[int], None] | None = None
    ) -> None:
        if capacity < 1 or slots < 1:
            raise ValueError("capacity and slots must be at least 1")
        self.on_change = on_change  # told the number admitted whenever it changes (a metrics gauge)
        self.capacity = capacity
        self.wait_s = wait_s
        self._slots = threading.BoundedSemaphore(slots)
        self._n_slots = slots
        self._lock = threading.Lock()
        self._admitted = 0
        self._avg_s = 5.0  # running mean of answer durations, for Retry-After

    @property
    def admitted(self) -> int:
        return self._admitted

    def admit(self) -> Ticket:
        with self._lock:
            if self._admitted >= self.capacity:
                raise QueueFull(
                    f"{self._admitted} answers are already running or waiting (limit {self.capacity}, "
                    "RAG_ANSWER_QUEUE); try again in a few seconds",
                    self.retry_after(),
                )
            self._admitted += 1
            self._changed()
        return Ticket(self)

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self._admitted)

    def retry_after(self) -> int:
        """Seconds until the queue has likely moved on: ceil(mean answer time × queue / slots), 1..120."""
        return max(1, min(120, math.ceil(self._avg_s * max(self._admitted, 1) / self._n_slots)))

    def _release(self, ticket: Ticket) -> None:
        with self._lock:
            if ticket._released:
                return
            ticket._released = True
            self._admitted -= 1
            self._changed()
            if ticket._running:
                self._avg_s = 0.8 * self._avg_s + 0.2 * (time.monotonic() - ticket._started)
        if ticket._running:
            self._slots.release()

    async def enter(self) -> Ticket:
        """Admit and wait for the turn without blocking the event loop."""
        ticket = self.admit()
        try:
            await anyio.to_thread.run_sync(ticket.wait_turn)
        except BaseException:
            ticket.release()
            raise
        return ticket


class Service:
    """Components + pipeline + readiness + the answer gate, for one app."""

    def __init__(
        self, settings: Settings, *, pipeline: AnswerPipeline | None = None, components: Components | None = None
    ) -> None:
        self.settings = settings
        self.gate = AnswerGate(settings.answer_queue, settings.llm_timeout_s, on_change=metrics.set_queue_depth)
        if components is None and pipeline is not None:
            r = pipeline.retriever
            components = Components(settings, r.store, r.sparse, r.embedder, r)
        self._components = components
        self._pipeline = pipeline
        self._owns_generator = pipeline is None
        self._seeded = False
        self._failure: str | None = None
        self._stage = "starting"
        self._thread: threading.Thread | None = None
        self._stores_lock = threading.Lock()
        self._stores: tuple[ConversationStore, FeedbackStore] | None = None
        self._jobs: IngestJobs | None = None

    # -- loading ----------------------------------------------------------
    def start(self) -> None:
        """Load in a daemon thread: a process stopped mid-load has nothing to wait for."""
        if self._thread is not None:
            return  # an app started twice (tests) loads once
        self._thread = threading.Thread(target=self._load, name="rag-loader", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        started = time.perf_counter()
        try:
            self._stage = "opening the index"
            components = self._components or build_components(self.settings)
            self._components = components
            self._stage = "indexing the seed articles (first start)"
            report = ensure_seeded(components)
            if report is not None:
                log.info("seeded the index: %d documents, %d chunks", len(report.added), report.chunks)
            self._stage = f"checking that the index was embedded with {components.embedder.name}"
            report = ensure_embedded(components)
            if report is not None:
                log.warning(
                    "re-embedded %d chunks written by %s with %s",
                    report.chunks_reembedded,
                    report.reembedded_from,
                    components.embedder.name,
                )
            components.retriever.sync()
            self._seeded = True
            if self._pipeline is None:
                self._stage = f"loading the language model ({self.settings.llm_backend})"
                self._pipeline = build_pipeline(components, cache=True, observers=[metrics.observe_answer])
            self._stage = "ready"
            log.info("ready in %.1f s (model: %s)", time.perf_counter() - started, self._pipeline.model_name)
        except Exception as exc:  # any failure must surface in /readyz, not kill a thread silently
            log.exception("loading failed")
            self._failure = str(exc) if isinstance(exc, RagError) else f"{type(exc).__name__}: {exc}"
            self._stage = "failed"

    def close(self) -> None:
        if self._jobs is not None:
            self._jobs.close()
        if self._owns_generator and self._pipeline is not None and self._pipeline.generator is not None:
            self._pipeline.generator.close()

    # -- state ------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self._pipeline is not None and self._seeded

    def status(self) -> str:
        if self._failure:
            return f"loading failed: {self._failure}; fix the cause and restart the server"
        if self.ready:
            return "ready"
        return f"still loading: {self._stage}; retry in a few seconds"

    def components(self) -> Components:
        if self._components is None or not self._seeded:
            raise NotReady(self.status(), 5)
        return self._components

    def pipeline_if_ready(self) -> AnswerPipeline | None:
        return self._pipeline

    def pipeline(self) -> AnswerPipeline:
        if self._pipeline is None or not self._seeded:
            raise NotReady(self.status(), 5)
        return self._pipeline

    def ingestor(self) -> Ingestor:
        return ingestor_for(self.components())

    def with_urls(self, answer: Answer) -> Answer:
        return with_urls(self.components().store, answer)

    # -- conversations, feedback, ingest jobs (the project database) --------
    def _open_stores(self) -> tuple[ConversationStore, FeedbackStore]:
        with self._stores_lock:
            if self._stores is None:
                db = Database.open(self.settings)
                conversations = ConversationStore(db)
                self._stores = conversations, FeedbackStore(db, conversations)
            return self._stores

    @property
    def conversations(self) -> ConversationStore:
        return self._open_stores()[0]

    @property
    def feedback(self) -> FeedbackStore:
        return self._open_stores()[1]

    @property
    def jobs(self) -> IngestJobs:
        from ui.jobs import IngestJobs

        with self._stores_lock:
            if self._jobs is None:
                self._jobs = IngestJobs(Database.open(self.settings), self.ingestor, self.settings.home / "uploads")
            return self._jobs

    def history_for(self, conversation_id: str | None, given: list[Message]) -> list[Message]:
        """What an answer follows: a saved conversation's turns, or the history the client sent."""
        if conversation_id is None:
            return given
        return self.conversations.require(conversation_id).history()

    def save_turn(
        self, conversation_id: str | None, answer: Answer, prefix: list[Message]
    ) -> tuple[Answer, Turn | None]:
        """Keep the answer as the conversation's next turn (a new conversation, starting from
        `prefix`, when there is none). A database that fails costs the saving, not the answer:
        the answer then says in its notes that it was not saved."""
        try:
            version = self.components().store.index_info().corpus_version
            turn = self.conversations.record(
                conversation_id, answer, prefix=[] if conversation_id else prefix, corpus_version=version
            )
        except RagError as exc:
            log.warning("an answer was not saved: %s", exc)
            return replace(answer, notes=[*answer.notes, f"this answer was not saved: {exc}"]), None
        return answer, turn


def with_urls(store: ChromaStore, answer: Answer) -> Answer:
    """The answer with each citation's original URL (the document record has it; the pipeline does not)."""
    ids = sorted({c.doc_id for c in answer.citations})
    if not ids:
        return answer
    docs = store.get_documents(ids)
    cited = [replace(c, url=docs[c.doc_id].url if c.doc_id in docs else None) for c in answer.citations]
    return replace(answer, citations=cited)


def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


async def answer_in_turn(
    ticket: Ticket,
    pipeline: AnswerPipeline,
    question: str,
    history: list[Message],
    k: int | None,
    filters: SearchFilters | None,
) -> Answer:
    """One non-streamed answer on an admitted ticket, run off the event loop; the turn is
    released however it ends."""
    try:
        return await anyio.to_thread.run_sync(lambda: pipeline.answer(question, history, k=k, filters=filters))
    finally:
        ticket.release()


_DONE = object()


def _next(it: Iterator[T]) -> T | object:
    return next(it, _DONE)


async def iterate_closing(it: Iterator[T]) -> AsyncIterator[T]:
    """`it`'s items, each fetched in a worker thread; `it` is closed however iteration ends."""
    try:
        while True:
            item = await anyio.to_thread.run_sync(_next, it)
            if item is _DONE:
                return
            yield item  # type: ignore[misc]
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(close)
