"""Judging single answers: matching, refusals, retrieval rank, grounding, reasons."""

from __future__ import annotations

import pytest

from evals.questions import EvalQuestion
from evals.scoring import (
    contains,
    failed,
    first_relevant_rank,
    grounded_sentences,
    judge,
    normalize,
    score,
    sentence_citations,
)
from tests.evals.fakes import make_answer

CHEN = EvalQuestion("q01", "Who led the delegation?", ("Chen Mingguo", "Mingguo"), ("000",), type="factoid")
BOTH = EvalQuestion("q24", "Which police forces?", ("Beijing Police", "Islamabad Police"), ("003",), require_all=True)
NONE = EvalQuestion("q37", "What is the population of Xinjiang?", (), (), type="unanswerable")
QUOTE = "The delegation was led by Chen Mingguo, China's Minister for Political and Legal Affairs."


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        ("It was led by Chen Mingguo [1].", "chen mingguo", True),
        ("  CHEN\n   MINGGUO ", "Chen Mingguo", True),
        ("the Warrior–VIII drill", "Warrior-VIII", True),
        ("the Warrior VIII drill", "Warrior-VIII", True),
        ("“mid‑December”", '"mid-December"', True),
        ("China trained 2700 officers", "2,700", True),
        ("China trained 2,700 officers", "2700", True),
        ("Xi’s number three", "Xi's", True),
        ("some 3,000 troops", "300", False),
        ("sixty people", "six", False),
        ("led by Chen", "Chen Mingguo", False),
        ("anything", "  ", False),
    ],
)
def test_contains_ignores_case_punctuation_and_unicode(text: str, phrase: str, expected: bool) -> None:
    assert contains(text, phrase) is expected


def test_normalize_strips_markers_and_collapses_space() -> None:
    assert normalize("Chen  Mingguo [1][2].\n Xi’s—") == "chen mingguo xi s"


def test_any_answer_is_enough() -> None:
    assert judge(CHEN, make_answer("Mingguo led it [1].")) == (True, "answer has 'Mingguo'")
    correct, reason = judge(CHEN, make_answer("Wang Xiaohong led it [1]."))
    assert not correct
    assert reason == "answer lacks any of ['Chen Mingguo', 'Mingguo']"


def test_require_all_names_what_is_missing() -> None:
    assert judge(BOTH, make_answer("Beijing police and Islamabad police.")) == (
        True,
        "answer has all of ['Beijing Police', 'Islamabad Police']",
    )
    correct, reason = judge(BOTH, make_answer("The Beijing Police."))
    assert not correct
    assert reason.startswith("answer lacks ['Islamabad Police']")


def test_refusal_is_wrong_when_answerable_even_if_it_names_the_answer() -> None:
    refusal = make_answer("I don't know. Closest: Chen Mingguo.", refused=True)
    assert judge(CHEN, refusal) == (False, "refused but answerable")


def test_unanswerable_is_right_only_when_refused() -> None:
    assert judge(NONE, make_answer("I don't know.", refused=True)) == (True, "refused an unanswerable question")
    assert judge(NONE, make_answer("About 25 million.")) == (False, "answered an unanswerable question")


@pytest.mark.parametrize(
    ("retrieved", "k", "rank"),
    [(["000", "001"], 5, 1), (["002", "003", "000"], 5, 3), (["002", "003", "000"], 2, None), ([], 5, None)],
)
def test_first_relevant_rank_is_cut_at_k(retrieved: list[str], k: int, rank: int | None) -> None:
    assert first_relevant_rank(retrieved, ["000", "001"], k) == rank


def test_grounded_sentences_checks_each_sentence_against_its_cited_quotes() -> None:
    answer = make_answer(
        "The delegation was led by Chen Mingguo [1]. It snowed heavily in Islamabad [1]. "
        "Chen Mingguo is a minister. Chen Mingguo led it [7].",
        cited=[(1, "000", QUOTE)],
    )
    # supported; cited but unsupported; no marker; marker naming no citation
    assert grounded_sentences(answer) == (1, 4)


def test_grounded_sentences_accepts_support_from_several_cited_quotes() -> None:
    answer = make_answer(
        "Chen Mingguo met Mohsin Naqvi in Islamabad [1][2].",
        cited=[(1, "000", "Chen Mingguo arrived."), (2, "001", "He met Mohsin Naqvi in Islamabad.")],
    )
    assert grounded_sentences(answer) == (1, 1)


def test_score_notes_citations_outside_the_sources() -> None:
    result = score(CHEN, make_answer("Chen Mingguo led it [1].", cited=[(1, "002", QUOTE)], retrieved=["002"]), k=5)
    assert result.correct
    assert result.reason == "answer has 'Chen Mingguo'; cited only ['002'] not in sources"
    assert result.rank is None
    uncited = score(CHEN, make_answer("Chen Mingguo led it."), k=5)
    assert uncited.reason.endswith("; cited nothing")


def test_refused_answers_have_no_graded_sentences() -> None:
    result = score(NONE, make_answer("I don't know.", refused=True, cited=[(1, "000", QUOTE)]), k=5)
    assert result.grounded == (0, 0)
    assert result.correct


def test_failed_records_the_error_as_reason() -> None:
    result = failed(CHEN, RuntimeError("the model died"))
    assert not result.correct
    assert result.reason == "error: RuntimeError: the model died"
    assert result.to_json()["answer"] is None
    assert result.latency_s is None


def test_sentence_citations_count_as_alce_does() -> None:
    cited = [
        (1, "A", "Chen Mingguo led the Chinese delegation to Islamabad."),
        (2, "B", "Chen Mingguo invited Mohsin Naqvi to visit Xinjiang."),
        (3, "C", "The weather in Lahore was mild."),
    ]
    text = (
        "Chen Mingguo led the delegation [1][3]. "  # supported by [1]; [3] irrelevant
        "He invited Mohsin Naqvi to visit Xinjiang [2]. "  # supported, [2] relevant
        "They signed a trade pact worth billions [3]."  # unsupported: its citation counts as irrelevant
    )
    answer = make_answer(text, cited=cited, question="What happened during the visit?")
    assert sentence_citations(answer) == (2, 3, 2, 4)
