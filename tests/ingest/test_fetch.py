"""ingest.fetch against a real HTTP server on loopback: kinds, limits, redirects and the address rules.

The server is on 127.0.0.1, so most tests allow private addresses (as RAG_ALLOW_PRIVATE_URLS
does). The address rules are tested with the default setting, and with a policy seam that
treats 127.0.0.1 alone as "public", so that a redirect to another loopback address (127.0.0.2)
stands in for a redirect from a public site to a private one.
"""

from __future__ import annotations

import ipaddress
import time
from pathlib import Path
from typing import Any

import pytest

from bench.documents import make_pdf, rss
from ingest.fetch import Fetcher, FetchError, public_only, sniff, url_doc_id
from rag.settings import Settings
from tests.webserver import Route, Site

PAGE = b"<html><head><title>Port reopens</title></head><body><p>The port reopened on Friday.</p></body></html>"


def settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"allow_private_urls": True, "fetch_timeout_s": 5.0, **overrides}
    return Settings(home=tmp_path, _env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def site() -> Any:
    routes = {
        "/page.html": Route(PAGE),
        "/feed": Route(rss("Wire", [{"title": "A", "link": "https://e.org/a"}]), type="application/rss+xml"),
        "/feed-as-xml": Route(rss("Wire", [{"title": "A"}]), type="text/xml"),
        "/paper": Route(make_pdf(["Title", "Body text of the paper."]), type="application/pdf"),
        "/blob": Route(b"%PDF-1.4 ...", type="application/octet-stream"),
        "/image.png": Route(b"\x89PNG....", type="image/png"),
        "/latin1": Route("Café".encode("latin-1"), type="text/plain; charset=iso-8859-1"),
        "/moved": Route(status=301, headers={"Location": "/page.html"}),
        "/loop": Route(status=302, headers={"Location": "/loop"}),
        "/gone": Route(b"nope", status=410),
        "/big": Route(b"x" * 5000, type="text/plain"),
        "/unsized": Route(b"x" * 5000, type="text/plain", length=-1, pieces=5),
        "/slow": Route(b"x" * 100, type="text/plain", pieces=20, drip_s=0.3),
    }
    with Site(routes) as s:
        yield s


def test_a_page_a_feed_and_a_pdf_come_back_with_their_kind(tmp_path: Path, site: Site) -> None:
    fetcher = Fetcher(settings(tmp_path))
    page = fetcher.fetch(site.url("/page.html"))
    assert (page.kind, page.data, page.charset, page.url) == ("html", PAGE, "utf-8", site.url("/page.html"))
    assert fetcher.fetch(site.url("/feed")).kind == "feed"
    assert fetcher.fetch(site.url("/feed-as-xml")).kind == "feed"
    assert fetcher.fetch(site.url("/paper")).kind == "pdf"
    assert fetcher.fetch(site.url("/blob")).kind == "pdf"  # no useful type: the bytes decide
    assert fetcher.fetch(site.url("/latin1")).charset == "iso-8859-1"


def test_redirects_are_followed_and_bounded(tmp_path: Path, site: Site) -> None:
    fetched = Fetcher(settings(tmp_path)).fetch(site.url("/moved"))
    assert fetched.url == site.url("/page.html") and fetched.data == PAGE
    with pytest.raises(FetchError, match=r"more than 3 redirects.*RAG_FETCH_MAX_REDIRECTS"):
        Fetcher(settings(tmp_path, fetch_max_redirects=3)).fetch(site.url("/loop"))
    assert site.hits.count("/loop") == 4


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/image.png", "sent image/png; a web page, an RSS/Atom feed"),
        ("/gone", "answered 410"),
        ("/missing", "answered 404"),
        ("/big", "larger than 0.0 MB (RAG_MAX_FILE_BYTES)"),
        ("/unsized", "larger than"),  # no Content-Length: counted as the bytes arrive
    ],
)
def test_what_cannot_be_ingested_is_refused_with_what_to_do(tmp_path: Path, site: Site, path: str, words: str) -> None:
    with pytest.raises(FetchError, match=words.replace("(", r"\(").replace(")", r"\)")):
        Fetcher(settings(tmp_path, max_file_bytes=1000)).fetch(site.url(path))


