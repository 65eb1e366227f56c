"""Builds the components from settings: the one place implementations are chosen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.embed import Embedder, make_embedder
from rag.retrieve import HybridRetriever
from rag.settings import Settings
from rag.sparse import SparseIndex
from rag.store import ChromaStore
from rag.types import AnswerObserver

if TYPE_CHECKING:  # the answer side (and the openai client) loads only when a pipeline is built: not for ingest
    from rag.answer import AnswerPipeline
    from rag.llm import Generator


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
    components: Components,
    generator: Generator | None = None,
    *,
    load_model: bool = True,
    cache: bool = False,
    observers: Sequence[AnswerObserver] = (),
) -> AnswerPipeline:
    """The answer pipeline on `components`; the model from settings unless `generator` is given.

    With `load_model` False (or backend "extractive") there is no generator and
    answers are extractive. With `cache` (and RAG_ANSWER_CACHE above 0) answers
    go through the answer cache in RAG_HOME, and `observers` see every answer:
    what a server wants; an eval or a benchmark wants every answer computed.
    """
    from rag.answer import AnswerPipeline
    from rag.llm import make_generator

    settings = components.settings
    if generator is None and load_model:
        generator = make_generator(settings)
    if not (cache and settings.answer_cache) and not observers:
        return AnswerPipeline(settings, components.retriever, generator)
    from rag.cache import AnswerCache, CachedPipeline
    from rag.db import Database

    store = AnswerCache(Database.open(settings), settings.answer_cache) if cache and settings.answer_cache else None
    return CachedPipeline(settings, components.retriever, generator, store, observers)
