"""Load on an already-running server: `clients` async HTTP clients post to one endpoint
for `seconds`, each sending its next request as soon as the last one is answered.

Only loopback servers are accepted (127.0.0.0/8, ::1, localhost): this is a benchmark
of our own process, not a tool to point at other hosts. Every bound is explicit: the
run stops sending at `seconds` or after `max_requests`, each request gives up after
`request_timeout_s`, and anything still open at the end of that is cancelled and
counted as `hung`. A client told 429/503 with Retry-After waits min(Retry-After,
`retry_after_cap_s`) before its next request, as a polite client would, without
leaving the queue idle.

The result (also written to `out` as JSON) holds throughput, latency percentiles
(all answered requests, and 2xx only), status-code counts
{2xx, 429, 503, 5xx_other, other, errors, timeouts}, the `model` field of JSON
answers (how many were model answers, how many extractive fallbacks) and the
server's RSS from /proc/<pid>/status (VmHWM: its peak since it started).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

DEFAULT_QUESTIONS = (
    "Who led the Chinese delegation?",
    "Where will Gilgit-Baltistan police officers train?",
    "What did Pakistan and China agree in February 2025?",
    "How long is the border with Xinjiang?",
    "Who won the 2024 Champions League final?",
)


@dataclass(frozen=True)
class Sample:
    status: int | None  # None: no HTTP answer (see `failure`)
    seconds: float
    failure: str | None = None  # "timeout" | "error"
    model: str | None = None  # the `model` field of a JSON answer


def check_loopback(url: str) -> None:
    """Refuse anything but a loopback server.

    >>> check_loopback("http://127.0.0.1:8000"); check_loopback("http://[::1]:80")
    >>> check_loopback("http://10.0.0.5:8000")
    Traceback (most recent call last):
    ...
    ValueError: refusing to load http://10.0.0.5:8000: only loopback servers (127.0.0.1, ::1, localhost)
    """
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"refusing to load {url}: only loopback servers (127.0.0.1, ::1, localhost)")


def request_body(endpoint: str, question: str) -> dict[str, Any]:
    if endpoint == "/v1/search":
        return {"query": question}
    if endpoint == "/v1/answer":
        return {"question": question}
    if endpoint == "/v1/chat/completions":
        return {"model": "rag", "messages": [{"role": "user", "content": question}]}
    raise ValueError(f"unknown endpoint {endpoint!r}; use /v1/search, /v1/answer or /v1/chat/completions")


def server_rss_mb(pid: int | None) -> dict[str, float] | None:
    """{'peak': VmHWM, 'now': VmRSS} in MB for a local process, or None."""
    if pid is None:
        return None
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    fields = {k: v.split()[0] for k, _, v in (line.partition(":") for line in lines) if k in ("VmHWM", "VmRSS")}
    if len(fields) < 2:
        return None
    return {"peak": round(int(fields["VmHWM"]) / 1024, 1), "now": round(int(fields["VmRSS"]) / 1024, 1)}


def percentiles_ms(seconds: Sequence[float]) -> dict[str, float | None]:
    """p50/p95/p99/max in ms; [0.1, 0.2, 0.3] -> {'p50': 200.0, …, 'max': 300.0}."""
    if not seconds:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    q = [seconds[0]] * 99 if len(seconds) == 1 else statistics.quantiles(seconds, n=100, method="inclusive")
    return {
        "p50": round(q[49] * 1000, 1),
        "p95": round(q[94] * 1000, 1),
        "p99": round(q[98] * 1000, 1),
        "max": round(max(seconds) * 1000, 1),
    }


def summarize(samples: Sequence[Sample], wall_s: float, hung: int) -> dict[str, Any]:
    codes = Counter(s.status for s in samples if s.status is not None)
    answered = [s.seconds for s in samples if s.status is not None]
    ok = [s.seconds for s in samples if s.status is not None and 200 <= s.status < 300]
    known = {429, 503}
    status = {
        "2xx": sum(n for c, n in codes.items() if 200 <= c < 300),
        "429": codes.get(429, 0),
        "503": codes.get(503, 0),
        "5xx_other": sum(n for c, n in codes.items() if c >= 500 and c not in known),
        "other": sum(n for c, n in codes.items() if not 200 <= c < 300 and c < 500 and c not in known),
        "errors": sum(s.failure == "error" for s in samples),
        "timeouts": sum(s.failure == "timeout" for s in samples),
    }
    return {
        "requests": len(samples),
        "wall_s": round(wall_s, 2),
        "throughput_rps": round(len(samples) / wall_s, 2) if wall_s else 0.0,
        "ok_rps": round(len(ok) / wall_s, 2) if wall_s else 0.0,
        "latency_ms": percentiles_ms(answered),
        "ok_latency_ms": percentiles_ms(ok),
        "status": status,
        "status_codes": {str(c): n for c, n in sorted(codes.items())},
        "models": dict(Counter(s.model for s in samples if s.model is not None)),
        "hung": hung,
    }


class _Budget:
    """The shared request budget: a deadline and a maximum count."""

    def __init__(self, seconds: float, max_requests: int) -> None:
        self.deadline = time.monotonic() + seconds
        self.left = max_requests

    def take(self) -> bool:
        if self.left <= 0 or time.monotonic() >= self.deadline:
            return False
        self.left -= 1
        return True


async def _client(
    http: httpx.AsyncClient,
    endpoint: str,
    questions: Sequence[str],
    offset: int,
    budget: _Budget,
    samples: list[Sample],
    retry_after_cap_s: float,
    distinct: bool = False,
) -> None:
    n = offset
    while budget.take():
        question = questions[n % len(questions)]
        body = request_body(endpoint, f"{question} (request {offset}-{n})" if distinct else question)
        n += 1
        started = time.perf_counter()
        try:
            r = await http.post(endpoint, json=body)
        except httpx.TimeoutException:
            samples.append(Sample(None, time.perf_counter() - started, "timeout"))
            continue
        except httpx.HTTPError:
            samples.append(Sample(None, time.perf_counter() - started, "error"))
            await asyncio.sleep(0.05)  # a refused connection returns at once: don't spin
            continue
        elapsed = time.perf_counter() - started
        model = None
        if 200 <= r.status_code < 300 and r.headers.get("content-type", "").startswith("application/json"):
            payload = r.json()
            model = payload.get("model") if endpoint == "/v1/answer" and isinstance(payload, dict) else None
        samples.append(Sample(r.status_code, elapsed, None, model))
        retry_after = r.headers.get("retry-after", "")
        if r.status_code in (429, 503) and retry_after.isdigit():
            wait = min(float(retry_after), retry_after_cap_s, max(0.0, budget.deadline - time.monotonic()))
            await asyncio.sleep(wait)


async def _run(
    url: str,
    endpoint: str,
    clients: int,
    seconds: float,
    questions: Sequence[str],
    max_requests: int,
    request_timeout_s: float,
    retry_after_cap_s: float,
    distinct: bool = False,
) -> tuple[list[Sample], float, int]:
    samples: list[Sample] = []
    budget = _Budget(seconds, max_requests)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    timeout = httpx.Timeout(request_timeout_s, connect=min(request_timeout_s, 10.0))
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout, trust_env=False) as http:
        tasks = [
            asyncio.create_task(_client(http, endpoint, questions, i, budget, samples, retry_after_cap_s, distinct))
            for i in range(clients)
        ]
        _, pending = await asyncio.wait(tasks, timeout=seconds + request_timeout_s + 5)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    return samples, time.monotonic() - started, len(pending)


def main(
    url: str,
    endpoint: str,
    clients: int = 20,
    seconds: float = 60.0,
    question: str | Sequence[str] = DEFAULT_QUESTIONS,
    out: Path | None = None,
    *,
    pid: int | None = None,
    max_requests: int = 100_000,
    request_timeout_s: float = 120.0,
    retry_after_cap_s: float = 1.0,
    distinct: bool = False,
) -> dict[str, Any]:
    """Load `url` + `endpoint` and return (and write to `out`, if given) the figures. With
    `distinct`, every request's question carries its own number, so no cache can answer it."""
    check_loopback(url)
    questions = [question] if isinstance(question, str) else list(question)
    request_body(endpoint, "probe")  # an unknown endpoint fails before any load
    if clients < 1 or seconds <= 0 or max_requests < 1 or request_timeout_s <= 0 or not questions:
        raise ValueError("clients, seconds, max_requests and request_timeout_s must be positive; give a question")
    samples, wall_s, hung = asyncio.run(
        _run(
            url.rstrip("/"),
            endpoint,
            clients,
            seconds,
            questions,
            max_requests,
            request_timeout_s,
            retry_after_cap_s,
            distinct,
        )
    )
    result = {
        "url": url,
        "endpoint": endpoint,
        "clients": clients,
        "seconds": seconds,
        "distinct": distinct,
        **summarize(samples, wall_s, hung),
        "server_rss_mb": server_rss_mb(pid),
    }
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n")
    return result
