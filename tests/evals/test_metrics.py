"""The run summary over a hand-built set of outcomes, every metric checked by hand."""

from __future__ import annotations

import pytest

from evals.metrics import deltas, per_type, percentile, summarize
from evals.questions import EvalQuestion
from evals.runner import run_questions
from evals.scoring import QuestionResult, score
from tests.evals.fakes import CannedPipeline, make_answer

QUOTE_A = "The delegation was led by Chen Mingguo, China's Minister for Political and Legal Affairs."
QUOTE_B = "Warrior-VIII opened in November with 300 Chinese troops."
QUOTE_C = "The corridor is worth 50 billion dollars."

QUESTIONS = [
    EvalQuestion("q1", "Who led it?", ("Chen Mingguo",), ("A",), type="factoid"),
    EvalQuestion("q2", "How many troops?", ("300",), ("B",), type="factoid"),
    EvalQuestion("q3", "Who led it, again?", ("Chen Mingguo",), ("A",), type="paraphrase"),
    EvalQuestion("q4", "Population of Xinjiang?", (), (), type="unanswerable"),
    EvalQuestion("q5", "Capital of Australia?", (), (), type="unanswerable"),
    EvalQuestion("q6", "What broke?", ("nothing",), ("A",), type="factoid"),
]
PIPELINE = CannedPipeline(
    {
        # right, cites its source, found at rank 2
        "Who led it?": make_answer(
            "The delegation was led by Chen Mingguo [1].", cited=[(1, "A", QUOTE_A)], retrieved=["B", "A"], total_s=1.0
        ),
        # false refusal; its "closest passages" citation does not count for precision
        "How many troops?": make_answer(
            "I don't know.", refused=True, cited=[(1, "C", QUOTE_C)], retrieved=["C"], total_s=2.0
        ),
        # wrong, cites a document outside the sources, unsupported sentence; source at rank 1
        "Who led it, again?": make_answer(
            "It was Wang Yi [1].", cited=[(1, "C", QUOTE_C)], retrieved=["A", "C"], total_s=3.0
        ),
        # right refusal
        "Population of Xinjiang?": make_answer("I don't know.", refused=True, cited=[(1, "A", QUOTE_A)], total_s=4.0),
        # answered an unanswerable question: its citation is imprecise, its sentence unsupported
        "Capital of Australia?": make_answer("Canberra is the capital [1].", cited=[(1, "B", QUOTE_B)], total_s=5.0),
        "What broke?": RuntimeError("boom"),
    }
)


@pytest.fixture(scope="module")
def results() -> list[QuestionResult]:
    return run_questions(PIPELINE, QUESTIONS, k=5)


def test_questions_are_asked_with_their_history_and_k(results: list[QuestionResult]) -> None:
    assert [c[0] for c in PIPELINE.calls[-6:]] == [q.question for q in QUESTIONS]
    assert {c[2] for c in PIPELINE.calls} == {5}


def test_summary_by_hand(results: list[QuestionResult]) -> None:
    assert summarize(results) == {
        "n": 6,
        "answerable": 4,
        "unanswerable": 2,
        "errors": 1,
        "answer_accuracy": 0.25,  # q1 of q1, q2, q3, q6
        "refusal_accuracy": 0.5,  # q4 of q4, q5
        "false_refusal_rate": 0.25,  # q2
        "hit_at_k": 0.5,  # q1 (rank 2), q3 (rank 1)
        "mrr": 0.375,  # (1/2 + 1) / 4
        "citation_precision": 0.3333,  # A of q1; not C of q3, not B of q5 (refusals' citations not shown)
        "citation_recall": 1.0,  # q1, the one correct answer, cites A
        "grounded_rate": 0.3333,  # q1's sentence of q1, q3, q5
        "conflict_surfaced": None,  # no question has planted false answers
        "fooled": None,
        "sentence_citation_recall": None,  # no answer of two sentences or more
        "sentence_citation_precision": None,
        "latency_p50_s": 3.0,  # the error has no latency
        "latency_p95_s": 4.8,
        "first_token_p50_s": None,  # canned answers stream nothing
    }


