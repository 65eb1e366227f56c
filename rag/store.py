"""The Chroma edge: every chromadb call of the project lives here.

Two collections per corpus:
- `<name>_chunks`: one record per chunk (embedding, text, provenance metadata);
- `<name>_docs`: one record per document holding its cleaned text and metadata.
  A document record is written only after all its chunks are stored, so it is
  the commit marker that makes ingest crash-safe (see ingest.pipeline).

Chroma types are converted to `rag.types` here; chromadb errors become
`StoreUnavailable`.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar
from urllib.parse import urlparse

import numpy as np

from rag.errors import ConfigError, StoreUnavailable
from rag.settings import Settings
from rag.types import Chunk, Document, SearchFilters

T = TypeVar("T")
Vector = np.ndarray[Any, np.dtype[np.float64]]
_PAGE = 2000  # below Chroma's ~5,461 batch ceiling
_DOC_VECTOR = [0.0]  # the docs collection is a key-value table; its vectors are never queried


def _encode_spans(spans: Sequence[tuple[int, int]]) -> str:
    return ";".join(f"{s}-{e}" for s, e in spans)


def _decode_spans(raw: str) -> tuple[tuple[int, int], ...]:
    if not raw:
        return ()
    pairs = (p.split("-") for p in raw.split(";"))
    return tuple((int(s), int(e)) for s, e in pairs)


def chunk_metadata(chunk: Chunk) -> dict[str, str | int]:
    meta: dict[str, str | int] = {
        "doc_id": chunk.doc_id,
        "seq": chunk.seq,
        "start": chunk.start,
        "end": chunk.end,
        "sentences": _encode_spans(chunk.sentences),
        "title": chunk.title,
        "doc_hash": chunk.content_hash,
    }
    if chunk.date is not None:
        meta["date"] = chunk.date
    if chunk.source:
        meta["source"] = chunk.source
    if chunk.url:
        meta["url"] = chunk.url
    return meta


def chunk_from_record(chunk_id: str, text: str, meta: Mapping[str, Any]) -> Chunk:
    date = meta.get("date")
    source = meta.get("source")
    return Chunk(
        chunk_id=chunk_id,
        doc_id=str(meta["doc_id"]),
        seq=int(meta["seq"]),
        text=text,
        start=int(meta["start"]),
        end=int(meta["end"]),
        sentences=_decode_spans(str(meta.get("sentences", ""))),
        title=str(meta.get("title", "")),
        date=int(date) if date is not None else None,
        source=str(source) if source else None,
        content_hash=str(meta.get("doc_hash", "")),
        url=str(meta["url"]) if meta.get("url") else None,
    )


class IndexInfo(NamedTuple):
    corpus_version: str | None  # fingerprint of the chunk ids (BM25 follows it)
    generation: str  # changes with every write that changed the corpus (the answer cache follows it)
    embedder: str | None  # the embedder that wrote the vectors; None before any, "" mid re-embedding


def where_clause(filters: SearchFilters | None) -> dict[str, Any] | None:
    """Chroma `where` for the filters, e.g. doc_ids=("a",), since=20250101 ->
    {"$and": [{"doc_id": {"$in": ["a"]}}, {"date": {"$gte": 20250101}}]}."""
    if filters is None:
        return None
    clauses: list[dict[str, Any]] = []
    if filters.doc_ids:
        clauses.append({"doc_id": {"$in": list(filters.doc_ids)}})
    if filters.since is not None:
        clauses.append({"date": {"$gte": filters.since}})
    if filters.until is not None:
        clauses.append({"date": {"$lte": filters.until}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class ChromaStore:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: Any = None
        self._chunks: Any = None
        self._docs: Any = None
        self._lock = threading.Lock()

    # -- connection -------------------------------------------------------
    def _connect(self) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        url = self.settings.chroma_url
        if url:
            parsed = urlparse(url if "://" in url else f"http://{url}")
            if not parsed.hostname:
                raise ConfigError(f"RAG_CHROMA_URL {url!r} is not a URL like http://127.0.0.1:8001")
            client = chromadb.HttpClient(
                host=parsed.hostname,
                port=parsed.port or 8000,
                ssl=parsed.scheme == "https",
                settings=chroma_settings,
            )
        else:
            self.settings.chroma_dir.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(self.settings.chroma_dir), settings=chroma_settings)
        hnsw = {
            "space": "cosine",
            "ef_search": self.settings.hnsw_ef_search,
            "ef_construction": 200,
            "max_neighbors": 32,
        }
        name = self.settings.collection
        self._chunks = client.get_or_create_collection(
            f"{name}_chunks",
            embedding_function=None,
            configuration={"hnsw": hnsw},  # type: ignore[arg-type]  # a TypedDict in chromadb
        )
        self._docs = client.get_or_create_collection(f"{name}_docs", embedding_function=None)
        self._client = client

    def _call(self, fn: Callable[[], T]) -> T:
        """Run a Chroma call, connecting first; any failure of the store becomes StoreUnavailable."""
        try:
            with self._lock:
                if self._client is None:
                    self._connect()
            return fn()
        except (ConfigError, StoreUnavailable):
            raise
        except Exception as exc:
            self._client = None  # reconnect on the next call: the server may come back
            where = self.settings.chroma_url or str(self.settings.chroma_dir)
            raise StoreUnavailable(
                f"the vector store at {where} is unavailable ({type(exc).__name__}: {exc}); "
                "check that it is running (RAG_CHROMA_URL) and try again"
            ) from exc

    def index_info(self) -> IndexInfo:
        """What the last completed ingest published, read in one call (several API
        processes and machines sharing the store compare it on every query)."""
        name = f"{self.settings.collection}_docs"
        meta = self._call(lambda: self._client.get_collection(name).metadata) or {}
        return IndexInfo(
            corpus_version=str(meta["corpus_version"]) if meta.get("corpus_version") else None,
            generation=str(meta.get("generation", "")),
            embedder=str(meta["embedder"]) if meta.get("embedder") is not None else None,
        )

    def corpus_version(self) -> str | None:
        """The fingerprint of the chunk ids the last completed ingest left (None before any)."""
        return self.index_info().corpus_version

    def set_corpus_version(self, version: str, generation: str | None = None) -> None:
        """Publish the corpus version and a new generation (any write: answers cached before are stale)."""
        self._set_meta(corpus_version=version, generation=generation or uuid.uuid4().hex)

    def set_embedder(self, name: str | None) -> None:
        """Record which embedder wrote every stored vector ("" while a re-embedding is under way)."""
        self._set_meta(embedder=name or "")

    def _set_meta(self, **values: str) -> None:
        name = f"{self.settings.collection}_docs"

        def write() -> None:
            current = dict(self._client.get_collection(name).metadata or {})
            self._docs.modify(metadata={**current, **values})  # modify replaces the whole mapping

        self._call(write)

    def ping(self) -> None:
        self._call(lambda: self._chunks.count())

    # -- documents --------------------------------------------------------
    def get_document(self, doc_id: str, *, with_text: bool = True) -> Document | None:
        include = ["metadatas", "documents"] if with_text else ["metadatas"]
        res = self._call(lambda: self._docs.get(ids=[doc_id], include=include))
        if not res["ids"]:
            return None
        text = res["documents"][0] if with_text else ""
        return _document_from_record(doc_id, text, res["metadatas"][0])

    def document_hashes(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """doc id -> content hash of its stored record, for the ids that have one."""
        if not doc_ids:
            return {}
        res = self._call(lambda: self._docs.get(ids=list(doc_ids), include=["metadatas"]))
        return {i: str(m.get("content_hash", "")) for i, m in zip(res["ids"], res["metadatas"], strict=True)}

    def get_documents(self, doc_ids: Sequence[str]) -> dict[str, Document]:
        """The records (without text) of those ids that have one."""
        out: dict[str, Document] = {}
        for i in range(0, len(doc_ids), _PAGE):
            batch = list(doc_ids[i : i + _PAGE])
            res = self._call(lambda b=batch: self._docs.get(ids=b, include=["metadatas"]))  # type: ignore[misc]
            out.update({d: _document_from_record(d, "", m) for d, m in zip(res["ids"], res["metadatas"], strict=True)})
        return out

    def chunk_counts(self, doc_ids: Sequence[str]) -> dict[str, int]:
        """doc id -> chunks stored for it, for the given ids (absent: none)."""
        return {d: len(ids) for d, ids in self.chunk_ids_by_doc(doc_ids).items()}

    def list_documents(self) -> list[Document]:
        docs = [
            _document_from_record(i, "", meta)
            for ids, _, metas in self._pages("docs", ["metadatas"])
            for i, meta in zip(ids, metas, strict=True)
        ]
        return sorted(docs, key=lambda d: d.doc_id)

    def put_document(self, doc: Document) -> None:
        self.put_documents([doc])

    def put_documents(self, docs: Sequence[Document]) -> None:
        for i in range(0, len(docs), _PAGE):
            part = docs[i : i + _PAGE]
            self._call(
                lambda p=part: self._docs.upsert(  # type: ignore[misc]
                    ids=[d.doc_id for d in p],
                    embeddings=[_DOC_VECTOR] * len(p),
                    documents=[d.text for d in p],
                    metadatas=[_document_metadata(d) for d in p],
                )
            )

    def chunk_ids_by_doc(self, doc_ids: Sequence[str]) -> dict[str, set[str]]:
        """doc id -> ids of the chunks stored for it, for the given ids (absent: none)."""
        out: dict[str, set[str]] = {}
        for i in range(0, len(doc_ids), 500):
            batch = list(doc_ids[i : i + 500])
            res = self._call(
                lambda b=batch: self._chunks.get(where={"doc_id": {"$in": b}}, include=["metadatas"])  # type: ignore[misc]
            )
            for cid, meta in zip(res["ids"], res["metadatas"], strict=True):
                out.setdefault(str(meta["doc_id"]), set()).add(cid)
        return out

    def delete_document(self, doc_id: str) -> int:
        """Remove a document's chunks, then its record; returns the chunks removed."""
        ids = self.chunk_ids_of(doc_id)
        self.delete_chunks(sorted(ids))
        self._call(lambda: self._docs.delete(ids=[doc_id]))
        return len(ids)

    # -- chunks -----------------------------------------------------------
    def vector_dim(self) -> int | None:
        """Dimensions of the stored vectors (None while no chunk is stored)."""
        res = self._call(lambda: self._chunks.get(limit=1, include=["embeddings"]))
        embs = res.get("embeddings")
        return len(embs[0]) if embs is not None and len(embs) else None

    def count(self) -> int:
        return int(self._call(lambda: self._chunks.count()))

    def chunk_ids_of(self, doc_id: str) -> set[str]:
        res = self._call(lambda: self._chunks.get(where={"doc_id": doc_id}, include=[]))
        return set(res["ids"])

    def upsert_chunks(self, chunks: Sequence[Chunk], embeddings: Sequence[Sequence[float]]) -> None:
        for i in range(0, len(chunks), _PAGE):
            part = chunks[i : i + _PAGE]
            vectors = [list(v) for v in embeddings[i : i + _PAGE]]
            self._call(
                lambda p=part, v=vectors: self._chunks.upsert(  # type: ignore[misc]
                    ids=[c.chunk_id for c in p],
                    embeddings=v,
                    documents=[c.text for c in p],
                    metadatas=[chunk_metadata(c) for c in p],
                )
            )

    def update_embeddings(self, ids: Sequence[str], embeddings: Sequence[Sequence[float]]) -> None:
        for i in range(0, len(ids), _PAGE):
            part = list(ids[i : i + _PAGE])
            vectors = [list(v) for v in embeddings[i : i + _PAGE]]
            self._call(lambda p=part, v=vectors: self._chunks.update(ids=p, embeddings=v))  # type: ignore[misc]

    def update_chunk_metadata(self, chunks: Sequence[Chunk]) -> None:
        for i in range(0, len(chunks), _PAGE):
            part = chunks[i : i + _PAGE]
            self._call(
                lambda p=part: self._chunks.update(  # type: ignore[misc]
                    ids=[c.chunk_id for c in p], metadatas=[chunk_metadata(c) for c in p]
                )
            )

    def all_chunk_ids(self) -> list[str]:
        return [cid for ids, _, _ in self._pages("chunks", []) for cid in ids]

    def delete_chunks(self, ids: Sequence[str]) -> None:
        for i in range(0, len(ids), _PAGE):
            batch = list(ids[i : i + _PAGE])
            self._call(lambda b=batch: self._chunks.delete(ids=b))  # type: ignore[misc]

    def get_chunks(
        self, ids: Sequence[str], *, with_embeddings: bool = False
    ) -> dict[str, tuple[Chunk, Vector | None]]:
        if not ids:
            return {}
        include = ["documents", "metadatas", "embeddings"] if with_embeddings else ["documents", "metadatas"]
        res = self._call(lambda: self._chunks.get(ids=list(ids), include=include))
        out: dict[str, tuple[Chunk, Vector | None]] = {}
        embs = res.get("embeddings") if with_embeddings else None
        for k, (cid, text, meta) in enumerate(zip(res["ids"], res["documents"], res["metadatas"], strict=True)):
            vec = np.asarray(embs[k], dtype=np.float64) if embs is not None else None
            out[cid] = (chunk_from_record(cid, text, meta), vec)
        return out

    def query(
        self, embedding: Sequence[float] | Vector, n: int, filters: SearchFilters | None = None
    ) -> list[tuple[Chunk, float, Vector]]:
        """Nearest chunks as (chunk, cosine similarity, embedding), best first (fewer when the store holds fewer)."""
        where = where_clause(filters)
        res = self._call(
            lambda: self._chunks.query(  # n may exceed the stored count: Chroma then returns them all
                query_embeddings=[np.asarray(embedding, dtype=np.float32)],
                n_results=n,
                where=where,
                include=["documents", "metadatas", "distances", "embeddings"],
            )
        )
        if not res["ids"][0]:
            return []
        rows = zip(
            res["ids"][0],
            res["documents"][0],
            res["metadatas"][0],
            res["distances"][0],
            np.asarray(res["embeddings"][0], dtype=np.float64).reshape(len(res["ids"][0]), -1),
            strict=True,
        )
        return [(chunk_from_record(cid, text, meta), 1.0 - float(dist), emb) for cid, text, meta, dist, emb in rows]

    def iter_chunks(self) -> Iterator[Chunk]:
        for ids, texts, metas in self._pages("chunks", ["documents", "metadatas"]):
            for cid, text, meta in zip(ids, texts, metas, strict=True):
                yield chunk_from_record(cid, text, meta)

    def chunk_doc_ids(self) -> dict[str, str]:
        """chunk id -> doc id for every stored chunk (used to find orphans)."""
        out: dict[str, str] = {}
        for ids, _, metas in self._pages("chunks", ["metadatas"]):
            out.update({cid: str(meta["doc_id"]) for cid, meta in zip(ids, metas, strict=True)})
        return out

    def _pages(self, which: str, include: list[str]) -> Iterator[tuple[list[str], list[str], list[Any]]]:
        offset = 0
        while True:
            res = self._call(
                lambda o=offset: getattr(self, f"_{which}").get(include=include, limit=_PAGE, offset=o)  # type: ignore[misc]
            )
            ids = res["ids"]
            if not ids:
                return
            texts = res.get("documents") or [""] * len(ids)
            metas = res.get("metadatas") or [{}] * len(ids)
            yield ids, texts, metas
            offset += len(ids)


def _document_metadata(doc: Document) -> dict[str, str | int]:
    meta: dict[str, str | int] = {
        "title": doc.title,
        "path": doc.path,
        "content_hash": doc.content_hash,
        "chunk_count": doc.chunk_count,
        "source_hash": doc.source_hash,
    }
    if doc.date is not None:
        meta["date"] = doc.date
    if doc.source:
        meta["source"] = doc.source
    if doc.author:
        meta["author"] = doc.author
    if doc.url:
        meta["url"] = doc.url
    return meta


def _document_from_record(doc_id: str, text: str, meta: Mapping[str, Any]) -> Document:
    date = meta.get("date")
    source = meta.get("source")
    return Document(
        doc_id=doc_id,
        title=str(meta.get("title", doc_id)),
        date=int(date) if date is not None else None,
        source=str(source) if source else None,
        path=str(meta.get("path", "")),
        content_hash=str(meta.get("content_hash", "")),
        text=text,
        chunk_count=int(meta.get("chunk_count", 0)),
        source_hash=str(meta.get("source_hash", "")),
        author=str(meta["author"]) if meta.get("author") else None,
        url=str(meta["url"]) if meta.get("url") else None,
    )
