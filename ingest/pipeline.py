"""Ingest: files -> clean documents -> chunks -> embeddings -> store (+ BM25).

Idempotent and crash-safe by construction:
- chunk ids hash (doc id, offset, text), so unchanged content keeps its ids and
  costs no embedding; chunks already in the store are never embedded again;
- a document's record (its cleaned text and content hash) is written only after
  all its new chunks are stored, so a run killed at any point leaves either the
  old record (the next run redoes the document, reusing whatever chunks were
  already stored) or the new one; stale chunks left beside a new record are
  removed by the next run, and never served meanwhile: the retriever only serves
  chunks whose content hash matches their document's record;
- chunks whose document has no record (a first ingest killed midway, the file
  since removed) are deleted as orphans at the start of each run;
- BM25 is rebuilt from the store whenever the store's chunk ids differ from the
  ones BM25 was built from;
- the store records which embedder wrote its vectors; an ingest with another
  one re-embeds every stored chunk first (the record is blanked while it runs,
  so a re-embedding killed midway is redone, never served as a mix).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from ingest.chunk import chunk_document
from ingest.extract import extract
from ingest.feeds import split_feed
from ingest.fetch import Fetcher, FetchError, is_url, url_doc_id
from ingest.loader import Skipped, Source, discover, read_source, source_from_bytes
from rag.embed import Embedder, index_id, passage_text
from rag.errors import BadInput, ConfigError
from rag.locks import corpus_lock
from rag.settings import Settings
from rag.sparse import SparseIndex, fingerprint
from rag.store import ChromaStore
from rag.types import Chunk, Document

INGEST_VERSION = "3"  # bump when cleaning or chunking changes, so unchanged files are redone
Progress = Callable[[int, int], None]  # (chunks embedded so far, chunks to embed); (sources read, to read)


@dataclass(frozen=True)
class Upload:
    """A file sent to the server: its name (which gives its id and type) and its bytes."""

    filename: str
    data: bytes


Input = Path | str | Upload  # a file or folder, a URL, an upload


@dataclass
class ItemReport:
    """What became of one input: the documents it gave (a feed: one per item) and what failed."""

    name: str
    documents: dict[str, str] = field(default_factory=dict)  # doc id -> added | updated | unchanged
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)  # inputs (or feed items) that failed, with why
    items: list[ItemReport] = field(default_factory=list)  # per input, in the order given
    chunks: int = 0  # chunks of the documents seen in this run
    chunks_embedded: int = 0
    chunks_removed: int = 0
    chunks_reembedded: int = 0
    reembedded_from: str | None = None  # the embedder that had written the index, when it was re-embedded
    seconds: float = 0.0

    @property
    def chunks_per_s(self) -> float:
        return self.chunks_embedded / self.seconds if self.seconds > 0 else 0.0

    @property
    def ingested_any(self) -> bool:
        return bool(self.added or self.updated or self.unchanged or self.removed)

    @property
    def changed(self) -> bool:
        """Whether what queries can find changed (answers cached before are stale)."""
        return bool(self.added or self.updated or self.removed or self.chunks_removed or self.chunks_reembedded)

    @property
    def failed_any(self) -> bool:
        return bool(self.skipped)

    def status_of(self, doc_id: str) -> str | None:
        for status, ids in (("added", self.added), ("updated", self.updated), ("unchanged", self.unchanged)):
            if doc_id in ids:
                return status
        return None


@dataclass
class _Prepared:
    doc: Document
    chunks: list[Chunk]
    kind: str  # "added" | "updated"
    pending: set[str]  # chunk ids still to store before the record may be written
    stale: set[str] = field(default_factory=set)  # stored chunk ids of an older version


def content_hash(
    text: str, title: str, date: int | None, source: str | None, author: str | None = None, url: str | None = None
) -> str:
    extra = f"\x00{author}\x00{url}" if author or url else ""  # documents without them keep their old hash
    return hashlib.sha256(f"{title}\x00{date}\x00{source}\x00{text}{extra}".encode()).hexdigest()


class Ingestor:
    def __init__(self, settings: Settings, store: ChromaStore, sparse: SparseIndex, embedder: Embedder) -> None:
        self.settings = settings
        self.store = store
        self.sparse = sparse
        self.embedder = embedder

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        with corpus_lock(self.settings.home):
            yield

    def ingest(
        self,
        inputs: Sequence[Input],
        *,
        prune: bool = False,
        progress: Progress | None = None,
        reading: Progress | None = None,
        upload_dir: Path | None = None,
        reembed: bool = False,
    ) -> IngestReport:
        """Ingest files, folders (recursively), URLs and uploads; one bad input never stops the others.
        With `reembed`, every stored chunk is embedded again first.

        Every input gets an `ItemReport`; `report.skipped` lists what failed and why. URLs are
        fetched before the corpus lock is taken. Uploads are kept under `upload_dir` (so prune
        and a re-ingest of that folder see them), and removed again if nothing came of them.
        `progress` counts chunks embedded, `reading` sources read and cleaned. With `reembed`,
        every stored chunk is embedded again first.
        """
        names: list[str] = []
        sources: list[Source] = []
        skipped: list[Skipped] = []
        kept: list[tuple[str, Path]] = []
        for item in inputs:
            if isinstance(item, Upload):
                names.append(item.filename)
                self._add(self._upload(item, upload_dir, kept), sources, skipped)
            elif isinstance(item, str) and is_url(item):
                names.append(item)
                self._add(self._fetch(item), sources, skipped)
            elif isinstance(item, str) and "://" in item:
                names.append(item)
                skipped.append(Skipped(item, "only http:// and https:// URLs can be fetched"))
            else:
                files, missing = discover([Path(item)])
                if files:
                    names.extend(str(p) for p in files)
                else:
                    names.append(str(item))
                skipped.extend(missing)
                for path in files:
                    self._add(read_source(path, self.settings.max_file_bytes), sources, skipped)
        report = self._run(sources, skipped, prune=prune, progress=progress, reading=reading, reembed=reembed)
        report.items = _items(names, sources, report)
        gave = {r.name for r in report.items if r.documents}
        for name, path in kept:  # an upload that gave no document leaves no file behind
            if name not in gave:
                path.unlink(missing_ok=True)
        return report

    def reembed(self, *, force: bool = False, progress: Progress | None = None) -> IngestReport | None:
        """Embed every stored chunk again when another embedder wrote them (or `force`);
        None when nothing needed doing."""
        if not force and self._embedder_current():
            return None
        return self._run([], [], prune=False, progress=progress, reembed=force)

    def _embedder_current(self) -> bool:
        recorded = self.store.index_info().embedder
        return recorded == index_id(self.embedder) or (recorded is None and self.store.count() == 0)

    def ingest_one(self, item: Input, upload_dir: Path | None = None) -> tuple[list[Document], IngestReport]:
        """Ingest one upload or URL (or file); its documents, or BadInput saying why there are none."""
        report = self.ingest([item], upload_dir=upload_dir)
        result = report.items[0]
        if not result.documents:
            name = item.filename if isinstance(item, Upload) else str(item)
            raise BadInput(f"{name}: {'; '.join(result.errors) or 'nothing to ingest'}")
        docs = self.store.get_documents(list(result.documents))
        return [docs[d] for d in result.documents if d in docs], report

    def ingest_bytes(self, filename: str, raw: bytes, upload_dir: Path) -> tuple[list[Document], IngestReport]:
        """Ingest one uploaded file, keeping a copy under `upload_dir` so prune and re-ingest see it."""
        return self.ingest_one(Upload(filename, raw), upload_dir)

    def _add(self, got: Source | list[Source] | Skipped, sources: list[Source], skipped: list[Skipped]) -> None:
        if isinstance(got, Skipped):
            skipped.append(got)
            return
        for src in got if isinstance(got, list) else [got]:
            if src.kind != "feed":
                sources.append(src)
                continue
            items = split_feed(src)
            if isinstance(items, Skipped):
                skipped.append(items)
            else:
                sources.extend(items)

    def _fetch(self, url: str) -> Source | Skipped:
        try:
            got = Fetcher(self.settings).fetch(url)
        except FetchError as exc:
            return Skipped(url, str(exc))
        return Source(
            doc_id=url_doc_id(url), origin=url, path="", kind=got.kind, data=got.data, url=got.url, charset=got.charset
        )

    def _upload(self, upload: Upload, upload_dir: Path | None, kept: list[tuple[str, Path]]) -> Source | Skipped:
        src = source_from_bytes(upload.filename, upload.data, self.settings.max_upload_bytes, "")
        if isinstance(src, Skipped):
            return src
        if upload_dir is None:
            return src
        upload_dir.mkdir(parents=True, exist_ok=True)
        suffix = Path(upload.filename).suffix.lower()
        target = upload_dir / f"{src.doc_id}{suffix}"
        tmp = target.with_suffix(suffix + ".part")
        tmp.write_bytes(upload.data)
        tmp.replace(target)
        kept.append((upload.filename, target))
        return replace(src, path=str(target))

    def delete(self, doc_id: str) -> int:
        with self._exclusive():
            removed = self.store.delete_document(doc_id)
            self._sync_sparse(changed=True)
        return removed

    # -- the run ----------------------------------------------------------
    def _run(
        self,
        sources: list[Source],
        skipped: list[Skipped],
        *,
        prune: bool,
        progress: Progress | None,
        reading: Progress | None = None,
        reembed: bool = False,
    ) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport(skipped=list(skipped))
        with self._exclusive():
            self._match_embedder(report, force=reembed, progress=progress)
            sources = self._skip_unchanged(sources, report)
            prepared = self._prepare(sources, report, reading)
            self._remove_orphans({p.doc.doc_id for p in prepared})
            todo = self._plan(prepared, report)
            self._embed_and_store(todo, report, progress)
            if prune:
                self._prune(report)
            self._sync_sparse(changed=report.changed)
        report.seconds = time.perf_counter() - started
        return report

    def _source_hash(self, src: Source) -> str:
        recipe = f"{INGEST_VERSION}|{self.settings.chunk_chars}|{self.settings.chunk_overlap_sentences}|{src.kind}"
        about = f"{src.url}|{src.charset}|{src.hints}"
        return hashlib.sha256(f"{recipe}\x00{about}\x00".encode() + src.data).hexdigest()

    def _skip_unchanged(self, sources: list[Source], report: IngestReport) -> list[Source]:
        """Files whose text and ingest recipe match a complete stored document need no
        cleaning, chunking or embedding: two store calls decide it for all of them."""
        ids = list(dict.fromkeys(s.doc_id for s in sources))
        records = self.store.get_documents(ids)
        counts = self.store.chunk_counts([i for i in ids if i in records])
        rest: list[Source] = []
        seen: dict[str, str] = {}
        for src in sources:
            if src.doc_id in seen:
                report.skipped.append(
                    Skipped(src.origin, f"document id {src.doc_id!r} is already taken by {seen[src.doc_id]}")
                )
                continue
            seen[src.doc_id] = src.origin
            old = records.get(src.doc_id)
            if (
                old is not None
                and old.source_hash == self._source_hash(src)
                and counts.get(src.doc_id, 0) == old.chunk_count
            ):
                report.unchanged.append(src.doc_id)
                report.chunks += old.chunk_count
            else:
                rest.append(src)
        return rest

    def _prepare(self, sources: list[Source], report: IngestReport, reading: Progress | None) -> list[_Prepared]:
        out: list[_Prepared] = []
        for n, src in enumerate(sources):
            if reading:
                reading(n, len(sources))
            clean = extract(src, self.settings.max_file_bytes)
            if isinstance(clean, Skipped):
                report.skipped.append(clean)
                continue
            doc_hash = content_hash(clean.text, clean.title, clean.date, clean.source, clean.author, clean.url)
            chunks = chunk_document(
                src.doc_id,
                clean.text,
                max_chars=self.settings.chunk_chars,
                overlap=self.settings.chunk_overlap_sentences,
                title=clean.title,
                date=clean.date,
                source=clean.source,
            )
            chunks = [replace(c, content_hash=doc_hash, url=clean.url) for c in chunks]
            doc = Document(
                doc_id=src.doc_id,
                title=clean.title,
                date=clean.date,
                source=clean.source,
                path=src.path,
                content_hash=doc_hash,
                source_hash=self._source_hash(src),
                text=clean.text,
                chunk_count=len(chunks),
                author=clean.author,
                url=clean.url,
            )
            out.append(_Prepared(doc, chunks, "added", {c.chunk_id for c in chunks}))
        if reading:
            reading(len(sources), len(sources))
        return out

    def _remove_orphans(self, in_flight: set[str]) -> None:
        docs = self.store.list_documents()
        if self.store.count() == sum(d.chunk_count for d in docs):
            return  # every stored chunk is accounted for by a complete document
        known = {d.doc_id for d in docs} | in_flight
        orphans = [cid for cid, doc_id in self.store.chunk_doc_ids().items() if doc_id not in known]
        self.store.delete_chunks(orphans)

    def _plan(self, prepared: list[_Prepared], report: IngestReport) -> list[_Prepared]:
        """Decide each document's fate from one snapshot of the store (we hold the write lock)."""
        ids = [p.doc.doc_id for p in prepared]
        records = self.store.get_documents(ids)
        stored = self.store.chunk_ids_by_doc(ids)
        todo: list[_Prepared] = []
        reused: list[Chunk] = []
        relabel: list[Document] = []
        for p in prepared:
            report.chunks += len(p.chunks)
            old = records.get(p.doc.doc_id)
            have = stored.get(p.doc.doc_id, set())
            if old is not None and old.content_hash == p.doc.content_hash and have == p.pending:
                report.unchanged.append(p.doc.doc_id)
                if old.source_hash != p.doc.source_hash:  # same result from new bytes or recipe
                    relabel.append(p.doc)
                continue
            p.kind = "added" if old is None else "updated"
            p.stale = have - p.pending
            # Chunks an earlier, interrupted run stored: refresh provenance, keep the vectors.
            reused.extend(c for c in p.chunks if c.chunk_id in have)
            p.pending -= have
            todo.append(p)
        self.store.update_chunk_metadata(reused)
        self.store.put_documents(relabel)
        return todo

    def _embed_and_store(self, todo: list[_Prepared], report: IngestReport, progress: Progress | None) -> None:
        """Embed in full batches across documents; finish documents as their chunks are all in."""
        to_embed = [(p, c) for p in todo for c in p.chunks if c.chunk_id in p.pending]
        self._finish([p for p in todo if not p.pending], report)
        total = len(to_embed)
        done = 0
        if progress:
            progress(0, total)
        batch = self.settings.embed_batch_size
        for i in range(0, total, batch):
            part = to_embed[i : i + batch]
            vectors = self.embedder.embed([_embedding_text(c) for _, c in part])
            self.store.upsert_chunks([c for _, c in part], vectors)
            for p, c in part:
                p.pending.discard(c.chunk_id)
            touched = {id(p): p for p, _ in part}.values()
            self._finish([p for p in touched if not p.pending], report)
            done += len(part)
            report.chunks_embedded = done
            if progress:
                progress(done, total)

    def _finish(self, finished: list[_Prepared], report: IngestReport) -> None:
        # The records first: from here on queries serve the new chunks (their hash matches)
        # and skip the stale ones; a crash before the delete below is repaired by the next
        # run, which finds the stored chunk ids differ from the record's and removes the rest.
        if not finished:
            return
        self.store.put_documents([p.doc for p in finished])
        stale = sorted(cid for p in finished for cid in p.stale)
        self.store.delete_chunks(stale)
        report.chunks_removed += len(stale)
        for p in finished:
            (report.added if p.kind == "added" else report.updated).append(p.doc.doc_id)

    def _prune(self, report: IngestReport) -> None:
        for doc in self.store.list_documents():
            if doc.path and not Path(doc.path).exists():
                report.chunks_removed += self.store.delete_document(doc.doc_id)
                report.removed.append(doc.doc_id)

    def _sync_sparse(self, *, changed: bool) -> None:
        """Rebuild BM25 if it lags the store, and publish the store's version for other
        processes and machines sharing it (their retrievers rebuild when it changes; with
        `changed`, a new generation tells their answer caches that answers may differ)."""
        version = fingerprint(self.store.all_chunk_ids())
        if version != self.sparse.current_fingerprint():
            self.sparse.build(self.store.iter_chunks())
        if changed or version != self.store.corpus_version():
            self.store.set_corpus_version(version)

    # -- the embedder that wrote the index ------------------------------------
    def _match_embedder(self, report: IngestReport, *, force: bool, progress: Progress | None) -> None:
        """Make every stored vector this embedder's: record it on an empty store, re-embed
        a store another embedder wrote (or every chunk, with `force`)."""
        recorded = self.store.index_info().embedder
        if recorded == index_id(self.embedder) and not force:
            return
        total = self.store.count()
        if total == 0:
            self.store.set_embedder(index_id(self.embedder))
            return
        self.store.set_embedder(None)  # a run killed from here on leaves a record that forces a redo
        report.reembedded_from = recorded or "an unrecorded embedder"
        stored_dim = self.store.vector_dim()
        done = 0
        if progress:
            progress(0, total)
        batch: list[Chunk] = []
        for chunk in self.store.iter_chunks():
            batch.append(chunk)
            if len(batch) == self.settings.embed_batch_size:
                done += self._reembed_batch(batch, stored_dim)
                batch = []
                if progress:
                    progress(done, total)
        done += self._reembed_batch(batch, stored_dim)
        if progress:
            progress(done, total)
        report.chunks_reembedded = done
        self.store.set_embedder(index_id(self.embedder))

    def _reembed_batch(self, chunks: list[Chunk], stored_dim: int | None) -> int:
        if not chunks:
            return 0
        vectors = self.embedder.embed([_embedding_text(c) for c in chunks])
        if stored_dim is not None and len(vectors[0]) != stored_dim:
            raise ConfigError(
                f"the index holds {stored_dim}-dimensional vectors and {self.embedder.name} makes "
                f"{len(vectors[0])}; use a new RAG_HOME (or RAG_COLLECTION) for this embedder"
            )
        self.store.update_embeddings([c.chunk_id for c in chunks], vectors)
        return len(chunks)


def _embedding_text(chunk: Chunk) -> str:
    return passage_text(chunk.title, chunk.text)


def _items(names: list[str], sources: list[Source], report: IngestReport) -> list[ItemReport]:
    """One report per input name, in order: its documents with their fate, its failures."""
    items = {name: ItemReport(name) for name in names}
    for src in sources:
        status = report.status_of(src.doc_id)
        if status is not None:
            items.setdefault(src.origin, ItemReport(src.origin)).documents[src.doc_id] = status
    for s in report.skipped:
        items.setdefault(s.path, ItemReport(s.path)).errors.append(s.reason)
    return list(items.values())
