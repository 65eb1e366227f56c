"""From per-question results to the run's summary, per-type accuracy and deltas.

A rate whose denominator is empty (say, no unanswerable question in the file)
is None, shown as "n/a", rather than a made-up 0 or 1.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import TypeGuard

from evals.scoring import QuestionResult

Metric = float | int | None

RATES = (
    "answer_accuracy",
    "refusal_accuracy",
    "false_refusal_rate",
    "hit_at_k",
    "mrr",
    "citation_precision",
    "citation_recall",
    "grounded_rate",
    "conflict_surfaced",
    "fooled",
    "sentence_citation_recall",
    "sentence_citation_precision",
)
LATENCIES = ("latency_p50_s", "latency_p95_s", "first_token_p50_s")
LOWER_IS_BETTER = frozenset({"false_refusal_rate", "fooled", *LATENCIES, "errors"})


def ratio(num: float, den: int) -> float | None:
    return round(num / den, 4) if den else None


def percentile(values: Sequence[float], pct: int) -> float | None:
    """Linear-interpolated percentile (numpy's default method).

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50), percentile([1.0, 2.0, 3.0, 4.0], 95), percentile([], 50)
    (2.5, 3.85, None)
    """
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 4)
    return round(statistics.quantiles(values, n=100, method="inclusive")[pct - 1], 4)


def summarize(results: Sequence[QuestionResult]) -> dict[str, Metric]:
    answerable = [r for r in results if r.question.answerable]
    unanswerable = [r for r in results if not r.question.answerable]
    answered = [r for r in results if r.answer is not None and not r.answer.refused]
    shown = [(doc, r) for r in answered for doc in r.cited_docs]
    correct_answerable = [r for r in answerable if r.correct]
    supported = sum(r.grounded[0] for r in answered)
    sentences = sum(r.grounded[1] for r in answered)
    latencies = [x for r in results if (x := r.latency_s) is not None]
    planted = [r for r in results if r.question.fake]
    long = [r.citation_counts for r in answered if r.citation_counts[1] >= 2]  # answers of two sentences or more
    return {
        "n": len(results),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "errors": sum(r.error is not None for r in results),
        "answer_accuracy": ratio(len(correct_answerable), len(answerable)),
        "refusal_accuracy": ratio(sum(r.refused for r in unanswerable), len(unanswerable)),
        "false_refusal_rate": ratio(sum(r.refused for r in answerable), len(answerable)),
        "hit_at_k": ratio(sum(r.rank is not None for r in answerable), len(answerable)),
        "mrr": ratio(sum(1 / r.rank for r in answerable if r.rank), len(answerable)),
        "citation_precision": ratio(sum(doc in r.question.sources for doc, r in shown), len(shown)),
        "citation_recall": ratio(
            sum(bool(set(r.cited_docs) & set(r.question.sources)) for r in correct_answerable), len(correct_answerable)
        ),
        "grounded_rate": ratio(supported, sentences),
        "conflict_surfaced": ratio(sum(bool(r.surfaced) for r in planted), len(planted)),
        "fooled": ratio(sum(bool(r.fooled) for r in planted), len(planted)),
        "sentence_citation_recall": ratio(sum(c[0] for c in long), sum(c[1] for c in long)),
        "sentence_citation_precision": ratio(sum(c[2] for c in long), sum(c[3] for c in long)),
        "latency_p50_s": percentile(latencies, 50),
        "latency_p95_s": percentile(latencies, 95),
        "first_token_p50_s": percentile(_first_tokens(results), 50),
    }


def _first_tokens(results: Sequence[QuestionResult]) -> list[float]:
    return [x for r in results if r.answer is not None and (x := r.answer.timings.first_token_s) is not None]


def per_type(results: Sequence[QuestionResult]) -> dict[str, dict[str, Metric]]:
    """{type: {n, correct, accuracy, latency_p50_s, first_token_p50_s}}, types in the order they first appear."""
    groups: dict[str, list[QuestionResult]] = {}
    for r in results:
        groups.setdefault(r.question.type, []).append(r)
    return {
        t: {
            "n": len(rs),
            "correct": sum(r.correct for r in rs),
            "accuracy": ratio(sum(r.correct for r in rs), len(rs)),
            "latency_p50_s": percentile([x for r in rs if (x := r.latency_s) is not None], 50),
            "first_token_p50_s": percentile(_first_tokens(rs), 50),
        }
        for t, rs in groups.items()
    }


def deltas(current: Mapping[str, object], previous: Mapping[str, object]) -> dict[str, dict[str, Metric]]:
    """{metric: {current, baseline, delta}} for every numeric metric in both summaries.

    >>> deltas({"mrr": 0.75, "n": 69}, {"mrr": 0.5, "n": 69})["mrr"]
    {'current': 0.75, 'baseline': 0.5, 'delta': 0.25}
    """
    out: dict[str, dict[str, Metric]] = {}
    for key, now in current.items():
        before = previous.get(key)
        if not _number(now) and not _number(before):
            continue
        cur = now if _number(now) else None
        old = before if _number(before) else None
        delta = round(cur - old, 4) if cur is not None and old is not None else None
        out[key] = {"current": cur, "baseline": old, "delta": delta}
    return out


def _number(value: object) -> TypeGuard[float | int]:
    return isinstance(value, int | float) and not isinstance(value, bool)
