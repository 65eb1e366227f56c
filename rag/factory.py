"""Builds the components from settings: the one place implementations are chosen."""

from __future__ import annotations

from dataclasses import dataclass

from rag.answer import AnswerPipeline
from rag.embed import Embedder, make_embedder
from rag.llm import Generator, make_generator
from rag.retrieve import HybridRetriever
from rag.settings import Settings
from rag.sparse import SparseIndex
from rag.store import ChromaStore


@dataclass
class Components:
    settings: Settings
    store: ChromaStore
    sparse: SparseIndex
    embedder: Embedder
    retriever: HybridRetriever


def build_components(settings: Settings, embedder: Embedder | None = None) -> Components:
    """Cheap: nothing heavy loads until first use (the embedder warms up lazily)."""
    store = ChromaStore(settings)
    sparse = SparseIndex(settings.bm25_dir)
    embedder = embedder or make_embedder(settings)
    return Components(settings, store, sparse, embedder, HybridRetriever(settings, store, sparse, embedder))


def build_pipeline(
    components: Components, generator: Generator | None = None, *, load_model: bool = True
) -> AnswerPipeline:
    """The answer pipeline on `components`; the model from settings unless `generator` is given.

    With `load_model` False (or backend "extractive") there is no generator and
    answers are extractive.
    """
    if generator is None and load_model:
        generator = make_generator(components.settings)
    return AnswerPipeline(components.settings, components.retriever, generator)
