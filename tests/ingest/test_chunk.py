"""ingest.chunk: exact spans, sentence packing, overlap and content-derived ids."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.chunk import chunk_document, chunk_id, split_sentences
from ingest.clean import clean_text
from rag.types import Chunk

SEEDS = sorted((Path(__file__).resolve().parents[2] / "seeds").glob("*.txt"))

ARTICLE = (
    "Pakistan and China agreed to work together. The talks took place in Beijing on Wednesday.\n\n"
    "Interior Minister Mohsin Naqvi met Qi Yanjun. Dr. Asim Hussain of the U.S. desk was not there!\n"
    "Both sides spoke for two hours. Was it useful? Officials said yes.\n\n"
    "The next meeting is planned for March."
)


def assert_exact(text: str, chunks: list[Chunk]) -> None:
    """Every chunk and sentence span points at the text it claims, in document coordinates."""
    for chunk in chunks:
        assert chunk.text == text[chunk.start : chunk.end]
        assert chunk.sentences, chunk
        assert chunk.sentences[0][0] == chunk.start
        assert chunk.sentences[-1][1] == chunk.end
        for s, e in chunk.sentences:
            assert chunk.start <= s < e <= chunk.end
            assert text[s:e] == text[s:e].strip()
        ends = [e for _, e in chunk.sentences]
        starts = [s for s, _ in chunk.sentences]
        assert all(e <= s for e, s in zip(ends, starts[1:], strict=False)), "sentences overlap or go backwards"


def test_split_sentences_worked_example() -> None:
    text = "Hi there. Bye.\n\nNext one."
    spans = split_sentences(text)
    assert spans == [(0, 9), (10, 14), (16, 25)]
    assert [text[s:e] for s, e in spans] == ["Hi there.", "Bye.", "Next one."]


def test_abbreviations_do_not_split_a_sentence() -> None:
    spans = split_sentences(ARTICLE)
    sentences = [ARTICLE[s:e] for s, e in spans]
    assert "Dr. Asim Hussain of the U.S. desk was not there!" in sentences


def test_chunks_of_a_small_article_are_exact() -> None:
    chunks = chunk_document("d", ARTICLE, max_chars=120, overlap=1)
    assert len(chunks) > 2
    assert_exact(ARTICLE, chunks)
    assert [c.seq for c in chunks] == list(range(len(chunks)))
    assert all(len(c.text) <= 120 for c in chunks)


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_seed_chunks_are_exact_and_cover_every_sentence(path: Path) -> None:
    clean = clean_text(path.read_text(encoding="utf-8"), path.stem)
    chunks = chunk_document(path.stem, clean.text, title=clean.title, date=clean.date, source=clean.source)
    assert_exact(clean.text, chunks)
    covered = {span for c in chunks for span in c.sentences}
    assert covered == set(split_sentences(clean.text))
    assert all(c.title == clean.title and c.date == clean.date and c.source == clean.source for c in chunks)


def test_each_chunk_repeats_the_last_sentence_of_the_one_before() -> None:
    chunks = chunk_document("d", ARTICLE, max_chars=120, overlap=1)
    for before, after in pairwise(chunks):
        assert after.sentences[0] == before.sentences[-1]
        assert after.end > before.end, "a chunk must bring at least one new sentence"


def test_overlap_two_and_zero() -> None:
    two = chunk_document("d", ARTICLE, max_chars=200, overlap=2)
    for before, after in pairwise(two):
        shared = set(before.sentences) & set(after.sentences)
        assert 1 <= len(shared) <= 2
        assert after.sentences[: len(shared)] == before.sentences[-len(shared) :]
    zero = chunk_document("d", ARTICLE, max_chars=120, overlap=0)
    spans = [span for c in zero for span in c.sentences]
    assert spans == split_sentences(ARTICLE)  # every sentence exactly once


def test_a_sentence_longer_than_the_limit_stands_alone() -> None:
    long = "The delegation " + "discussed security " * 20 + "at length."
    text = f"Short one. {long} Short two."
    chunks = chunk_document("d", text, max_chars=100, overlap=1)
    alone = [c for c in chunks if c.text == long]
    assert len(alone) == 1 and len(alone[0].sentences) == 1
    assert_exact(text, chunks)
    assert chunks[0].text == "Short one."
    assert chunks[-1].text.endswith("Short two.")


def test_overlap_never_yields_a_chunk_inside_the_previous_one() -> None:
    """300 + 300 chars fit in 700, but the overlapping 300 and the next 500 do not:
    the next chunk must drop the overlap rather than repeat the 300 alone."""
    text = ("A" * 299 + ".") + " " + ("B" * 299 + ".") + " " + ("C" * 499 + ".")
    chunks = chunk_document("d", text, max_chars=700, overlap=1)
    assert_exact(text, chunks)
    for before, after in pairwise(chunks):
        assert after.end > before.end, f"chunk {after.seq} repeats only text of chunk {before.seq}"
    assert [c.text[0] for c in chunks] == ["A", "C"]


def test_empty_and_blank_text_give_no_chunks() -> None:
    assert chunk_document("d", "") == []
    assert chunk_document("d", "  \n\n \n") == []


def test_ids_are_stable_and_content_derived() -> None:
    first = chunk_document("doc", ARTICLE, max_chars=120)
    again = chunk_document("doc", ARTICLE, max_chars=120)
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    assert len({c.chunk_id for c in first}) == len(first)
    assert all(c.chunk_id.startswith("doc:") for c in first)
    assert first[0].chunk_id == chunk_id("doc", first[0].start, first[0].text)
    # Another document with the same text gets other ids.
    assert not {c.chunk_id for c in first} & {c.chunk_id for c in chunk_document("other", ARTICLE, max_chars=120)}


def test_editing_the_end_keeps_the_ids_of_earlier_chunks() -> None:
    before = chunk_document("doc", ARTICLE, max_chars=120)
    edited = ARTICLE.replace("planned for March.", "planned for April, in Islamabad.")
    after = chunk_document("doc", edited, max_chars=120)
    kept = {c.chunk_id for c in before} & {c.chunk_id for c in after}
    assert {c.chunk_id for c in before[:-2]} <= kept
    assert before[-1].chunk_id not in kept
    # The same text at another offset is another chunk (its spans differ).
    shifted = chunk_document("doc", "Preface. " + ARTICLE, max_chars=120)
    assert not {c.chunk_id for c in before} & {c.chunk_id for c in shifted}


_PIECES = st.sampled_from(
    ["Word", "word", " ", " ", "\n", "\n\n", ".", "!", "?", "Mr.", "U.S.", "e.g.", "“", "”", "…", "\u00a0", "\t", "42"]
)


@settings(max_examples=300, deadline=None)
@given(text=st.lists(_PIECES, max_size=80).map("".join), max_chars=st.integers(100, 160), overlap=st.integers(0, 3))
def test_spans_are_exact_for_any_text(text: str, max_chars: int, overlap: int) -> None:
    chunks = chunk_document("d", text, max_chars=max_chars, overlap=overlap)
    assert_exact(text, chunks)
    assert {span for c in chunks for span in c.sentences} == set(split_sentences(text))
    for before, after in pairwise(chunks):
        assert after.start > before.start and after.end > before.end
