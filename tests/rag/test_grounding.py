"""Citation placement and the grounding check, on small hand-made passages."""

from __future__ import annotations

from rag.evidence import Passage
from rag.grounding import SUPPORTED, find_conflicts, place_citations, says_dont_know, support
from rag.question import analyze

BORDER = Passage(1, "a", "A", None, 0, 60, "Pakistan shares a 600-kilometre-long border with Xinjiang.", 1.0)
TOLL_A = Passage(
    1, "a", "A", None, 0, 80, "In July 2021, 13 people were killed when their coach was bombed near Dasu.", 1.0
)
TOLL_B = Passage(
    2, "b", "B", None, 0, 90, "At least 12 persons were killed when a bus was attacked near Dasu in July 2021.", 0.9
)
BOMBER = Passage(1, "a", "A", None, 0, 70, "A suicide bomber rammed into a bus in Bisham, killing six people.", 1.0)


def test_a_restated_question_supports_nothing() -> None:
    q = "What is the name of the Vice President of the Xinjiang Police Academy?"
    assert support("The Vice President of the Xinjiang Police Academy is the Vice President.", BORDER.text, q) == 0.0


def test_a_name_must_be_quoted_exactly_not_matched_by_stem() -> None:
    kept, dropped = place_citations("The bomber was named Ram.", [BOMBER], "What was the bomber's name?")
    assert kept == [] and dropped == ["The bomber was named Ram."]


def test_a_name_that_opens_the_answer_must_be_in_the_passage_too() -> None:
    # Capitals mark nothing at a sentence's start, but a name there is still the answer's.
    contenders = Passage(1, "a", "A", None, 0, 70, "Two leading contenders for the 2019 US Open men's title met.", 1.0)
    kept, dropped = place_citations("Nadal won the 2019 US Open men's title.", [contenders], "Who won the US Open?")
    assert kept == [] and dropped
    kept, _ = place_citations("Pakistan shares a 600-kilometre-long border.", [BORDER], "How long is the border?")
    assert kept and kept[0][1] == [1]


def test_a_weekday_is_held_as_part_of_a_date_and_a_month_however_it_is_written() -> None:
    q = "When did the third season of Skyfarer premiere?"
    sentence = "The third season of Skyfarer premiered on Thursday, November 12, 2020."
    assert support(sentence, "Skyfarer's third season premiered Nov. 12, 2020 on the network.", q) >= SUPPORTED
    assert support(sentence, "Skyfarer's third season premiered Nov. 19, 2020 on the network.", q) < SUPPORTED
    moved = "The third season of Skyfarer premiered on the network in December 2020."
    assert support(moved, "Skyfarer's third season premiered on the network in Nov. 2020.", q) < SUPPORTED


def test_question_words_need_no_support_but_new_facts_do() -> None:
    q = "How long is the border Pakistan shares with Xinjiang?"
    kept, _ = place_citations("The border is 600 kilometers long.", [BORDER], q)
    assert kept and kept[0][1] == [1]


def test_invented_clause_is_cut_and_the_supported_one_kept() -> None:
    q = "How long is Pakistan's border with Xinjiang, and what is the corridor worth?"
    answer = "The border is 600 kilometers long, and the corridor is worth about $10 billion."
    kept, dropped = place_citations(answer, [BORDER], q)
    assert [k[0] for k in kept] == ["The border is 600 kilometers long"]
    assert dropped == ["the corridor is worth about $10 billion."]


def test_model_marker_is_kept_only_when_its_passage_supports_the_sentence() -> None:
    kept, _ = place_citations("13 people were killed near Dasu [2].", [TOLL_A, TOLL_B], "How many died?")
    assert kept[0][1] == [1]


def test_different_figures_for_one_event_are_a_conflict() -> None:
    question = "How many people were killed near Dasu?"
    kept, _ = place_citations("13 people were killed.", [TOLL_A, TOLL_B], question)
    [d] = find_conflicts(kept, [TOLL_A, TOLL_B], analyze(question))
    assert (d.cited, d.other) == (TOLL_A, TOLL_B) and "12" in d.sentence


def test_a_report_of_another_event_does_not_disagree() -> None:
    mine = Passage(1, "a", "A", None, 0, 70, "The singles title was won by Ana Ruiz in the final.", 1.0)
    other = Passage(2, "b", "B", None, 0, 70, "Eva Lind won the singles title in the final of 2021.", 0.9)
    question = "Who won the singles title at the Harbour Open in 2021?"
    kept, _ = place_citations("Ana Ruiz won the singles title.", [mine, other], question)
    assert find_conflicts(kept, [mine, other], analyze(question))  # the passages alone tell the same
    # Their articles do not: one reports the Harbour Open, the other the Lakeside Open.
    articles = {"a": "Harbour Open 2021. " + mine.text, "b": "Lakeside Open 2021. " + other.text}
    assert not find_conflicts(kept, [mine, other], analyze(question), articles=articles)


