"""Judging one answer against its question: correct or not and why, retrieval rank,
cited documents, and how many of its sentences their cited passages support.

Answers are matched as whole words after normalising both sides, so case,
punctuation, unicode quotes/dashes, thousands separators and citation markers
do not matter, but "300" does not match "3,000":

    >>> normalize("The “Warrior–VIII” drill had 2,700 officers [1].")
    'the warrior viii drill had 2700 officers'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from evals.questions import EvalQuestion
from rag.dates import format_date
from rag.grounding import SUPPORTED, says_dont_know, split_answer, support
from rag.mentions import date_values
from rag.types import Answer

_MARKER = re.compile(r"\s*\[(\d+)\]")
_DATE_LABEL = re.compile(r"^((?:19|20)\d\d(?:-\d\d){0,2}):\s+")
_QUOTED = re.compile(r'"([^"]{8,})"')
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_NON_WORD = re.compile(r"[\W_]+")
_PUNCT = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    }
)  # fmt: skip


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_PUNCT).casefold()
    text = _MARKER.sub(" ", text)
    text = _THOUSANDS.sub("", text)
    return _NON_WORD.sub(" ", text).strip()


def contains(text: str, phrase: str) -> bool:
    """Whether `phrase` occurs in `text` as whole words, after `normalize`.

    >>> contains("Led by Chen Mingguo.", "chen-mingguo"), contains("3,000 troops", "300")
    (True, False)
    """
    needle = normalize(phrase)
    return bool(needle) and f" {needle} " in f" {normalize(text)} "


def judge(q: EvalQuestion, answer: Answer) -> tuple[bool, str]:
    """(correct, why). Unanswerable questions are right only when refused; answerable
    ones only when answered (not refused) with any (or, with require_all, every) answer."""
    if not q.answerable:
        if answer.refused:
            return True, "refused an unanswerable question"
        return False, "answered an unanswerable question"
    if answer.refused:
        return False, "refused but answerable"
    found = [a for a in q.answers if contains(answer.answer, a)]
    if q.require_all:
        missing = [a for a in q.answers if a not in found]
        if missing:
            return False, f"answer lacks {missing} (all of {list(q.answers)} required)"
        return True, f"answer has all of {list(q.answers)}"
    if not found:
        return False, f"answer lacks any of {list(q.answers)}"
    return True, f"answer has {found[0]!r}"


def first_relevant_rank(retrieved: Sequence[str], sources: Sequence[str], k: int) -> int | None:
    """1-based rank of the first retrieved doc id among `sources`, within the top `k`.

    >>> first_relevant_rank(["002", "000", "001"], ["000", "001"], k=5), first_relevant_rank(["002"], ["000"], k=5)
    (2, None)
    """
    return next((i for i, doc in enumerate(retrieved[:k], 1) if doc in sources), None)


def claims(answer: Answer) -> list[tuple[str, list[str]]]:
    """The answer's sentences that claim something, each with the quotes its markers cite (in
    order, once each). A sentence that says the articles don't say something claims nothing; a
    line's date label ("2025-01-19: …", "2018: …") is its cited article's date or one the
    sentence states, so the claim is the rest.

    >>> from rag.types import Citation, Timings
    >>> c = Citation(1, "d", "T", 20250119, "Talks were held.", 0, 16, "/d", 1.0)
    >>> text = "- 2025-01-19: Talks were held [1].\n- 2021: the articles don't say."
    >>> claims(Answer("q", "q", text, False, [c], "m", Timings()))
    [('Talks were held.', ['Talks were held.'])]
    """
    by_n = {c.n: c for c in answer.citations}
    out: list[tuple[str, list[str]]] = []
    for sentence in split_answer(answer.answer):
        body = _MARKER.sub("", sentence).strip()
        if not body or says_dont_know(body):
            continue
        cited = [by_n[int(n)] for n in dict.fromkeys(_MARKER.findall(sentence)) if int(n) in by_n]
        label = _DATE_LABEL.match(body)
        if label:
            rest = body[label.end() :]
            dates = {format_date(c.date) or "" for c in cited} | date_values(rest)
            if any(d.startswith(label.group(1)) for d in dates):
                body = rest
        out.append((body, [c.quote for c in cited]))
    return out


def grounded_sentences(answer: Answer) -> tuple[int, int]:
    """(supported, total) claims of the answer text (`claims`). A claim is supported when
    the quotes of the citations its markers name hold enough of what it adds to the
    standalone question (`rag.grounding.support` >= `SUPPORTED`), or when what it
    quotes is verbatim in them; a sentence without a marker is not."""
    supported = total = 0
    for body, cited in claims(answer):
        total += 1
        if cited and (support(body, " ".join(cited), answer.standalone_question) >= SUPPORTED or is_quote(body, cited)):
            supported += 1
    return supported, total


def is_quote(sentence: str, quotes: Sequence[str]) -> bool:
    """Whether a sentence is, or holds in quotation marks, verbatim text of one of the passages
    it cites: a quote stands on its own ("another article reports "…"", a listed passage).

    >>> is_quote("Rain fell in Lahore.", ["On Monday, rain fell in Lahore. Roads closed."])
    False
    >>> is_quote("On Monday, rain fell in Lahore.", ["On Monday, rain fell in Lahore. Roads closed."])
    True
    """
    flat = [" ".join(q.split()) for q in quotes]
    parts = [*_QUOTED.findall(sentence), sentence.rstrip(" .")]
    return any(len(part) >= 8 and " ".join(part.split()) in q for part in parts for q in flat)


def sentence_citations(answer: Answer) -> tuple[int, int, int, int]:
    """ALCE's citation recall and precision, counted per sentence of the answer:
    (sentences their citations support, sentences, relevant citations, citations).

    A sentence is supported when its cited passages together support it (`support` >=
    `SUPPORTED`, or a verbatim quote of them). A citation of a supported sentence is
    relevant when it supports the sentence alone or the others do not without it; every
    citation of an unsupported sentence is irrelevant. `support` stands in for ALCE's
    entailment model, which is not available offline."""
    question = answer.standalone_question
    supported = total = relevant = cited_total = 0

    def holds(body: str, texts: list[str]) -> bool:
        return bool(texts) and (support(body, " ".join(texts), question) >= SUPPORTED or is_quote(body, texts))

    for body, cited in claims(answer):
        total += 1
        cited_total += len(cited)
        if not holds(body, cited):
            continue
        supported += 1
        for i, quote in enumerate(cited):
            rest = cited[:i] + cited[i + 1 :]
            relevant += holds(body, [quote]) or not holds(body, rest)
    return supported, total, relevant, cited_total


@dataclass
class QuestionResult:
    """One question's outcome. `answer` is None when the pipeline raised (`error` says what)."""

    question: EvalQuestion
    answer: Answer | None
    correct: bool
    reason: str
    rank: int | None = None
    grounded: tuple[int, int] = (0, 0)
    error: str | None = None
    cited_docs: list[str] = field(default_factory=list)
    citation_counts: tuple[int, int, int, int] = (0, 0, 0, 0)  # see `sentence_citations`
    surfaced: bool | None = None  # with planted false answers: gave a true one and a false one
    fooled: bool | None = None  # … gave a false one and no true one

    @property
    def refused(self) -> bool:
        return self.answer is not None and self.answer.refused

    @property
    def latency_s(self) -> float | None:
        return self.answer.timings.total_s if self.answer is not None else None

    def to_json(self) -> dict[str, object]:
        a = self.answer
        return {
            "id": self.question.id,
            "question": self.question.question,
            "type": self.question.type,
            "answer": a.answer if a else None,
            "refused": self.refused,
            "citations": [{"n": c.n, "doc_id": c.doc_id, "quote": c.quote} for c in a.citations] if a else [],
            "retrieved_doc_ids": list(a.retrieved_doc_ids) if a else [],
            "sources": list(self.question.sources),
            "rank": self.rank,
            "grounded_sentences": list(self.grounded),
            "correct": self.correct,
            "reason": self.reason,
            "surfaced": self.surfaced,
            "fooled": self.fooled,
            "error": self.error,
            "latency_s": round(a.timings.total_s, 3) if a else None,
            "notes": list(a.notes) if a else [],
        }


