"""A real HTTP server on a loopback address, serving canned responses, for URL-ingest tests.

    with Site({"/a.html": Route(body=b"<html>…", type="text/html")}) as site:
        fetch(site.url("/a.html"))

Routes can redirect, lie about their size, send slowly (`drip_s` between pieces) or never
finish; every request path is recorded in `site.hits`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Route:
    body: bytes = b""
    type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    pieces: int = 1  # the body is sent in this many writes…
    drip_s: float = 0.0  # …with this long a pause before each
    length: int | None = None  # a Content-Length to declare instead of the true one; -1: none at all


class Site:
    def __init__(self, routes: dict[str, Route], host: str = "127.0.0.1") -> None:
        self.routes = routes
        self.host = host
        self.hits: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits.append(self.path)
                route = site.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    self.send_error(404, "no such page")
                    return
                self.send_response(route.status)
                if route.type:
                    self.send_header("Content-Type", route.type)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                length = route.length if route.length is not None else len(route.body)
                if length != -1:
                    self.send_header("Content-Length", str(length))
                self.end_headers()
                size = max(1, -(-len(route.body) // route.pieces))
                try:
                    for i in range(0, max(len(route.body), 1), size):
                        time.sleep(route.drip_s)
                        self.wfile.write(route.body[i : i + size])
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as it should

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
