"""Saved conversations and feedback (rag.conversations, rag.feedback) in a real SQLite file:
turns in order, history for follow-ups, rename and delete, feedback that outlives its
conversation, a database opened again (a restart) finding everything, and disliked answers
exported as questions the eval loader reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals import questions as eval_questions
from evals.questions import parse_question
from rag.conversations import HISTORY_MESSAGES, ConversationStore, title_of
from rag.db import Database
from rag.errors import BadInput, NotFound
from rag.feedback import FeedbackStore, eval_record
from rag.types import Answer, Citation, Message, Timings


def answer(question: str, text: str, refused: bool = False, standalone: str | None = None) -> Answer:
    cite = Citation(1, "doc_a", "Ferry <b>resumes</b>", 20250119, "The ferry carries 240 passengers.", 5, 38, "/l", 0.4)
    return Answer(question, standalone or question, text, refused, [cite], "test-model", Timings(), ["a note"])


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return Database(tmp_path / "rag.db")


@pytest.fixture
def stores(db: Database) -> tuple[ConversationStore, FeedbackStore]:
    conversations = ConversationStore(db)
    return conversations, FeedbackStore(db, conversations)


def test_turns_are_kept_in_order_and_are_the_history(stores: tuple[ConversationStore, FeedbackStore]) -> None:
    conversations, _ = stores
    first = conversations.record(
        None, answer("How many passengers does the ferry carry?", "240 [1]."), corpus_version="v1"
    )
    second = conversations.record(first.conversation_id, answer("And how often?", "Twice a week [1]."))
    conv = conversations.require(first.conversation_id)
    assert [t.answer_id for t in conv.turns] == [first.answer_id, second.answer_id]
    assert conv.title == "How many passengers does the ferry carry?"
    assert conv.history() == [
        Message("user", "How many passengers does the ferry carry?"),
        Message("assistant", "240 [1]."),
        Message("user", "And how often?"),
        Message("assistant", "Twice a week [1]."),
    ]
    assert conv.history(before=second.answer_id) == conv.history()[:2]
    stored = conv.turns[0]
    assert stored.citations[0].title == "Ferry <b>resumes</b>" and stored.corpus_version == "v1"
    assert stored.to_answer().citations[0].quote == "The ferry carries 240 passengers."
    assert stored.notes == ("a note",) and stored.model == "test-model"


def test_a_client_history_is_the_prefix_of_a_new_conversation(stores: tuple[ConversationStore, FeedbackStore]) -> None:
    conversations, _ = stores
    prefix = [Message("user", "Tell me about the ferry."), Message("assistant", "It resumed service [1].")]
    turn = conversations.record(None, answer("How many passengers?", "240 [1]."), prefix=prefix)
    conv = conversations.require(turn.conversation_id)
    assert conv.prefix == tuple(prefix) and conv.history()[:2] == prefix


def test_history_is_bounded(stores: tuple[ConversationStore, FeedbackStore]) -> None:
    conversations, _ = stores
    turn = conversations.record(None, answer("q0", "a0"))
    for i in range(1, 40):
        conversations.record(turn.conversation_id, answer(f"q{i}", f"a{i}"))
    history = conversations.require(turn.conversation_id).history()
    assert len(history) == HISTORY_MESSAGES and history[-1] == Message("assistant", "a39")


def test_recent_first_rename_delete(stores: tuple[ConversationStore, FeedbackStore]) -> None:
    conversations, _ = stores
    a = conversations.record(None, answer("first conversation", "x"))
    b = conversations.record(None, answer("second conversation", "y"))
    conversations.record(a.conversation_id, answer("a follow-up", "z"))  # a is now the latest
    recent = conversations.recent()
    assert [c.id for c in recent] == [a.conversation_id, b.conversation_id]
    assert [c.turn_count for c in recent] == [2, 1] and conversations.count() == 2
    conversations.rename(b.conversation_id, "  Renamed <i>conversation</i>  ")
    assert conversations.require(b.conversation_id).title == "Renamed <i>conversation</i>"
    with pytest.raises(BadInput):
        conversations.rename(b.conversation_id, "   ")
    with pytest.raises(NotFound):
        conversations.rename("0" * 32, "x")
    assert conversations.delete(a.conversation_id) and not conversations.delete(a.conversation_id)
    assert conversations.get(a.conversation_id) is None and conversations.turn(a.answer_id) is None
    assert [c.id for c in conversations.recent()] == [b.conversation_id]
    with pytest.raises(NotFound):
        conversations.record(a.conversation_id, answer("to a deleted one", "x"))


def test_feedback_is_replaced_withdrawn_and_outlives_its_conversation(
    stores: tuple[ConversationStore, FeedbackStore],
) -> None:
    conversations, feedback = stores
    first = conversations.record(None, answer("How many passengers?", "240 [1]."), corpus_version="v7")
    second = conversations.record(
        first.conversation_id, answer("And the crew?", "I don't know.", refused=True), corpus_version="v8"
    )
    feedback.give(second.answer_id, "up")
    fb = feedback.give(second.answer_id, "down", "  The crew is 12, see the second article.  ")
    assert (fb.rating, fb.note) == ("down", "The crew is 12, see the second article.")
    assert fb.history == (Message("user", "How many passengers?"), Message("assistant", "240 [1]."))
    assert fb.corpus_version == "v8" and fb.citations[0].doc_id == "doc_a"
    assert feedback.for_answers([first.answer_id, second.answer_id]).keys() == {second.answer_id}
    conversations.delete(first.conversation_id)
    kept = feedback.get(second.answer_id)
    assert kept is not None and kept.question == "And the crew?" and kept.refused
    assert feedback.withdraw(second.answer_id) and feedback.get(second.answer_id) is None


def test_bad_feedback_is_refused(stores: tuple[ConversationStore, FeedbackStore]) -> None:
    conversations, feedback = stores
    turn = conversations.record(None, answer("q", "a"))
    with pytest.raises(NotFound, match="no answer"):
        feedback.give("f" * 32, "down")
    with pytest.raises(BadInput, match="rating"):
        feedback.give(turn.answer_id, "meh")
    with pytest.raises(BadInput, match="characters"):
        feedback.give(turn.answer_id, "down", "x" * 3000)


def test_a_restart_finds_everything(tmp_path: Path) -> None:
    db = Database(tmp_path / "rag.db")
    conversations = ConversationStore(db)
    turn = conversations.record(None, answer("How many passengers?", "240 [1]."))
    FeedbackStore(db, conversations).give(turn.answer_id, "down", "wrong")
    db.engine.dispose()

    again = Database(tmp_path / "rag.db")  # a new engine on the same file, as a new process opens it
    conv = ConversationStore(again).require(turn.conversation_id)
    assert conv.turns[0].answer == "240 [1]."
    fb = FeedbackStore(again, ConversationStore(again)).get(turn.answer_id)
    assert fb is not None and (fb.rating, fb.note) == ("down", "wrong")


def test_titles() -> None:
    assert title_of("What   did\nthey agree?") == "What did they agree?"
    long = title_of("word " * 40)
    assert len(long) <= 80 and long.endswith(" …")


def test_a_disliked_answer_becomes_an_eval_question(stores: tuple[ConversationStore, FeedbackStore]) -> None:
    conversations, feedback = stores
    first = conversations.record(None, answer("How many passengers?", "240 [1]."))
    second = conversations.record(first.conversation_id, answer("And the crew?", "Nine [1].", standalone="Crew?"))
    record = eval_record(feedback.give(second.answer_id, "down", "It is twelve <b>crew</b>."))
    assert record["question"] == "And the crew?" and record["answers"] == [] and record["sources"] == []
    assert record["history"] == [
        {"role": "user", "content": "How many passengers?"},
        {"role": "assistant", "content": "240 [1]."},
    ]
    assert "It is twelve <b>crew</b>." in record["note"] and "'Nine [1].'" in record["note"]
    assert "doc_a" in record["note"] and "'answers'" in record["note"]
    json.dumps(record)  # one JSON line
    without_note = {k: v for k, v in record.items() if k != "note"}
    q = parse_question(without_note, where="feedback.jsonl:1")
    assert q.question == "And the crew?" and not q.answerable and q.type == "feedback"
    assert [m.content for m in q.history] == ["How many passengers?", "240 [1]."]


@pytest.mark.skipif(
    "note" not in eval_questions._OPTIONAL,
    reason="evals/questions.py does not accept the optional 'note' key yet (asked of the lead, issue 13)",
)
def test_the_exported_record_loads_with_its_note(stores: tuple[ConversationStore, FeedbackStore]) -> None:
    conversations, feedback = stores
    turn = conversations.record(None, answer("How many passengers?", "240 [1]."))
    record = eval_record(feedback.give(turn.answer_id, "down"))
    assert parse_question(record, where="feedback.jsonl:1").question == "How many passengers?"
