"""An ingest killed with SIGKILL at random points, then run again, converges to
exactly the index a clean ingest builds: same chunk ids, no duplicates, no
orphans, BM25 and Chroma in agreement."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.corpus import distractor_article
from rag.factory import build_components
from rag.settings import REPO_ROOT, Settings
from rag.sparse import SparseIndex
from rag.store import ChromaStore
from tests.fakes import WordHashEmbedder

TRIALS = 10


def run_ingest(home: Path, corpus: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "RAG_HOME": str(home), "RAG_EMBED_BATCH_SIZE": "4", "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "ingest", str(corpus), "--json"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def snapshot(home: Path) -> dict[str, object]:
    settings = Settings(home=home)
    store = ChromaStore(settings)
    chunk_docs = store.chunk_doc_ids()
    docs = {d.doc_id: d for d in store.list_documents()}
    sparse = SparseIndex(settings.bm25_dir)
    sparse_ids = sparse._refresh().ids if sparse._refresh() else []
    return {
        "chunk_ids": sorted(chunk_docs),
        "orphans": sorted(c for c, d in chunk_docs.items() if d not in docs),
        "complete": all(
            sum(1 for d in chunk_docs.values() if d == doc_id) == doc.chunk_count for doc_id, doc in docs.items()
        ),
        "docs": sorted(docs),
        "bm25_ids": sorted(sparse_ids),
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    for f in (REPO_ROOT / "seeds").iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    for n in range(12):
        (folder / f"distractor_{n:03d}.txt").write_text(distractor_article(n))
    return folder


@pytest.fixture(scope="module")
def clean(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, object], float]:
    home = tmp_path_factory.mktemp("clean")
    started = time.monotonic()
    proc = run_ingest(home, corpus)
    _out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    return snapshot(home), time.monotonic() - started


def kill_after_batch(proc: subprocess.Popen[bytes], batch: int, delay: float) -> None:
    """SIGKILL `delay` seconds after the ingest reports embedding batch `batch` (0: before
    the first), so the kill lands mid-ingest: between batches, inside one, or mid-write."""
    assert proc.stderr is not None
    seen = 0
    while seen < batch:
        line = proc.stderr.readline()
        if not line:
            break  # the run ended before that batch
        if line.startswith(b"embedding "):  # the CLI logs "embedding 8/120 chunks" per batch
            seen += 1
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def test_killed_ingests_converge_to_the_clean_index(
    corpus: Path, clean: tuple[dict[str, object], float], tmp_path: Path
) -> None:
    expected, _ = clean
    batches = -(-len(expected["chunk_ids"]) // 4)  # type: ignore[arg-type]
    rng = random.Random(7)
    partial = 0
    for trial in range(TRIALS):
        home = tmp_path / f"trial{trial}"
        proc = run_ingest(home, corpus)
        # Mostly mid-embedding; one trial before the first batch, one after the last.
        batch = 0 if trial == 0 else batches if trial == 1 else rng.randint(1, batches - 1)
        kill_after_batch(proc, batch, rng.uniform(0.0, 0.3))
        if (home / "chroma").exists():
            after_kill = snapshot(home)
            total = len(expected["chunk_ids"])  # type: ignore[arg-type]
            if 0 < len(after_kill["chunk_ids"]) < total:  # type: ignore[arg-type]
                partial += 1
        repair = run_ingest(home, corpus)
        out, err = repair.communicate(timeout=300)
        assert repair.returncode == 0, err.decode()
        summary = json.loads(out)
        got = snapshot(home)
        assert got["chunk_ids"] == expected["chunk_ids"], f"trial {trial}: chunk ids differ from a clean ingest"
        assert got["orphans"] == [] and got["complete"], f"trial {trial}: orphans or incomplete documents"
        assert got["docs"] == expected["docs"]
        assert got["bm25_ids"] == got["chunk_ids"], f"trial {trial}: BM25 disagrees with Chroma"
        assert summary["chunks"] == len(expected["chunk_ids"])  # type: ignore[arg-type]
    print(f"\n{TRIALS} SIGKILL trials, {partial} killed mid-ingest with part of the chunks stored; all converged")
    assert partial >= 2, "too few trials hit the middle of an ingest to mean much; the timing needs a look"


def test_ingest_while_queries_run_answers_from_a_consistent_index(tmp_path: Path) -> None:
    """Queries in one thread, ingest in another: every hit's chunk belongs to a stored document."""
    import threading

    from ingest.seed import ingestor_for

    settings = Settings(home=tmp_path, seeds_dir=REPO_ROOT / "seeds")
    c = build_components(settings, embedder=WordHashEmbedder(dim=128))
    ingestor = ingestor_for(c)
    ingestor.ingest([REPO_ROOT / "seeds"])
    extra = tmp_path / "extra"
    extra.mkdir()
    for n in range(30):
        (extra / f"d{n:03d}.txt").write_text(distractor_article(n))
    errors: list[str] = []
    done = threading.Event()

    def query() -> None:
        while not done.is_set():
            try:
                for hit in c.retriever.search("Who led the Chinese delegation?", k=5):
                    if hit.chunk.text not in (c.store.get_document(hit.chunk.doc_id) or hit.chunk).text:
                        errors.append(f"hit {hit.chunk.chunk_id} does not match its document")
            except Exception as exc:  # any failure of a query during ingest is the bug under test
                errors.append(repr(exc))

    worker = threading.Thread(target=query)
    worker.start()
    try:
        ingestor.ingest([REPO_ROOT / "seeds", extra])
        ingestor.ingest([REPO_ROOT / "seeds"], prune=False)
    finally:
        done.set()
        worker.join(timeout=30)
    assert errors == []
    assert snapshot(tmp_path)["bm25_ids"] == sorted(c.store.all_chunk_ids())