def test_a_person_is_contradicted_only_by_another_person() -> None:
    mine = Passage(1, "a", "A", None, 0, 70, "Ana Ruiz of Spain was awarded the 2019 Harbour Prize for poetry.", 1.0)
    vague = Passage(
        2, "b", "B", None, 0, 70, "The 2019 Harbour Prize for poetry is awarded to the Austrian poet ...", 0.9
    )
    other = Passage(3, "c", "C", None, 0, 70, "Eva Lind of Austria was awarded the 2019 Harbour Prize for poetry.", 0.8)
    question = "Who was awarded the 2019 Harbour Prize?"
    kept, _ = place_citations("Ana Ruiz was awarded the 2019 Harbour Prize.", [mine, vague, other], question)
    same = Passage(4, "d", "D", None, 0, 70, "Ana Ruiz won the 2019 Harbour Prize for poetry on October 7.", 0.8)
    assert [d.other for d in find_conflicts(kept, [mine, vague, same], analyze(question))] == []
    assert [d.other for d in find_conflicts(kept, [mine, vague, other], analyze(question))] == [other]


def test_refusal_phrasings() -> None:
    assert says_dont_know("I don't know.")
    assert says_dont_know("The articles do not mention the population.")
    assert not says_dont_know("Chen Mingguo led the delegation.")


def test_a_sentence_may_join_passages_of_one_article_but_not_of_two() -> None:
    q = "Who led the delegation?"
    met = Passage(1, "a", "A", None, 0, 40, "The delegation met Naqvi in Islamabad.", 1.0)
    led = Passage(2, "a", "A", None, 200, 240, "Chen Mingguo led the delegation.", 0.9)
    sentence = "Chen Mingguo led the delegation that met Naqvi in Islamabad."
    kept, _ = place_citations(sentence, [met, led], q)
    assert kept and sorted(kept[0][1]) == [1, 2]
    from_another_report = Passage(2, "b", "B", None, 0, 40, "Chen Mingguo led the delegation.", 0.9)
    kept, dropped = place_citations(sentence, [met, from_another_report], q)
    assert kept == [] and dropped == [sentence]


def test_the_articles_date_holds_the_date_of_the_report_and_no_event_it_reports() -> None:
    text = "The two mayors agreed to share flood data; a joint team will soon visit the dams."
    dated = Passage(1, "a", "A", 20250205, 0, len(text), text, 1.0)
    reported = "When was the report on the mayors' flood-data deal published?"
    for answer in ("2025-02-05", "It was published on February 5, 2025."):
        kept, _ = place_citations(answer, [dated], reported)
        assert kept and kept[0][1] == [1]
    kept, _ = place_citations("2025-02-05", [Passage(1, "a", "A", None, 0, len(text), text, 1.0)], reported)
    assert kept == []
    kept, _ = place_citations("It was published on March 5, 2025.", [dated], reported)
    assert kept == []
    kept, _ = place_citations("The team will visit the dams on February 5, 2025.", [dated], "When will the team visit?")
    assert kept == []


def test_a_weekday_in_a_dated_report_is_the_last_such_day_and_a_day_ahead_is_not() -> None:
    text = "The two mayors agreed on Monday to share flood data."
    report = Passage(1, "a", "A", 20250205, 0, len(text), text, 1.0)  # a Wednesday
    question = "When did the mayors agree to share flood data?"
    kept, _ = place_citations("They agreed on February 3, 2025.", [report], question)
    assert kept and kept[0][1] == [1]
    kept, _ = place_citations("They agreed on February 5, 2025.", [report], question)
    assert kept == []
    ahead = "The mayors will sign the flood-data deal on Monday."
    later = Passage(1, "a", "A", 20250205, 0, len(ahead), ahead, 1.0)
    kept, _ = place_citations("They sign it on February 3, 2025.", [later], "When will the mayors sign the deal?")
    assert kept == []


def test_an_amount_glued_to_its_unit_supports_the_amount_written_apart() -> None:
    text = "Harbour FC have paid the £41.5million fee to sign keeper Tomas Rell."
    p = [Passage(1, "d", "T", None, 0, len(text), text, 1.0)]
    placed, dropped = place_citations("Harbour FC paid £41.5 million to sign Tomas Rell.", p, "harbour fc rell fee")
    assert placed and not dropped


def test_a_name_in_quotation_marks_is_the_same_name() -> None:
    text = "According to the website, the name of the cafe is 'Blue Anchor'."
    p = [Passage(1, "d", "T", None, 0, len(text), text, 1.0)]
    assert place_citations("Blue Anchor", p, "name of the cafe in the harbour mall")[0]


def test_two_copies_that_hold_none_of_the_questions_words_but_name_different_people_disagree() -> None:
    text = "Voters in Lorland chose {} to be their next head of state."
    mine = Passage(1, "a", "A", None, 0, 70, text.format("Ana Ruiz"), 1.0)
    other = Passage(2, "b", "B", None, 0, 70, text.format("Eva Lind"), 1.0)
    question = "Who won the 2017 Lorish presidential election?"
    kept, _ = place_citations("Ana Ruiz won the 2017 Lorish presidential election.", [mine, other], question)
    assert [d.other for d in find_conflicts(kept, [mine, other], analyze(question))] == [other]
