"""Faults in the services the app depends on, with real processes killed and restarted
under a real uvicorn on loopback; the app itself is never restarted.

- The model server (a real llama.cpp server in its own process, `llama_server.py`,
  RAG_LLM_BACKEND=openai) is SIGKILLed while an answer streams: the stream still ends
  in a cited answer that says the model failed; the service keeps serving; answers
  fall back to cited extracts while the model is down, and come from the model again
  once it is back on the same port.
- The Chroma server (RAG_CHROMA_URL, `chroma run`) is stopped: search and answers are
  503 with a JSON reason, /healthz stays 200, /readyz says why; once it is back on
  the same port and path, answers are normal again.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ingest.seed import ensure_seeded
from rag.embed import SentenceTransformerEmbedder
from rag.factory import build_components, build_pipeline
from rag.settings import REPO_ROOT, Settings
from tests.integration.test_real_index import ChromaServer
from tests.ui.serving import free_port, start_server
from ui.api import create_app

SEEDS = REPO_ROOT / "seeds"
LLAMA_SERVER = Path(__file__).with_name("llama_server.py")
QUESTION = "Who led the Chinese delegation that met Mohsin Naqvi?"
STREAMED = "What was the death toll of the 2021 bombing of the coach carrying Chinese engineers in Kohistan?"
UNASKED = "Who led the Chinese delegation in Islamabad?"
MODEL = "qwen-external"


class LlamaServer:
    """`llama_server.py PORT` as a child process; start() waits for its `listening` line."""

    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 180.0) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, str(LLAMA_SERVER), str(self.port)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the model server exited: {self.log.read_text()[-2000:]}"
            if f"listening {self.url}" in self.log.read_text(errors="replace"):
                try:  # the address is known before the socket accepts: wait for llama.cpp's own /health
                    if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
            time.sleep(0.2)
        self.kill()
        pytest.fail(f"the model server gave no address within {timeout_s:.0f} s: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL: no goodbye to the client whose answer is streaming."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(15)
        self.proc = None


def sse_events(response: httpx.Response, on_first_delta: object = None) -> list[tuple[str, str]]:
    """Read an SSE response to its end as [(event, data)], calling `on_first_delta()` once."""
    events: list[tuple[str, str]] = []
    name, data = "message", []
    for line in response.iter_lines():
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
        elif not line and data:
            events.append((name, "\n".join(data)))
            if name == "delta" and on_first_delta is not None and sum(n == "delta" for n, _ in events) == 1:
                on_first_delta()  # type: ignore[operator]
            name, data = "message", []
    return events


def cited(answer: dict[str, object]) -> bool:
    citations = answer["citations"]
    return bool(citations) and "[1]" in str(answer["answer"]) and not answer["refused"]


@pytest.mark.model
def test_the_model_server_dies_mid_stream(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    llama = LlamaServer(free_port(), tmp_path / "llama.log")
    llama.start()
    settings = Settings(
        home=tmp_path / "home",
        seeds_dir=SEEDS,
        llm_backend="openai",
        llm_url=f"{llama.url}/v1",
        llm_model=MODEL,
        llm_timeout_s=60,
        _env_file=None,  # type: ignore[call-arg]
    )
    components = build_components(settings, embedder=embedder)
    ensure_seeded(components)
    app = create_app(settings, components=components)  # the generator comes from settings, as in `rag serve`
    killed_at: list[float] = []

    def kill() -> None:
        llama.kill()
        killed_at.append(time.monotonic())

    try:
        for url in start_server(settings, 60, app=app):
            with httpx.Client(base_url=url, timeout=120) as client:
                warm = client.post("/v1/answer", json={"question": QUESTION}).json()
                assert warm["model"] == MODEL and not any("failed" in n for n in warm["notes"]), warm

                # 1. SIGKILL the model server as soon as its first words arrive. A single fact is the
                # model's to write (lists and explanations are composed from the articles without it),
                # and this one's answer is a long sentence, so the kill lands mid-answer.
                body = {"question": STREAMED, "stream": True}
                with client.stream("POST", "/v1/answer", json=body) as r:
                    assert r.status_code == 200
                    events = sse_events(r, kill)
                assert killed_at, f"no delta arrived: {events}"
                names = [n for n, _ in events]
                assert names[0] == "delta" and names[-1] in ("answer", "error") and names.count("answer") <= 1, names
                final = json.loads(events[-1][1])
                if names[-1] == "answer":
                    assert final["model"] == "extractive" and cited(final), final
                    assert any("the language model failed" in n for n in final["notes"]), final["notes"]
                else:
                    assert final["message"] and "Traceback" not in final["message"]

                # 2. The service keeps serving.
                assert client.get("/healthz").json() == {"status": "ok"}
                r = client.post("/v1/search", json={"query": "Chinese delegation"})
                assert r.status_code == 200 and r.json()["hits"]

                # 3. While the model is down: a cited extract, quickly, not a 500. (A question not asked
                # before: the answer cache would serve the warm-up's answer without the model.)
                started = time.monotonic()
                r = client.post("/v1/answer", json={"question": UNASKED})
                assert r.status_code == 200, r.text
                down = r.json()
                assert down["model"] == "extractive" and cited(down) and "Chen Mingguo" in down["answer"], down
                assert any("cannot reach" in n and llama.url in n for n in down["notes"]), down["notes"]
                assert time.monotonic() - started < 15

                # 4. The model is back on the same port: the next answer is the model's again.
                llama.start()
                r = client.post("/v1/answer", json={"question": UNASKED})  # the fallback was not cached
                assert r.status_code == 200, r.text
                back = r.json()
                assert back["model"] == MODEL and not any("failed" in n or "cache" in n for n in back["notes"]), back
                assert not back["timings"]["cached"], back["timings"]
                assert "Chen Mingguo" in back["answer"]
                assert app.state.service.gate.admitted == 0
    finally:
        llama.kill()


def test_the_chroma_server_goes_away_and_comes_back(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    chroma = ChromaServer(tmp_path / "db", free_port())
    chroma.start()
    try:
        settings = Settings(
            home=tmp_path / "home",
            seeds_dir=SEEDS,
            chroma_url=chroma.url,
            llm_backend="extractive",
            _env_file=None,  # type: ignore[call-arg]
        )
        components = build_components(settings, embedder=embedder)
        ensure_seeded(components)
        app = create_app(settings, pipeline=build_pipeline(components, load_model=False), components=components)
        for url in start_server(settings, 60, app=app):
            with httpx.Client(base_url=url, timeout=60) as client:

                def normal() -> None:
                    r = client.post("/v1/search", json={"query": "Chinese delegation"})
                    assert r.status_code == 200 and r.json()["hits"], r.text
                    r = client.post("/v1/answer", json={"question": QUESTION})
                    assert r.status_code == 200 and cited(r.json()) and "Chen Mingguo" in r.json()["answer"], r.text
                    assert client.get("/readyz").json() == {"ready": True, "detail": "ready"}

                normal()
                chroma.stop()
                for path, body in (
                    ("/v1/search", {"query": "Chinese delegation"}),
                    ("/v1/answer", {"question": QUESTION}),
                ):
                    started = time.monotonic()
                    r = client.post(path, json=body)
                    assert r.status_code == 503, (path, r.text)
                    assert list(r.json()) == ["detail"] and chroma.url in r.json()["detail"]
                    assert "RAG_CHROMA_URL" in r.json()["detail"] and time.monotonic() - started < 15
                with client.stream("POST", "/v1/answer", json={"question": QUESTION, "stream": True}) as r:
                    events = sse_events(r)
                assert r.status_code == 503 or [n for n, _ in events] == ["error"], events
                assert client.get("/v1/documents").status_code == 503
                assert client.get("/healthz").status_code == 200
                r = client.get("/readyz")
                assert r.status_code == 503 and r.json()["ready"] is False
                assert "vector store" in r.json()["detail"] and chroma.url in r.json()["detail"]

                chroma.start()  # same port, same path; our app is not restarted
                normal()
                assert app.state.service.gate.admitted == 0
    finally:
        chroma.stop()
