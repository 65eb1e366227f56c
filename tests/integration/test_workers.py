"""`rag serve --workers 2` for real on loopback: separate processes, one shared store.

- Without a model (extractive), `rag serve --workers 2` starts its own Chroma
  server: a document uploaded through one worker is found and answered by both,
  answers computed by one worker are served from the shared cache by the other,
  /metrics sums both workers, and stopping the server stops the Chroma server.
- The three-process layout by hand (`chroma run`, `rag model-server`, `rag serve
  --workers 2` pointed at both), with the real model: answers come from the model
  server, and a document uploaded through one worker is answered by both.

Which worker served a request is read from the answer log lines (JSON, with the
worker's pid); requests go out concurrently on fresh connections so that both
workers' accept loops get some.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bench.load_run import free_port, stop_server
from rag.settings import REPO_ROOT
from tests.integration.test_real_index import ChromaServer

TOKEN = "worker-test-token-0123456789"
ARTICLE = (
    "Quetzalpine ferry resumes service\n\n"
    "The Quetzalpine ferry between Gwadar and Muscat resumed service on Monday after a two-year pause, "
    "the port authority said. The ferry carries 240 passengers and sails twice a week.\n"
)
QUESTION = "How many passengers does the Quetzalpine ferry carry?"


class Served:
    def __init__(self, home: Path, port: int, env: dict[str, str]) -> None:
        self.url = f"http://127.0.0.1:{port}"
        home.mkdir(parents=True, exist_ok=True)
        self.log = home / "serve.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "ui.cli", "serve", "--workers", "2", "--port", str(port)],
                cwd=REPO_ROOT,
                env={**os.environ, "RAG_HOME": str(home), "RAG_API_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1", **env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_all_ready(self, timeout_s: float) -> None:
        """Ready on 8 fresh connections in a row: both workers have loaded, whichever answers."""
        deadline = time.monotonic() + timeout_s
        streak = 0
        while time.monotonic() < deadline and streak < 8:
            assert self.proc.poll() is None, f"rag serve exited: {self.text()[-3000:]}"
            try:
                streak = streak + 1 if httpx.get(f"{self.url}/readyz", timeout=5).status_code == 200 else 0
            except httpx.TransportError:
                streak = 0
            time.sleep(0.1 if streak else 0.5)
        assert streak >= 8, f"not ready after {timeout_s} s: {self.text()[-3000:]}"

    def answer_pids(self) -> list[int]:
        pids = []
        for line in self.text().splitlines():
            if line.startswith("{") and '"message": "answer"' in line:
                pids.append(int(json.loads(line)["pid"]))
        return pids


def concurrently(url: str, path: str, body: dict[str, object], n: int) -> list[httpx.Response]:
    def one(_: int) -> httpx.Response:
        with httpx.Client(base_url=url, timeout=120) as client:  # a fresh connection each
            return client.post(path, json=body)

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(n)))


def upload_and_check_every_worker_sees_it(served: Served) -> list[httpx.Response]:
    r = httpx.post(
        f"{served.url}/v1/documents",
        headers={"authorization": f"Bearer {TOKEN}"},
        files={"file": ("quetzalpine.txt", ARTICLE.encode(), "text/plain")},
        timeout=120,
    )
    assert r.status_code == 201, r.text
    for r in concurrently(served.url, "/v1/search", {"query": "Quetzalpine ferry", "top_k": 3}, 24):
        assert r.status_code == 200 and r.json()["hits"][0]["doc_id"] == "quetzalpine", r.text
    answers: list[httpx.Response] = []
    for _ in range(5):  # until both workers have answered at least once
        answers += concurrently(served.url, "/v1/answer", {"question": QUESTION}, 16)
        if len(set(served.answer_pids())) >= 2:
            break
    assert len(set(served.answer_pids())) == 2, "one worker served every answer"
    for r in answers:
        assert r.status_code == 200, r.text
        body = r.json()
        assert "240" in body["answer"] and body["citations"][0]["doc_id"] == "quetzalpine", body
    return answers


def port_open(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host, int(port))) == 0


@pytest.fixture
def stopped() -> Iterator[list[Served]]:
    servers: list[Served] = []
    yield servers
    for served in servers:
        stop_server(served.proc, grace_s=30, kill_s=10)


def test_two_workers_share_one_store_cache_and_metrics(tmp_path: Path, stopped: list[Served]) -> None:
    served = Served(tmp_path / "home", free_port(), {"RAG_LLM_BACKEND": "extractive"})
    stopped.append(served)
    served.wait_all_ready(240)
    chroma = re.search(r"Chroma server at (http://127\.0\.0\.1:\d+)", served.text())
    assert chroma, served.text()[-2000:]

    answers = upload_and_check_every_worker_sees_it(served)
    cached = [r.json()["timings"]["cached"] for r in answers]
    assert any(cached), "no answer came from the shared cache"

    scraped = httpx.get(f"{served.url}/metrics", timeout=10).text
    total = sum(
        s.value
        for family in text_string_to_metric_families(scraped)
        for s in family.samples
        if s.name == "rag_http_requests_total"
        and s.labels == {"method": "POST", "route": "/v1/answer", "status": "200"}
    )
    assert total == len(answers), "/metrics should sum both workers"

    served.proc.send_signal(signal.SIGINT)
    served.proc.wait(60)
    assert not port_open(chroma[1]), "the Chroma server outlived rag serve"


@pytest.mark.model
def test_the_three_process_layout(tmp_path: Path, stopped: list[Served]) -> None:
    chroma = ChromaServer(tmp_path / "chroma", free_port())
    chroma.start()
    model_port = free_port()
    model_url = f"http://127.0.0.1:{model_port}"
    model = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "model-server", "--port", str(model_port)],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while not port_open(model_url) and time.monotonic() < deadline:
            assert model.poll() is None, "rag model-server exited"
            time.sleep(0.5)
        env = {
            "RAG_CHROMA_URL": chroma.url,
            "RAG_LLM_BACKEND": "openai",
            "RAG_LLM_URL": f"{model_url}/v1",
            "RAG_LLM_MODEL": "qwen-shared",
        }
        served = Served(tmp_path / "home", free_port(), env)
        stopped.append(served)
        served.wait_all_ready(300)
        assert "Chroma server at" not in served.text(), "RAG_CHROMA_URL given: no Chroma server of its own"
        answers = upload_and_check_every_worker_sees_it(served)
        assert any(r.json()["model"] == "qwen-shared" and not r.json()["timings"]["cached"] for r in answers)
    finally:
        model.send_signal(signal.SIGINT)
        model.wait(30)
        chroma.stop()
