"""`rag feedback`: the thumbs given in the chat and through POST /v1/feedback, and the disliked
answers exported as eval questions for a person to complete."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from rag.errors import RagError
from rag.feedback import FeedbackStore

feedback_app = typer.Typer(help="Feedback on answers: list it, export the disliked ones as eval questions.")
out = Console()
err = Console(stderr=True)


def _stores() -> FeedbackStore:
    from rag.conversations import ConversationStore
    from rag.db import Database
    from ui.cli import load_settings

    db = Database.open(load_settings())
    return FeedbackStore(db, ConversationStore(db))


@feedback_app.command("export")
def export(
    out_file: Annotated[Path, typer.Option("--out", help="The JSON Lines file to write (the eval question format).")],
) -> None:
    """Write every thumbs-down answer as a question for `rag eval`: the question and the turns before
    it, with `answers` and `sources` left empty for a person to fill in and the reader's note kept."""
    from rag.feedback import eval_record
    from ui.cli import fail

    try:
        disliked = _stores().all("down")
    except RagError as exc:
        raise fail(exc) from exc
    if not disliked:
        err.print("no thumbs-down feedback yet: nothing to export")
        raise typer.Exit(1)
    lines = [json.dumps(eval_record(fb), ensure_ascii=False) for fb in disliked]
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out.print(
        f"wrote {len(lines)} disliked answers to {out_file} as eval questions; fill in 'answers' and 'sources' "
        "(or leave both empty where the articles do not answer), then run `rag eval --questions` on it",
        highlight=False,
    )


@feedback_app.command("list")
def list_feedback(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every judgement given, oldest first: rating, date, question and note."""
    from ui.cli import fail

    try:
        given = _stores().all()
    except RagError as exc:
        raise fail(exc) from exc
    rows = [
        {
            "answer_id": fb.answer_id,
            "rating": fb.rating,
            "date": datetime.fromtimestamp(fb.updated_at, UTC).strftime("%Y-%m-%d %H:%M"),
            "question": fb.question,
            "note": fb.note,
            "corpus_version": fb.corpus_version,
        }
        for fb in given
    ]
    if as_json:
        out.print_json(json.dumps(rows))
        return
    for r in rows:
        mark = "+" if r["rating"] == "up" else "-"
        note = f"  note: {r['note']}" if r["note"] else ""
        out.print(f"{mark} {r['date']}  {r['question']}{note}", highlight=False, markup=False)
