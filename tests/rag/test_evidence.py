"""Evidence selection on hand-made hits: which sentences reach the prompt and which are set aside."""

from __future__ import annotations

from rag.evidence import select_evidence
from rag.question import analyze, recased
from rag.types import Chunk, Hit


def hit(doc_id: str, text: str, date: int | None = None, similarity: float = 0.5) -> Hit:
    chunk = Chunk(f"{doc_id}#0", doc_id, 0, text, 0, len(text), ((0, len(text)),), title=doc_id, date=date)
    return Hit(chunk=chunk, score=1.0, similarity=similarity)


def report(doc_id: str, *sentences: str) -> Hit:
    """A one-chunk article of these sentences, each its own span."""
    text = " ".join(sentences)
    starts = [sum(len(s) + 1 for s in sentences[:i]) for i in range(len(sentences))]
    spans = tuple((b, b + len(s)) for b, s in zip(starts, sentences, strict=True))
    chunk = Chunk(f"{doc_id}#0", doc_id, 0, text, 0, len(text), spans, title=doc_id)
    return Hit(chunk=chunk, score=1.0, similarity=0.5)


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


def test_a_sentence_naming_the_asked_event_in_other_words_holds_the_questions_words_for_it() -> None:
    hits = [
        hit("a", "Skyfarer will be on sale at the studio's shop from June 1."),
        hit("b", "Skyfarer was released for consoles on March 3, 2017."),
        hit("c", "The studio's publisher moved Skyfarer to a new engine on May 2, 2015."),
    ]
    q = "When did Skyfarer come out?"
    passages = select_evidence(q, hits, lambda t: 1.0 if t in ("come", "out") else 0.1, analysis=analyze(q)).passages
    assert [p.doc_id for p in passages][:2] == ["b", "a"]  # both name a release; the publisher does not


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


def test_a_copy_of_a_chosen_sentence_is_read_once_and_a_copy_with_another_answer_is_kept() -> None:
    hits = [
        hit("a", "Alice Moreau won the 2018 Harbour Cup in a sprint finish."),
        hit("b", "Alice Moreau won the 2018 Harbour Cup in a sprint finish by the harbour."),
        hit("c", "Bruno Keller won the 2018 Harbour Cup in a sprint finish."),
    ]
    q = "Who won the 2018 Harbour Cup?"
    evidence = select_evidence(q, hits, flat, analysis=analyze(q))
    assert sorted(p.doc_id for p in evidence.passages) == ["a", "c"]


def test_an_explanation_credits_a_sentence_with_the_names_its_article_gives() -> None:
    hits = [
        report("a", "Omar Farid met Lin Hao in Karachi on Monday.", "Border trade and water rights were discussed."),
        report("b", "Omar Farid later flew to Lima.", "Omar Farid and Lin Hao are to meet again in May."),
    ]
    q = "What did Omar Farid and Lin Hao discuss?"
    evidence = select_evidence(q, hits, flat, analysis=analyze(q), per_document=True, max_sentences=3)
    assert any("water rights" in p.text for p in evidence.passages), evidence.passages


def test_an_article_whose_best_sentence_is_below_the_floor_does_not_cut_off_the_others() -> None:
    hits = [
        report(
            "a",
            "Omar Farid met Lin Hao at the Karachi water summit on Monday.",
            "The two discussed water rights on the Indus.",
            "They also discussed border trade and a summit in May.",
        ),
        hit("b", "Lin Hao flew home.", similarity=0.1),
    ]
    q = "What did Omar Farid and Lin Hao discuss at the Karachi water summit?"
    evidence = select_evidence(q, hits, flat, analysis=analyze(q), per_document=True, max_sentences=6)
    assert all(any(w in p.text for p in evidence.passages) for w in ("water rights", "border trade"))


def test_a_bare_date_after_a_field_label_takes_its_name_from_the_lines_before() -> None:
    hits = [
        report("a", "Skyfarer 2 and Skyfarer 2 Deluxe Bundle ...", "Release date.", "December 1, 2017 ..."),
        report("b", "Skyfarer: Remastered was released on 2 August 2023."),
        report("c", "Fans of Skyfarer 2 say its release was a triumph."),
    ]
    q = "When was Skyfarer 2 released?"
    evidence = select_evidence(q, hits, flat, analysis=analyze(q))
    assert evidence.passages[0].doc_id == "a" and "December 1, 2017" in evidence.passages[0].text
    # …and the prompt reads the date with the name its label leans on, not the bare label.
    assert evidence.passages[0].text.startswith("Skyfarer 2 and Skyfarer 2 Deluxe Bundle")
    # The series' name with no number after it says nothing of "Skyfarer 2": a day of the month is no sequel number.
    assert [p.doc_id for p in evidence.rejected] == ["b"]


