"""Evidence selection on hand-made hits: which sentences reach the prompt and which are set aside."""

from __future__ import annotations

from rag.evidence import select_evidence
from rag.question import analyze
from rag.types import Chunk, Hit


def hit(doc_id: str, text: str, date: int | None = None, similarity: float = 0.5) -> Hit:
    chunk = Chunk(f"{doc_id}#0", doc_id, 0, text, 0, len(text), ((0, len(text)),), title=doc_id, date=date)
    return Hit(chunk=chunk, score=1.0, similarity=similarity)


def flat(_: str) -> float:
    return 1.0


def test_a_sentence_that_holds_the_answer_asked_for_outranks_one_that_only_repeats_the_question() -> None:
    hits = [
        hit("a", "The game Skyfarer is the studio's biggest release in years."),
        hit("b", "Skyfarer was released on March 3, 2017."),
    ]
    q = "When was the game Skyfarer released?"
    evidence = select_evidence(q, hits, flat, analysis=analyze(q))
    assert evidence.passages[0].doc_id == "b"


def test_who_prefers_a_named_person_then_an_office_the_question_does_not_name() -> None:
    hits = [
        hit("a", "A Pakistani delegation will soon visit Xinjiang."),
        hit("b", "A Pakistani delegation, led by the Federal Secretary of Interior, will soon visit Xinjiang."),
    ]
    q = "Who will lead the Pakistani delegation to Xinjiang?"
    assert select_evidence(q, hits, flat, analysis=analyze(q)).passages[0].doc_id == "b"


def test_a_year_counted_back_from_the_article_date_is_that_year() -> None:
    text = "Tadej Pogacar became the youngest winner of the Tour de France a year ago."
    q = "Who won the Tour de France in 2021?"
    evidence = select_evidence(q, [hit("a", text, date=20210718)], flat, analysis=analyze(q))
    assert evidence.passages == [] and evidence.rejected[0].doc_id == "a"
    assert analyze(q).failures([text], 20210718) == ["2020"]


def test_a_sibling_title_of_a_series_is_set_aside() -> None:
    hits = [
        hit("a", "The Legend of Zelda: Ocarina of Time was released on November 21, 1998."),
        hit("b", "Breath of the Wild was released on March 3, 2017, alongside the Switch."),
    ]
    q = "When was The Legend of Zelda: Breath of the Wild released?"
    evidence = select_evidence(q, hits, flat, analysis=analyze(q))
    assert [p.doc_id for p in evidence.passages] == ["b"] and evidence.rejected[0].doc_id == "a"
