"""The project's own data types; third-party types are converted to these at their edge."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class CleanDocument:
    """An article after cleaning: the text every span and citation refers to."""

    text: str
    title: str
    date: int | None  # YYYYMMDD, so the store can range-filter it
    source: str | None  # the outlet: "Daily Planet"
    author: str | None = None
    url: str | None = None  # where the article was published (canonical, else fetched from)


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    date: int | None
    source: str | None
    path: str
    content_hash: str
    text: str
    chunk_count: int = 0
    source_hash: str = ""  # of the file's bytes and the ingest settings that cut it
    author: str | None = None
    url: str | None = None  # the original on the web, when known


@dataclass(frozen=True)
class Chunk:
    """A passage of a cleaned document: `text == document.text[start:end]`.

    `sentences` holds the (start, end) spans of its sentences, in document
    coordinates, so evidence can be picked sentence by sentence at query time
    without splitting again.
    """

    chunk_id: str
    doc_id: str
    seq: int
    text: str
    start: int
    end: int
    sentences: tuple[tuple[int, int], ...]
    title: str = ""
    date: int | None = None
    source: str | None = None
    content_hash: str = ""  # of the document version the chunk was cut from
    url: str | None = None  # the document's original on the web, when known


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float
    dense_rank: int | None = None
    sparse_rank: int | None = None
    similarity: float | None = None  # cosine of query and chunk, when known


@dataclass(frozen=True)
class SearchFilters:
    doc_ids: tuple[str, ...] = ()
    since: int | None = None  # YYYYMMDD inclusive
    until: int | None = None  # YYYYMMDD inclusive


Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True)
class Citation:
    n: int
    doc_id: str
    title: str
    date: int | None
    quote: str  # exact substring of the cleaned document
    start: int
    end: int
    link: str
    score: float
    url: str | None = None  # the document's original on the web; filled in at the ui edge


@dataclass
class Timings:
    retrieve_s: float = 0.0
    evidence_s: float = 0.0
    generate_s: float = 0.0
    first_token_s: float | None = None
    total_s: float = 0.0
    cached: bool = False  # served from the answer cache (the other stages then did not run)


@dataclass
class Answer:
    question: str
    standalone_question: str
    answer: str
    refused: bool
    citations: list[Citation]
    model: str
    timings: Timings
    notes: list[str] = field(default_factory=list)
    retrieved_doc_ids: list[str] = field(default_factory=list)
    prompt_tokens: int | None = None


AnswerObserver = Callable[[Answer], None]  # told of every answer a serving pipeline gives (metrics, logs)
