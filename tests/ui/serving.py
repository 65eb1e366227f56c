"""The whole app for tests: in a TestClient on given components, or served by a real uvicorn
from a thread for loopback and browser tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from starlette.types import ASGIApp

from bench.load_run import free_port
from rag.factory import Components, build_pipeline
from rag.llm import Generator
from rag.settings import Settings
from ui.api import create_app


def open_test_client(settings: Settings, components: Components, generator: Generator | None = None) -> TestClient:
    """The app on `components` (answers by `generator`, else extractive), entered and ready;
    the caller exits it (`client.__exit__(None, None, None)`)."""
    app = create_app(settings, pipeline=build_pipeline(components, generator, load_model=False), components=components)
    client = TestClient(app)
    client.__enter__()
    deadline = time.monotonic() + 60
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, client.get("/readyz").text
        time.sleep(0.05)
    return client


def wait_ready(url: str, timeout_s: float, alive: Callable[[], bool] = lambda: True) -> None:
    deadline = time.monotonic() + timeout_s
    detail = "no answer"
    while time.monotonic() < deadline and alive():
        try:
            r = httpx.get(f"{url}/readyz", timeout=2)
            if r.status_code == 200:
                return
            detail = r.json()["detail"]
        except httpx.TransportError as exc:
            detail = repr(exc)
        time.sleep(0.1)
    pytest.fail(f"server at {url} not ready after {timeout_s} s: {detail}")


def start_server(settings: Settings, ready_timeout_s: float, app: ASGIApp | None = None) -> Iterator[str]:
    """Serve `app` (default `create_app(settings)`) from a thread; yields the base URL once /readyz is 200."""
    port = free_port()
    app = app or create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, ready_timeout_s)
        yield url
    finally:
        server.should_exit = True
        thread.join(15)