def test_a_bare_value_that_is_not_the_answer_asked_for_brings_nothing_along() -> None:
    hits = [report("a", "Ana Ruiz became the youngest winner of the Harbour Cup in 2020.", "In 2021 ...")]
    q = "Who won the 2021 Harbour Cup?"
    evidence = select_evidence(q, hits, flat, analysis=analyze(q))
    assert all("Ana Ruiz" not in p.text for p in evidence.passages), evidence.passages


def test_sentences_past_the_budget_are_kept_unread_for_the_disagreement_check() -> None:
    hits = [hit(d, f"{name} won the 2018 Harbour Cup in a sprint finish.") for d, name in
            (("a", "Alice Moreau"), ("b", "Clara Dias"), ("c", "Bruno Keller"))]  # fmt: skip
    q = "Who won the 2018 Harbour Cup?"
    evidence = select_evidence(q, hits, flat, analysis=analyze(q), max_sentences=1)
    assert len(evidence.passages) == 1
    assert len(evidence.unread) == 2 and {p.n for p in evidence.unread} == {2, 3}


def test_when_sentences_that_repeat_the_question_fill_the_floor_the_best_answering_one_is_read_too() -> None:
    echoes = [
        hit(d, text, similarity=0.7)
        for d, text in (
            ("a", "In this study we describe an operation before the 2017 Harbour Cup final."),
            ("b", "The 2017 Harbour Cup final remains the clearest failed attempt at such an operation."),
            ("c", "A case study of the 2017 Harbour Cup final and its Twitter traffic."),
        )
    ]
    answer = hit("d", "Fans in the port saw Ana Ruiz lift the cup in 2017.", similarity=0.3)
    q = "Who won the 2017 Harbour Cup final?"
    evidence = select_evidence(q, [*echoes, answer], flat, analysis=analyze(q), max_hits=3)
    assert "Ana Ruiz" in " ".join(p.text for p in evidence.passages), evidence.passages
    assert evidence.passages[0].doc_id != "d"  # read after the better-scoring ones, not instead of them


def test_a_sentence_that_holds_an_answer_already_is_not_joined_by_a_lower_one() -> None:
    hits = [
        hit("a", "Ana Ruiz won the 2017 Harbour Cup final.", similarity=0.7),
        hit("b", "Fans saw Bruno Keller lift a cup in 2017.", similarity=0.1),
    ]
    q = "Who won the 2017 Harbour Cup final?"
    evidence = select_evidence(q, hits, flat, analysis=analyze(q))
    assert [p.doc_id for p in evidence.passages] == ["a"]


def test_a_sentence_that_names_another_event_of_the_asked_name_is_set_aside() -> None:
    hits = [
        hit("a", "Ana Maxwell won the River Open in 2018, her second title after the Lake Open."),
        hit("b", "Ana Maxwell beat Rick Owens at the 2018 Harbour Open for her first title."),
        hit("c", "After Super Fest LV was held in Rome, the organisers chose Turin."),
    ]
    q = "Who won the 2018 Harbour Open?"
    evidence = select_evidence(q, hits, flat, analysis=analyze(q))
    assert [p.doc_id for p in evidence.passages] == ["b"]
    assert "a" in [p.doc_id for p in evidence.rejected]
    q = "Where was Super Fest LVI held in 2022?"
    assert select_evidence(q, hits, flat, analysis=analyze(q)).passages == []


def test_a_sentence_that_gives_the_asked_name_another_year_is_set_aside_with_what_leans_on_it() -> None:
    hits = [
        report(
            "a",
            "Ana Ruiz won her first title at the Harbour Open in 2021, beating Rick Owens.",
            "This came after she won the 2022 NCAA singles crown.",
        ),
        report("b", "Lea Brandt won the 2022 Harbour Open in straight sets."),
    ]
    q = "Who won the 2022 Harbour Open?"
    evidence = select_evidence(q, hits, flat, analysis=analyze(q))
    assert [p.doc_id for p in evidence.passages] == ["b"]


