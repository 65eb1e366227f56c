"""The real embedder (packaged MiniLM) on real Chroma: embedded, and a `chroma run` server on loopback.

The model loads once for the module (~7 s); the seeds are ingested once per backend.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.load_run import free_port
from ingest.pipeline import Ingestor
from rag.embed import SentenceTransformerEmbedder
from rag.errors import StoreUnavailable
from rag.retrieve import HybridRetriever
from rag.settings import Settings
from rag.sparse import SparseIndex
from rag.store import ChromaStore
from rag.types import Document

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
CHROMA = Path(sys.executable).with_name("chroma")
D000, D001, D002, D003, D004 = sorted(p.stem for p in SEEDS.glob("*.txt"))


class ChromaServer:
    """`chroma run` as a child process on a loopback port; start() waits for its heartbeat."""

    def __init__(self, path: Path, port: int) -> None:
        self.path = path
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60.0) -> None:
        log = (self.path.parent / f"chroma-{self.port}.log").open("ab")
        self.proc = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.proc.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"chroma run gave no heartbeat on {self.url} within {timeout_s:.0f} s; see {log.name}")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self.proc = None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    srv = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "db", free_port())
    srv.start()
    yield srv
    srv.stop()


@dataclass
class Index:
    store: ChromaStore
    retriever: HybridRetriever


@pytest.fixture(scope="module", params=["embedded", "server"])
def index(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> Index:
    home = tmp_path_factory.mktemp(f"home-{request.param}")
    url = request.getfixturevalue("server").url if request.param == "server" else None
    settings = Settings(home=home, chroma_url=url, _env_file=None)  # type: ignore[call-arg]
    store = ChromaStore(settings)
    sparse = SparseIndex(settings.bm25_dir)
    report = Ingestor(settings, store, sparse, embedder).ingest([SEEDS])
    assert len(report.added) == 5 and report.chunks_embedded == report.chunks == store.count()
    return Index(store, HybridRetriever(settings, store, sparse, embedder))


def test_the_delegation_leader_is_found(index: Index) -> None:
    top = index.retriever.search("Who led the Chinese delegation?")[0]
    assert top.chunk.doc_id in (D000, D001)
    assert "Chen Mingguo" in top.chunk.text


def test_a_rare_drill_name_is_found(index: Index) -> None:
    top = index.retriever.search("Warrior-VIII")[0]
    assert top.chunk.doc_id == D004 and "Warrior-VIII" in top.chunk.text


def test_the_border_length_is_found(index: Index) -> None:
    top = index.retriever.search("How long is the border with Xinjiang?")[0]
    assert "600" in top.chunk.text


def test_a_second_ingest_is_free(index: Index, embedder: SentenceTransformerEmbedder) -> None:
    settings = index.retriever.settings
    ingestor = Ingestor(settings, index.store, index.retriever.sparse, embedder)
    report = ingestor.ingest([SEEDS])
    assert len(report.unchanged) == 5 and report.chunks_embedded == 0


def test_warm_search_latency(index: Index) -> None:
    questions = [
        "Who led the Chinese delegation?",
        "Warrior-VIII",
        "How long is the border with Xinjiang?",
        "Where will Gilgit-Baltistan police officers train?",
        "What did General Zhang Youxia say?",
    ]
    index.retriever.search(questions[0])  # warm
    times = []
    for i in range(20):
        started = time.perf_counter()
        index.retriever.search(questions[i % len(questions)])
        times.append(time.perf_counter() - started)
    backend = "server" if index.retriever.settings.chroma_url else "embedded"
    print(f"\nwarm search latency ({backend} Chroma, real embedder): median {statistics.median(times) * 1000:.1f} ms")


def test_a_stopped_server_is_reported_then_reconnected(tmp_path: Path) -> None:
    srv = ChromaServer(tmp_path / "db", free_port())
    srv.start()
    try:
        settings = Settings(home=tmp_path / "home", chroma_url=srv.url, _env_file=None)  # type: ignore[call-arg]
        store = ChromaStore(settings)
        doc = Document("d1", "Title", 20250119, None, "", "hash", "Some text.", 0)
        store.put_document(doc)
        assert store.get_document("d1") == doc

        srv.stop()
        started = time.perf_counter()
        with pytest.raises(StoreUnavailable) as info:
            store.get_document("d1")
        assert time.perf_counter() - started < 30, "a dead server should be reported quickly"
        message = str(info.value)
        assert srv.url in message and "RAG_CHROMA_URL" in message and "try again" in message
        with pytest.raises(StoreUnavailable):
            store.count()  # and again, not a stale handle or another kind of error

        srv.start()
        assert store.get_document("d1") == doc  # the same object, no restart of ours
        store.ping()
    finally:
        srv.stop()
