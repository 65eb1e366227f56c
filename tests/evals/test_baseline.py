"""The llama-index baseline on llama-index's own offline test doubles, and its adapter."""

from __future__ import annotations

from pathlib import Path

import pytest
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.llms import MockLLM
from llama_index.core.schema import NodeWithScore, TextNode

from evals.baseline import BaselinePipeline, to_answer
from rag.errors import ConfigError
from rag.settings import Settings
from rag.types import Message


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "000_abc.txt").write_text("The delegation was led by Chen Mingguo.", encoding="utf-8")
    (folder / "001_def.txt").write_text("Warrior-VIII opened with 300 Chinese troops.", encoding="utf-8")
    return folder


def test_answers_with_source_nodes_as_citations(tmp_path: Path, seeds: Path) -> None:
    settings = Settings(home=tmp_path, seeds_dir=seeds, llm_backend="extractive")
    pipeline = BaselinePipeline(settings, llm=MockLLM(max_tokens=8), embed_model=MockEmbedding(embed_dim=8))
    answer = pipeline.answer("Who led it?", [Message("user", "earlier")], k=5)
    assert not answer.refused
    assert answer.answer
    assert sorted(c.doc_id for c in answer.citations) == ["000_abc", "001_def"]  # similarity_top_k=2
    assert [c.n for c in answer.citations] == [1, 2]
    assert set(answer.retrieved_doc_ids) == {"000_abc", "001_def"}
    assert answer.timings.total_s > 0
    assert any("history ignored" in note for note in answer.notes)
    pipeline.close()


def test_needs_the_seed_files(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, seeds_dir=tmp_path / "none", llm_backend="extractive")
    with pytest.raises(ConfigError, match="needs the seed files"):
        BaselinePipeline(settings, llm=MockLLM(), embed_model=MockEmbedding(embed_dim=8))


def test_to_answer_maps_nodes_and_refusals() -> None:
    node = TextNode(text="Chen Mingguo led it.", metadata={"file_name": "000_abc.txt"}, start_char_idx=10)
    answer = to_answer("Who?", " I don't know. ", [NodeWithScore(node=node, score=0.8123456)], "m")
    assert answer.refused
    assert answer.answer == "I don't know."
    (c,) = answer.citations
    assert (c.n, c.doc_id, c.quote, c.start, c.end, c.score) == (1, "000_abc", "Chen Mingguo led it.", 10, 30, 0.8123)
    assert answer.retrieved_doc_ids == ["000_abc"]
    assert not to_answer("Who?", "Chen Mingguo.", [], "m").refused
