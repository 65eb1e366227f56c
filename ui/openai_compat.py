"""An OpenAI-compatible face on the answer pipeline, for chat clients that speak it.

    POST /v1/chat/completions   model "rag"; the last user message is the question,
                                earlier user/assistant turns the history
    GET  /v1/models             lists "rag"

The content is the checked answer with [n] markers, then a "Sources:" list
(title, date, absolute link); the citations also come as a top-level
`citations` field. With `stream` the reply is OpenAI-style SSE chunks ending in
`data: [DONE]`. The stream carries the *checked* answer, so its text arrives
when the model has finished: an OpenAI client cannot take back text it was
already sent, and the model's raw words lack the markers and may hold a
sentence the check drops. (Live tokens: POST /v1/answer with stream.)
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

import anyio
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette import EventSourceResponse
from starlette.background import BackgroundTask

from rag.answer import AnswerPipeline
from rag.dates import format_date
from rag.errors import BadInput, NotFound
from rag.types import Answer, Message, SearchFilters
from ui.api import public_message
from ui.auth import ERRORS
from ui.schemas import MAX_TOP_K, MAX_TURNS, CitationOut, FiltersIn, filters_of
from ui.service import Service, ServiceDep, Ticket, answer_in_turn

MODEL_ID = "rag"
SOURCES = "\n\nSources:\n"

router = APIRouter(prefix="/v1", responses=ERRORS)


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(p.text for p in self.content if p.type == "text" and p.text)
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens…: accepted, not used
    model: str = MODEL_ID
    messages: list[ChatMessageIn] = Field(min_length=1, max_length=MAX_TURNS * 2)
    stream: bool = False
    top_k: int | None = Field(None, ge=1, le=MAX_TOP_K, description="Extension: passages to retrieve.")
    filters: FiltersIn | None = Field(None, description="Extension: restrict the articles searched.")


class ChatMessageOut(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class ChoiceOut(BaseModel):
    index: int = 0
    message: ChatMessageOut
    finish_reason: Literal["stop"] = "stop"


class ChatCompletionOut(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str = MODEL_ID
    choices: list[ChoiceOut]
    citations: list[CitationOut]


def split_messages(messages: list[ChatMessageIn]) -> tuple[str, list[Message]]:
    """The last user message is the question; earlier user/assistant turns (sources removed) the history."""
    turns = [m for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user":
        raise BadInput("the last message must be the user's question (role 'user')")
    history = [Message("user" if m.role == "user" else "assistant", m.text().split(SOURCES, 1)[0]) for m in turns[:-1]]
    return turns[-1].text(), history


def content_of(answer: Answer, base_url: str) -> str:
    """'Chen Mingguo led it [1].\\n\\nSources:\\n[1] Title (2025-01-19) http://host/documents/…#span-…'"""
    lines = []
    for c in answer.citations:
        date = f" ({format_date(c.date)})" if c.date else ""
        original = f" (original: {c.url})" if c.url else ""
        lines.append(f"[{c.n}] {c.title or c.doc_id}{date} {base_url}{c.link}{original}")
    return answer.answer + (SOURCES + "\n".join(lines) if lines else "")


def _chunk(cid: str, created: int, delta: dict[str, str], finish: str | None = None, **extra: Any) -> str:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID, "choices": [choice]}
    return json.dumps({**body, **extra})


async def completion_chunks(
    service: Service,
    pipeline: AnswerPipeline,
    ticket: Ticket,
    question: str,
    history: list[Message],
    k: int | None,
    filters: SearchFilters | None,
    base_url: str,
) -> AsyncIterator[str]:
    cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    try:
        yield _chunk(cid, created, {"role": "assistant", "content": ""})
        answer = await answer_in_turn(ticket, pipeline, question, history, k, filters)
        answer = await anyio.to_thread.run_sync(service.with_urls, answer)
        content = content_of(answer, base_url)
        text, sep, sources = content.partition(SOURCES)
        for piece in (text, sep + sources):
            if piece:
                yield _chunk(cid, created, {"content": piece})
        citations = [CitationOut.of(c).model_dump() for c in answer.citations]
        yield _chunk(cid, created, {}, "stop", citations=citations)
    except Exception as exc:  # headers are sent: report in the stream, as OpenAI does
        yield json.dumps({"error": {"message": public_message(exc), "type": type(exc).__name__}})
    finally:
        ticket.release()
    yield "[DONE]"


@router.post(
    "/chat/completions",
    response_model=ChatCompletionOut,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def chat_completions(body: ChatRequest, request: Request, service: ServiceDep) -> ChatCompletionOut | Response:
    if body.model != MODEL_ID:
        raise NotFound(f"model {body.model!r} is not served here; use {MODEL_ID!r} (GET /v1/models)")
    pipeline = service.pipeline()
    question, history = split_messages(body.messages)
    question = pipeline.retriever.check_query(question)
    filters = filters_of(body.filters)
    base_url = str(request.base_url).rstrip("/")
    ticket = await service.gate.enter()
    if body.stream:
        chunks = completion_chunks(service, pipeline, ticket, question, history, body.top_k, filters, base_url)
        return EventSourceResponse(chunks, background=BackgroundTask(ticket.release))
    answer = await answer_in_turn(ticket, pipeline, question, history, body.top_k, filters)
    answer = await anyio.to_thread.run_sync(service.with_urls, answer)
    return ChatCompletionOut(
        id=f"chatcmpl-{uuid.uuid4().hex}",
        created=int(time.time()),
        choices=[ChoiceOut(message=ChatMessageOut(content=content_of(answer, base_url)))],
        citations=[CitationOut.of(c) for c in answer.citations],
    )


@router.get("/models")
def models() -> dict[str, Any]:
    return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "newsrag"}]}
