"""A hand-written pipeline for the eval tests: canned answers by question, calls recorded."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rag.types import Answer, Citation, Message, SearchFilters, Timings

Cited = tuple[int, str, str]  # n, doc id, quote


def make_answer(
    text: str,
    *,
    refused: bool = False,
    cited: Sequence[Cited] = (),
    retrieved: Sequence[str] = (),
    total_s: float = 1.0,
    question: str = "?",
) -> Answer:
    citations = [
        Citation(n=n, doc_id=doc, title=doc, date=None, quote=quote, start=0, end=len(quote), link="", score=1.0)
        for n, doc, quote in cited
    ]
    return Answer(
        question=question,
        standalone_question=question,
        answer=text,
        refused=refused,
        citations=citations,
        model="canned",
        timings=Timings(total_s=total_s),
        retrieved_doc_ids=list(retrieved),
    )


class CannedPipeline:
    """Answers each question with its canned `Answer`, or raises its canned exception.

    `calls` records (question, history, k) of every call, as a real pipeline would receive them.
    """

    model_name = "canned-model"

    def __init__(self, replies: Mapping[str, Answer | Exception]) -> None:
        self.replies = dict(replies)
        self.calls: list[tuple[str, tuple[Message, ...], int | None]] = []

    def answer(
        self,
        question: str,
        history: Sequence[Message] = (),
        *,
        k: int | None = None,
        filters: SearchFilters | None = None,
    ) -> Answer:
        self.calls.append((question, tuple(history), k))
        reply = self.replies[question]
        if isinstance(reply, Exception):
            raise reply
        return reply
