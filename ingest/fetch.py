"""Fetching a page or a feed from a URL with httpx, so that a URL cannot be turned against the server.

The rules, each checked on every hop of a redirect chain:

- only http and https, no user name or password in the URL;
- the host is resolved first and *every* address it resolves to must be public (not loopback,
  private, link-local, shared, reserved or multicast) unless RAG_ALLOW_PRIVATE_URLS is set; the
  connection then goes to the address that was checked (the Host header and TLS name stay the
  host's), so a second DNS answer cannot swap in another address;
- at most RAG_FETCH_MAX_REDIRECTS redirects, and RAG_FETCH_TIMEOUT_S for the whole fetch;
- at most RAG_MAX_FILE_BYTES of body (declared or received, after decompression);
- only what can be ingested: an HTML page, an RSS/Atom feed, a PDF, a Word file, plain text
  or an e-mail, by Content-Type, or by the first bytes when the server says nothing useful.

Errors are `FetchError`s whose message says what went wrong and what to do.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from ingest.loader import Kind
from rag.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]
Policy = Callable[[IPAddress], bool]

USER_AGENT = "newsrag/0.1 (article archive)"
_REDIRECTS = (301, 302, 303, 307, 308)
_TYPES: dict[str, Kind] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/rss+xml": "feed",
    "application/atom+xml": "feed",
    "application/rdf+xml": "feed",
    "application/xml": "feed",
    "text/xml": "feed",
    "text/plain": "text",
    "text/markdown": "text",
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "message/rfc822": "email",
}
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]", re.I)
_HTML_ROOT = re.compile(rb"<(?:!doctype\s+html|html)[\s>]", re.I)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class FetchError(Exception):
    """A URL that could not or may not be fetched; the message says what to do."""


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    kind: Kind
    data: bytes
    charset: str | None


def is_url(value: str) -> bool:
    return value.lower().startswith(("http://", "https://"))


def url_doc_id(url: str) -> str:
    """A document id from a URL: host and path in safe characters, a hash when it is long or has a query.

    >>> url_doc_id("https://news.example.org/world/2025/port-reopens.html")
    'news.example.org_world_2025_port-reopens.html'
    >>> url_doc_id("https://example.org/item?id=7")
    'example.org_item-42096941'
    """
    parts = urlsplit(url)
    base = _UNSAFE.sub("_", f"{parts.hostname or ''}{parts.path}").strip("._-")
    tag = hashlib.sha256(url.encode()).hexdigest()[:8] if parts.query or len(base) > 100 else ""
    return f"{base[: 100 - len(tag) - 1]}-{tag}" if tag else base or hashlib.sha256(url.encode()).hexdigest()[:16]


def public_only(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class Fetcher:
    """`fetch(url)` under the rules above. `resolver`, `policy` and `transport` are seams for tests."""

    def __init__(
        self,
        settings: Settings,
        *,
        resolver: Resolver = system_resolver,
        policy: Policy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.timeout_s = settings.fetch_timeout_s
        self.max_redirects = settings.fetch_max_redirects
        self.max_bytes = settings.max_file_bytes
        self.resolver = resolver
        self.policy = policy or ((lambda ip: True) if settings.allow_private_urls else public_only)
        self.transport = transport

    def fetch(self, url: str) -> Fetched:
        deadline = time.monotonic() + self.timeout_s
        with httpx.Client(transport=self.transport, trust_env=False, follow_redirects=False) as client:
            for _ in range(self.max_redirects + 1):
                request = self._request(client, url, deadline)
                try:
                    response = client.send(request, stream=True)
                except httpx.TimeoutException as exc:
                    raise FetchError(f"{url} did not answer within {self.timeout_s:g} s (RAG_FETCH_TIMEOUT_S)") from exc
                except httpx.HTTPError as exc:
                    raise FetchError(f"cannot fetch {url}: {exc or type(exc).__name__}; check the URL") from exc
                try:
                    if response.status_code in _REDIRECTS and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    return self._read(url, response, deadline)
                finally:
                    response.close()
        raise FetchError(f"more than {self.max_redirects} redirects (RAG_FETCH_MAX_REDIRECTS); use the final URL")

    def _request(self, client: httpx.Client, url: str, deadline: float) -> httpx.Request:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"{url!r} is not an http(s) URL; give one like https://example.org/news/story")
        if parts.username or parts.password:
            raise FetchError(f"{url} holds a user name or password; URLs with credentials are not fetched")
        host = parts.hostname
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = self._checked_address(host, port, url)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"{url} took longer than {self.timeout_s:g} s (RAG_FETCH_TIMEOUT_S)")
        target = httpx.URL(url).copy_with(host=address)
        headers = {"Host": parts.netloc.rsplit("@", 1)[-1], "User-Agent": USER_AGENT, "Accept": "*/*"}
        extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
        return client.build_request(
            "GET", target, headers=headers, timeout=httpx.Timeout(remaining), extensions=extensions
        )

    def _checked_address(self, host: str, port: int, url: str) -> str:
        try:
            addresses = self.resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise FetchError(f"cannot resolve the host of {url} ({exc}); check the URL") from exc
        if not addresses:
            raise FetchError(f"the host of {url} has no address; check the URL")
        for raw in addresses:
            ip = ipaddress.ip_address(raw.split("%", 1)[0])
            if not self.policy(ip):
                raise FetchError(
                    f"{url} resolves to {ip}, a loopback or private address; such URLs are refused "
                    "(set RAG_ALLOW_PRIVATE_URLS=true to allow them on a trusted network)"
                )
        # IPv4 first: a host with both is more often reachable over it
        return sorted(addresses, key=lambda a: ":" in a)[0].split("%", 1)[0]

    def _read(self, url: str, response: httpx.Response, deadline: float) -> Fetched:
        if response.status_code >= 400:
            raise FetchError(f"{url} answered {response.status_code} {response.reason_phrase}; check the URL")
        if response.status_code != 200:
            raise FetchError(f"{url} answered {response.status_code} without a document; check the URL")
        mime = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if mime not in _TYPES and mime not in _UNTYPED:
            raise FetchError(_unwanted(url, mime))  # before downloading a video
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(self._too_big(url))
        body = bytearray()
        try:
            for part in response.iter_bytes():
                body += part
                if len(body) > self.max_bytes:
                    raise FetchError(self._too_big(url))
                if time.monotonic() > deadline:
                    raise FetchError(f"{url} took longer than {self.timeout_s:g} s to send (RAG_FETCH_TIMEOUT_S)")
        except httpx.TimeoutException as exc:
            raise FetchError(f"{url} stopped sending for {self.timeout_s:g} s (RAG_FETCH_TIMEOUT_S)") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"the download of {url} broke off ({exc}); try again") from exc
        data = bytes(body)
        kind = sniff(mime, data)
        if kind is None:
            raise FetchError(_unwanted(url, mime))
        return Fetched(url=url, kind=kind, data=data, charset=response.charset_encoding)

    def _too_big(self, url: str) -> str:
        return f"{url} is larger than {self.max_bytes / 1e6:.1f} MB (RAG_MAX_FILE_BYTES); save it and ingest the file"


def sniff(mime: str, data: bytes) -> Kind | None:
    """The kind of a fetched body: a feed root wins over an XML or HTML type, else the type, else the bytes.

    >>> sniff("text/xml", b'<?xml version="1.0"?><rss version="2.0">'), sniff("text/html", b"<html>")
    ('feed', 'html')
    """
    head = data[:2048]
    if _FEED_ROOT.search(head) and mime in ("text/html", "text/plain", *_UNTYPED, *_XML):
        return "feed"
    if mime in _TYPES:
        return "html" if mime in _XML and _HTML_ROOT.search(head) else _TYPES[mime]
    if mime in _UNTYPED:
        if head.startswith(b"%PDF-"):
            return "pdf"
        if _HTML_ROOT.search(head):
            return "html"
    return None


def _unwanted(url: str, mime: str) -> str:
    return (
        f"{url} sent {mime or 'no content type'}; a web page, an RSS/Atom feed, a PDF, a Word file, "
        "plain text or an e-mail can be ingested"
    )


_UNTYPED = ("", "application/octet-stream", "binary/octet-stream")
_XML = ("application/xml", "text/xml", "application/rss+xml", "application/atom+xml", "application/rdf+xml")
