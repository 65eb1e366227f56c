"""Saved conversations: every answer the service gives, kept by conversation in the project database.

A conversation is the questions asked one after another and the answers given,
each answer with its own id (`answer_id`, what feedback refers to). The
history a follow-up is answered with is the conversation's earlier turns (and
any history a client sent with its first question, kept as the `prefix`), so a
client may send just the conversation id. Rows live in `rag.db.Database` (one
SQLite file under RAG_HOME), shared by every API worker and kept across
restarts; they are converted to the frozen dataclasses below at this edge.

    store = ConversationStore(Database.open(settings))
    turn = store.record(None, answer, corpus_version="…")   # a new conversation
    store.record(turn.conversation_id, follow_up_answer)     # the next turn
    store.history(turn.conversation_id)  # [Message("user", …), Message("assistant", …), …]
"""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, delete, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from rag.db import Base, Database
from rag.errors import BadInput, NotFound, StoreUnavailable
from rag.types import Answer, Citation, Message, Timings

TITLE_CHARS = 80  # a conversation is titled with its first question, cut to this length
MAX_TITLE_CHARS = 200
HISTORY_MESSAGES = 50  # the most recent messages a follow-up is answered with


class ConversationRow(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(MAX_TITLE_CHARS))
    prefix_json: Mapped[str] = mapped_column(Text, default="[]")  # history a client sent with the first question
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float, index=True)
    turns: Mapped[list[TurnRow]] = relationship(
        back_populates="conversation", cascade="all, delete-orphan", passive_deletes=True, order_by="TurnRow.seq"
    )


