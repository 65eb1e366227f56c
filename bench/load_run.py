"""`python -m bench.load_run`: the load benchmark end to end.

Starts `python -m ui.cli serve --port N` on 127.0.0.1 (a free port) with a fresh
RAG_HOME in a temp folder and the default embedded model, waits for /readyz
(bounded), runs `bench.load.main` with 20 clients × 60 s on /v1/search, then on
/v1/answer, checks the server still answers /healthz and has not exited, writes
artifacts/load/load.json and load.md, prints the table and stops the server.
The load generator runs on the same machine as the server, so on a small machine
its own CPU use lowers the figures a little.

Exit status: 0 when no response was a 5xx other than 503, nothing hung and the
server survived; 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench import load
from rag.settings import REPO_ROOT


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(home: Path, port: int, backend: str, log: Path, workers: int = 1) -> subprocess.Popen[bytes]:
    env = {**os.environ, "RAG_HOME": str(home), "RAG_LLM_BACKEND": backend, "RAG_HOST": "127.0.0.1"}
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "ui.cli", "serve", "--port", str(port), "--workers", str(workers)],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout_s: float, streak: int = 1) -> float:
    """Seconds until /readyz said 200 `streak` times in a row (each on a new connection, so with
    several workers each has likely loaded); RuntimeError if the server exits or the time runs out."""
    started = time.monotonic()
    detail = "no answer yet"
    ok = 0
    while time.monotonic() - started < timeout_s:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode} while loading")
        try:
            r = httpx.get(f"{url}/readyz", timeout=5)
            ok = ok + 1 if r.status_code == 200 else 0
            if ok >= streak:
                return time.monotonic() - started
            if r.status_code != 200:
                detail = str(r.json().get("detail"))
        except (httpx.HTTPError, ValueError) as exc:
            ok, detail = 0, repr(exc)
        time.sleep(0.1 if ok else 0.5)
    raise RuntimeError(f"the server was not ready after {timeout_s:.0f} s: {detail}")


def stop_server(proc: subprocess.Popen[bytes], grace_s: float = 30, kill_s: float = 10) -> None:
    """Ctrl-C (uvicorn shuts down cleanly), then SIGKILL if it has not exited within `grace_s`."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(kill_s)


def _fmt(value: Any) -> str:
    return "–" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def markdown(report: dict[str, Any]) -> str:
    head = (
        "| endpoint | clients × s | requests | req/s | 2xx/s | p50 ms | p95 ms | p99 ms | 2xx p50 ms | 2xx p95 ms "
        "| 2xx | 429 | 503 | 5xx other | other | errors | timeouts | hung | peak RSS MB |"
    )
    rows = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in report["runs"]:
        s, lat, ok = r["status"], r["latency_ms"], r["ok_latency_ms"]
        rss = (r["server_rss_mb"] or {}).get("peak")
        cells = [
            r["endpoint"],
            f"{r['clients']} × {r['seconds']:g}",
            r["requests"],
            r["throughput_rps"],
            r["ok_rps"],
            lat["p50"],
            lat["p95"],
            lat["p99"],
            ok["p50"],
            ok["p95"],
            s["2xx"],
            s["429"],
            s["503"],
            s["5xx_other"],
            s["other"],
            s["errors"],
            s["timeouts"],
            r["hung"],
            rss,
        ]
        rows.append("| " + " | ".join(_fmt(c) for c in cells) + " |")
    lines = [
        f"# Load: `rag serve --workers {report.get('workers', 1)}`, {report['backend']} backend"
        + (", a distinct question every request" if report.get("distinct") else ""),
        "",
        *rows,
        "",
        f"Server ready after {report['ready_s']:.1f} s (first start: seeds indexed, model loaded). "
        f"After the load: /healthz {report['healthz_after']}, server {'alive' if report['alive_after'] else 'EXITED'}.",
    ]
    for r in report["runs"]:
        if r["models"]:
            lines.append(f"Answers on {r['endpoint']} by model: {json.dumps(r['models'])}.")
    lines.append(f"Verdict: {'ok' if report['ok'] else 'FAILED'} (no 5xx but 503, nothing hung, server alive).")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--endpoints", nargs="+", default=["/v1/search", "/v1/answer"])
    parser.add_argument("--backend", default="embedded", choices=["embedded", "extractive"])
    parser.add_argument("--ready-timeout", type=float, default=600.0)
    parser.add_argument("--workers", type=int, default=1, help="rag serve --workers (more: RSS is the parent's only)")
    parser.add_argument("--distinct", action="store_true", help="a new question text every request (no cache hits)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "artifacts" / "load")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="rag-load-") as tmp:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = Path(tmp) / "server.log"
        proc = start_server(Path(tmp) / "home", port, args.backend, log, args.workers)
        try:
            try:
                ready_s = wait_ready(url, proc, args.ready_timeout, streak=1 if args.workers == 1 else 8 * args.workers)
            except RuntimeError as exc:
                print(f"error: {exc}\n{log.read_text(errors='replace')[-3000:]}", file=sys.stderr)
                return 1
            runs = []
            for endpoint in args.endpoints:
                print(f"loading {endpoint}: {args.clients} clients × {args.seconds:g} s …", flush=True)
                runs.append(load.main(url, endpoint, args.clients, args.seconds, pid=proc.pid, distinct=args.distinct))
            try:
                healthz: int | str = httpx.get(f"{url}/healthz", timeout=10).status_code
            except httpx.HTTPError as exc:
                healthz = repr(exc)
            alive = proc.poll() is None
        finally:
            stop_server(proc)

    ok = alive and healthz == 200 and all(r["status"]["5xx_other"] == 0 and r["hung"] == 0 for r in runs)
    report = {
        "backend": args.backend,
        "workers": args.workers,
        "distinct": args.distinct,
        "ready_s": round(ready_s, 1),
        "runs": runs,
        "healthz_after": healthz,
        "alive_after": alive,
        "ok": ok,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "load.json").write_text(json.dumps(report, indent=2) + "\n")
    table = markdown(report)
    (args.out / "load.md").write_text(table)
    print(table)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
