"""Builds the components from settings: the one place implementations are chosen."""

from __future__ import annotations

from dataclasses import dataclass

from rag.embed import Embedder, SentenceTransformerEmbedder
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
    embedder = embedder or SentenceTransformerEmbedder(settings.embed_model_path, settings.embed_batch_size)
    return Components(settings, store, sparse, embedder, HybridRetriever(settings, store, sparse, embedder))