def test_a_number_tied_to_a_name_is_not_met_by_an_ordinary_first_elsewhere() -> None:
    hits = [
        hit("a", "Ana Maxwell became the first Chilean to win the Coastal Tour in 2019."),
        hit("b", "Rick Owens won stage 1 of the 2019 Coastal Tour in a sprint."),
    ]
    q = "Who won stage 1 of the 2019 Coastal Tour?"
    evidence = select_evidence(q, hits, flat, analysis=analyze(q))
    assert [p.doc_id for p in evidence.passages] == ["b"] and [p.doc_id for p in evidence.rejected] == ["a"]


def test_a_count_of_another_nations_people_is_set_aside() -> None:
    hits = [
        hit("a", "Over 300 Ruritanian troops arrived for the border drill."),
        hit("b", "About 120 Freedonian troops joined the border drill."),
    ]
    q = "How many Freedonian troops joined the border drill?"
    evidence = select_evidence(q, hits, flat, analysis=analyze(q))
    assert [p.doc_id for p in evidence.passages] == ["b"] and [p.doc_id for p in evidence.rejected] == ["a"]
    assert analyze(q).failures([hits[0].chunk.text]) == ["Ruritanian"]
    q = "How many Freedonian soldiers joined the border drill?"  # the count of others, in other words
    assert analyze(q).failures([hits[0].chunk.text]) == ["Ruritanian"]


def test_the_name_of_a_ceremony_is_no_person_for_who() -> None:
    hits = [
        hit("a", "The winner of the 2019 Harbour Medal will be named at the NBC Sports Awards Show in December."),
        hit("b", "Harbour Medal for 2019: Rick Owens wins."),
    ]
    q = "Tell me who won the Harbour Medal in 2019."
    evidence = select_evidence(q, hits, flat, analysis=analyze(q))
    assert evidence.passages[0].doc_id == "b"
    assert not analyze(q).offers(hits[0].chunk.text)


def test_a_year_that_starts_a_span_dates_no_event_and_the_article_date_does() -> None:
    hits = [
        hit("a", "Lea Brandt won the Harbour Open final on Saturday, the first Chilean champion since 2011.", 20220709),
        hit("b", "Ana Ruiz won the Harbour Open in 2011.", 20110702),
    ]
    q = "Who won the Harbour Open in 2022?"
    evidence = select_evidence(q, hits, flat, analysis=analyze(q))
    assert [p.doc_id for p in evidence.passages] == ["a"]


def test_an_article_that_names_only_another_person_of_a_first_name_is_about_someone_else() -> None:
    hits = [
        report("a", "General Lina Moreau met Admiral Omar Haddad on Monday.", "They spoke of the border."),
        report("b", "Dr Lina Castell met the minister.", "The meeting lasted two hours."),
    ]
    q = "How long did the meeting between General Lina Moreau and Admiral Omar Haddad last?"
    evidence = select_evidence(q, hits, flat, analysis=analyze(q))
    assert "b" not in [p.doc_id for p in evidence.passages]
    assert analyze("How long did Omar Moreau speak?").names_some("Hunter Moreau spoke for an hour.")


def test_a_named_stage_is_asked_by_final_stage_and_narrower_than_the_whole_race() -> None:
    hits = [
        hit("a", "Rick Owens sprinted to the stage 21 win in Lyon, the final stage of the 2021 Coastal Tour."),
        hit("b", "Ana Maxwell won the 2021 Coastal Tour overall."),
    ]
    q = "Who won the final stage of the 2021 Coastal Tour?"
    assert "a" in [p.doc_id for p in select_evidence(q, hits, flat, analysis=analyze(q)).passages]
    q = "Who won the 2021 Coastal Tour?"
    assert [p.doc_id for p in select_evidence(q, hits, flat, analysis=analyze(q)).passages] == ["b"]


def test_a_prize_of_another_name_is_set_aside() -> None:
    hits = [
        hit("a", "2019 Harbour Awards winners: Ana Maxwell and Rick Owens take top honours."),
        hit("b", "Joe Burrow wins the Camp, O'Brien and Maxwell awards for 2019."),
    ]
    q = "Who is the Maxwell Award winner in 2019?"
    evidence = select_evidence(q, hits, flat, analysis=analyze(q))
    assert [p.doc_id for p in evidence.passages] == ["b"]
    assert [p.doc_id for p in evidence.rejected] == ["a"]


