"""A PDF, a Word file, a feed of two items and a page on a loopback web server, ingested by one
real `rag ingest` command with the real embedder, are found by hybrid search with their titles,
dates and URLs; none of the pages' menus, footers or running heads is indexed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bench.documents import make_docx, make_pdf, rss
from rag.factory import Components, build_components
from rag.settings import Settings
from tests.webserver import Route, Site

PDF_TEXT = [
    "Harbour authority approves new ferry terminal",
    "Published: March 3, 2023",
    *[
        "The harbour authority of Quimbyville on Friday approved plans for a new ferry terminal on the river front, "
        "officials said, after a decade of delays and two failed tenders.",
        "The terminal, due to open in 2026, will serve commuters from the south bank and cut journeys by half.",
    ]
    * 20,
]
DOCX_TEXT = [
    "Council freezes tram fares",
    "The Zorblatt city council voted on Thursday to freeze tram fares for two years, the mayor's office said.",
    "The freeze costs the city about 4 million a year, paid from the parking levy.",
]
FEED_ITEMS = [
    {
        "title": "Lantern festival draws 12,000",
        "link": "https://courier.example/lanterns",
        "guid": "c-1",
        "date": "Sat, 08 Mar 2025 10:00:00 GMT",
        "content": "<p>The Varnhagen lantern festival drew 12,000 visitors to the old quay on Saturday.</p>",
    },
    {
        "title": "Glassblowers strike ends",
        "link": "https://courier.example/strike",
        "guid": "c-2",
        "date": "Mon, 10 Mar 2025 07:30:00 GMT",
        "content": "<p>Glassblowers at the Oberwald works ended their six-week strike after a pay deal on Monday.</p>",
    },
]
MENU = ["Subscribe to our newsletter", "Most popular stories", "Contact the newsroom", "Cookie settings"]
PAGE = f"""<!doctype html><html><head><title>Seaplane service resumes | The Coastal Herald</title>
<meta property="og:title" content="Seaplane service resumes after storm">
<meta property="og:site_name" content="The Coastal Herald">
<meta property="article:published_time" content="2025-01-19T08:00:00Z">
</head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a> <a>{MENU[0]}</a></nav></header>
<main><article><h1>Seaplane service resumes after storm</h1>
<p>The seaplane link between Brightwater and the Hollin islands resumed on Sunday after storm damage
to the floating jetty was repaired, the operator said.</p>
<p>Flights will run twice a day until the spring timetable starts, with extra services at weekends.</p>
<p>The operator said repairs cost about 300,000 and were covered by insurance.</p>
</article>
<aside><h2>{MENU[1]}</h2><ul><li>Harbour cat elected mayor in landslide</li><li>Ten best beaches</li></ul></aside>
</main>
<footer><p>{MENU[2]}</p><p>{MENU[3]}</p><p>© 2025 The Coastal Herald</p></footer>
</body></html>""".encode()


def rag(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", *args],
        cwd=home,
        env={**clean, "RAG_HOME": str(home), **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], str]:
    home = tmp_path_factory.mktemp("rag-home")
    files = tmp_path_factory.mktemp("files")
    pdf = files / "ferry-terminal.pdf"
    pdf.write_bytes(make_pdf(PDF_TEXT, title="Ferry terminal approved", running_head="Quimbyville Gazette - Local"))
    docx = files / "tram-fares.docx"
    docx.write_bytes(make_docx(DOCX_TEXT, title="Tram fares frozen", created=datetime(2024, 6, 6, 9, tzinfo=UTC)))
    feed = files / "courier.rss"
    feed.write_bytes(rss("Quimbyville Courier", FEED_ITEMS))
    with Site({"/2025/seaplane.html": Route(PAGE)}) as site:
        url = site.url("/2025/seaplane.html")
        proc = rag(home, "ingest", str(pdf), str(docx), str(feed), url, "--json", RAG_ALLOW_PRIVATE_URLS="true")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return home, json.loads(proc.stdout), url


@pytest.fixture(scope="module")
def components(ingested: tuple[Path, dict[str, Any], str]) -> Components:
    home, _, _ = ingested
    return build_components(Settings(home=home, _env_file=None))  # type: ignore[call-arg]  # the embedder `rag ingest` used


def test_one_command_ingests_every_kind(ingested: tuple[Path, dict[str, Any], str]) -> None:
    _, report, url = ingested
    assert report["skipped"] == [] and len(report["added"]) == 5
    assert [len(i["documents"]) for i in report["items"]] == [1, 1, 2, 1]
    assert report["items"][3]["name"] == url


@pytest.mark.parametrize(
    ("query", "title", "date", "url"),
    [
        ("ferry terminal approved on the river front", "Ferry terminal approved", "2023-03-03", None),
        ("tram fares frozen for two years", "Tram fares frozen", "2024-06-06", None),
        ("lantern festival visitors at the old quay", "Lantern festival draws 12,000", "2025-03-08", "lanterns"),
        ("glassblowers strike pay deal", "Glassblowers strike ends", "2025-03-10", "strike"),
        ("seaplane link resumed after storm damage", "Seaplane service resumes after storm", "2025-01-19", "page"),
    ],
)
def test_each_is_found_with_its_title_date_and_url(
    components: Components, ingested: tuple[Path, dict[str, Any], str], query: str, title: str, date: str, url: str
) -> None:
    hit = components.retriever.search(query, k=3)[0]
    assert hit.chunk.title == title
    assert hit.chunk.date == int(date.replace("-", ""))
    if url == "page":
        assert hit.chunk.url == ingested[2]
    elif url:
        assert hit.chunk.url == f"https://courier.example/{url}"
    else:
        assert hit.chunk.url is None


def test_no_menu_footer_or_running_head_is_indexed(components: Components) -> None:
    texts = [c.text for c in components.store.iter_chunks()]
    docs = [d for d in components.store.list_documents()]
    stored = "\n".join(texts + [components.store.get_document(d.doc_id).text for d in docs])  # type: ignore[union-attr]
    for junk in [*MENU, "Harbour cat elected mayor", "Ten best beaches", "© 2025", "Quimbyville Gazette", "Page 2"]:
        assert junk not in stored, junk
    assert "300,000" in stored and "Oberwald" in stored and "4 million" in stored


def test_a_bad_file_is_reported_by_name_and_the_rest_ingests(tmp_path: Path) -> None:
    good = tmp_path / "tram-fares.docx"
    good.write_bytes(make_docx(DOCX_TEXT, title="Tram fares frozen"))
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(make_pdf(PDF_TEXT[:3], password="s3cret"))
    fake = tmp_path / "photo.txt"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    proc = rag(tmp_path, "ingest", str(tmp_path))
    assert proc.returncode == 1, proc.stdout + proc.stderr  # some failed, the rest ingested
    assert "Traceback" not in proc.stderr
    err = " ".join(proc.stderr.split())
    assert f"skipped {locked}: the PDF is password-protected; save a copy without the password" in err
    assert f"skipped {fake}: file looks binary" in err
    assert "2 of 3 inputs failed" in err
    assert "1 added" in proc.stdout

    proc = rag(tmp_path, "ingest", str(locked))
    assert proc.returncode == 2  # nothing could be ingested
