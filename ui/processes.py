"""The processes `rag serve --workers N` runs beside its API workers, and how they are told apart.

With one worker everything lives in the one process (embedded Chroma, the model
in-process). With more, embedded Chroma would be opened by several processes
(unsafe: its SQLite and HNSW files have one writer) and each worker would load
its own 2 GB model and fight the others for the same cores. So the layout is:

    chroma run --path $RAG_HOME/chroma         one vector store (unless RAG_CHROMA_URL names one)
    rag model-server                           one llama.cpp server (unless RAG_LLM_BACKEND is openai/extractive)
    N × API worker (uvicorn, ui.server:worker_app)  each with its own BM25 cache of the shared store

All bind 127.0.0.1 on free ports; the workers reach the other two by
RAG_CHROMA_URL and RAG_LLM_URL, and share RAG_HOME (the corpus lock, the BM25
files, the answer cache database). Each child is stopped when the server stops.
The same three kinds of process can be started by hand, on several machines.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx

from rag.errors import ConfigError
from rag.settings import Settings


class Child:
    """A child process that is ready once `ready_url` answers 200."""

    def __init__(self, name: str, cmd: list[str], ready_url: str, log: IO[bytes] | None = None) -> None:
        self.name = name
        self.ready_url = ready_url
        env = {**os.environ, "ANONYMIZED_TELEMETRY": "False", "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT if log else None, env=env)

    def wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ConfigError(f"the {self.name} exited with status {self.proc.returncode} while starting")
            try:
                if httpx.get(self.ready_url, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise ConfigError(f"the {self.name} was not ready at {self.ready_url} after {timeout_s:.0f} s")

    def stop(self, grace_s: float = 15) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(grace_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(grace_s)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_chroma(path: Path, port: int, log: IO[bytes] | None = None) -> Child:
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if chroma is None:
        raise ConfigError("the `chroma` command is missing; reinstall the project (pip install -e .)")
    path.mkdir(parents=True, exist_ok=True)
    cmd = [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    return Child("Chroma server", cmd, f"http://127.0.0.1:{port}/api/v2/heartbeat", log)


def start_model_server(port: int, log: IO[bytes] | None = None) -> Child:
    cmd = [sys.executable, "-m", "ui.cli", "model-server", "--host", "127.0.0.1", "--port", str(port)]
    return Child("model server", cmd, f"http://127.0.0.1:{port}/health", log)


def settings_env(settings: Settings) -> dict[str, str]:
    """`settings` as RAG_* variables, so worker processes (which read the environment) get the same.

    >>> settings_env(Settings(_env_file=None, top_k=7, cors_origins=["http://a"]))["RAG_TOP_K"]
    '7'
    """
    import json

    from pydantic import SecretStr

    out: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        out[f"RAG_{name.upper()}"] = json.dumps(value) if isinstance(value, list | dict) else str(value)
    return out
