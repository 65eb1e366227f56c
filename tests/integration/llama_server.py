"""A stand-alone OpenAI-compatible llama.cpp server on the packaged model, for fault tests.

    python tests/integration/llama_server.py PORT [MODEL_DIR]

Runs `xllamacpp.Server` on 127.0.0.1:PORT (a fixed port, so a restarted server
has the same URL), prints `listening <address>` once it accepts requests, then
sleeps until killed. It is the "external model server" of the tests: a process
of its own that can be SIGKILLed mid-answer.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


def main(port: int, model_dir: Path | None) -> None:
    import xllamacpp

    from rag.model_files import ensure_model
    from rag.settings import Settings

    settings = Settings(_env_file=None) if model_dir is None else Settings(model_dir=model_dir, _env_file=None)  # type: ignore[call-arg]
    params = xllamacpp.CommonParams()
    params.model.path = str(ensure_model(settings))
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.n_ctx = 2048
    params.n_parallel = 1
    params.cpuparams.n_threads = 2
    params.cpuparams_batch.n_threads = 2
    params.warmup = False
    params.verbosity = -1
    server = xllamacpp.Server(params)
    print(f"listening {server.listening_address}", flush=True)
    deadline = time.monotonic() + 3600  # never outlive a forgotten test run by more than an hour
    while time.monotonic() < deadline:
        time.sleep(1)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    main(int(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)
