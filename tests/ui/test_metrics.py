"""GET /metrics (Prometheus text) and the JSON answer log line, through the real app:
real Chroma, BM25 and SQLite, the word-hash embedder and a scripted model."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from ingest.seed import ensure_seeded
from rag.factory import Components, build_components, build_pipeline
from rag.settings import REPO_ROOT, Settings
from tests.fakes import ScriptedGenerator, WordHashEmbedder
from tests.ui.test_api import wait_ready
from ui import metrics
from ui.api import create_app

QUESTION = "Who led the Chinese delegation that met Mohsin Naqvi?"


@pytest.fixture(scope="module")
def components(tmp_path_factory: pytest.TempPathFactory) -> Components:
    settings = Settings(
        home=tmp_path_factory.mktemp("rag"), seeds_dir=REPO_ROOT / "seeds", llm_backend="extractive", _env_file=None
    )  # type: ignore[call-arg]
    c = build_components(settings, embedder=WordHashEmbedder(dim=256))
    ensure_seeded(c)
    return c


@pytest.fixture(scope="module")
def client(components: Components) -> Iterator[TestClient]:
    gen = ScriptedGenerator(["Chen Mingguo led the Chinese delegation."] * 3)
    pipeline = build_pipeline(components, gen, cache=True, observers=[metrics.observe_answer])
    with TestClient(create_app(components.settings, pipeline=pipeline, components=components)) as c:
        wait_ready(c)
        yield c


def samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


def delta(before: dict, after: dict, name: str, **labels: str) -> float:  # type: ignore[type-arg]
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_requests_are_counted_by_route_template(client: TestClient, components: Components) -> None:
    doc_id = components.store.list_documents()[0].doc_id
    before = samples(client)
    assert client.post("/v1/search", json={"query": "Chinese delegation"}).status_code == 200
    assert client.get(f"/documents/{doc_id}").status_code == 200
    assert client.get("/v1/documents/no-such-doc").status_code == 404
    after = samples(client)
    search = {"method": "POST", "route": "/v1/search", "status": "200"}
    assert delta(before, after, "rag_http_requests_total", **search) == 1
    assert delta(before, after, "rag_http_requests_total", method="GET", route="/documents/{doc_id}", status="200") == 1
    assert delta(before, after, "rag_http_requests_total", method="GET", route="/v1/documents/{doc_id}", status="404")
    latency = {"method": "POST", "route": "/v1/search"}
    assert delta(before, after, "rag_http_request_duration_seconds_count", **latency) == 1
    assert not any(doc_id in str(labels) for _, labels in after), "raw paths must not become labels"


def test_answers_stages_cache_hits_queue_and_index_size(client: TestClient, components: Components) -> None:
    before = samples(client)
    first = client.post("/v1/answer", json={"question": QUESTION}).json()
    again = client.post("/v1/answer", json={"question": QUESTION}).json()
    assert not first["timings"]["cached"] and again["timings"]["cached"]
    after = samples(client)
    assert delta(before, after, "rag_answer_cache_total", result="miss") == 1
    assert delta(before, after, "rag_answer_cache_total", result="hit") == 1
    assert delta(before, after, "rag_answers_total", model="scripted", outcome="answered", cached="true") == 1
    for stage in ("retrieve", "evidence", "generate", "first_token", "total"):
        assert delta(before, after, "rag_answer_stage_seconds_count", stage=stage) == 1, stage
    assert after[("rag_answer_queue_depth", ())] == 0
    assert after[("rag_index_chunks", ())] == components.store.count()
    assert after[("rag_answer_cache_entries", ())] >= 1


def test_one_json_log_line_per_answer(client: TestClient) -> None:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    keep = Keep()
    metrics.answer_log.addHandler(keep)
    try:
        client.post("/v1/answer", json={"question": "Where will Gilgit-Baltistan police officers train?"})
    finally:
        metrics.answer_log.removeHandler(keep)
    assert len(records) == 1
    ours = next(h for h in metrics.answer_log.handlers if getattr(h, "_rag_answers", False))
    line = json.loads(ours.format(records[0]))
    assert line["message"] == "answer" and line["cached"] is False and isinstance(line["pid"], int)
    assert {"model", "refused", "citations", "retrieve_s", "total_s", "prompt_tokens", "question_sha"} <= set(line)
    assert "Gilgit" not in json.dumps(line), "the question itself is not logged"
