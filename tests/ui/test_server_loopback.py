"""The whole app under a real uvicorn on 127.0.0.1, real HTTP: `ui.server.serve` in its
own process (extractive backend, real embedder), and an in-thread server with a slow
scripted model to show that an abandoned stream gives its turn back."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest

from bench.load_run import stop_server
from ingest.seed import ensure_seeded
from rag.factory import build_components, build_pipeline
from rag.settings import REPO_ROOT, Settings
from rag.types import Message
from tests.fakes import ScriptedGenerator, WordHashEmbedder
from tests.ui.serving import free_port, start_server, wait_ready
from ui.api import create_app

QUESTION = "Who led the Chinese delegation?"
SERVE = (
    "import sys; from pathlib import Path; from rag.settings import Settings; from ui.server import serve; "
    "serve(Settings(home=Path(sys.argv[1]), seeds_dir=Path(sys.argv[2]), llm_backend='extractive'), "
    "'127.0.0.1', int(sys.argv[3]))"
)


class Served(NamedTuple):
    url: str
    log: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`serve()` in a subprocess, as `rag serve` runs it."""
    home = tmp_path_factory.mktemp("rag")
    port = free_port()
    log = home / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVE, str(home), str(REPO_ROOT / "seeds"), str(port)],
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, 180, alive=lambda: proc.poll() is None)
        assert proc.poll() is None, f"the server exited: {log.read_text()[-2000:]}"
        yield Served(url, log)
    finally:
        stop_server(proc, grace_s=20, kill_s=5)


def test_serve_prints_the_url(served: Served) -> None:
    assert f"{served.url}/" in served.log.read_text()


def test_answer_over_http(served: Served) -> None:
    assert httpx.get(f"{served.url}/healthz", timeout=5).json() == {"status": "ok"}
    r = httpx.post(f"{served.url}/v1/answer", json={"question": QUESTION}, timeout=60)
    assert r.status_code == 200 and "Chen Mingguo" in r.json()["answer"]
    link = r.json()["citations"][0]["link"]
    page = httpx.get(served.url + link.split("#")[0], timeout=10)
    assert page.status_code == 200 and "Chen Mingguo" in page.text


def test_stream_over_http(served: Served) -> None:
    with httpx.stream("POST", f"{served.url}/v1/answer", json={"question": QUESTION, "stream": True}, timeout=60) as r:
        text = r.read().decode()
    assert r.status_code == 200 and "event: answer" in text and "Chen Mingguo" in text


def test_search_latency(served: Served, capsys: pytest.CaptureFixture[str]) -> None:
    seconds = []
    with httpx.Client(base_url=served.url, timeout=30) as client:
        client.post("/v1/search", json={"query": "warm up"})
        for i in range(20):
            started = time.perf_counter()
            r = client.post("/v1/search", json={"query": f"Chinese delegation counter-terrorism talks {i}"})
            seconds.append(time.perf_counter() - started)
            assert r.status_code == 200 and r.json()["hits"]
    with capsys.disabled():
        p50 = statistics.median(seconds) * 1000
        p90 = sorted(seconds)[17] * 1000
        print(f"\n/v1/search over loopback: p50 {p50:.1f} ms, p90 {p90:.1f} ms (20 requests)")


class SlowGenerator(ScriptedGenerator):
    """Writes a word every 0.2 s and counts the words it was asked for."""

    def __init__(self, replies: Sequence[str]) -> None:
        super().__init__(replies)
        self.words_sent = 0

    def _deltas(self, messages: Sequence[Message], reply: str, max_tokens: int) -> Iterator[str]:
        for word in super()._deltas(messages, reply, max_tokens):
            time.sleep(0.2)
            self.words_sent += 1
            yield word


def test_abandoned_stream_gives_its_turn_back(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path, seeds_dir=REPO_ROOT / "seeds", llm_backend="extractive", answer_queue=2, llm_max_tokens=200
    )
    components = build_components(settings, embedder=WordHashEmbedder(dim=256))
    ensure_seeded(components)
    long_reply = "Chen Mingguo led the Chinese delegation" + " and talked" * 40 + "."  # ~17 s at 0.2 s a word
    gen = SlowGenerator([long_reply, "Chen Mingguo led the Chinese delegation."])
    app = create_app(settings, pipeline=build_pipeline(components, gen), components=components)
    for url in start_server(settings, 60, app=app):
        with httpx.stream("POST", f"{url}/v1/answer", json={"question": QUESTION, "stream": True}, timeout=30) as r:
            assert next(r.iter_lines()).startswith("event: delta")
        left_at = time.monotonic()  # the client hung up after the first words
        r = httpx.post(f"{url}/v1/answer", json={"question": QUESTION}, timeout=30)
        assert r.status_code == 200 and r.json()["answer"].startswith("Chen Mingguo")
        assert time.monotonic() - left_at < 6, "the abandoned answer kept the model busy"
        assert gen.words_sent < 20
