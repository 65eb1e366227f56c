"""`serve`: the API, the document pages and the chat in one uvicorn process.

One process on purpose: the model takes ~2 GB and answers one request at a
time, so workers would only multiply memory. The URL answers at once; the
index and the model load in the background (/readyz says when).
"""

from __future__ import annotations

from rag import offline
from rag.settings import Settings

offline.enforce()


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    import uvicorn

    from ui.api import create_app

    host = host or settings.host
    port = port or settings.port
    app = create_app(settings)
    shown = f"[{host}]" if ":" in host else host
    print(f"newsrag: chat at http://{shown}:{port}/  API docs at http://{shown}:{port}/docs", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="info", workers=1, timeout_graceful_shutdown=5)
