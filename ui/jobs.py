"""Ingest jobs: files and URLs ingested in the background, with progress a browser can poll.

    POST /v1/ingest-jobs           files (multipart `files`, repeatable) and/or `urls`: 202 and the job
    GET  /v1/ingest-jobs/{job_id}  its state, stage (fetching, reading, embedding) and counts, then each
                                   item's documents and errors

Both need the bearer token (the library page sends it). A job runs in one
background thread per process, one job after another (the corpus lock would
serialise them anyway), and its progress is written to the project database,
so every API worker can report it and it outlives a restart; a job whose
process is gone is reported as interrupted. Items are `Ingestor.ingest`'s
inputs, so a job reports exactly what `rag ingest` would.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ingest.pipeline import Ingestor, Input, Upload
from rag.db import Base, Database
from rag.errors import RagError

log = logging.getLogger(__name__)
WRITE_EVERY_S = 0.25  # progress is written at most this often (and at every change of stage)
OWNER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"  # this process, this start


class IngestJobRow(Base):
    __tablename__ = "ingest_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(String(12))  # queued, running, done, failed (interrupted is derived)
    stage: Mapped[str] = mapped_column(String(12))  # waiting, fetching, reading, embedding, finished
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    names_json: Mapped[str] = mapped_column(Text)
    items_json: Mapped[str] = mapped_column(Text, default="[]")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    owner: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[float] = mapped_column(Float, index=True)
    updated_at: Mapped[float] = mapped_column(Float)


@dataclass(frozen=True)
class Job:
    id: str
    state: str
    stage: str
    done: int
    total: int
    names: list[str]
    items: list[dict[str, Any]]
    error: str | None
    created_at: float
    updated_at: float


def owner_alive(owner: str) -> bool:
    """Whether the process that took a job may still be running it (only this host's can be checked)."""
    host, pid, _ = owner.rsplit(":", 2)
    if owner == OWNER or host != socket.gethostname():
        return True
    if int(pid) == os.getpid():
        return False  # this process id, an earlier start of the server
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _job(row: IngestJobRow) -> Job:
    state, error = row.state, row.error
    if state in ("queued", "running") and not owner_alive(row.owner):
        state, error = "interrupted", "the server stopped before this job finished; add the files again"
    return Job(
        row.id,
        state,
        row.stage,
        row.done,
        row.total,
        json.loads(row.names_json),
        json.loads(row.items_json),
        error,
        row.created_at,
        row.updated_at,
    )


def name_of(item: Input) -> str:
    return item.filename if isinstance(item, Upload) else str(item)


class IngestJobs:
    """Submit ingest jobs and read their progress; `ingestor` is asked for an Ingestor when a job starts."""

    def __init__(self, db: Database, ingestor: Callable[[], Ingestor], upload_dir: Path) -> None:
        self.db = db
        self.ingestor = ingestor
        self.upload_dir = upload_dir
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="rag-ingest-job")
        self._lock = threading.Lock()
        self._futures: list[Future[None]] = []
        db.create_tables()

    def submit(self, items: list[Input]) -> Job:
        now = time.time()
        row = IngestJobRow(
            id=uuid.uuid4().hex,
            state="queued",
            stage="waiting",
            names_json=json.dumps([name_of(i) for i in items]),
            owner=OWNER,
            created_at=now,
            updated_at=now,
        )
        with self.db.session() as s, s.begin():
            s.add(row)
        job = _job(row)
        with self._lock:
            self._futures = [f for f in self._futures if not f.done()] + [self._pool.submit(self._run, job.id, items)]
        return job

    def wait(self, timeout_s: float) -> bool:
        """Wait until every job submitted here has finished; False if some are still running."""
        with self._lock:
            pending = list(self._futures)
        return not wait(pending, timeout=timeout_s).not_done

    def get(self, job_id: str) -> Job | None:
        with self.db.session() as s:
            row = s.get(IngestJobRow, job_id)
            return _job(row) if row is not None else None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _update(self, job_id: str, **values: Any) -> None:
        with self._lock, self.db.session() as s, s.begin():
            row = s.get(IngestJobRow, job_id)
            if row is not None:
                for key, value in values.items():
                    setattr(row, key, value)
                row.updated_at = time.time()

    def _progress(self, job_id: str, stage: str) -> Callable[[int, int], None]:
        last = [0.0]

        def report(done: int, total: int) -> None:
            now = time.monotonic()
            if done not in (0, total) and now - last[0] < WRITE_EVERY_S:
                return
            last[0] = now
            self._update(job_id, stage=stage, done=done, total=total)

        return report

    def _run(self, job_id: str, items: list[Input]) -> None:
        first = "fetching" if any(isinstance(i, str) for i in items) else "reading"
        self._update(job_id, state="running", stage=first)
        try:
            report = self.ingestor().ingest(
                items,
                progress=self._progress(job_id, "embedding"),
                reading=self._progress(job_id, "reading"),
                upload_dir=self.upload_dir,
            )
        except Exception as exc:  # a job must end in a state, never hang in "running"
            if not isinstance(exc, RagError):
                log.exception("ingest job %s failed", job_id)
            message = str(exc) if isinstance(exc, RagError) else "internal error; the server log has the details"
            self._update(job_id, state="failed", stage="finished", error=message)
            return
        results = [{"name": i.name, "documents": i.documents, "errors": i.errors} for i in report.items]
        self._update(job_id, state="done", stage="finished", items_json=json.dumps(results))
