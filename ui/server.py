"""`serve`: the API, the document pages and the chat, in one process or in N workers.

One worker (the default): everything in one uvicorn process, the model and
Chroma embedded. The URL answers at once; the index and the model load in the
background (/readyz says when).

N workers (`rag serve --workers N`, RAG_WORKERS): uvicorn's own supervisor runs
N processes of `worker_app` on one socket, beside one Chroma server and one
llama.cpp model server (see `ui.processes` for why and how); /metrics then
sums every worker's figures.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from rag import offline
from rag.settings import Settings

offline.enforce()


def serve(settings: Settings, host: str | None = None, port: int | None = None, workers: int | None = None) -> None:
    import uvicorn

    host = host or settings.host
    port = port or settings.port
    workers = workers or settings.workers
    shown = f"[{host}]" if ":" in host else host
    if workers > 1:
        with worker_environment(settings):
            print(f"newsrag: {workers} workers, chat at http://{shown}:{port}/  API docs at /docs", flush=True)
            uvicorn.run(
                "ui.server:worker_app",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                log_level="info",
                timeout_graceful_shutdown=5,
            )
        return
    from ui.api import create_app

    app = create_app(settings)
    print(f"newsrag: chat at http://{shown}:{port}/  API docs at http://{shown}:{port}/docs", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="info", workers=1, timeout_graceful_shutdown=5)


def worker_app() -> object:
    """One API worker's app (uvicorn factory): its settings come from the environment the server set."""
    from ui.api import create_app

    return create_app(Settings())


@contextlib.contextmanager
def worker_environment(settings: Settings) -> Iterator[dict[str, str]]:
    """Start what the workers share (a Chroma server, a model server, a metrics folder), put
    their addresses and `settings` into this process's environment for the workers to
    inherit, and stop it all on exit."""
    from rag.model_files import PACKAGED_MODEL
    from ui.metrics import MULTIPROC_ENV
    from ui.processes import Child, free_port, settings_env, start_chroma, start_model_server

    env = settings_env(settings)
    saved = dict(os.environ)
    children: list[Child] = []
    metrics_dir = tempfile.mkdtemp(prefix="rag-metrics-")
    logs = settings.home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    try:
        os.environ.update(env)  # the model server reads the same settings
        if not settings.chroma_url:
            port = free_port()
            with (logs / "chroma.log").open("ab") as log:
                chroma = start_chroma(settings.chroma_dir, port, log)
            children.append(chroma)
            chroma.wait_ready(120)
            env["RAG_CHROMA_URL"] = f"http://127.0.0.1:{port}"
            print(f"newsrag: Chroma server at {env['RAG_CHROMA_URL']} (log {logs / 'chroma.log'})", flush=True)
        if settings.llm_backend == "embedded":
            port = free_port()
            with (logs / "model-server.log").open("ab") as log:
                model = start_model_server(port, log)
            children.append(model)
            model.wait_ready(900)  # the first start assembles the 1 GB model from its packages
            name = Path(settings.llm_gguf or PACKAGED_MODEL.filename).stem
            env.update(RAG_LLM_BACKEND="openai", RAG_LLM_URL=f"http://127.0.0.1:{port}/v1", RAG_LLM_MODEL=name)
            print(f"newsrag: model server at {env['RAG_LLM_URL']} (log {logs / 'model-server.log'})", flush=True)
        env[MULTIPROC_ENV] = metrics_dir
        os.environ.update(env)
        yield env
    finally:
        for child in reversed(children):
            child.stop()
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(metrics_dir, ignore_errors=True)
