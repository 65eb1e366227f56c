"""The library page (GET /library) and the ingest jobs it adds articles with, on real Chroma, BM25
and SQLite with the word-hash embedder; URLs come from a real HTTP server on loopback."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ingest.seed import ensure_seeded
from rag.factory import build_components
from rag.settings import REPO_ROOT, Settings
from rag.types import Document
from tests.fakes import WordHashEmbedder
from tests.ui.serving import open_test_client
from tests.webserver import Route, Site
from ui import jobs
from ui.library import PAGE_SIZE, SCRIPT, library_page

TOKEN = "library-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
STORY = (
    b"Zorblatt lantern festival draws record crowd\n\n"
    b"The Zorblatt lantern festival in Quimbyville drew 12,000 visitors on Saturday, organiser Ilsa Varnhagen said.\n"
)
MARKUP = b"<script>alert(1)</script> Quimbyville <b>fair</b> report\n\nThe Quimbyville fair drew 9,000 people.\n"
PAGE = (
    b"<html><head><title>Seaplane service resumes</title>"
    b'<meta property="article:published_time" content="2025-01-19"></head><body><article>'
    b"<p>The seaplane link between Brightwater and the Hollin islands resumed on Sunday after storm damage "
    b"to the floating jetty was repaired, the operator said.</p>"
    b"<p>Flights will run twice a day until the spring timetable starts.</p></article></body></html>"
)


def config(home: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"llm_backend": "extractive", "api_token": TOKEN, **overrides}
    return Settings(home=home, seeds_dir=REPO_ROOT / "seeds", _env_file=None, **values)  # type: ignore[call-arg]


def open_client(settings: Settings) -> TestClient:
    components = build_components(settings, embedder=WordHashEmbedder(dim=256))
    ensure_seeded(components)
    return open_test_client(settings, components)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    c = open_client(config(tmp_path_factory.mktemp("rag"), allow_private_urls=True))
    yield c
    c.__exit__(None, None, None)


def rows(page: str) -> list[str]:
    """The titles listed, as shown."""
    return [unescape(t) for t in re.findall(r'<td class="title"><a href="[^"]+">(.*?)</a>', page)]


def run_job(client: TestClient, files: list[tuple[str, bytes]] = (), urls: list[str] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    r = client.post(
        "/v1/ingest-jobs",
        headers=AUTH,
        files=[("files", (name, raw, "application/octet-stream")) for name, raw in files],
        data={"urls": list(urls)} if urls else None,
    )
    assert r.status_code == 202, r.text
    job: dict[str, Any] = r.json()
    assert job["state"] in ("queued", "running") and job["names"] == [n for n, _ in files] + list(urls)
    deadline = time.monotonic() + 60
    while job["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
        job = client.get(f"/v1/ingest-jobs/{job['id']}", headers=AUTH).json()
    return job


def test_the_library_lists_the_corpus(client: TestClient) -> None:
    r = client.get("/library")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    docs = client.get("/v1/documents").json()
    listed = rows(r.text)
    assert sorted(listed) == sorted(d["title"] for d in docs)
    assert listed[0] == max((d for d in docs if d["date"]), key=lambda d: d["date"])["title"]  # newest first
    assert f"{len(docs)} articles" in r.text and 'href="/documents/000_67e5238ffeab8bd0"' in r.text
    assert "Asian Lite News" in r.text and "2024-11-29" in r.text
    assert client.get("/").status_code == 200 and 'href="/"' in r.text  # the way back to the chat


def test_filters_by_title_outlet_and_dates(client: TestClient) -> None:
    def listed(**params: str) -> list[str]:
        return rows(client.get("/library", params=params).text)

    everything = listed()
    assert listed(q="counter-terrorism China") == [t for t in everything if "counter-terrorism" in t and "China" in t]
    assert listed(outlet="Asian Lite News") == ["Pakistan, China hold military level talks on counter-terrorism"]
    assert listed(since="2025-01-01", until="2025-01-31") == [
        "Pakistan set to strengthen counter-terrorism collaboration with China"
    ]
    assert len(listed(since="2024")) == 3  # undated articles are left out once a date bound is set
    assert listed(q="no such words anywhere") == []
    bad = client.get("/library", params={"since": "2025-13"})
    assert bad.status_code == 200 and "has no month 13" in bad.text and len(rows(bad.text)) == len(everything)
    assert client.get("/library", params={"q": "x" * 500}).status_code == 422


def test_pages_of_fifty() -> None:
    docs = [Document(f"d{i:03d}", f"Story number {i}", 20250100 + i % 28 + 1, None, "", "", "") for i in range(120)]
    first = library_page(docs, "", "", "", "", 1).body.decode()
    last = library_page(docs, "", "", "", "", 99).body.decode()
    assert len(rows(first)) == PAGE_SIZE and len(rows(last)) == 120 - 2 * PAGE_SIZE
    assert "page 1 of 3" in first and "page=2" in first and "page 3 of 3" in last
    assert set(rows(first)).isdisjoint(rows(last))


def test_markup_in_titles_is_text_and_only_our_script_runs(client: TestClient) -> None:
    job = run_job(client, files=[("markup_fair.txt", MARKUP)])
    assert job["state"] == "done", job
    page = client.get("/library").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Quimbyville &lt;b&gt;fair&lt;/b&gt; report" in page
    assert page.count("<script") == 1 and "<b>fair" not in page
    assert 'data-title="&lt;script&gt;' in page
    csp = client.get("/library").headers["content-security-policy"]
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp and "connect-src 'self'" in csp and "default-src 'none'" in csp
    assert f"<script>{SCRIPT}</script>" in page
    client.delete("/v1/documents/markup_fair", headers=AUTH)


def test_an_ingest_job_adds_files_and_urls_with_progress(client: TestClient) -> None:
    with Site({"/2025/seaplane.html": Route(PAGE)}) as site:
        url = site.url("/2025/seaplane.html")
        job = run_job(client, files=[("lantern_festival.txt", STORY), ("empty.txt", b"")], urls=[url, url + "x"])
    assert job["state"] == "done" and job["stage"] == "finished" and job["error"] is None
    assert job["total"] > 0 and job["done"] == job["total"]  # the embedding count it last reported
    items = {i["name"]: i for i in job["items"]}
    assert items["lantern_festival.txt"]["documents"] == {"lantern_festival": "added"}
    assert items["empty.txt"]["documents"] == {} and "empty" in items["empty.txt"]["errors"][0]
    assert list(items[url]["documents"].values()) == ["added"]
    assert "404" in items[url + "x"]["errors"][0]
    listed = rows(client.get("/library").text)
    assert "Zorblatt lantern festival draws record crowd" in listed and "Seaplane service resumes" in listed
    hits = client.post("/v1/search", json={"query": "Zorblatt lantern festival visitors"}).json()["hits"]
    assert hits[0]["doc_id"] == "lantern_festival"
    again = run_job(client, files=[("lantern_festival.txt", STORY)])
    assert again["items"][0]["documents"] == {"lantern_festival": "unchanged"}


def test_ingest_jobs_need_the_token_and_good_input(client: TestClient) -> None:
    files = [("files", ("a.txt", STORY, "text/plain"))]
    assert client.post("/v1/ingest-jobs", files=files).status_code == 401
    assert client.post("/v1/ingest-jobs", files=files, headers={"Authorization": "Bearer wrong"}).status_code == 401
    r = client.post("/v1/ingest-jobs", files=[("files", ("a.pptx", b"x", "text/plain"))], headers=AUTH)
    assert r.status_code == 415 and ".txt" in r.json()["detail"]
    r = client.post("/v1/ingest-jobs", data={"urls": ["ftp://example.org/a"]}, headers=AUTH)
    assert r.status_code == 400 and "http(s)" in r.json()["detail"]
    assert client.post("/v1/ingest-jobs", headers=AUTH, data={}).status_code == 400
    many = [("files", (f"a{i}.txt", STORY, "text/plain")) for i in range(21)]
    assert client.post("/v1/ingest-jobs", files=many, headers=AUTH).status_code == 400
    assert client.get("/v1/ingest-jobs/" + "e" * 32, headers=AUTH).status_code == 404
    job = run_job(client, files=[("token_check.txt", STORY)])
    assert client.get(f"/v1/ingest-jobs/{job['id']}").status_code == 401


def test_ingest_jobs_are_off_without_a_server_token(tmp_path: Path) -> None:
    client = open_client(config(tmp_path, api_token=None))
    try:
        r = client.post("/v1/ingest-jobs", files=[("files", ("a.txt", STORY, "text/plain"))], headers=AUTH)
        assert r.status_code == 403 and "RAG_API_TOKEN" in r.json()["detail"]
        assert client.get("/library").status_code == 200  # reading the library needs no token
    finally:
        client.__exit__(None, None, None)


def test_a_job_whose_process_is_gone_is_interrupted() -> None:
    assert jobs.owner_alive(jobs.OWNER)
    host = jobs.OWNER.rsplit(":", 2)[0]
    assert jobs.owner_alive("elsewhere.example:1:abc")  # another machine's: cannot tell, so trusted
    assert not jobs.owner_alive(f"{host}:{os.getpid()}:an-earlier-start")
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    assert not jobs.owner_alive(f"{host}:{int(done.stdout)}:x")
