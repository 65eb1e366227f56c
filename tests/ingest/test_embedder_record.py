"""The store records which embedder wrote its vectors; another one re-embeds, never mixes.

Real embedded Chroma and BM25; two word-hash embedders of the same size stand for the
fp32 and int8 MiniLM (same dimensions, different vectors, different names).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pipeline import Ingestor
from rag.embed import index_id, passage_text
from rag.errors import ConfigError
from rag.retrieve import HybridRetriever
from rag.settings import Settings
from rag.sparse import SparseIndex
from rag.store import ChromaStore
from tests.fakes import WordHashEmbedder

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def parts(home: Path, embedder: WordHashEmbedder) -> tuple[ChromaStore, Ingestor, HybridRetriever]:
    settings = Settings(home=home, _env_file=None)  # type: ignore[call-arg]
    store, sparse = ChromaStore(settings), SparseIndex(settings.bm25_dir)
    return store, Ingestor(settings, store, sparse, embedder), HybridRetriever(settings, store, sparse, embedder)


def vectors(store: ChromaStore) -> dict[str, list[float]]:
    ids = store.all_chunk_ids()
    return {
        cid: [round(float(x), 6) for x in vec]
        for cid, (_, vec) in store.get_chunks(ids, with_embeddings=True).items()
        if vec is not None
    }


def test_the_first_ingest_records_its_embedder(tmp_path: Path) -> None:
    a = WordHashEmbedder()
    store, ingestor, retriever = parts(tmp_path, a)
    assert store.index_info().embedder is None
    ingestor.ingest([SEEDS])
    assert store.index_info().embedder == index_id(a)
    assert retriever.search("Chen Mingguo")


def test_another_embedder_reembeds_every_chunk_before_ingesting(tmp_path: Path) -> None:
    a, b = WordHashEmbedder(), WordHashEmbedder(salt="-b")
    store, ingestor, _ = parts(tmp_path, a)
    ingestor.ingest([SEEDS])
    before = vectors(store)

    store_b, ingestor_b, retriever_b = parts(tmp_path, b)
    report = ingestor_b.ingest([SEEDS])
    assert report.chunks_reembedded == len(before) and report.reembedded_from == index_id(a)
    assert report.unchanged and not report.added  # the documents themselves were unchanged
    after = vectors(store_b)
    assert after.keys() == before.keys()
    assert after == {cid: [round(x, 6) for x in b.embed([t])[0]] for cid, t in texts(store_b).items()}
    assert store_b.index_info().embedder == index_id(b)
    assert retriever_b.search("Chen Mingguo")
    assert ingestor_b.ingest([SEEDS]).chunks_reembedded == 0  # now current: nothing to redo


def texts(store: ChromaStore) -> dict[str, str]:
    return {c.chunk_id: passage_text(c.title, c.text) for c in store.iter_chunks()}


def test_a_search_with_another_embedder_is_refused_with_what_to_do(tmp_path: Path) -> None:
    _, ingestor, _ = parts(tmp_path, WordHashEmbedder())
    ingestor.ingest([SEEDS])
    _, _, retriever_b = parts(tmp_path, WordHashEmbedder(salt="-b"))
    with pytest.raises(ConfigError, match=r"word-hash-64-b.*rag ingest --reembed"):
        retriever_b.search("Chen Mingguo")


def test_a_killed_reembedding_is_refused_then_redone(tmp_path: Path) -> None:
    a = WordHashEmbedder()
    store, ingestor, _ = parts(tmp_path, a)
    ingestor.ingest([SEEDS])
    crashing = WordHashEmbedder(  # another process, killed in its first batch
        salt="-b", fail_after=0
    )
    settings = Settings(home=tmp_path, _env_file=None, embed_batch_size=8)  # type: ignore[call-arg]
    with pytest.raises(RuntimeError, match="simulated"):
        Ingestor(settings, ChromaStore(settings), SparseIndex(settings.bm25_dir), crashing).ingest([SEEDS])
    assert store.index_info().embedder == ""
    _, _, retriever_a = parts(tmp_path, a)
    with pytest.raises(ConfigError, match="re-embedd"):
        retriever_a.search("Chen Mingguo")  # a mix of old and new vectors is never served

    b = WordHashEmbedder(salt="-b")
    store_b, ingestor_b, retriever_b = parts(tmp_path, b)
    report = ingestor_b.reembed()
    assert report is not None and report.chunks_reembedded == store_b.count()
    assert retriever_b.search("Chen Mingguo") and ingestor_b.reembed() is None


def test_reembed_forced_and_a_change_of_size_refused(tmp_path: Path) -> None:
    a = WordHashEmbedder()
    store, ingestor, _ = parts(tmp_path, a)
    ingestor.ingest([SEEDS])
    generation = store.index_info().generation
    report = ingestor.ingest([SEEDS], reembed=True)
    assert report.chunks_reembedded == store.count() and report.reembedded_from == index_id(a)
    assert store.index_info().generation != generation, "re-embedded vectors must invalidate cached answers"

    _, bigger, _ = parts(tmp_path, WordHashEmbedder(dim=96))
    with pytest.raises(ConfigError, match=r"64-dimensional.*new RAG_HOME"):
        bigger.ingest([SEEDS])


def test_the_generation_changes_with_every_change_and_only_then(tmp_path: Path) -> None:
    store, ingestor, _ = parts(tmp_path, WordHashEmbedder())
    ingestor.ingest([SEEDS])
    first = store.index_info()
    ingestor.ingest([SEEDS])  # unchanged
    assert store.index_info() == first
    doc = sorted(p.stem for p in SEEDS.glob("*.txt"))[0]
    ingestor.delete(doc)
    after_delete = store.index_info()
    assert after_delete.generation != first.generation and after_delete.corpus_version != first.corpus_version
