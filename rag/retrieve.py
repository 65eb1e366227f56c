"""Hybrid retrieval: dense (Chroma) + BM25, fused by reciprocal rank fusion,
with near-duplicate passages pushed down so one story told twice cannot fill
the whole result list.

    RRF score of a chunk = sum over the two rankings of 1 / (rrf_k + rank)

Query vectors are kept in a small LRU (``RAG_QUERY_CACHE``): a question asked
again, or a search repeated while a user refines filters, skips the embedder.
The embedder that wrote the index must be the one embedding queries: the store
records it, and a mismatch is refused with what to do rather than mixing vectors.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from rag.embed import Embedder, index_id
from rag.errors import BadInput, ConfigError
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
        size = settings.query_cache
        self._query_vector = lru_cache(maxsize=size)(self._embed_query) if size else self._embed_query

    def _embed_query(self, query: str) -> np.ndarray[Any, Any]:
        vector = np.asarray(self.embedder.embed([query])[0], dtype=np.float64)
        vector.flags.writeable = False  # shared by every later hit of the cache
        return vector

    def sync(self) -> None:
        """Rebuild BM25 from the store when it lags: the store's published version
        (see ingest) differs from BM25's, or, before any is published, their chunk
        counts differ. Another process, or another machine sharing a Chroma server,
        may have changed the corpus."""
        with self._sync_lock:
            info = self.store.index_info()
            self.check_embedder(info.embedder)
            version = info.corpus_version
            if version is not None and version in (self.sparse.current_fingerprint(), self._rebuilt_for):
                return  # current, or already rebuilt once for this version (written outside ingest)
            if version is None and self.sparse.size() == self.store.count():
                return
            with corpus_lock(self.settings.home, blocking=False) as held:
                if held:  # else an ingest is under way and rebuilds BM25 when it ends
                    self.sparse.build(self.store.iter_chunks())
                    self._rebuilt_for = version

    def check_embedder(self, recorded: str | None) -> None:
        """Refuse to embed queries with another model than the one that wrote the index."""
        current = index_id(self.embedder)
        if recorded == current or (recorded is None and self.store.count() == 0):
            return
        if recorded == "":
            raise ConfigError(
                "the index is being re-embedded, or a re-embedding was interrupted; wait for it to finish, "
                "or run: rag ingest --reembed <your folders>"
            )
        wrote = recorded or "an embedder this version does not record (an older index)"
        raise ConfigError(
            f"the index under {self.settings.home} was embedded with {wrote}, but this version embeds with "
            f"{current}; mixing them would rank passages wrongly. Re-embed it with "
            "`rag ingest --reembed <your folders>` (or restart `rag serve`, which re-embeds), or set "
            "RAG_EMBED_BACKEND back to the one that wrote it"
        )

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
        vector = self._query_vector(query)
        dense = self.store.query(vector, n, filters)
        sparse = self.sparse.search(query, n, filters)

        chunks: dict[str, Chunk] = {}
        embeddings: dict[str, np.ndarray[Any, Any]] = {}
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
            if vec is not None:
                embeddings[cid] = vec
        # Serve only chunks of committed document versions: during an ingest, chunks of a
        # document whose record is not yet written (or is older) are held back.
        committed = self.store.document_hashes(sorted({c.doc_id for c in chunks.values()}))
        order = [
            cid
            for cid in sorted(fused, key=lambda c: -fused[c])
            if cid in chunks and committed.get(chunks[cid].doc_id) == chunks[cid].content_hash
        ]
        order = diversify(order, embeddings, {cid: chunks[cid].text for cid in order}, limit=k)
        return [
            Hit(
                chunk=chunks[cid],
                score=fused[cid],
                dense_rank=dense_rank.get(cid),
                sparse_rank=sparse_rank.get(cid),
                similarity=float(vector @ embeddings[cid]) if cid in embeddings else None,
            )
            for cid in order[:k]
        ]


def diversify(
    order: Sequence[str],
    embeddings: Mapping[str, Sequence[float] | np.ndarray[Any, Any]],
    texts: Mapping[str, str] | None = None,
    threshold: float = NEAR_DUPLICATE,
    limit: int | None = None,
) -> list[str]:
    """Keep the order, but move each passage that nearly repeats a higher one to the end
    (once `limit` distinct passages are kept, the rest cannot matter and are left out).
    A near-copy that states other facts (names, figures, dates) is not a repeat but a
    disagreement, and keeps its place so both versions can be weighed.

    >>> diversify(["a", "b", "c"], {"a": [1.0, 0.0], "b": [1.0, 0.0], "c": [0.0, 1.0]})
    ['a', 'c', 'b']
    >>> diversify(["a", "b", "c"], {"a": [1.0, 0.0], "b": [1.0, 0.0], "c": [0.0, 1.0]},
    ...           {"a": "Halep won in 2019.", "b": "Kerber won in 2019.", "c": "Other news."})
    ['a', 'b', 'c']
    """
    vectors = {cid: np.asarray(embeddings[cid]) for cid in order if len(embeddings.get(cid, ())) > 0}
    with_vec = list(vectors)
    sims = np.stack([vectors[c] for c in with_vec]) @ np.stack([vectors[c] for c in with_vec]).T if with_vec else None
    row = {cid: i for i, cid in enumerate(with_vec)}
    kept: list[str] = []
    pushed: list[str] = []
    kept_rows: list[int] = []
    for cid in order:
        if limit is not None and len(kept) >= limit:
            break
        i = row.get(cid)
        if i is None:
            kept.append(cid)
            continue
        assert sims is not None
        twins = [with_vec[j] for j in kept_rows if float(sims[i, j]) > threshold]
        if twins and not (texts and all(_facts(texts[cid]) != _facts(texts[t]) for t in twins)):
            pushed.append(cid)
            continue
        kept.append(cid)
        kept_rows.append(i)
    return kept + pushed


def _facts(text: str) -> frozenset[str]:
    """Figures and capitalised words: what two near-identical passages may disagree on."""
    return frozenset(re.findall(r"\d[\d,.]*\d|\d|(?<![\w'’-])[A-Z][\w'’-]*", text))