def test_planted_false_answers_are_scored_as_surfaced_or_fooled() -> None:
    def q(qid: str) -> EvalQuestion:
        return EvalQuestion(qid, "Who won?", ("Halep",), ("A",), fake=("Kerber",))

    both = score(q("b"), make_answer("Halep won [1]. Sources differ: Kerber won [2].", cited=[(1, "A", "x")]), 5)
    fake = score(q("f"), make_answer("Kerber won [1].", cited=[(1, "A", "x")]), 5)
    true = score(q("t"), make_answer("Halep won [1].", cited=[(1, "A", "x")]), 5)
    refused = score(q("r"), make_answer("I don't know.", refused=True), 5)
    assert [(r.surfaced, r.fooled, r.correct) for r in (both, fake, true, refused)] == [
        (True, False, True),
        (False, True, False),
        (False, False, True),
        (False, False, False),
    ]
    summary = summarize([both, fake, true, refused])
    assert (summary["conflict_surfaced"], summary["fooled"]) == (0.25, 0.25)


def test_hit_at_k_is_cut_at_k() -> None:
    summary = summarize(run_questions(PIPELINE, QUESTIONS, k=1))
    assert summary["hit_at_k"] == 0.25
    assert summary["mrr"] == 0.25


def test_error_is_recorded_and_the_run_goes_on(results: list[QuestionResult]) -> None:
    errored = results[5]
    assert errored.reason == "error: RuntimeError: boom"
    assert not errored.correct
    assert [r.question.id for r in results] == ["q1", "q2", "q3", "q4", "q5", "q6"]


def test_reasons(results: list[QuestionResult]) -> None:
    assert [r.reason for r in results] == [
        "answer has 'Chen Mingguo'",
        "refused but answerable",
        "answer lacks any of ['Chen Mingguo']; cited only ['C'] not in sources",
        "refused an unanswerable question",
        "answered an unanswerable question",
        "error: RuntimeError: boom",
    ]


def test_per_type(results: list[QuestionResult]) -> None:
    assert per_type(results) == {
        # the error has no latency; the fake answers stream nothing, so no first token
        "factoid": {"n": 3, "correct": 1, "accuracy": 0.3333, "latency_p50_s": 1.5, "first_token_p50_s": None},
        "paraphrase": {"n": 1, "correct": 0, "accuracy": 0.0, "latency_p50_s": 3.0, "first_token_p50_s": None},
        "unanswerable": {"n": 2, "correct": 1, "accuracy": 0.5, "latency_p50_s": 4.5, "first_token_p50_s": None},
    }


def test_empty_denominators_are_none() -> None:
    only_unanswerable = run_questions(PIPELINE, [QUESTIONS[3]], k=5)
    summary = summarize(only_unanswerable)
    assert summary["answer_accuracy"] is None
    assert summary["hit_at_k"] is None
    assert summary["citation_precision"] is None  # a refusal shows no graded citation
    assert summary["refusal_accuracy"] == 1.0
    assert summarize([])["latency_p50_s"] is None


@pytest.mark.parametrize(
    ("values", "pct", "expected"),
    [([3.0, 1.0, 2.0], 50, 2.0), ([1.0, 2.0, 3.0, 4.0, 5.0], 95, 4.8), ([7.0], 95, 7.0), ([], 50, None)],
)
def test_percentile(values: list[float], pct: int, expected: float | None) -> None:
    assert percentile(values, pct) == expected


def test_deltas_cover_every_numeric_metric() -> None:
    now = {"n": 69, "mrr": 0.8, "hit_at_k": None, "latency_p50_s": 1.5}
    before = {"n": 69, "mrr": 0.6, "hit_at_k": 0.9, "latency_p50_s": 9.0, "pipeline": "baseline"}
    assert deltas(now, before) == {
        "n": {"current": 69, "baseline": 69, "delta": 0},
        "mrr": {"current": 0.8, "baseline": 0.6, "delta": 0.2},
        "hit_at_k": {"current": None, "baseline": 0.9, "delta": None},
        "latency_p50_s": {"current": 1.5, "baseline": 9.0, "delta": -7.5},
    }
