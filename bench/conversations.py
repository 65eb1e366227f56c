"""What saving conversations and feedback adds to an answer: the SQLite work of one turn.

A database under a temporary RAG_HOME is filled with `--conversations` conversations of
`--turns` turns each (real answers' sizes: a quote per citation, three citations), then
each operation an answer or a page load does is timed `--repeat` times:

- save a turn (what POST /v1/answer and the chat do after every answer),
- load a conversation's history (what a follow-up by `conversation_id` does first),
- list the 50 most recent conversations (the chat's sidebar, GET /v1/conversations),
- give feedback (a thumb),
- export every thumbs-down as eval records.

    python -m bench.conversations --conversations 2000 --turns 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rag.conversations import ConversationStore
from rag.db import Database
from rag.feedback import FeedbackStore, eval_record
from rag.types import Answer, Citation, Timings

QUOTE = "The terminal, due to open in 2027, will serve 4,500 commuters a day from the south bank, the authority said. "


def sample_answer(i: int) -> Answer:
    cites = [
        Citation(n, f"doc_{i % 500}_{n}", f"Title {i}", 20250101, QUOTE * 2, 0, 200, "/documents/x", 0.5)
        for n in (1, 2, 3)
    ]
    text = f"Question {i}: who approved the ferry terminal, and when will it open?"
    return Answer(
        text, text, "The harbour authority approved it [1]; it opens in 2027 [2].", False, cites, "m", Timings()
    )


def timed(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - started) * 1000)
    runs.sort()
    return {"p50_ms": round(statistics.median(runs), 2), "p95_ms": round(runs[int(0.95 * (len(runs) - 1))], 2)}


def main(conversations: int, turns: int, repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="rag-bench-conv-") as tmp:
        db = Database(Path(tmp) / "rag.db")
        store = ConversationStore(db)
        feedback = FeedbackStore(db, store)
        started = time.perf_counter()
        ids, answers = [], []
        for c in range(conversations):
            turn = store.record(None, sample_answer(c))
            for t in range(1, turns):
                last = store.record(turn.conversation_id, sample_answer(c * turns + t))
            ids.append(turn.conversation_id)
            answers.append(last.answer_id if turns > 1 else turn.answer_id)
            if c % 10 == 0:
                feedback.give(answers[-1], "down", "wrong year")
        fill_s = time.perf_counter() - started
        target, grown = ids[len(ids) // 2], ids[0]  # saves go to another conversation than the one loaded
        row = {
            "conversations": conversations,
            "turns_each": turns,
            "fill_s": round(fill_s, 2),
            "db_mb": round((Path(tmp) / "rag.db").stat().st_size / 1e6, 1),
            "save_turn": timed(lambda: store.record(grown, sample_answer(0)), repeat),
            "load_history": timed(lambda: store.require(target).history(), repeat),
            "list_recent_50": timed(lambda: store.recent(50), repeat),
            "give_feedback": timed(lambda: feedback.give(answers[len(answers) // 3], "up"), repeat),
            "export_disliked": timed(lambda: [eval_record(f) for f in feedback.all("down")], max(3, repeat // 20)),
        }
        db.engine.dispose()
        return row


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    print(json.dumps(main(args.conversations, args.turns, args.repeat), indent=2))
