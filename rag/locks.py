"""The corpus write lock: one writer per RAG_HOME at a time, across processes.

Ingest holds it while it changes the store; the retriever only rebuilds BM25
when it can take it at once, so it never rebuilds from a store that an ingest
is halfway through changing (that ingest rebuilds BM25 itself when it ends).
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def corpus_lock(home: Path, *, blocking: bool = True) -> Iterator[bool]:
    """Yield True when the lock is held; False (without waiting) if `blocking` is off and it is taken."""
    home.mkdir(parents=True, exist_ok=True)
    with (home / "ingest.lock").open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