def test_the_words_of_a_request_or_of_the_answers_slot_are_not_asked_of_the_passage() -> None:
    hits = [hit("a", "The harbour fair will run until mid-December, the organisers said.")]
    idf = flat
    plain = select_evidence("Until when will the harbour fair run?", hits, idf).coverage
    assert plain == 1.0
    assert select_evidence("Tell me until when the harbour fair will run.", hits, idf).coverage == plain
    assert select_evidence("Up to what date will the harbour fair run?", hits, idf).coverage > 0.7


def test_a_sentence_that_writes_a_name_by_the_letters_its_article_defined_holds_the_names_words() -> None:
    hits = [
        report(
            "a",
            "The Harbour Port Authority (HPA) is reviewing the dredging contract, two people said.",
            "The Harbour Port Authority declined to comment on the dredging contract.",
            "The firm said it had been contacted by the office of the HPA chair, Mara Velden.",
        )
    ]
    q = "Who chairs the Harbour Port Authority that is reviewing the dredging contract?"
    evidence = select_evidence(q, hits, flat, analysis=analyze(q), max_sentences=1)
    assert evidence.passages[0].text.endswith("Mara Velden.")  # first, above those that repeat the question


def test_a_model_name_the_question_gives_is_no_rival_of_the_name_it_follows() -> None:
    hits = [hit("a", "It announced an order of 40 Skyliner K200-800 jets on Monday at a value of $9 billion.")]
    q = "What is Gulfair's Skyliner K200-800 order worth?"
    assert select_evidence(q, hits, flat, analysis=analyze(q)).passages


def test_a_figure_of_a_report_on_another_quarter_is_set_aside() -> None:
    hits = [
        report(
            "a",
            "Harbour Stores reported third-quarter earnings that topped estimates.",
            "The retailer earned $1.2 billion, or $2.10 per share.",
        )
    ]
    q = "What were Harbour Stores' second-quarter earnings per share?"
    evidence = select_evidence(q, hits, flat, analysis=analyze(q))
    assert not evidence.passages and evidence.rejected


def test_a_name_typed_in_lower_case_is_read_as_the_articles_write_it() -> None:
    hits = [
        hit("a", "The Harbour Open 2019 was won by Ana Ruiz."),
        hit("b", "Rain delayed the Harbour Open again."),
        hit("c", "The 2022 tennis season saw Mia Kohl win twice."),
    ]
    q = "harbour open 2022 winner"
    assert any(p.doc_id == "c" for p in select_evidence(q, hits, flat, analysis=analyze(q)).passages)
    evidence = select_evidence(q, hits, flat, analysis=analyze(recased(q, [h.chunk.text for h in hits])))
    assert not any(p.doc_id == "c" for p in evidence.passages)  # another event's 2022


def test_a_score_in_the_question_numbers_no_thing_so_the_match_report_is_read() -> None:
    text = "Tomas Lind scored the only goal for the Hawks in the Ravens' 4-1 win at Harbour Park."
    q = "Which Hawks player scored in the Ravens' 4-1 win at Harbour Park?"
    assert analyze(q).constraints == ()
    evidence = select_evidence(q, [hit("a", text)], flat, analysis=analyze(q))
    assert [p.doc_id for p in evidence.passages] == ["a"] and not evidence.rejected


def test_a_period_the_question_bounds_holds_the_months_between_its_ends() -> None:
    q = "What talks did the port boards hold between October 2022 and January 2023?"
    months = next(c for c in analyze(q).constraints if c.kind == "month")
    assert months.value.split(",") == ["10", "11", "12", "01"]
    text = "The two port boards held talks in December 2022 on a shared ferry."
    evidence = select_evidence(q, [hit("a", text)], flat, analysis=analyze(q), per_document=True)
    assert [p.doc_id for p in evidence.passages] == ["a"] and not evidence.rejected


