"""The generator role: error mapping against a tiny real HTTP server, then the real model.

The `model` tests load the packaged Qwen2.5-Coder-1.5B once per module (assembled
into the shared user cache on first use) and talk to it both as the embedded
backend and, through its listening address, as the `openai` backend.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rag.errors import ConfigError, GeneratorError, GeneratorUnavailable
from rag.llm import EmbeddedLlama, Generator, OpenAICompatGenerator, Usage, make_generator
from rag.settings import Settings
from rag.types import Message
from tests.fakes import ScriptedGenerator

QUESTION = [
    Message("system", "Answer the question from the passage in one short sentence."),
    Message("user", "Who led the delegation? Passage: The delegation was led by Chen Mingguo."),
]


def _chunk(content: str | None = None, finish: str | None = None, **extra: object) -> bytes:
    choices = (
        []
        if content is None and finish is None
        else [{"index": 0, "delta": {"content": content}, "finish_reason": finish}]
    )
    body = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": choices, **extra}
    return f"data: {json.dumps(body)}\n\n".encode()


class _Handler(BaseHTTPRequestHandler):
    """Plays one scenario per request, picked by the request's `model` field."""

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        scenario = request["model"]
        try:
            if scenario == "overflow":  # what llama.cpp answers
                self._send(
                    400,
                    json.dumps(
                        {
                            "error": {
                                "code": 400,
                                "type": "exceed_context_size_error",
                                "message": "request (3000 tokens) exceeds the available context size (2048 tokens)",
                            }
                        }
                    ).encode(),
                )
            elif scenario == "slow":
                time.sleep(2)
                self._send(200, _chunk("late", "stop"))
            elif scenario == "ok":
                usage = {"prompt_tokens": 12, "completion_tokens": 2, "total_tokens": 14}
                self._send(
                    200,
                    _chunk("Chen")
                    + _chunk(" Mingguo", "stop")
                    + _chunk(usage=usage, timings={"cache_n": 7})
                    + b"data: [DONE]\n\n",
                )
            elif scenario == "unfinished":  # clean close before any finish_reason
                self._send(200, _chunk("Chen"))
            elif scenario == "cut":  # the server dies mid-body
                self._send(200, _chunk("Chen"), declared=10_000)
        except OSError:
            pass  # the client gave up first, as some tests intend

    def _send(self, status: int, body: bytes, declared: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/event-stream" if status == 200 else "application/json")
        if declared is not None:
            self.send_header("Content-Length", str(declared))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def fake_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.block_on_close = False
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_streams_deltas_and_reads_llama_cpp_cache_count(fake_server: str) -> None:
    gen = OpenAICompatGenerator(fake_server, model="ok", timeout_s=5)
    assert list(gen.stream(QUESTION, max_tokens=8)) == ["Chen", " Mingguo"]
    assert gen.last_usage == Usage(prompt_tokens=12, completion_tokens=2, cached_tokens=7)


@pytest.mark.parametrize(
    ("scenario", "error", "words"),
    [
        ("overflow", GeneratorError, "prompt is too long.*RAG_LLM_CTX"),
        ("slow", GeneratorError, "sent nothing for 0.3 s; raise RAG_LLM_TIMEOUT_S"),
        ("unfinished", GeneratorError, "without finishing"),
        ("cut", GeneratorError, "stopped mid-answer"),
    ],
)
def test_server_failures_become_generator_errors(fake_server: str, scenario: str, error: type, words: str) -> None:
    gen = OpenAICompatGenerator(fake_server, model=scenario, timeout_s=0.3)
    started = time.monotonic()
    with pytest.raises(error, match=words):
        list(gen.stream(QUESTION, max_tokens=8))
    assert time.monotonic() - started < 1.5  # no retries
    assert gen.last_usage is None


def test_unreachable_server_is_unavailable_at_once() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    gen = OpenAICompatGenerator(url, model="m", timeout_s=30)
    started = time.monotonic()
    with pytest.raises(GeneratorUnavailable, match=f"cannot reach the language model at {url}.*RAG_LLM_URL"):
        list(gen.stream(QUESTION, max_tokens=8))
    assert time.monotonic() - started < 2


def test_make_generator_follows_the_backend_setting(tmp_path: Path) -> None:
    assert make_generator(Settings(home=tmp_path, llm_backend="extractive")) is None
    gen = make_generator(Settings(home=tmp_path, llm_backend="openai", llm_url="http://127.0.0.1:9/v1", llm_model="q"))
    assert isinstance(gen, OpenAICompatGenerator)
    assert (gen.name, gen.base_url) == ("q", "http://127.0.0.1:9/v1")
    gen.close()


def test_not_a_gguf_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "random.gguf"
    bad.write_bytes(os.urandom(4096))
    with pytest.raises(ConfigError, match="not a GGUF model"):
        make_generator(Settings(home=tmp_path, llm_gguf=bad))


def test_corrupt_gguf_is_unavailable_without_crashing(tmp_path: Path) -> None:
    bad = tmp_path / "corrupt.gguf"
    bad.write_bytes(b"GGUF" + os.urandom(4096))  # passes the magic check, fails in llama.cpp
    with pytest.raises(GeneratorUnavailable, match=r"cannot load the language model .*corrupt\.gguf"):
        make_generator(Settings(home=tmp_path, llm_gguf=bad))


def test_scripted_generator_fits_the_role() -> None:
    fake: Generator = ScriptedGenerator(["Chen Mingguo led it."])
    assert list(fake.stream(QUESTION, max_tokens=3)) == ["Chen", " Mingguo", " led"]
    assert fake.last_usage is not None

    failing = ScriptedGenerator(["a b c"], error=GeneratorError("boom"), error_after=2)
    deltas: list[str] = []
    with pytest.raises(GeneratorError, match="boom"):
        deltas.extend(failing.stream(QUESTION, max_tokens=8))
    assert deltas == ["a", " b"]
    assert failing.prompts == [QUESTION]


# --- the real model -------------------------------------------------------------


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedLlama]:
    settings = Settings(home=tmp_path_factory.mktemp("home"), llm_threads=2, llm_ctx=2048)
    llama = EmbeddedLlama(settings)  # the model assembles into the shared settings.model_dir once
    yield llama
    llama.close()


