"""A real uvicorn serving the whole app from a thread, for loopback and browser tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
import uvicorn
from starlette.types import ASGIApp

from bench.load_run import free_port
from rag.settings import Settings
from ui.api import create_app


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
