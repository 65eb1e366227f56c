"""POST /v1/documents with the new formats and with URLs, on real Chroma and BM25 with the word-hash
embedder, extractive answers; URLs are served by a real HTTP server on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bench.documents import make_docx, make_pdf, rss
from ingest.seed import ensure_seeded
from rag.factory import Components, build_components, build_pipeline
from rag.settings import REPO_ROOT, Settings
from tests.fakes import WordHashEmbedder
from tests.webserver import Route, Site
from ui.api import create_app

TOKEN = "k" * 20
AUTH = {"Authorization": f"Bearer {TOKEN}"}
STORY = [
    "Zorblatt lantern festival draws record crowd",
    "The Zorblatt lantern festival in Quimbyville drew 12,000 visitors on Saturday, organiser Ilsa Varnhagen said.",
    "Stalls sold lanterns shaped like ferries, and the river parade ran until midnight, the organisers added.",
]
PAGE = (
    "<html><head><title>Zorblatt festival report</title>"
    '<meta property="article:published_time" content="2025-03-08"></head><body>'
    "<nav><a>Home</a><a>World</a><a>Sport</a></nav><article>"
    + "".join(f"<p>{p}</p>" for p in STORY[1:])
    + "</article><footer>Contact the newsroom</footer></body></html>"
).encode()
ITEMS = [
    {
        "title": "Lantern parade route",
        "link": "https://q.example/a",
        "guid": "a",
        "date": "Sat, 08 Mar 2025 10:00:00 GMT",
    },
    {"title": "Festival closes", "link": "https://q.example/b", "guid": "b", "date": "Sun, 09 Mar 2025 10:00:00 GMT"},
]
ITEMS[0]["content"] = "<p>The Zorblatt lantern parade will follow the river from the old quay to the square.</p>"
ITEMS[1]["content"] = "<p>The Zorblatt festival closed on Sunday after two days and 12,000 visitors.</p>"


def config(home: Any, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"llm_backend": "extractive", "api_token": TOKEN, **overrides}
    return Settings(home=home, seeds_dir=REPO_ROOT / "seeds", _env_file=None, **values)  # type: ignore[call-arg]


def open_client(settings: Settings) -> TestClient:
    components: Components = build_components(settings, embedder=WordHashEmbedder(dim=256))
    ensure_seeded(components)
    app = create_app(settings, pipeline=build_pipeline(components, load_model=False), components=components)
    client = TestClient(app)
    client.__enter__()
    for _ in range(600):
        if client.get("/readyz").status_code == 200:
            break
        time.sleep(0.05)
    return client


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    c = open_client(config(tmp_path_factory.mktemp("rag"), allow_private_urls=True))
    yield c
    c.__exit__(None, None, None)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    routes = {
        "/festival.html": Route(PAGE),
        "/feed.xml": Route(rss("Quimbyville Courier", ITEMS), type="application/rss+xml"),
        "/photo.jpg": Route(b"\xff\xd8\xff", type="image/jpeg"),
    }
    with Site(routes) as s:
        yield s


def upload(client: TestClient, name: str, raw: bytes) -> Any:
    return client.post("/v1/documents", files={"file": (name, raw, "application/octet-stream")}, headers=AUTH)


@pytest.mark.parametrize(
    ("name", "raw", "title"),
    [
        ("festival.pdf", make_pdf(STORY, title="Festival report"), "Festival report"),
        ("festival.docx", make_docx(STORY, title="Festival notes"), "Festival notes"),
    ],
)
def test_pdf_and_word_uploads_are_searchable(client: TestClient, name: str, raw: bytes, title: str) -> None:
    r = upload(client, name, raw)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["doc_id"] == "festival" and body["title"] == title and body["errors"] == []
    assert [d["doc_id"] for d in body["documents"]] == ["festival"]
    hits = client.post("/v1/search", json={"query": "Zorblatt lantern festival Quimbyville", "top_k": 3}).json()["hits"]
    assert hits[0]["doc_id"] == "festival" and hits[0]["title"] == title
    assert client.delete("/v1/documents/festival", headers=AUTH).status_code == 200


def test_a_feed_upload_gives_one_document_per_item(client: TestClient) -> None:
    r = upload(client, "courier.rss", rss("Quimbyville Courier", ITEMS))
    assert r.status_code == 201, r.text
    docs = r.json()["documents"]
    assert [(d["title"], d["date"], d["url"]) for d in docs] == [
        ("Lantern parade route", "2025-03-08", "https://q.example/a"),
        ("Festival closes", "2025-03-09", "https://q.example/b"),
    ]
    assert client.delete(f"/v1/documents/{docs[0]['doc_id']}", headers=AUTH).status_code == 200
    again = upload(client, "courier.rss", rss("Quimbyville Courier", ITEMS))  # the feed's file was kept for item 2
    assert again.status_code == 201 and len(again.json()["documents"]) == 2
    for d in again.json()["documents"]:
        assert client.delete(f"/v1/documents/{d['doc_id']}", headers=AUTH).status_code == 200


def test_a_url_is_fetched_cleaned_and_linked(client: TestClient, site: Site) -> None:
    url = site.url("/festival.html")
    r = client.post("/v1/documents", data={"url": url}, headers=AUTH)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["url"] == url and doc["date"] == "2025-03-08" and doc["title"] == "Zorblatt festival report"
    text = client.get(f"/v1/documents/{doc['doc_id']}").json()["text"]
    assert "12,000 visitors" in text and "Contact the newsroom" not in text and "Sport" not in text
    hit = client.post("/v1/search", json={"query": "Zorblatt lantern festival Quimbyville", "top_k": 1}).json()["hits"][
        0
    ]
    assert hit["doc_id"] == doc["doc_id"] and hit["url"] == url
    page = client.get(f"/documents/{doc['doc_id']}").text
    assert f'href="{url}"' in page and 'rel="noopener noreferrer nofollow"' in page
    answer = client.post("/v1/answer", json={"question": "How many visitors did the Zorblatt festival draw?"}).json()
    assert any(c["url"] == url for c in answer["citations"] if c["doc_id"] == doc["doc_id"])
    assert client.delete(f"/v1/documents/{doc['doc_id']}", headers=AUTH).status_code == 200


def test_a_feed_url_gives_its_items(client: TestClient, site: Site) -> None:
    r = client.post("/v1/documents", data={"url": site.url("/feed.xml")}, headers=AUTH)
    assert r.status_code == 201, r.text
    assert [d["date"] for d in r.json()["documents"]] == ["2025-03-08", "2025-03-09"]


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        ({"url": "ftp://example.org/a"}, 422, "url"),
        ({"url": "not a url"}, 422, "url"),
        ({}, 422, "either a file"),
    ],
)
def test_bad_url_requests(client: TestClient, data: dict[str, str], status: int, words: str) -> None:
    r = client.post("/v1/documents", data=data, headers=AUTH)
    assert r.status_code == status, r.text
    assert words in r.json()["detail"]


def test_a_url_and_a_file_together_are_refused(client: TestClient) -> None:
    r = client.post(
        "/v1/documents", data={"url": "https://example.org/a"}, files={"file": ("a.txt", b"text")}, headers=AUTH
    )
    assert r.status_code == 422 and "not both" in r.json()["detail"]


def test_an_unfetchable_url_is_a_400_saying_why(client: TestClient, site: Site) -> None:
    r = client.post("/v1/documents", data={"url": site.url("/photo.jpg")}, headers=AUTH)
    assert r.status_code == 400 and "image/jpeg" in r.json()["detail"]
    r = client.post("/v1/documents", data={"url": site.url("/nothing-here")}, headers=AUTH)
    assert r.status_code == 400 and "404" in r.json()["detail"]


def test_a_private_address_is_refused_by_default(tmp_path: Any, site: Site) -> None:
    strict = open_client(config(tmp_path / "strict"))
    hits = len(site.hits)
    try:
        r = strict.post("/v1/documents", data={"url": site.url("/festival.html")}, headers=AUTH)
        assert r.status_code == 400
        assert "loopback or private" in r.json()["detail"] and "RAG_ALLOW_PRIVATE_URLS" in r.json()["detail"]
        assert len(site.hits) == hits  # refused before any connection
    finally:
        strict.__exit__(None, None, None)
