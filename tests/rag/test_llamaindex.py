"""rag.llamaindex: the hybrid retriever and the cited answer as llama-index components, on the real
seeds in real Chroma and BM25, with the word-hash embedder and a scripted model."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeRelationship, QueryBundle

from ingest.seed import ensure_seeded
from rag.answer import AnswerPipeline
from rag.factory import Components, build_components
from rag.llamaindex import NewsragQueryEngine, NewsragRetriever
from rag.settings import REPO_ROOT, Settings
from rag.types import SearchFilters
from tests.fakes import ScriptedGenerator, WordHashEmbedder

QUESTION = "Who led the Chinese delegation that met Mohsin Naqvi?"


@pytest.fixture(scope="module")
def components(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Components]:
    settings = Settings(home=tmp_path_factory.mktemp("home"), seeds_dir=REPO_ROOT / "seeds", llm_backend="extractive")
    c = build_components(settings, embedder=WordHashEmbedder(dim=256))
    ensure_seeded(c)
    yield c


def test_the_retriever_returns_the_hybrid_hits_as_nodes_with_exact_spans(components: Components) -> None:
    retriever = NewsragRetriever(components.retriever, k=4)
    assert isinstance(retriever, BaseRetriever)
    nodes = retriever.retrieve(QUESTION)
    hits = components.retriever.search(QUESTION, k=4)
    assert [n.node.node_id for n in nodes] == [h.chunk.chunk_id for h in hits]
    assert [n.score for n in nodes] == [h.score for h in hits]
    for n in nodes:
        doc = components.store.get_document(n.node.metadata["doc_id"])
        assert doc is not None
        start, end = n.node.start_char_idx, n.node.end_char_idx
        assert start is not None and end is not None and doc.text[start:end] == n.node.get_content()
        assert n.node.relationships[NodeRelationship.SOURCE].node_id == doc.doc_id
        assert n.node.metadata["title"] == doc.title
        assert n.node.metadata["link"] == f"/documents/{doc.doc_id}#span-{start}-{end}"
    assert any("Chen Mingguo" in n.node.get_content() for n in nodes)


def test_the_retriever_keeps_its_filters(components: Components) -> None:
    only = "004_463f8a1ce8e0e7f6"
    nodes = NewsragRetriever(components.retriever, k=3, filters=SearchFilters(doc_ids=(only,))).retrieve(QUESTION)
    assert nodes and {n.node.metadata["doc_id"] for n in nodes} == {only}
    with pytest.raises(ValueError, match="k must be at least 1"):
        NewsragRetriever(components.retriever, k=0)


def test_the_query_engine_returns_the_checked_cited_answer(components: Components) -> None:
    pipeline = AnswerPipeline(components.settings, components.retriever, ScriptedGenerator(["Chen Mingguo led it."]))
    expected = AnswerPipeline(
        components.settings, components.retriever, ScriptedGenerator(["Chen Mingguo led it."])
    ).answer(QUESTION)
    engine = NewsragQueryEngine(pipeline)
    assert isinstance(engine, BaseQueryEngine)
    response = engine.query(QUESTION)
    assert response.response == expected.answer == "Chen Mingguo led it [1]."
    assert response.metadata is not None and response.metadata["refused"] is False
    assert [n.node.metadata["n"] for n in response.source_nodes] == [c.n for c in expected.citations]
    first = response.source_nodes[0].node
    doc = components.store.get_document(first.metadata["doc_id"])
    assert doc is not None and doc.text[first.start_char_idx : first.end_char_idx] == first.get_content()
    assert "Chen Mingguo" in first.get_content()


def test_a_refusal_stays_a_refusal_with_the_closest_passages(components: Components) -> None:
    engine = NewsragQueryEngine(
        AnswerPipeline(components.settings, components.retriever, ScriptedGenerator(["I don't know."]))
    )
    response = asyncio.run(engine.aquery(QueryBundle("What is the boiling point of liquid helium on Neptune?")))
    assert response.metadata is not None and response.metadata["refused"] is True
    assert "don't know" in str(response.response).lower()