def test_words_that_qualify_a_figure_or_a_number_name_are_read_as_such() -> None:
    (watched,) = analyze("How many people watched at least 20 minutes of the final?").constraints
    assert (watched.kind, watched.value, watched.head) == ("measure", "20", "minute")  # no thing numbered "least 20"
    (sequel,) = analyze("Which villain returns in Sky-Runner 2?").constraints
    assert (sequel.text, sequel.head) == ("Sky-Runner 2", "sky-runner")
    q = "Who hosted the 77th Golden Harbour Awards?"  # the name is still the Golden Harbour Awards
    text = "The 77th annual Golden Harbours were hosted by Ada Okafor."
    evidence = select_evidence(q, [hit("a", text)], flat, analysis=analyze(q))
    assert [p.doc_id for p in evidence.passages] == ["a"] and not evidence.rejected


def test_a_sentence_that_answers_the_one_before_is_read_with_it() -> None:
    first = "The council asked the port to pay for the new ring road."
    reply = "However, the port authority said the costs were the council's to bear."
    q = "How did the port authority respond?"
    evidence = select_evidence(q, [report("a", first, reply)], flat, analysis=analyze(q), max_sentences=1)
    assert first in evidence.passages[0].text and reply in evidence.passages[0].text


def test_an_answer_is_read_with_the_interview_question_it_follows() -> None:
    q = "What are Ada Okafor's favourite books?"
    hits = [report("a", "Ada Okafor joins the port board.", "Q: Favourite books?", "A: Dune, Emma, and Ulysses.")]
    evidence = select_evidence(q, hits, flat, analysis=analyze(q))
    assert "Q: Favourite books? A: Dune, Emma, and Ulysses." in " ".join(p.text for p in evidence.passages)


def test_a_quantity_in_another_amount_of_the_asked_unit_is_set_aside() -> None:
    q = "How much does a 30 minute ferry pass cost in Riverton?"
    other = "A Riverton ferry pass costs 12 dollars for fifteen minutes."
    asked = "A Riverton ferry pass costs 20 dollars for 30 minutes."
    evidence = select_evidence(q, [report("a", other, asked)], flat, analysis=analyze(q))
    assert [p.text for p in evidence.passages] == [asked] and [r.text for r in evidence.rejected] == [other]
    assert analyze("When was the 8-year-old boy found?").constraints == ()  # an age is no measure asked


def test_a_chart_axis_or_a_reference_date_names_no_year_and_a_sum_of_quarters_is_neither() -> None:
    q = "How many ferries did Harbour Lines sell in the first quarter of 2018?"
    axis = "Ferry sales by year, Harbour Lines: 61 58 73 Q1 Q2 Q3 Q4 2012 2013 2014 2015 2016 2017 2018."
    half = "Harbour Lines ferry sales · 2017, 140 · 2018 (Q1+Q2), 75"
    asked = "Harbour Lines sold 31 ferries in Q1 2018 and 44 in Q2."
    evidence = select_evidence(q, [report("a", axis), report("b", half), report("c", asked)], flat, analysis=analyze(q))
    assert [p.text for p in evidence.passages] == [asked], [p.text for p in evidence.passages]
    q = "Who won the 2015 Harbour Prize?"
    cited = "Lin Hao wins Harbour Prize. Riverton News. Retrieved March 3, 2015."
    assert analyze(q).unmet([cited]) == ["2015"]


def test_a_round_asked_for_sets_aside_a_passage_about_another_round() -> None:
    q = "Whom did Ada Okafor beat in the semifinals of the 2021 Harbour Open?"
    final = "Ada Okafor beat Lin Hao in the final to win the 2021 Harbour Open."
    semi = "In the 2021 Harbour Open semi-finals, Ada Okafor beat Mei Tanaka."
    evidence = select_evidence(q, [report("a", final), report("b", semi)], flat, analysis=analyze(q))
    assert [p.text for p in evidence.passages] == [semi] and [r.text for r in evidence.rejected] == [final]
    assert analyze("Who won the 2021 Harbour Open final?").constraints[0].kind == "year"  # the final is no round asked


def test_a_request_to_name_someone_is_no_part_of_the_name_asked_about() -> None:
    q = "Name the Harbour Security Adviser who went with Lin Hao to Riverton."
    text = "Lin Hao and Harbour Security Adviser Ada Okafor arrived in Riverton on Monday."
    evidence = select_evidence(q, [report("a", text)], flat, analysis=analyze(q))
    assert [p.text for p in evidence.passages] == [text], [r.text for r in evidence.rejected]