def test_a_slow_server_is_cut_off_at_the_timeout(tmp_path: Path, site: Site) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match="RAG_FETCH_TIMEOUT_S"):
        Fetcher(settings(tmp_path, fetch_timeout_s=1.0)).fetch(site.url("/slow"))
    assert time.monotonic() - started < 3


def test_nothing_listening_is_a_clear_error(tmp_path: Path) -> None:
    with Site({}) as gone:
        url = gone.url("/page.html")
    with pytest.raises(FetchError, match="cannot fetch"):
        Fetcher(settings(tmp_path)).fetch(url)


# -- the address rules ----------------------------------------------------------
def test_loopback_is_refused_by_default(tmp_path: Path, site: Site) -> None:
    with pytest.raises(FetchError, match=r"loopback or private.*RAG_ALLOW_PRIVATE_URLS"):
        Fetcher(settings(tmp_path, allow_private_urls=False)).fetch(site.url("/page.html"))
    assert site.hits == []  # refused before connecting


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/",
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://172.16.5.4/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://2130706433/",  # 127.0.0.1 as one number
    ],
)
def test_private_and_special_addresses_are_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(FetchError, match=r"loopback or private|cannot resolve"):
        Fetcher(settings(tmp_path, allow_private_urls=False)).fetch(url)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://example.org/a", "not an http"),
        ("file:///etc/passwd", "not an http"),
        ("http://user:secret@example.org/", "user name or password"),
        ("http:///nohost", "not an http"),
    ],
)
def test_only_plain_http_urls(tmp_path: Path, url: str, words: str) -> None:
    with pytest.raises(FetchError, match=words):
        Fetcher(settings(tmp_path)).fetch(url)


def only_127_0_0_1(ip: Any) -> bool:
    return bool(ip == ipaddress.ip_address("127.0.0.1"))


def test_every_resolved_address_must_pass(tmp_path: Path, site: Site) -> None:
    def resolver(host: str, port: int) -> list[str]:
        return ["127.0.0.1", "10.0.0.7"] if host == "mixed.test" else ["127.0.0.1"]

    fetcher = Fetcher(settings(tmp_path, allow_private_urls=False), resolver=resolver, policy=only_127_0_0_1)
    assert fetcher.fetch(f"http://news.test:{site.port}/page.html").data == PAGE  # connects to the checked address
    with pytest.raises(FetchError, match=r"10\.0\.0\.7"):
        fetcher.fetch(f"http://mixed.test:{site.port}/page.html")


def test_a_redirect_to_a_private_address_is_refused(tmp_path: Path, site: Site) -> None:
    site.routes["/to-private"] = Route(status=302, headers={"Location": f"http://127.0.0.2:{site.port}/page.html"})
    fetcher = Fetcher(settings(tmp_path, allow_private_urls=False), policy=only_127_0_0_1)
    with pytest.raises(FetchError, match=r"127\.0\.0\.2"):
        fetcher.fetch(site.url("/to-private"))
    assert site.hits == ["/to-private"]


def test_public_only() -> None:
    assert public_only(ipaddress.ip_address("93.184.216.34"))
    for raw in ("127.0.0.1", "10.0.0.1", "::1", "fe80::1", "::ffff:10.0.0.1", "224.0.0.1", "100.64.1.1"):
        assert not public_only(ipaddress.ip_address(raw)), raw


# -- small pieces ---------------------------------------------------------------
def test_url_doc_ids_are_safe_stable_and_distinct() -> None:
    a = url_doc_id("https://news.example.org/world/2025/port-reopens.html")
    assert a == "news.example.org_world_2025_port-reopens.html"
    assert url_doc_id("https://example.org/item?id=7") != url_doc_id("https://example.org/item?id=8")
    assert len(url_doc_id("https://example.org/" + "a" * 500)) <= 100


@pytest.mark.parametrize(
    ("mime", "head", "kind"),
    [
        ("text/html", b"<!doctype html><html>", "html"),
        ("application/xml", b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'>", "feed"),
        ("text/html", b"<?xml version='1.0'?><rss version='2.0'>", "feed"),
        ("application/xml", b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'>", "html"),
        ("", b"%PDF-1.7", "pdf"),
        ("application/octet-stream", b"\x00\x01", None),
        ("image/png", b"\x89PNG", None),
    ],
)
def test_sniff(mime: str, head: bytes, kind: str | None) -> None:
    assert sniff(mime, head) == kind