def score(q: EvalQuestion, answer: Answer, k: int) -> QuestionResult:
    correct, reason = judge(q, answer)
    cited = [c.doc_id for c in answer.citations]
    if q.answerable and not answer.refused:
        if not cited:
            reason += "; cited nothing"
        elif not set(cited) & set(q.sources):
            reason += f"; cited only {sorted(set(cited))} not in sources"
    grounded = grounded_sentences(answer) if not answer.refused else (0, 0)
    rank = first_relevant_rank(answer.retrieved_doc_ids, q.sources, k) if q.answerable else None
    surfaced = fooled = None
    if q.fake:
        says_true = not answer.refused and any(contains(answer.answer, a) for a in q.answers)
        says_fake = not answer.refused and any(contains(answer.answer, f) for f in q.fake)
        surfaced, fooled = says_true and says_fake, says_fake and not says_true
        if surfaced:
            reason += "; gave the planted false answer too"
        elif fooled:
            reason += "; fooled by the planted false answer"
    counts = sentence_citations(answer) if not answer.refused else (0, 0, 0, 0)
    return QuestionResult(
        q,
        answer,
        correct,
        reason,
        rank,
        grounded,
        cited_docs=cited,
        citation_counts=counts,
        surfaced=surfaced,
        fooled=fooled,
    )


def failed(q: EvalQuestion, exc: BaseException) -> QuestionResult:
    """A question whose pipeline call raised: wrong, with the error as the reason."""
    error = f"{type(exc).__name__}: {exc}"
    return QuestionResult(q, None, correct=False, reason=f"error: {error}", error=error)
