"""rag.retrieve.HybridRetriever on the seeds: real Chroma, real BM25, the word-hash embedder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.pipeline import Ingestor
from rag.dates import format_date, parse_bound
from rag.errors import BadInput
from rag.retrieve import HybridRetriever, _facts, diversify
from rag.settings import Settings
from rag.sparse import SparseIndex
from rag.store import ChromaStore
from rag.types import Hit, SearchFilters
from tests.fakes import WordHashEmbedder

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
D000, D001, D002, D003, D004 = sorted(p.stem for p in SEEDS.glob("*.txt"))
DATES = {D000: 20250119, D001: None, D002: None, D003: 20250205, D004: 20241129}


def build(home: Path) -> tuple[Settings, ChromaStore, SparseIndex, HybridRetriever]:
    settings = Settings(home=home, _env_file=None)  # type: ignore[call-arg]
    store = ChromaStore(settings)
    sparse = SparseIndex(settings.bm25_dir)
    return settings, store, sparse, HybridRetriever(settings, store, sparse, WordHashEmbedder())


def ingest(home: Path, *paths: Path, bm25_dir: Path | None = None) -> None:
    """Ingest as another process would, with its own objects (and, with `bm25_dir`, its own BM25)."""
    settings = Settings(home=home, _env_file=None)  # type: ignore[call-arg]
    sparse = SparseIndex(bm25_dir or settings.bm25_dir)
    Ingestor(settings, ChromaStore(settings), sparse, WordHashEmbedder()).ingest(list(paths))


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, ChromaStore, SparseIndex, HybridRetriever]:
    home = tmp_path_factory.mktemp("seeded")
    ingest(home, SEEDS)
    return build(home)


@pytest.fixture(scope="module")
def retriever(seeded: tuple[Settings, ChromaStore, SparseIndex, HybridRetriever]) -> HybridRetriever:
    return seeded[3]


# -- rare names -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "doc_id", "word"),
    [
        ("Warrior-VIII", D004, "Warrior-VIII"),
        ("Where was the Warrior-VIII drill?", D004, "Warrior-VIII"),
        ("Lianyungang", D001, "Lianyungang"),
        ("What is planned at Lianyungang?", D001, "Lianyungang"),
    ],
)
def test_a_rare_proper_noun_is_found_first_thanks_to_bm25(
    retriever: HybridRetriever, query: str, doc_id: str, word: str
) -> None:
    top = retriever.search(query, k=5)[0]
    assert top.chunk.doc_id == doc_id and word in top.chunk.text
    assert top.sparse_rank == 1
    assert top.dense_rank != 1, "the word-hash embedder alone should not find it; BM25 must"


def test_hits_are_ranked_by_fused_score_and_carry_their_ranks(retriever: HybridRetriever) -> None:
    hits = retriever.search("Chinese delegation counter-terrorism cooperation", k=8)
    assert len(hits) == 8
    assert len({h.chunk.chunk_id for h in hits}) == 8
    assert all(h.dense_rank is not None or h.sparse_rank is not None for h in hits)
    assert all(h.similarity is not None and -1.0 <= h.similarity <= 1.0 + 1e-6 for h in hits)


# -- filters ----------------------------------------------------------------------
FILTERS = [
    SearchFilters(doc_ids=(D001, D002)),
    SearchFilters(since=20250201),
    SearchFilters(until=20250131),
    SearchFilters(since=20250101, until=20250131),
    SearchFilters(doc_ids=(D003, D004), since=20241201),
]


def allowed(filters: SearchFilters) -> set[str]:
    out = set(DATES)
    if filters.doc_ids:
        out &= set(filters.doc_ids)
    if filters.since is not None:
        out = {d for d in out if DATES[d] is not None and DATES[d] >= filters.since}  # type: ignore[operator]
    if filters.until is not None:
        out = {d for d in out if DATES[d] is not None and DATES[d] <= filters.until}  # type: ignore[operator]
    return out


@pytest.mark.parametrize("filters", FILTERS, ids=repr)
def test_filters_hold_on_the_dense_and_the_bm25_path(
    seeded: tuple[Settings, ChromaStore, SparseIndex, HybridRetriever], filters: SearchFilters
) -> None:
    _, store, sparse, retriever = seeded
    query = "Pakistan China Chinese delegation security talks"
    ok = allowed(filters)
    assert ok, "each filter should leave some documents"
    dense = store.query(WordHashEmbedder().embed([query])[0], 30, filters)
    bm25 = sparse.search(query, 30, filters)
    hits = retriever.search(query, k=30, filters=filters)
    assert dense and bm25 and hits
    assert {c.doc_id for c, _, _ in dense} <= ok
    assert {cid.split(":")[0] for cid, _ in bm25} <= ok
    assert {h.chunk.doc_id for h in hits} <= ok
    # Each path finds every allowed document, so the filter does not just return nothing.
    assert {c.doc_id for c, _, _ in dense} == ok
    assert {h.chunk.doc_id for h in hits} == ok


def test_a_filter_that_matches_nothing_gives_no_hits(retriever: HybridRetriever) -> None:
    assert retriever.search("Pakistan", filters=SearchFilters(doc_ids=("no-such-doc",))) == []
    assert retriever.search("Pakistan", filters=SearchFilters(since=20300101)) == []


# -- near-duplicates ------------------------------------------------------------------
def test_a_near_duplicate_is_pushed_below_every_distinct_passage(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    shutil.copy(corpus / f"{D004}.txt", corpus / "zz_syndicated_copy.txt")  # the same story, told twice
    ingest(tmp_path / "home", corpus)
    _, store, _, retriever = build(tmp_path / "home")

    top5 = retriever.search("Warrior-VIII joint anti-terrorism drill", k=5)
    assert len({h.chunk.text for h in top5}) == 5, "the same passage twice in the top 5"

    hits = retriever.search("Warrior-VIII joint anti-terrorism drill", k=100)
    stored = store.get_chunks([h.chunk.chunk_id for h in hits], with_embeddings=True)
    vectors = {cid: vector for cid, (_, vector) in stored.items()}
    first_dup = next(i for i, h in enumerate(hits) if is_repeat(h, hits[:i], vectors))
    assert all(is_near_duplicate(h, hits[:i], vectors) for i, h in enumerate(hits) if i >= first_dup)
    twin = next(h for h in hits[first_dup:] if "Warrior-VIII" in h.chunk.text)
    assert twin.sparse_rank is not None and twin.sparse_rank <= 2, "its fused score alone would have ranked it 2nd"


def is_near_duplicate(hit: Hit, above: list[Hit], vectors: dict[str, list[float] | None]) -> bool:
    import numpy as np

    v = np.asarray(vectors[hit.chunk.chunk_id])
    return any(float(v @ np.asarray(vectors[h.chunk.chunk_id])) > 0.9 for h in above)


def is_repeat(hit: Hit, above: list[Hit], vectors: dict[str, list[float] | None]) -> bool:
    """A near-duplicate of a passage above that states the very same facts."""
    return is_near_duplicate(hit, [h for h in above if _facts(h.chunk.text) == _facts(hit.chunk.text)], vectors)


def test_a_near_copy_with_other_facts_keeps_its_place() -> None:
    """Two versions of one story that disagree are both worth weighing: not a repeat."""
    e = {"a": [1.0, 0.0], "b": [1.0, 0.0], "c": [0.0, 1.0]}
    texts = {"a": "Halep won Wimbledon in 2019.", "b": "Kerber won Wimbledon in 2019.", "c": "Rain fell."}
    assert diversify(["a", "b", "c"], e, texts) == ["a", "b", "c"]
    texts["b"] = "Halep won Wimbledon in 2019."
    assert diversify(["a", "b", "c"], e, texts) == ["a", "c", "b"]


def test_diversify_keeps_order_and_moves_repeats_to_the_end() -> None:
    e = {"a": [1.0, 0.0], "b": [1.0, 0.0], "c": [0.0, 1.0], "d": [0.6, 0.8], "x": []}
    assert diversify(["a", "b", "c"], e) == ["a", "c", "b"]
    assert diversify(["a", "b", "c", "d"], e) == ["a", "c", "d", "b"]  # d: cos 0.6 and 0.8, below 0.9
    assert diversify(["x", "a", "b", "y"], e) == ["x", "a", "y", "b"]  # without a vector: kept in place
    assert diversify([], e) == []


# -- bad requests ------------------------------------------------------------------
@pytest.mark.parametrize("query", ["", "   ", "\n\t "])
def test_an_empty_query_is_bad_input(retriever: HybridRetriever, query: str) -> None:
    with pytest.raises(BadInput, match="the question is empty"):
        retriever.search(query)


def test_an_over_long_query_is_bad_input_naming_the_limit(retriever: HybridRetriever) -> None:
    with pytest.raises(BadInput) as info:
        retriever.search("Chen Mingguo " * 500)
    message = str(info.value)
    assert "6499 characters" in message and "2000" in message and "RAG_MAX_QUESTION_CHARS" in message


def test_whitespace_does_not_count_towards_the_limit(retriever: HybridRetriever) -> None:
    assert retriever.search("Warrior-VIII" + " " * 5000 + "drill", k=1)


@pytest.mark.parametrize("k", [0, -1, 101, 10_000])
def test_k_out_of_range_is_bad_input(retriever: HybridRetriever, k: int) -> None:
    with pytest.raises(BadInput, match="k must be between 1 and 100"):
        retriever.search("Chen Mingguo", k=k)


def test_k_defaults_to_top_k_and_is_capped_by_the_corpus(retriever: HybridRetriever) -> None:
    assert len(retriever.search("Pakistan")) == retriever.settings.top_k
    assert len(retriever.search("Pakistan China", k=100)) <= 29


# -- another process changes the store --------------------------------------------------------
def test_sync_rebuilds_bm25_after_another_process_adds_chunks(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ingest(home, SEEDS)
    _, store, sparse, retriever = build(home)
    assert retriever.search("Chen Mingguo", k=1)  # BM25 loaded
    before = sparse.size()

    article = tmp_path / "port.txt"
    article.write_text("Gwadar port will receive a Zanzibarian dredger next month, officials said on Monday.\n")
    ingest(home, article, bm25_dir=tmp_path / "elsewhere")  # the other process keeps its own BM25
    assert sparse.size() == before, "our BM25 should still be stale here"

    top = retriever.search("Zanzibarian dredger", k=3)[0]
    assert top.chunk.doc_id == "port" and top.sparse_rank == 1
    assert sparse.size() == store.count() == before + 1


def test_sync_rebuilds_bm25_after_another_process_replaces_chunks(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ingest(home, SEEDS)
    retriever = build(home)[3]
    assert retriever.search("Lianyungang", k=1)[0].sparse_rank == 1

    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    path = corpus / f"{D001}.txt"
    path.write_text(path.read_text().replace("Lianyungang", "Qingdaoport"))  # same length: same chunk count
    ingest(home, corpus, bm25_dir=tmp_path / "elsewhere")

    top = retriever.search("Qingdaoport", k=3)[0]
    assert "Qingdaoport" in top.chunk.text and top.sparse_rank == 1


# -- date bounds --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "end", "expected"),
    [
        (None, False, None),
        ("", False, None),
        ("2025", False, 20250101),
        ("2025", True, 20251231),
        ("2025-02", False, 20250201),
        ("2025-02", True, 20250228),
        ("2024-02", True, 20240229),
        ("2024-02-29", False, 20240229),
        ("20241129", False, 20241129),
        (" 2025-01-19 ", True, 20250119),
        (20250119, False, 20250119),
        ("2025-12-31", True, 20251231),
    ],
)
def test_parse_bound(value: str | int | None, end: bool, expected: int | None) -> None:
    assert parse_bound(value, end=end) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2025-13", "has no month 13"),
        ("2025-00-10", "has no month 0"),
        ("2025-02-29", "has no day 29"),
        ("2025-04-31", "has no day 31"),
        ("2025-01-00", "has no day 0"),
        ("yesterday", "is not YYYY-MM-DD"),
        ("19/01/2025", "is not YYYY-MM-DD"),
        ("2025-1-9", "is not YYYY-MM-DD"),
        ("25-01-19", "is not YYYY-MM-DD"),
    ],
)
def test_parse_bound_refuses_impossible_dates(value: str, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        parse_bound(value)


def test_format_date() -> None:
    assert format_date(20250119) == "2025-01-19"
    assert format_date(None) is None


def test_a_question_of_invisible_characters_is_empty() -> None:
    import pytest

    from rag.errors import BadInput
    from rag.retrieve import HybridRetriever
    from rag.settings import Settings

    retriever = HybridRetriever(Settings(), None, None, None)  # type: ignore[arg-type]  # check_query needs none
    with pytest.raises(BadInput, match="empty"):
        retriever.check_query("\u200b\u200b\ufeff")


def test_chunks_written_outside_ingest_cost_one_bm25_rebuild_not_one_per_query(tmp_path: Path) -> None:
    from dataclasses import replace as dc_replace

    home = tmp_path / "home"
    ingest(home, SEEDS)
    _, store, sparse, retriever = build(home)
    extra = next(store.iter_chunks())
    store.upsert_chunks([dc_replace(extra, chunk_id="extra:1", doc_id="extra")], [[0.1] * 64])
    retriever.search("Lianyungang", k=1)  # the published version no longer matches: one rebuild
    stamp = (sparse.dir / "CURRENT").stat().st_mtime_ns
    for _ in range(3):
        retriever.search("Lianyungang", k=1)
    assert (sparse.dir / "CURRENT").stat().st_mtime_ns == stamp
