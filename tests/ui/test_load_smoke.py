"""bench.load against a real uvicorn on loopback (extractive backend, WordHashEmbedder):
4 clients × 3 s per endpoint, with a queue small enough that answers overflow it."""

from __future__ import annotations

import doctest
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import load
from ingest.seed import ensure_seeded
from rag.factory import build_components, build_pipeline
from rag.settings import REPO_ROOT, Settings
from tests.fakes import WordHashEmbedder
from tests.ui.serving import start_server
from ui.api import create_app


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(
        home=tmp_path_factory.mktemp("rag"),
        seeds_dir=REPO_ROOT / "seeds",
        llm_backend="extractive",
        answer_queue=2,
        _env_file=None,  # type: ignore[call-arg]
    )
    components = build_components(settings, embedder=WordHashEmbedder(dim=256))
    ensure_seeded(components)
    app = create_app(settings, pipeline=build_pipeline(components, load_model=False), components=components)
    yield from start_server(settings, 60, app=app)


@pytest.mark.parametrize("endpoint", ["/v1/search", "/v1/answer", "/v1/chat/completions"])
def test_load_smoke(url: str, endpoint: str, tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    result = load.main(url, endpoint, clients=4, seconds=3, out=out, pid=os.getpid(), request_timeout_s=30)
    status = result["status"]
    assert status["5xx_other"] == 0 and status["errors"] == 0 and status["timeouts"] == 0 and result["hung"] == 0
    assert status["2xx"] > 0 and result["requests"] == sum(status.values())
    assert result["throughput_rps"] > 0 and result["latency_ms"]["p50"] <= result["latency_ms"]["p99"]
    assert result["wall_s"] < 3 + 30 + 5
    assert result["server_rss_mb"]["peak"] >= result["server_rss_mb"]["now"] > 0
    if endpoint == "/v1/answer":
        assert set(result["models"]) == {"extractive"}
    assert json.loads(out.read_text()) == result


def test_max_requests_bounds_the_run(url: str) -> None:
    result = load.main(url, "/v1/search", clients=4, seconds=30, max_requests=10)
    assert result["requests"] == 10 and result["wall_s"] < 30


@pytest.mark.parametrize(
    "target", ["http://10.0.0.1:8000", "http://example.com", "http://0.0.0.0:8000", "http://192.168.1.2"]
)
def test_only_loopback_servers(target: str) -> None:
    with pytest.raises(ValueError, match="only loopback"):
        load.main(target, "/v1/search", clients=1, seconds=1)


def test_bad_arguments(url: str) -> None:
    with pytest.raises(ValueError, match="unknown endpoint"):
        load.main(url, "/v1/nothing", clients=1, seconds=1)
    with pytest.raises(ValueError, match="positive"):
        load.main(url, "/v1/search", clients=0, seconds=1)


def test_docstring_examples() -> None:
    result = doctest.testmod(load)
    assert result.attempted > 0 and result.failed == 0
