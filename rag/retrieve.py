"""Hybrid retrieval: dense (Chroma) + BM25, fused by reciprocal rank fusion,
with near-duplicate passages pushed down so one story told twice cannot fill
the whole result list.

    RRF score of a chunk = sum over the two rankings of 1 / (rrf_k + rank)
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence

import numpy as np

from rag.embed import Embedder
from rag.errors import BadInput
from rag.locks import corpus_lock
from rag.settings import Settings
from rag.sparse import SparseIndex
from rag.store import ChromaStore
from rag.types import Chunk, Hit, SearchFilters

NEAR_DUPLICATE = 0.9  # cosine above which a passage repeats one already ranked


class HybridRetriever:
    def __init__(self, settings: Settings, store: ChromaStore, sparse: SparseIndex, embedder: Embedder) -> None:
        self.settings = settings
        self.store = store
        self.sparse = sparse
        self.embedder = embedder
        self._sync_lock = threading.Lock()
        self._rebuilt_for: str | None = None

    def sync(self) -> None:
        """Rebuild BM25 from the store when it lags: the store's published version
        (see ingest) differs from BM25's, or, before any is published, their chunk
        counts differ. Another process, or another machine sharing a Chroma server,
        may have changed the corpus."""
        with self._sync_lock:
            version = self.store.corpus_version()
            if version is not None and version in (self.sparse.current_fingerprint(), self._rebuilt_for):
                return  # current, or already rebuilt once for this version (written outside ingest)
            if version is None and self.sparse.size() == self.store.count():
                return
            with corpus_lock(self.settings.home, blocking=False) as held:
                if held:  # else an ingest is under way and rebuilds BM25 when it ends
                    self.sparse.build(self.store.iter_chunks())
                    self._rebuilt_for = version

    def check_query(self, query: str) -> str:
        # Invisible format characters (zero-width space, BOM…) are not a question.
        query = " ".join("".join(ch for ch in query if unicodedata.category(ch) != "Cf").split())
        if not query:
            raise BadInput("the question is empty; type a question about the articles")
        limit = self.settings.max_question_chars
        if len(query) > limit:
            raise BadInput(
                f"the question is {len(query)} characters long; the limit is {limit} (RAG_MAX_QUESTION_CHARS). "
                "Ask a shorter question."
            )
        return query

    def search(self, query: str, k: int | None = None, filters: SearchFilters | None = None) -> list[Hit]:
        query = self.check_query(query)
        k = self.settings.top_k if k is None else k  # k=0 is out of range, not "the default"
        if k < 1 or k > 100:
            raise BadInput(f"k must be between 1 and 100, got {k}")
        self.sync()
        n = max(self.settings.candidates, k)
        vector = self.embedder.embed([query])[0]
        dense = self.store.query(vector, n, filters)
        sparse = self.sparse.search(query, n, filters)

        chunks: dict[str, Chunk] = {}
        embeddings: dict[str, list[float]] = {}
        fused: dict[str, float] = {}
        dense_rank: dict[str, int] = {}
        sparse_rank: dict[str, int] = {}
        for rank, (chunk, _sim, emb) in enumerate(dense, 1):
            chunks[chunk.chunk_id] = chunk
            embeddings[chunk.chunk_id] = emb
            dense_rank[chunk.chunk_id] = rank
            fused[chunk.chunk_id] = 1.0 / (self.settings.rrf_k + rank)
        for rank, (cid, _score) in enumerate(sparse, 1):
            sparse_rank[cid] = rank
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (self.settings.rrf_k + rank)
        missing = [cid for cid in sparse_rank if cid not in chunks]
        for cid, (found, vec) in self.store.get_chunks(missing, with_embeddings=True).items():
            chunks[cid] = found
            embeddings[cid] = vec or []
        # Serve only chunks of committed document versions: during an ingest, chunks of a
        # document whose record is not yet written (or is older) are held back.
        committed = self.store.document_hashes(sorted({c.doc_id for c in chunks.values()}))
        order = [
            cid
            for cid in sorted(fused, key=lambda c: -fused[c])
            if cid in chunks and committed.get(chunks[cid].doc_id) == chunks[cid].content_hash
        ]
        order = diversify(order, embeddings, {cid: chunks[cid].text for cid in order})
        q = np.asarray(vector)
        return [
            Hit(
                chunk=chunks[cid],
                score=fused[cid],
                dense_rank=dense_rank.get(cid),
                sparse_rank=sparse_rank.get(cid),
                similarity=float(q @ np.asarray(embeddings[cid])) if embeddings.get(cid) else None,
            )
            for cid in order[:k]
        ]


def diversify(
    order: Sequence[str],
    embeddings: dict[str, list[float]],
    texts: dict[str, str] | None = None,
    threshold: float = NEAR_DUPLICATE,
) -> list[str]:
    """Keep the order, but move each passage that nearly repeats a higher one to the end.
    A near-copy that states other facts (names, figures, dates) is not a repeat but a
    disagreement, and keeps its place so both versions can be weighed.

    >>> diversify(["a", "b", "c"], {"a": [1.0, 0.0], "b": [1.0, 0.0], "c": [0.0, 1.0]})
    ['a', 'c', 'b']
    >>> diversify(["a", "b", "c"], {"a": [1.0, 0.0], "b": [1.0, 0.0], "c": [0.0, 1.0]},
    ...           {"a": "Halep won in 2019.", "b": "Kerber won in 2019.", "c": "Other news."})
    ['a', 'b', 'c']
    """
    kept: list[str] = []
    pushed: list[str] = []
    kept_vectors: list[tuple[str, np.ndarray]] = []  # type: ignore[type-arg]
    for cid in order:
        vec = np.asarray(embeddings.get(cid) or [])
        twins = [other for other, v in kept_vectors if vec.size and float(vec @ v) > threshold]
        if twins and not (texts and all(_facts(texts[cid]) != _facts(texts[t]) for t in twins)):
            pushed.append(cid)
            continue
        kept.append(cid)
        if vec.size:
            kept_vectors.append((cid, vec))
    return kept + pushed


def _facts(text: str) -> frozenset[str]:
    """Figures and capitalised words: what two near-identical passages may disagree on."""
    return frozenset(re.findall(r"\d[\d,.]*\d|\d|(?<![\w'’-])[A-Z][\w'’-]*", text))
