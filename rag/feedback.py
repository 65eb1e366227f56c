"""Feedback on answers (thumbs up or down and a note), and disliked answers as eval questions.

Feedback is given on an answer id (`rag.conversations`) and stored with a copy
of what was judged: the question, the earlier turns it followed, the standalone
question, the answer, its citations, the model and the corpus version. So it
stays whole when its conversation is deleted or the corpus changes, and a
thumbs-down can be replayed as an eval question:

    {"id": "feedback-3f2a…", "question": "…", "answers": [], "sources": [],
     "type": "feedback", "history": […], "note": "…what was wrong, what was answered…"}

`answers` and `sources` are left empty for a person to fill in (the right
answer, and the doc ids that hold it); left empty, the question asks for a
refusal, which is right when the articles do not answer it. `note` keeps the
reader's note and the answer they disliked.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Boolean, Float, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from rag.conversations import (
    ConversationStore,
    citations_from_json,
    citations_to_json,
    messages_from_json,
    messages_to_json,
    transaction,
)
from rag.db import Base, Database
from rag.errors import BadInput, NotFound
from rag.types import Citation, Message

Rating = Literal["up", "down"]
RATINGS: tuple[Rating, ...] = ("up", "down")
MAX_NOTE_CHARS = 2000


class FeedbackRow(Base):
    __tablename__ = "feedback"

    answer_id: Mapped[str] = mapped_column(String(32), primary_key=True)  # one judgement per answer, the last
    conversation_id: Mapped[str] = mapped_column(String(32), index=True)  # kept when the conversation goes
    rating: Mapped[str] = mapped_column(String(4), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    question: Mapped[str] = mapped_column(Text)
    history_json: Mapped[str] = mapped_column(Text)
    standalone_question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    refused: Mapped[bool] = mapped_column(Boolean)
    citations_json: Mapped[str] = mapped_column(Text)
    model: Mapped[str] = mapped_column(String(200))
    corpus_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


@dataclass(frozen=True)
class Feedback:
    answer_id: str
    conversation_id: str
    rating: Rating
    note: str
    question: str
    history: tuple[Message, ...]
    standalone_question: str
    answer: str
    refused: bool
    citations: tuple[Citation, ...]
    model: str
    corpus_version: str | None
    created_at: float
    updated_at: float


def _feedback(row: FeedbackRow) -> Feedback:
    return Feedback(
        answer_id=row.answer_id,
        conversation_id=row.conversation_id,
        rating="up" if row.rating == "up" else "down",
        note=row.note,
        question=row.question,
        history=messages_from_json(row.history_json),
        standalone_question=row.standalone_question,
        answer=row.answer,
        refused=row.refused,
        citations=citations_from_json(row.citations_json),
        model=row.model,
        corpus_version=row.corpus_version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class FeedbackStore:
    def __init__(self, db: Database, conversations: ConversationStore) -> None:
        self.db = db
        self.conversations = conversations
        db.create_tables()

    def _session(self) -> AbstractContextManager[Session]:
        return transaction(self.db, "feedback")

    def give(self, answer_id: str, rating: str, note: str = "") -> Feedback:
        """Record (or replace) the judgement of one answer."""
        if rating not in RATINGS:
            raise BadInput(f"rating must be 'up' or 'down', not {rating!r}")
        note = note.strip()
        if len(note) > MAX_NOTE_CHARS:
            raise BadInput(f"the note is {len(note)} characters long; keep it under {MAX_NOTE_CHARS}")
        turn = self.conversations.turn(answer_id)
        if turn is None:
            raise NotFound(f"no answer {answer_id!r}; answer ids come with each answer (POST /v1/answer)")
        conv = self.conversations.get(turn.conversation_id)
        history = conv.history(before=answer_id) if conv is not None else []
        now = time.time()
        with self._session() as s:
            row = s.get(FeedbackRow, answer_id)
            if row is None:
                row = FeedbackRow(
                    answer_id=answer_id,
                    conversation_id=turn.conversation_id,
                    question=turn.question,
                    history_json=messages_to_json(history),
                    standalone_question=turn.standalone_question,
                    answer=turn.answer,
                    refused=turn.refused,
                    citations_json=citations_to_json(turn.citations),
                    model=turn.model,
                    corpus_version=turn.corpus_version,
                    created_at=now,
                )
                s.add(row)
            row.rating, row.note, row.updated_at = rating, note, now
            s.flush()
            return _feedback(row)

    def withdraw(self, answer_id: str) -> bool:
        """Forget the judgement of one answer (a thumb clicked again)."""
        with self._session() as s:
            row = s.get(FeedbackRow, answer_id)
            if row is not None:
                s.delete(row)
            return row is not None

    def get(self, answer_id: str) -> Feedback | None:
        with self._session() as s:
            row = s.get(FeedbackRow, answer_id)
            return _feedback(row) if row is not None else None

    def for_answers(self, answer_ids: Iterable[str]) -> dict[str, Feedback]:
        ids = list(answer_ids)
        if not ids:
            return {}
        with self._session() as s:
            rows = s.scalars(select(FeedbackRow).where(FeedbackRow.answer_id.in_(ids)))
            return {r.answer_id: _feedback(r) for r in rows}

    def all(self, rating: Rating | None = None) -> list[Feedback]:
        """Oldest first."""
        query = select(FeedbackRow).order_by(FeedbackRow.created_at, FeedbackRow.answer_id)
        if rating is not None:
            query = query.where(FeedbackRow.rating == rating)
        with self._session() as s:
            return [_feedback(r) for r in s.scalars(query)]


def eval_record(fb: Feedback) -> dict[str, Any]:
    """A disliked answer as a question of the eval contract (evals/questions.py), to be completed
    by a person: the right `answers` and their `sources`, or both left empty for a refusal."""
    cited = ", ".join(dict.fromkeys(c.doc_id for c in fb.citations)) or "nothing"
    when = datetime.fromtimestamp(fb.updated_at, UTC).strftime("%Y-%m-%d")
    given = "refused (I don't know)" if fb.refused else f"answered {fb.answer!r}"
    note = (
        f"Thumbs down on {when}: {fb.note or '(no note)'} | The service {given}, citing {cited} "
        f"(model {fb.model}, corpus version {fb.corpus_version or 'unknown'}). | To use this question, put "
        "the right answer(s) in 'answers' and the doc ids that hold them in 'sources'; leave both empty "
        "if the articles do not answer it."
    )
    record: dict[str, Any] = {
        "id": f"feedback-{fb.answer_id[:12]}",
        "question": fb.question,
        "answers": [],
        "sources": [],
        "type": "feedback",
    }
    if fb.history:
        record["history"] = [{"role": m.role, "content": m.content} for m in fb.history if m.content.strip()]
    record["note"] = note
    return record
