"""The answer cache: the same question asked of the same corpus is answered at once.

A cached answer is found by a key over what decides an answer:

    sha256(standalone question, filters, k, corpus version + generation, pipeline identity)

- the *standalone* question, so "Who led it?" after a turn about the delegation
  finds the answer to "Who led the delegation?";
- the corpus version and generation the store publishes: every ingest that
  changes something and every delete makes a new generation, so answers cached
  before it are never served again (and are pruned on the next write);
- the pipeline identity: model, embedder, the settings that shape an answer and
  a hash of the `rag` package's source, so a new prompt or a new model never
  serves an answer the old one wrote.

Only answers the configured pipeline wrote itself are kept: a fallback written
because the model failed is not. Rows live in the project database
(`rag.db.Database`), so every API worker on a RAG_HOME shares them. A hit is
visible three ways: `timings.cached`, a note on the answer, and whatever the
observers record (the API counts hits and misses for /metrics).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Float, Integer, String, Text, delete, func, select, update
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Mapped, mapped_column

from rag.answer import AnswerPipeline
from rag.db import Base, Database
from rag.llm import Generator
from rag.retrieve import HybridRetriever
from rag.settings import Settings
from rag.types import Answer, AnswerObserver, Citation, Message, SearchFilters, Timings

log = logging.getLogger(__name__)
_SHAPING_SETTINGS = (
    "top_k",
    "candidates",
    "rrf_k",
    "hnsw_ef_search",
    "llm_max_tokens",
    "llm_ctx",
    "evidence_max_sentences",
    "evidence_max_chars",
)


class CachedAnswerRow(Base):
    __tablename__ = "answer_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    generation: Mapped[str] = mapped_column(String(64), index=True)
    standalone_question: Mapped[str] = mapped_column(Text)
    answer_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)
    used_at: Mapped[float] = mapped_column(Float, index=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)


@lru_cache(maxsize=1)
def source_hash() -> str:
    """A hash of the `rag` package's source: a change of code is a change of answers."""
    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def answer_to_json(answer: Answer) -> str:
    return json.dumps(dataclasses.asdict(answer))


def answer_from_json(raw: str) -> Answer:
    data = json.loads(raw)
    data["citations"] = [Citation(**c) for c in data["citations"]]
    data["timings"] = Timings(**data["timings"])
    return Answer(**data)


class AnswerCache:
    """Answers by key in the project database, at most `max_entries`, least recently used out first."""

    def __init__(self, db: Database, max_entries: int) -> None:
        self.db = db
        self.max_entries = max_entries

    def get(self, key: str) -> tuple[Answer, float] | None:
        """The stored answer and when it was stored, or None (an unreadable row counts as none)."""
        with self.db.session() as s, s.begin():
            row = s.get(CachedAnswerRow, key)
            if row is None:
                return None
            s.execute(
                update(CachedAnswerRow)
                .where(CachedAnswerRow.key == key)
                .values(used_at=time.time(), hits=CachedAnswerRow.hits + 1)
            )
            raw, created = row.answer_json, row.created_at
        try:
            return answer_from_json(raw), created
        except (TypeError, ValueError, KeyError):
            return None

    def put(self, key: str, generation: str, answer: Answer) -> None:
        now = time.time()
        values = {
            "key": key,
            "generation": generation,
            "standalone_question": answer.standalone_question,
            "answer_json": answer_to_json(answer),
            "created_at": now,
            "used_at": now,
            "hits": 0,
        }
        stmt = insert(CachedAnswerRow).values(**values)
        stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={k: stmt.excluded[k] for k in values})
        with self.db.session() as s, s.begin():
            s.execute(delete(CachedAnswerRow).where(CachedAnswerRow.generation != generation))
            s.execute(stmt)
            over = (s.scalar(select(func.count()).select_from(CachedAnswerRow)) or 0) - self.max_entries
            if over > 0:
                oldest = select(CachedAnswerRow.key).order_by(CachedAnswerRow.used_at).limit(over)
                s.execute(delete(CachedAnswerRow).where(CachedAnswerRow.key.in_(oldest)))

    def size(self) -> int:
        with self.db.session() as s:
            return int(s.scalar(select(func.count()).select_from(CachedAnswerRow)) or 0)


class CachedPipeline(AnswerPipeline):
    """The answer pipeline with the answer cache in front (unless `cache` is None), and
    observers told of every answer: what a server answers with."""

    def __init__(
        self,
        settings: Settings,
        retriever: HybridRetriever,
        generator: Generator | None,
        cache: AnswerCache | None,
        observers: Sequence[AnswerObserver] = (),
    ) -> None:
        super().__init__(settings, retriever, generator)
        self.cache = cache
        self.observers = list(observers)
        shaping = {name: getattr(settings, name) for name in _SHAPING_SETTINGS}
        self.identity = json.dumps(
            [self.model_name, retriever.embedder.name, shaping, source_hash()], sort_keys=True, default=str
        )

    def cache_key(self, standalone: str, k: int, filters: SearchFilters | None, generation: str) -> str:
        filters_key = dataclasses.asdict(filters) if filters is not None else None
        raw = json.dumps([" ".join(standalone.split()).casefold(), filters_key, k, generation, self.identity])
        return hashlib.sha256(raw.encode()).hexdigest()

    def stream(
        self,
        question: str,
        history: Sequence[Message] = (),
        *,
        k: int | None = None,
        filters: SearchFilters | None = None,
    ) -> Iterator[str | Answer]:
        if self.cache is None:
            yield from self._observed(super().stream(question, history, k=k, filters=filters))
            return
        started = time.perf_counter()
        standalone = self.standalone(question, history)
        info = self.retriever.store.index_info()
        generation = f"{info.corpus_version}:{info.generation}:{info.embedder}"
        key = self.cache_key(standalone, self.settings.top_k if k is None else k, filters, generation)
        found = self.cache.get(key)
        if found is not None:
            answer, stored_at = found
            answer.question = self.retriever.check_query(question)
            elapsed = time.perf_counter() - started
            answer.timings = Timings(first_token_s=elapsed, total_s=elapsed, cached=True)
            age = max(0.0, time.time() - stored_at)
            note = f"answered from the answer cache (the same question was answered {age:.0f} s ago)"
            answer.notes = [*answer.notes, note]
            self._tell(answer)
            yield answer
            return
        for item in self._observed(super().stream(question, history, k=k, filters=filters)):
            if isinstance(item, Answer) and item.model == self.model_name:  # not a fallback after a failure
                try:
                    self.cache.put(key, generation, item)
                except Exception:  # a full disk or a locked file must not cost the user the answer
                    log.exception("could not store an answer in the cache")
            yield item

    def _observed(self, items: Iterator[str | Answer]) -> Iterator[str | Answer]:
        for item in items:
            if isinstance(item, Answer):
                self._tell(item)
            yield item

    def _tell(self, answer: Answer) -> None:
        for observe in self.observers:
            try:
                observe(answer)
            except Exception:
                log.exception("an answer observer failed")
