"""First come, first served for the CPU-bound read routes.

A search is ~10 ms of CPU. Twenty of them at once in twenty threads share two
cores and one GIL: each gets a sliver in turn, so all of them finish late, and
the unlucky ones very late (measured: p50 113 ms but p95 660 ms at 92 req/s).
Letting only a few run at a time, the others waiting in arrival order (anyio's
semaphore is FIFO), keeps the same throughput and gives every request about
the same latency: the queue ahead of it.

    RAG_SEARCH_CONCURRENCY=4   searches running at once per worker process (0 = no limit)
"""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

LIMITED = frozenset({("POST", "/v1/search")})


class FifoLimit:
    """At most `limit` of the LIMITED requests inside the app at once; the rest wait in order."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.semaphore = anyio.Semaphore(limit) if limit > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.semaphore is None or scope["type"] != "http" or (scope["method"], scope["path"]) not in LIMITED:
            await self.app(scope, receive, send)
            return
        async with self.semaphore:
            await self.app(scope, receive, send)
