"""BM25 over chunk texts (bm25s), a derived cache of the chunk store.

The index is rebuilt from the store's contents and is tagged with a fingerprint
of the chunk ids it holds, so anyone can tell whether it matches the store.
Each build goes to its own folder `bm25/<fingerprint>/`; `bm25/CURRENT` names
the live one and is replaced atomically, so a reader never sees half an index
and a crash mid-build leaves the previous index intact.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from rag.types import Chunk, SearchFilters


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # bm25s's own token pattern


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def tokenize(text: str) -> list[str]:
    """Lower-cased, stop-worded, stemmed terms, exactly as bm25s indexes them
    (reimplemented because bm25s.tokenize costs ~1 ms a call, too much per sentence).

    >>> tokenize("Who led the Chinese delegations?")
    ['who', 'led', 'chines', 'deleg']
    """
    stop = _stopwords()
    words = [w for w in _TOKEN.findall(text.lower()) if w not in stop]
    return list(_stemmer().stemWords(words))


def fingerprint(chunk_ids: Iterable[str]) -> str:
    h = hashlib.sha256()
    for cid in sorted(chunk_ids):
        h.update(cid.encode())
        h.update(b"\n")
    return h.hexdigest()[:20]


@dataclass
class _Loaded:
    fingerprint: str
    retriever: Any
    ids: list[str]
    doc_ids: np.ndarray[Any, Any]
    dates: np.ndarray[Any, Any]  # 0 where a document states no date
    doc_freq: dict[str, int]


class SparseIndex:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self._loaded: _Loaded | None = None
        self._current_mtime: float | None = None
        self._lock = threading.Lock()

    @property
    def _current_file(self) -> Path:
        return self.dir / "CURRENT"

    def current_fingerprint(self) -> str | None:
        try:
            return self._current_file.read_text().strip() or None
        except FileNotFoundError:
            return None

    def build(self, chunks: Iterable[Chunk]) -> str:
        """Index `chunks`, make it the live index, and return its fingerprint."""
        import bm25s

        items = list(chunks)
        fp = fingerprint(c.chunk_id for c in items)
        target = self.dir / fp
        if not (target / "manifest.json").exists():
            tmp = self.dir / f".tmp-{fp}-{uuid.uuid4().hex}"
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            retriever = bm25s.BM25()
            if items:
                tokens = bm25s.tokenize([c.text for c in items], stemmer=_stemmer(), show_progress=False)
                retriever.index(tokens, show_progress=False)
                retriever.save(str(tmp), show_progress=False)
            manifest = {
                "fingerprint": fp,
                "ids": [c.chunk_id for c in items],
                "doc_ids": [c.doc_id for c in items],
                "dates": [c.date or 0 for c in items],
            }
            (tmp / "manifest.json").write_text(json.dumps(manifest))
            shutil.rmtree(target, ignore_errors=True)
            os.replace(tmp, target)
        tmp_current = self.dir / f".CURRENT-{uuid.uuid4().hex}"
        tmp_current.write_text(fp)
        os.replace(tmp_current, self._current_file)
        for old in self.dir.iterdir():  # earlier builds; temp folders of other builders are theirs
            if old.is_dir() and old.name != fp and not old.name.startswith(".tmp-"):
                shutil.rmtree(old, ignore_errors=True)
        return fp

    def _refresh(self) -> _Loaded | None:
        """Load the live index, again only when CURRENT changed since the last load."""
        with self._lock:
            try:
                mtime = self._current_file.stat().st_mtime
            except FileNotFoundError:
                self._loaded = None
                return None
            if self._loaded is not None and mtime == self._current_mtime:
                return self._loaded
            fp = self.current_fingerprint()
            if fp is None:
                return None
            folder = self.dir / fp
            manifest = json.loads((folder / "manifest.json").read_text())
            retriever = None
            doc_freq: dict[str, int] = {}
            if manifest["ids"]:
                import bm25s

                retriever = bm25s.BM25.load(str(folder), show_progress=False)
                indptr = retriever.scores["indptr"]
                doc_freq = {
                    t: int(indptr[i + 1] - indptr[i]) for t, i in retriever.vocab_dict.items() if i + 1 < len(indptr)
                }
            self._loaded = _Loaded(
                fingerprint=fp,
                retriever=retriever,
                ids=list(manifest["ids"]),
                doc_ids=np.array(manifest["doc_ids"], dtype=object),
                dates=np.array(manifest["dates"], dtype=np.int64),
                doc_freq=doc_freq,
            )
            self._current_mtime = mtime
            return self._loaded

    def size(self) -> int:
        loaded = self._refresh()
        return len(loaded.ids) if loaded else 0

    def idf(self, term: str) -> float:
        """Inverse document frequency of a tokenized term; terms absent from the corpus get the largest."""
        loaded = self._refresh()
        n = len(loaded.ids) if loaded else 0
        df = loaded.doc_freq.get(term, 0) if loaded else 0
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def search(self, query: str, n: int, filters: SearchFilters | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) of the best `n` chunks with a positive score."""
        loaded = self._refresh()
        if loaded is None or loaded.retriever is None:
            return []
        terms = [t for t in tokenize(query) if t in loaded.retriever.vocab_dict]
        if not terms:
            return []
        mask = np.ones(len(loaded.ids), dtype=bool)
        if filters is not None:
            if filters.doc_ids:
                mask &= np.isin(loaded.doc_ids, list(filters.doc_ids))
            if filters.since is not None:
                mask &= loaded.dates >= filters.since
            if filters.until is not None:
                mask &= (loaded.dates <= filters.until) & (loaded.dates > 0)
        if not mask.any():
            return []
        k = min(n, len(loaded.ids))
        docs, scores = loaded.retriever.retrieve(
            [terms], k=k, show_progress=False, weight_mask=mask.astype(np.float32), n_threads=0
        )
        return [(loaded.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