@pytest.mark.model
def test_embedded_model_answers_from_the_passage(embedded: EmbeddedLlama) -> None:
    deltas = list(embedded.stream(QUESTION, max_tokens=40))

    assert "Chen Mingguo" in "".join(deltas)
    assert len(deltas) >= 3
    assert embedded.last_usage is not None and embedded.last_usage.prompt_tokens > 20
    assert embedded.name == "qwen2.5-coder-1.5b-instruct-q4_k_m (embedded)"


@pytest.mark.model
def test_openai_backend_against_a_real_server_reuses_the_prompt_cache(embedded: EmbeddedLlama, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, llm_backend="openai", llm_url=embedded.address + "/v1")
    gen = make_generator(settings)
    assert isinstance(gen, OpenAICompatGenerator)
    try:
        first = "".join(gen.stream(QUESTION, max_tokens=40))
        again = [QUESTION[0], Message("user", "Who led it? Passage: The visit was led by Ana Souza.")]
        second = "".join(gen.stream(again, max_tokens=40))
    finally:
        gen.close()

    assert "Chen Mingguo" in first
    assert "Ana Souza" in second
    assert gen.last_usage is not None and (gen.last_usage.cached_tokens or 0) > 5  # the shared system prompt


@pytest.mark.model
def test_closed_embedded_model_refuses_to_stream(tmp_path: Path) -> None:
    llama = EmbeddedLlama(Settings(home=tmp_path, llm_ctx=512))
    llama.close()
    with pytest.raises(GeneratorUnavailable, match="closed"):
        llama.stream(QUESTION, max_tokens=8)
