"""The HTTP API's request and response models, and their conversion from `rag.types`.

The dataclasses of `rag.types` never leave the server as they are: dates go
out as "YYYY-MM-DD" strings, documents without their file path, and request
filters are checked here (a bad date is a 422 naming the field).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rag.answer import document_link
from rag.conversations import Turn
from rag.dates import format_date, parse_bound
from rag.errors import BadInput
from rag.types import Answer, Citation, Document, Hit, Message, SearchFilters

MAX_TOP_K = 20
MAX_TURNS = 50
MAX_TURN_CHARS = 20_000
DATE_PATTERN = r"^\d{4}(-?\d{2}(-?\d{2})?)?$"
ID_PATTERN = r"^[0-9a-f]{32}$"  # conversation and answer ids


class ErrorOut(BaseModel):
    detail: str = Field(description="What went wrong and what to do about it.")


class FiltersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    doc_ids: list[str] = Field(default_factory=list, max_length=500, description="Only these documents.")
    since: str | None = Field(
        None, pattern=DATE_PATTERN, description="Dated on/after YYYY, YYYY-MM or YYYY-MM-DD.", examples=["2025-01"]
    )
    until: str | None = Field(
        None, pattern=DATE_PATTERN, description="Dated on/before YYYY, YYYY-MM or YYYY-MM-DD.", examples=["2025-02"]
    )

    @field_validator("since", "until")
    @classmethod
    def _date(cls, v: str | None) -> str | None:
        try:
            parse_bound(v)
        except BadInput as exc:
            raise ValueError(str(exc)) from None
        return v

    @model_validator(mode="after")
    def _order(self) -> FiltersIn:
        since, until = parse_bound(self.since), parse_bound(self.until, end=True)
        if since is not None and until is not None and since > until:
            raise ValueError(f"since {self.since!r} is after until {self.until!r}; swap them")
        return self

    def to_filters(self) -> SearchFilters:
        return SearchFilters(
            doc_ids=tuple(self.doc_ids), since=parse_bound(self.since), until=parse_bound(self.until, end=True)
        )


def filters_of(f: FiltersIn | None) -> SearchFilters | None:
    return f.to_filters() if f is not None else None


class MessageIn(BaseModel):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=MAX_TURN_CHARS)

    def to_message(self) -> Message:
        return Message(self.role, self.content)


class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, examples=["Who led the Chinese delegation?"])
    history: list[MessageIn] = Field(
        default_factory=list, max_length=MAX_TURNS, description="Earlier turns, oldest first."
    )
    top_k: int | None = Field(None, ge=1, le=MAX_TOP_K, description="Passages to retrieve (default RAG_TOP_K).")
    filters: FiltersIn | None = None
    stream: bool = Field(False, description="Answer as Server-Sent Events (also: Accept: text/event-stream).")
    conversation_id: str | None = Field(
        None,
        pattern=ID_PATTERN,
        description="Continue this saved conversation: its turns are the history (send no `history` then). "
        "Absent: a new conversation is saved, starting from `history`.",
    )

    @model_validator(mode="after")
    def _one_history(self) -> AnswerRequest:
        if self.conversation_id and self.history:
            raise ValueError("send either `conversation_id` (its saved turns are the history) or `history`, not both")
        return self


class CitationOut(BaseModel):
    n: int
    doc_id: str
    title: str
    date: str | None
    quote: str = Field(description="Exact text of the cleaned document, [start, end).")
    start: int
    end: int
    link: str = Field(description="The document page, scrolled to the quoted passage.")
    url: str | None = Field(None, description="The article's original on the web, when known.")
    score: float

    @classmethod
    def of(cls, c: Citation) -> CitationOut:
        return cls(
            n=c.n,
            doc_id=c.doc_id,
            title=c.title,
            date=format_date(c.date),
            quote=c.quote,
            start=c.start,
            end=c.end,
            link=c.link,
            url=c.url,
            score=c.score,
        )


class TimingsOut(BaseModel):
    retrieve_s: float
    evidence_s: float
    generate_s: float
    first_token_s: float | None
    total_s: float
    cached: bool = Field(False, description="True when the answer came from the answer cache.")


class AnswerOut(BaseModel):
    question: str
    answer: str = Field(description="The answer with [n] markers pointing into `citations`.")
    refused: bool = Field(description="True when the articles do not answer; citations are then the closest passages.")
    citations: list[CitationOut]
    standalone_question: str
    model: str
    timings: TimingsOut
    notes: list[str]
    conversation_id: str | None = Field(None, description="The saved conversation; send it with a follow-up.")
    answer_id: str | None = Field(
        None, description="This answer, for POST /v1/feedback (null when it could not be saved: see notes)."
    )

    @classmethod
    def of(cls, a: Answer, turn: Turn | None = None) -> AnswerOut:
        t = a.timings
        return cls(
            conversation_id=turn.conversation_id if turn else None,
            answer_id=turn.answer_id if turn else None,
            question=a.question,
            answer=a.answer,
            refused=a.refused,
            citations=[CitationOut.of(c) for c in a.citations],
            standalone_question=a.standalone_question,
            model=a.model,
            timings=TimingsOut(
                retrieve_s=round(t.retrieve_s, 4),
                evidence_s=round(t.evidence_s, 4),
                generate_s=round(t.generate_s, 4),
                first_token_s=None if t.first_token_s is None else round(t.first_token_s, 4),
                total_s=round(t.total_s, 4),
                cached=t.cached,
            ),
            notes=a.notes,
        )


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, examples=["Chinese delegation Islamabad"])
    top_k: int | None = Field(None, ge=1, le=MAX_TOP_K)
    filters: FiltersIn | None = None


class HitOut(BaseModel):
    doc_id: str
    chunk_id: str
    title: str
    date: str | None
    source: str | None
    text: str
    start: int
    end: int
    score: float
    link: str
    url: str | None = Field(None, description="The article's original on the web, when known.")

    @classmethod
    def of(cls, h: Hit) -> HitOut:
        c = h.chunk
        return cls(
            doc_id=c.doc_id,
            chunk_id=c.chunk_id,
            title=c.title,
            date=format_date(c.date),
            source=c.source,
            text=c.text,
            start=c.start,
            end=c.end,
            score=round(h.score, 6),
            link=document_link(c.doc_id, c.start, c.end),
            url=c.url,
        )


class SearchOut(BaseModel):
    hits: list[HitOut]
    seconds: float


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    date: str | None
    source: str | None = Field(description="The outlet that published it, when known.")
    author: str | None = None
    url: str | None = Field(None, description="The original on the web, when known.")
    chunk_count: int

    @classmethod
    def of(cls, d: Document) -> DocumentOut:
        return cls(
            doc_id=d.doc_id,
            title=d.title,
            date=format_date(d.date),
            source=d.source,
            author=d.author,
            url=d.url,
            chunk_count=d.chunk_count,
        )


class DocumentDetailOut(DocumentOut):
    text: str = Field(description="The cleaned text that citation offsets refer to.")

    @classmethod
    def of(cls, d: Document) -> DocumentDetailOut:
        return cls(**DocumentOut.of(d).model_dump(), text=d.text)


class UploadOut(DocumentOut):
    """The first document an upload gave, and all of them (a feed gives one per item)."""

    documents: list[DocumentOut]
    errors: list[str] = Field(description="Parts that could not be ingested (a feed's empty item), with why.")

    @classmethod
    def of(cls, docs: list[Document], errors: list[str]) -> UploadOut:  # type: ignore[override]
        return cls(**DocumentOut.of(docs[0]).model_dump(), documents=[DocumentOut.of(d) for d in docs], errors=errors)


class DeletedOut(BaseModel):
    doc_id: str
    chunks_removed: int
