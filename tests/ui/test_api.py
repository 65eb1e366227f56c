"""The HTTP API through FastAPI's TestClient, on real Chroma, BM25 and the real
embedder over the seed articles; a scripted generator where a model answer is needed."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ingest.seed import ensure_seeded
from rag.answer import REFUSAL
from rag.factory import Components, build_components, build_pipeline
from rag.llm import Generator
from rag.settings import REPO_ROOT, Settings
from rag.types import Message
from tests.fakes import ScriptedGenerator
from ui.service import AnswerGate

TOKEN = "x" * 20
AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUESTION = "Who led the Chinese delegation?"
REPLY = "Chen Mingguo led the Chinese delegation."
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        home=tmp_path_factory.mktemp("rag"), seeds_dir=REPO_ROOT / "seeds", llm_backend="extractive", api_token=TOKEN
    )


@pytest.fixture(scope="module")
def components(settings: Settings) -> Components:
    c = build_components(settings)
    ensure_seeded(c)
    return c


def wait_ready(client: TestClient, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if client.get("/readyz").status_code == 200:
            return
        time.sleep(0.05)
    pytest.fail(f"not ready after {timeout_s} s: {client.get('/readyz').json()}")


def open_client(settings: Settings, components: Components, generator: Generator | None = None) -> TestClient:
    from ui.api import create_app

    pipeline = build_pipeline(components, generator, load_model=False)
    client = TestClient(create_app(settings, pipeline=pipeline, components=components))
    client.__enter__()
    wait_ready(client)
    return client


@pytest.fixture(scope="module")
def client(settings: Settings, components: Components) -> Iterator[TestClient]:
    """The extractive service (no model)."""
    c = open_client(settings, components)
    yield c
    c.__exit__(None, None, None)


@pytest.fixture
def scripted(settings: Settings, components: Components) -> Iterator[tuple[TestClient, ScriptedGenerator]]:
    gen = ScriptedGenerator([REPLY] * 4)
    c = open_client(settings, components, gen)
    yield c, gen
    c.__exit__(None, None, None)


def gate_of(client: TestClient) -> AnswerGate:
    app: FastAPI = client.app  # type: ignore[assignment]
    gate: AnswerGate = app.state.service.gate
    return gate


def sse(text: str) -> list[tuple[str, str]]:
    """'event: delta\\r\\ndata: {…}\\r\\n\\r\\n…' -> [('delta', '{…}'), …]; comments (pings) skipped."""
    events = []
    for block in re.split(r"\r?\n\r?\n", text):
        name, data = "message", []
        for line in block.splitlines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if data:
            events.append((name, "\n".join(data)))
    return events


# -- ops ----------------------------------------------------------------------
def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json() == {"ready": True, "detail": "ready"}


def test_not_ready_until_loaded(settings: Settings) -> None:
    from ui.api import create_app

    client = TestClient(create_app(settings))  # no `with`: the lifespan (loading) never runs
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["ready"] is False and "loading" in r.json()["detail"]
    assert client.get("/healthz").status_code == 200
    r = client.post("/v1/answer", json={"question": QUESTION})
    assert r.status_code == 503 and r.headers["Retry-After"].isdigit() and "retry" in r.json()["detail"]


def test_openapi_docs(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/answer", "/v1/search", "/v1/documents", "/v1/chat/completions", "/v1/models"} <= set(paths)


@pytest.mark.parametrize("origins", [[], ["http://newsroom.example"]])
def test_cors_only_when_configured(settings: Settings, origins: list[str]) -> None:
    from ui.api import create_app

    client = TestClient(create_app(settings.model_copy(update={"cors_origins": origins})))
    preflight = {"Origin": "http://newsroom.example", "Access-Control-Request-Method": "POST"}
    r = client.options("/v1/search", headers=preflight)
    allowed = r.headers.get("access-control-allow-origin")
    assert allowed == ("http://newsroom.example" if origins else None)
    if not origins:
        assert r.status_code == 405 and r.headers["Allow"] == "POST"


def test_unknown_api_routes_are_json(client: TestClient) -> None:
    r = client.get("/v1/nothing-here")
    assert r.status_code == 404 and r.json() == {"detail": "no route /v1/nothing-here; the API is described at /docs"}
    r = client.get("/v1/search")
    assert r.status_code == 405 and r.headers["Allow"] == "POST" and "use POST" in r.json()["detail"]


def test_chat_page_is_served_at_root(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and "<html" in r.text.lower()


# -- answers ------------------------------------------------------------------
def test_answer_json_shape(scripted: tuple[TestClient, ScriptedGenerator]) -> None:
    client, _ = scripted
    r = client.post("/v1/answer", json={"question": QUESTION, "top_k": 5})
    assert r.status_code == 200
    body = r.json()
    assert set(body) >= {"answer", "refused", "citations", "standalone_question", "model", "timings", "notes"}
    assert body["answer"] == "Chen Mingguo led the Chinese delegation [1]."
    assert body["refused"] is False and body["model"] == "scripted"
    assert set(body["timings"]) == {"retrieve_s", "evidence_s", "generate_s", "first_token_s", "total_s", "cached"}
    cite = body["citations"][0]
    assert set(cite) == {"n", "doc_id", "title", "date", "quote", "start", "end", "link", "url", "score"}
    assert cite["n"] == 1 and "Chen Mingguo" in cite["quote"]
    assert cite["date"] is None or DATE.match(cite["date"])
    assert cite["link"] == f"/documents/{cite['doc_id']}#span-{cite['start']}-{cite['end']}"
    text = client.get(f"/v1/documents/{cite['doc_id']}").json()["text"]
    assert text[cite["start"] : cite["end"]] == cite["quote"]


def test_extractive_answer_names_the_leader(client: TestClient) -> None:
    body = client.post("/v1/answer", json={"question": QUESTION}).json()
    assert "Chen Mingguo" in body["answer"] and body["model"] == "extractive" and body["citations"]


def test_out_of_corpus_question_is_refused_with_closest_passages(client: TestClient) -> None:
    body = client.post("/v1/answer", json={"question": "Who won the 2022 football World Cup final?"}).json()
    assert body["refused"] is True and body["answer"] == REFUSAL


def test_follow_up_uses_the_history(client: TestClient) -> None:
    history = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "Chen Mingguo led it [1]."}]
    body = client.post("/v1/answer", json={"question": "What did he say about Xinjiang?", "history": history}).json()
    assert "Chen Mingguo" in body["standalone_question"]


@pytest.mark.parametrize("how", ["flag", "accept"])
def test_answer_streams_deltas_then_the_answer(scripted: tuple[TestClient, ScriptedGenerator], how: str) -> None:
    client, _ = scripted
    body: dict[str, object] = {"question": QUESTION}
    headers = {}
    if how == "flag":
        body["stream"] = True
    else:
        headers["Accept"] = "text/event-stream"
    with client.stream("POST", "/v1/answer", json=body, headers=headers) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = sse(r.read().decode())
    names = [n for n, _ in events]
    assert names[-1] == "answer" and set(names[:-1]) == {"delta"} and len(names) > 2
    assert "".join(json.loads(d)["text"] for n, d in events if n == "delta") == REPLY
    final = json.loads(events[-1][1])
    assert final["answer"] == "Chen Mingguo led the Chinese delegation [1]." and final["citations"]


def test_stream_failure_is_an_error_event(settings: Settings, components: Components) -> None:
    client = open_client(settings, components, ScriptedGenerator([REPLY], error=RuntimeError("secret"), error_after=1))
    try:
        with client.stream("POST", "/v1/answer", json={"question": QUESTION, "stream": True}) as r:
            events = sse(r.read().decode())
        assert [n for n, _ in events] == ["delta", "error"]
        message = json.loads(events[-1][1])["message"]
        assert "internal error" in message and "secret" not in message and "Traceback" not in message
        assert gate_of(client).admitted == 0  # the turn was given back
    finally:
        client.__exit__(None, None, None)


# -- OpenAI-compatible --------------------------------------------------------
def test_chat_completion(client: TestClient) -> None:
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": QUESTION}]
    r = client.post("/v1/chat/completions", json={"model": "rag", "messages": messages})
    assert r.status_code == 200
    body = r.json()
    assert body["object"] == "chat.completion" and body["model"] == "rag"
    content = body["choices"][0]["message"]["content"]
    assert body["choices"][0]["message"]["role"] == "assistant" and body["choices"][0]["finish_reason"] == "stop"
    answer, sources = content.split("\n\nSources:\n")
    assert "Chen Mingguo" in answer and "[1]" in answer
    first = body["citations"][0]
    assert sources.startswith("[1] ") and f"http://testserver{first['link']}" in sources


def test_chat_completion_stream(scripted: tuple[TestClient, ScriptedGenerator]) -> None:
    client, _ = scripted
    messages = [{"role": "user", "content": [{"type": "text", "text": QUESTION}]}]
    body = {"model": "rag", "messages": messages, "stream": True}
    with client.stream("POST", "/v1/chat/completions", json=body) as r:
        assert r.status_code == 200
        data = [d for _, d in sse(r.read().decode())]
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    assert all(c["object"] == "chat.completion.chunk" and c["model"] == "rag" for c in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    content = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert content.startswith("Chen Mingguo led the Chinese delegation [1].\n\nSources:\n[1] ")
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["citations"][0]["n"] == 1


def test_chat_completion_history_and_errors(scripted: tuple[TestClient, ScriptedGenerator]) -> None:
    client, gen = scripted
    messages = [
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": "Chen Mingguo led it [1].\n\nSources:\n[1] A title http://x/documents/a"},
        {"role": "user", "content": "What did he say about Xinjiang?"},
    ]
    assert client.post("/v1/chat/completions", json={"model": "rag", "messages": messages}).status_code == 200
    assert "Question: What did Chen Mingguo say about Xinjiang?" in gen.prompts[-1][-1].content
    r = client.post("/v1/chat/completions", json={"model": "rag", "messages": messages[:2]})
    assert r.status_code == 400 and "last message" in r.json()["detail"]
    r = client.post("/v1/chat/completions", json={"model": "gpt-4", "messages": messages})
    assert r.status_code == 404 and "'rag'" in r.json()["detail"]


def test_models(client: TestClient) -> None:
    assert [m["id"] for m in client.get("/v1/models").json()["data"]] == ["rag"]


# -- search and documents -----------------------------------------------------
def test_search(client: TestClient) -> None:
    r = client.post("/v1/search", json={"query": "Chinese delegation led by", "top_k": 3})
    assert r.status_code == 200
    body = r.json()
    assert len(body["hits"]) == 3 and body["seconds"] >= 0
    hit = body["hits"][0]
    assert set(hit) == {"doc_id", "chunk_id", "title", "date", "source", "text", "start", "end", "score", "link", "url"}
    assert hit["link"] == f"/documents/{hit['doc_id']}#span-{hit['start']}-{hit['end']}"
    assert any("Chen Mingguo" in h["text"] for h in body["hits"])


def test_search_filters(client: TestClient) -> None:
    body = client.post("/v1/search", json={"query": "Pakistan China", "filters": {"since": "2025-02"}}).json()
    assert body["hits"] and all(h["date"] and h["date"] >= "2025-02-01" for h in body["hits"])
    only = "004_463f8a1ce8e0e7f6"
    body = client.post("/v1/search", json={"query": "Pakistan China", "filters": {"doc_ids": [only]}}).json()
    assert {h["doc_id"] for h in body["hits"]} == {only}


def test_documents(client: TestClient) -> None:
    docs = client.get("/v1/documents").json()
    assert len(docs) >= 5 and set(docs[0]) == {"doc_id", "title", "date", "source", "author", "url", "chunk_count"}
    doc = client.get(f"/v1/documents/{docs[0]['doc_id']}").json()
    assert doc["text"] and "path" not in doc and doc["chunk_count"] > 0
    r = client.get("/v1/documents/no-such-doc")
    assert r.status_code == 404 and r.json() == {"detail": "no document 'no-such-doc'; GET /v1/documents lists them"}


# -- bad input ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"question": QUESTION, "filters": {"since": "2025-13"}}, 422, "filters.since: date '2025-13' has no month 13"),
        ({"question": QUESTION, "filters": {"since": "2025-03", "until": "2025-01"}}, 422, "is after until"),
        ({"question": ""}, 422, "question: String should have at least 1 character"),
        ({"question": "   "}, 400, "the question is empty"),
        ({"question": "war " * 25_000}, 400, "the limit is 2000"),
        ({"question": QUESTION, "top_k": 0}, 422, "top_k"),
        ({"question": QUESTION, "colour": "blue"}, 422, "colour"),
        ({"history": []}, 422, "question: Field required"),
    ],
)
def test_bad_answer_requests(client: TestClient, body: dict[str, object], status: int, words: str) -> None:
    r = client.post("/v1/answer", json=body)
    assert r.status_code == status, r.text
    assert list(r.json()) == ["detail"] and words in r.json()["detail"]


def test_bad_json_and_huge_bodies(client: TestClient) -> None:
    r = client.post("/v1/search", content=b"{nope", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "not valid JSON" in r.json()["detail"]
    r = client.post("/v1/answer", content=b" " * 1_100_000, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "larger than 1000000 bytes" in r.json()["detail"]

    def chunked() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(20):
            yield b" " * 100_000

    r = client.post("/v1/search", content=chunked(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "larger than" in r.json()["detail"]


# -- uploads --------------------------------------------------------------------
EVIL = (
    b"Zorblatt festival report\n\n"
    b"The Zorblatt lantern festival in Quimbyville drew 12,000 visitors, organiser Ilsa Varnhagen said. "
    b"Stalls sold <script>alert(1)</script> badges and <img src=x onerror=alert(1)> posters.\n"
)


def upload(client: TestClient, name: str, raw: bytes, headers: dict[str, str] | None = None) -> Any:
    files = {"file": (name, raw, "text/plain")}
    return client.post("/v1/documents", files=files, headers=AUTH if headers is None else headers)


def test_upload_search_page_delete(client: TestClient) -> None:
    r = upload(client, "../Zorblatt Festival!.txt", EVIL)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["doc_id"] == "Zorblatt_Festival" and doc["chunk_count"] >= 1
    hits = client.post("/v1/search", json={"query": "Zorblatt lantern festival Quimbyville", "top_k": 1}).json()["hits"]
    assert hits[0]["doc_id"] == "Zorblatt_Festival"

    page = client.get("/documents/Zorblatt_Festival")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "&lt;img src=x onerror=alert(1)&gt;" in page.text
    assert "<script>alert" not in page.text and "<img" not in page.text
    assert "script-src 'sha256-" in page.headers["content-security-policy"]
    assert '<div id="doc" style="white-space:pre-wrap">' in page.text

    r = client.delete("/v1/documents/Zorblatt_Festival", headers=AUTH)
    assert r.status_code == 200 and r.json()["doc_id"] == "Zorblatt_Festival" and r.json()["chunks_removed"] >= 1
    assert client.get("/v1/documents/Zorblatt_Festival").status_code == 404
    hits = client.post("/v1/search", json={"query": "Zorblatt lantern festival Quimbyville"}).json()["hits"]
    assert all(h["doc_id"] != "Zorblatt_Festival" for h in hits)
    assert client.delete("/v1/documents/Zorblatt_Festival", headers=AUTH).status_code == 404


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"Authorization": "Bearer " + "y" * 20}, 401), ({"Authorization": TOKEN}, 401)],
)
def test_upload_needs_the_token(client: TestClient, headers: dict[str, str], status: int) -> None:
    r = upload(client, "a.txt", b"Some article text.", headers)
    assert r.status_code == status and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert "RAG_API_TOKEN" in r.json()["detail"]
    assert client.delete("/v1/documents/000_67e5238ffeab8bd0", headers=headers).status_code == status


def test_uploads_disabled_without_a_token(settings: Settings, components: Components) -> None:
    client = open_client(settings.model_copy(update={"api_token": None}), components)
    try:
        r = upload(client, "a.txt", b"Some article text.")
        assert r.status_code == 403
        assert r.json() == {"detail": "uploads are disabled; set RAG_API_TOKEN to enable"}
        assert client.delete("/v1/documents/000_67e5238ffeab8bd0").status_code == 403
    finally:
        client.__exit__(None, None, None)


@pytest.mark.parametrize(
    ("name", "raw", "status", "words"),
    [
        ("big.txt", b"a" * 2_000_001, 413, "RAG_MAX_UPLOAD_BYTES"),
        ("paper.pptx", b"PK\x03\x04", 415, "unsupported file type .pptx"),
        ("paper.pdf", b"%PDF-1.4 text", 400, "damaged"),
        ("paper.pdf", b"plain text", 400, "not a PDF"),
        ("noext", b"text", 415, "unsupported file type (none)"),
        ("blob.txt", b"\x00\x01\x02binary" * 10, 400, "binary"),
        ("empty.md", b"   \n", 400, "empty"),
    ],
)
def test_bad_uploads(client: TestClient, name: str, raw: bytes, status: int, words: str) -> None:
    r = upload(client, name, raw)
    assert r.status_code == status, r.text
    assert words in r.json()["detail"]


def test_document_page_404(client: TestClient) -> None:
    r = client.get("/documents/<b>nope")
    assert r.status_code == 404 and "No such article" in r.text and "<b>nope" not in r.text


# -- the bounded queue --------------------------------------------------------------
class BlockingGenerator(ScriptedGenerator):
    """Holds every answer until `release` is set, as a slow model would."""

    def __init__(self, replies: Sequence[str]) -> None:
        super().__init__(replies)
        self.release = threading.Event()
        self.started = threading.Event()

    def _deltas(self, messages: Sequence[Message], reply: str, max_tokens: int) -> Iterator[str]:
        self.started.set()
        assert self.release.wait(30), "test never released the model"
        yield from super()._deltas(messages, reply, max_tokens)


def until(condition: object, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_full_queue_is_429_then_drains(settings: Settings, components: Components) -> None:
    gen = BlockingGenerator([REPLY] * 2)
    client = open_client(settings.model_copy(update={"answer_queue": 2}), components, gen)
    gate = gate_of(client)
    results: list[int] = []
    ask = lambda: results.append(client.post("/v1/answer", json={"question": QUESTION}).status_code)  # noqa: E731
    threads = [threading.Thread(target=ask) for _ in range(2)]
    try:
        threads[0].start()
        until(gen.started.is_set)  # the first answer holds the model
        threads[1].start()
        until(lambda: gate.admitted == 2)  # the second waits its turn
        r = client.post("/v1/answer", json={"question": QUESTION})
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        assert "RAG_ANSWER_QUEUE" in r.json()["detail"]
        r = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}]})
        assert r.status_code == 429
    finally:
        gen.release.set()
        for t in threads:
            t.join(30)
        client.__exit__(None, None, None)
    assert results == [200, 200] and gate.admitted == 0


def test_waiting_too_long_for_a_turn_is_503(settings: Settings, components: Components) -> None:
    gen = BlockingGenerator([REPLY])
    client = open_client(settings.model_copy(update={"answer_queue": 3, "llm_timeout_s": 0.5}), components, gen)
    first = threading.Thread(target=lambda: client.post("/v1/answer", json={"question": QUESTION}))
    try:
        first.start()
        until(gen.started.is_set)
        started = time.monotonic()
        r = client.post("/v1/answer", json={"question": QUESTION, "stream": True})
        assert r.status_code == 503 and r.headers["Retry-After"].isdigit()
        assert "waited 0.5 s" in r.json()["detail"] and time.monotonic() - started < 5
    finally:
        gen.release.set()
        first.join(30)
        client.__exit__(None, None, None)
