"""Saved conversations and feedback over HTTP.

    GET    /v1/conversations                  the most recent first (?limit, ?offset)
    GET    /v1/conversations/{id}             its turns: questions, answers, citations, feedback
    GET    /v1/conversations/{id}/export      the conversation as a Markdown file, sources linked
    PATCH  /v1/conversations/{id}             rename {"title"}            (Bearer RAG_API_TOKEN)
    DELETE /v1/conversations/{id}             remove it                   (Bearer RAG_API_TOKEN)
    POST   /v1/feedback                       {"answer_id", "rating": "up"|"down"|null, "note"}

Conversations are made by POST /v1/answer, and feedback is given like a
question is asked: both add, and need no token (the chat does both). Renaming
and deleting change what everyone sees, so they need the token like other
writes. Feedback outlives its conversation (see rag.feedback).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from rag.conversations import MAX_TITLE_CHARS, Conversation, ConversationSummary, Turn
from rag.errors import NotFound
from rag.feedback import MAX_NOTE_CHARS, Feedback
from ui.auth import ERRORS, WRITE_ERRORS, TokenDep
from ui.markdown import conversation_markdown, download_name
from ui.schemas import ID_PATTERN, CitationOut
from ui.service import ServiceDep

router = APIRouter(prefix="/v1", responses=ERRORS)


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


class FeedbackOut(BaseModel):
    answer_id: str
    conversation_id: str
    rating: Literal["up", "down"] | None = Field(description="null when the feedback was withdrawn.")
    note: str
    updated_at: str | None

    @classmethod
    def of(cls, f: Feedback) -> FeedbackOut:
        return cls(
            answer_id=f.answer_id,
            conversation_id=f.conversation_id,
            rating=f.rating,
            note=f.note,
            updated_at=iso(f.updated_at),
        )


class ConversationSummaryOut(BaseModel):
    id: str
    title: str
    created_at: str
    updated_at: str
    turns: int

    @classmethod
    def of(cls, c: ConversationSummary) -> ConversationSummaryOut:
        return cls(
            id=c.id, title=c.title, created_at=iso(c.created_at), updated_at=iso(c.updated_at), turns=c.turn_count
        )


class ConversationListOut(BaseModel):
    conversations: list[ConversationSummaryOut]
    total: int


class TurnOut(BaseModel):
    answer_id: str
    question: str
    standalone_question: str
    answer: str
    refused: bool
    citations: list[CitationOut]
    model: str
    corpus_version: str | None
    created_at: str
    feedback: FeedbackOut | None

    @classmethod
    def of(cls, t: Turn, feedback: Feedback | None) -> TurnOut:
        return cls(
            answer_id=t.answer_id,
            question=t.question,
            standalone_question=t.standalone_question,
            answer=t.answer,
            refused=t.refused,
            citations=[CitationOut.of(c) for c in t.citations],
            model=t.model,
            corpus_version=t.corpus_version,
            created_at=iso(t.created_at),
            feedback=FeedbackOut.of(feedback) if feedback else None,
        )


class MessageOut(BaseModel):
    role: str
    content: str


class ConversationOut(BaseModel):
    id: str
    title: str
    created_at: str
    updated_at: str
    history: list[MessageOut] = Field(description="Turns a client sent with the first question, if any.")
    turns: list[TurnOut]

    @classmethod
    def of(cls, c: Conversation, feedback: dict[str, Feedback]) -> ConversationOut:
        return cls(
            id=c.id,
            title=c.title,
            created_at=iso(c.created_at),
            updated_at=iso(c.updated_at),
            history=[MessageOut(role=m.role, content=m.content) for m in c.prefix],
            turns=[TurnOut.of(t, feedback.get(t.answer_id)) for t in c.turns],
        )


class RenameIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=MAX_TITLE_CHARS)


class DeletedConversationOut(BaseModel):
    id: str
    deleted: bool


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer_id: str = Field(pattern=ID_PATTERN, description="From the answer (POST /v1/answer).")
    rating: Literal["up", "down"] | None = Field(description="Thumbs up or down; null withdraws the feedback.")
    note: str = Field("", max_length=MAX_NOTE_CHARS, description="What was right or wrong, in your words.")


def conversation_out(service: ServiceDep, conversation_id: str) -> ConversationOut:
    conv = service.conversations.require(conversation_id)
    return ConversationOut.of(conv, service.feedback.for_answers(t.answer_id for t in conv.turns))


@router.get("/conversations", response_model=ConversationListOut)
def list_conversations(
    service: ServiceDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> ConversationListOut:
    store = service.conversations
    return ConversationListOut(
        conversations=[ConversationSummaryOut.of(c) for c in store.recent(limit, offset)], total=store.count()
    )


@router.get("/conversations/{conversation_id}", response_model=ConversationOut)
def get_conversation(conversation_id: str, service: ServiceDep) -> ConversationOut:
    return conversation_out(service, conversation_id)


@router.get(
    "/conversations/{conversation_id}/export",
    response_class=Response,
    responses={200: {"content": {"text/markdown": {}}, "description": "The conversation as Markdown."}},
)
def export_conversation(conversation_id: str, service: ServiceDep, request: Request) -> Response:
    """The conversation as a Markdown file: questions, answers, and sources linking to the passages."""
    conv = service.conversations.require(conversation_id)
    base = str(request.base_url).rstrip("/")
    return Response(
        conversation_markdown(conv, base),
        media_type="text/markdown; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{download_name(conv.title)}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.patch(
    "/conversations/{conversation_id}",
    response_model=ConversationSummaryOut,
    dependencies=[TokenDep],
    responses=WRITE_ERRORS,
)
def rename_conversation(conversation_id: str, body: RenameIn, service: ServiceDep) -> ConversationSummaryOut:
    store = service.conversations
    store.rename(conversation_id, body.title)
    conv = store.require(conversation_id)
    return ConversationSummaryOut.of(
        ConversationSummary(conv.id, conv.title, conv.created_at, conv.updated_at, len(conv.turns))
    )


@router.delete(
    "/conversations/{conversation_id}",
    response_model=DeletedConversationOut,
    dependencies=[TokenDep],
    responses=WRITE_ERRORS,
)
def delete_conversation(conversation_id: str, service: ServiceDep) -> DeletedConversationOut:
    if not service.conversations.delete(conversation_id):
        raise NotFound(f"no conversation {conversation_id!r}; GET /v1/conversations lists them")
    return DeletedConversationOut(id=conversation_id, deleted=True)


@router.post("/feedback", response_model=FeedbackOut)
def give_feedback(body: FeedbackIn, service: ServiceDep) -> FeedbackOut:
    """Thumbs up or down on an answer, with an optional note; a new rating replaces the last one."""
    if body.rating is not None:
        return FeedbackOut.of(service.feedback.give(body.answer_id, body.rating, body.note))
    turn = service.conversations.turn(body.answer_id)
    if turn is None:
        raise NotFound(f"no answer {body.answer_id!r}; answer ids come with each answer (POST /v1/answer)")
    service.feedback.withdraw(body.answer_id)
    return FeedbackOut(
        answer_id=body.answer_id, conversation_id=turn.conversation_id, rating=None, note="", updated_at=None
    )