class TurnRow(Base):
    __tablename__ = "conversation_turns"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)  # order of asking
    answer_id: Mapped[str] = mapped_column(String(32), unique=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(Text)
    standalone_question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    refused: Mapped[bool] = mapped_column(Boolean)
    citations_json: Mapped[str] = mapped_column(Text)
    notes_json: Mapped[str] = mapped_column(Text, default="[]")
    model: Mapped[str] = mapped_column(String(200))
    corpus_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    conversation: Mapped[ConversationRow] = relationship(back_populates="turns")


@dataclass(frozen=True)
class Turn:
    """One question and the answer given, as stored."""

    answer_id: str
    conversation_id: str
    question: str
    standalone_question: str
    answer: str
    refused: bool
    citations: tuple[Citation, ...]
    notes: tuple[str, ...]
    model: str
    corpus_version: str | None
    created_at: float

    def messages(self) -> list[Message]:
        return [Message("user", self.question), Message("assistant", self.answer)]

    def to_answer(self) -> Answer:
        """The stored answer as the pipeline's type (timings are not kept), e.g. to show it again."""
        return Answer(
            question=self.question,
            standalone_question=self.standalone_question,
            answer=self.answer,
            refused=self.refused,
            citations=list(self.citations),
            model=self.model,
            timings=Timings(),
            notes=list(self.notes),
        )


@dataclass(frozen=True)
class ConversationSummary:
    id: str
    title: str
    created_at: float
    updated_at: float
    turn_count: int


@dataclass(frozen=True)
class Conversation:
    id: str
    title: str
    created_at: float
    updated_at: float
    prefix: tuple[Message, ...]
    turns: tuple[Turn, ...]

    def history(self, before: str | None = None) -> list[Message]:
        """The messages a follow-up is answered with (the most recent `HISTORY_MESSAGES`);
        with `before`, only those that came before that answer's question."""
        messages = list(self.prefix)
        for turn in self.turns:
            if turn.answer_id == before:
                break
            messages.extend(turn.messages())
        return messages[-HISTORY_MESSAGES:]


def title_of(question: str) -> str:
    """A conversation's default title: its first question on one line, cut at a word.

    >>> title_of("  Who led the\\n Chinese delegation?  ")
    'Who led the Chinese delegation?'
    >>> title_of("word " * 30)[-11:]
    'word word …'
    """
    line = " ".join(question.split())
    if len(line) <= TITLE_CHARS:
        return line
    return line[: TITLE_CHARS - 1].rsplit(" ", 1)[0] + " …"


def citations_to_json(citations: Sequence[Citation]) -> str:
    return json.dumps([dataclasses.asdict(c) for c in citations])


def citations_from_json(raw: str) -> tuple[Citation, ...]:
    return tuple(Citation(**c) for c in json.loads(raw))


def _turn(row: TurnRow) -> Turn:
    return Turn(
        answer_id=row.answer_id,
        conversation_id=row.conversation_id,
        question=row.question,
        standalone_question=row.standalone_question,
        answer=row.answer,
        refused=row.refused,
        citations=citations_from_json(row.citations_json),
        notes=tuple(json.loads(row.notes_json)),
        model=row.model,
        corpus_version=row.corpus_version,
        created_at=row.created_at,
    )


def messages_to_json(messages: Sequence[Message]) -> str:
    return json.dumps([{"role": m.role, "content": m.content} for m in messages])


def messages_from_json(raw: str) -> tuple[Message, ...]:
    return tuple(Message(m["role"], m["content"]) for m in json.loads(raw))


@contextmanager
def transaction(db: Database, what: str) -> Iterator[Session]:
    """A session in a transaction, with any database failure as a `StoreUnavailable` naming `what`."""
    try:
        with db.session() as s, s.begin():
            yield s
    except SQLAlchemyError as exc:
        raise StoreUnavailable(
            f"the {what} database {db.path} cannot be used ({exc.__class__.__name__}: "
            f"{getattr(exc, 'orig', exc)}); check that RAG_HOME is writable and the disk has room"
        ) from exc


class ConversationStore:
    """Conversations in the project database; every failure of the database is a `StoreUnavailable`."""

    def __init__(self, db: Database) -> None:
        self.db = db
        db.create_tables()  # the database may have been opened before this module's tables were known

    def _session(self) -> AbstractContextManager[Session]:
        return transaction(self.db, "conversation")

    def record(
        self,
        conversation_id: str | None,
        answer: Answer,
        *,
        prefix: Sequence[Message] = (),
        corpus_version: str | None = None,
    ) -> Turn:
        """Store an answer as the next turn of the conversation, or of a new one (titled with the
        question, starting from `prefix`) when `conversation_id` is None."""
        now = time.time()
        with self._session() as s:
            if conversation_id is None:
                conv = ConversationRow(
                    id=uuid.uuid4().hex,
                    title=title_of(answer.question),
                    prefix_json=messages_to_json(prefix),
                    created_at=now,
                    updated_at=now,
                )
                s.add(conv)
            else:
                found = s.get(ConversationRow, conversation_id)
                if found is None:
                    raise _missing(conversation_id)
                conv = found
                conv.updated_at = now
            row = TurnRow(
                answer_id=uuid.uuid4().hex,
                conversation_id=conv.id,
                question=answer.question,
                standalone_question=answer.standalone_question,
                answer=answer.answer,
                refused=answer.refused,
                citations_json=citations_to_json(answer.citations),
                notes_json=json.dumps(answer.notes),
                model=answer.model,
                corpus_version=corpus_version,
                created_at=now,
            )
            s.add(row)
            s.flush()
            return _turn(row)

    def get(self, conversation_id: str) -> Conversation | None:
        with self._session() as s:
            row = s.get(ConversationRow, conversation_id)
            if row is None:
                return None
            return Conversation(
                id=row.id,
                title=row.title,
                created_at=row.created_at,
                updated_at=row.updated_at,
                prefix=messages_from_json(row.prefix_json),
                turns=tuple(_turn(t) for t in row.turns),
            )

    def require(self, conversation_id: str) -> Conversation:
        conv = self.get(conversation_id)
        if conv is None:
            raise _missing(conversation_id)
        return conv

    def recent(self, limit: int = 50, offset: int = 0) -> list[ConversationSummary]:
        """The most recently continued conversations first (turns counted for those only)."""
        page = select(ConversationRow).order_by(ConversationRow.updated_at.desc(), ConversationRow.id)
        with self._session() as s:
            rows = s.scalars(page.limit(limit).offset(offset)).all()
            counted = (
                select(TurnRow.conversation_id, func.count())
                .where(TurnRow.conversation_id.in_([r.id for r in rows]))
                .group_by(TurnRow.conversation_id)
            )
            counts: dict[str, int] = {cid: int(n) for cid, n in s.execute(counted).tuples()}
            return [ConversationSummary(r.id, r.title, r.created_at, r.updated_at, counts.get(r.id, 0)) for r in rows]

    def count(self) -> int:
        with self._session() as s:
            return int(s.scalar(select(func.count()).select_from(ConversationRow)) or 0)

    def rename(self, conversation_id: str, title: str) -> None:
        title = " ".join(title.split())
        if not title or len(title) > MAX_TITLE_CHARS:
            raise BadInput(f"a conversation title needs 1 to {MAX_TITLE_CHARS} characters, not {len(title)}")
        with self._session() as s:
            row = s.get(ConversationRow, conversation_id)
            if row is None:
                raise _missing(conversation_id)
            row.title = title

    def delete(self, conversation_id: str) -> bool:
        """Remove a conversation and its turns (feedback given on them is kept: see rag.feedback)."""
        with self._session() as s:
            s.execute(delete(TurnRow).where(TurnRow.conversation_id == conversation_id))
            gone = s.execute(delete(ConversationRow).where(ConversationRow.id == conversation_id))
            return bool(gone.rowcount)  # type: ignore[attr-defined]

    def turn(self, answer_id: str) -> Turn | None:
        with self._session() as s:
            row = s.scalar(select(TurnRow).where(TurnRow.answer_id == answer_id))
            return _turn(row) if row is not None else None


def _missing(conversation_id: str) -> NotFound:
    return NotFound(f"no conversation {conversation_id!r}; GET /v1/conversations lists them")
