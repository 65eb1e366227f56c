"""ingest.html: the article body and the page's own metadata, through trafilatura; and the stored
text's F1 on the article-extraction benchmark's development pages when they are beside the repo."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.html_quality import DEFAULT_SET
from ingest.html import MIN_WORDS, extract_html, iso_date, tidy, web_url
from rag.types import CleanDocument

HEADLINE = "Harbour authority approves new ferry terminal for Lisbon"
P1 = "The harbour authority on Friday approved plans for a new ferry terminal on the river front, officials said."
P2 = "The terminal, due to open in 2026, will serve commuters from the south bank and cut journeys by half."
P3 = "Work on the foundations starts in May, when the old quay is demolished."
MENU = ["Home", "World", "Sport", "Most read", "Football club signs new striker", "© 2023 The Coastal Herald"]

PAGE = f"""<!DOCTYPE html>
<html><head>
  <title>Ferry terminal approved | The Coastal Herald</title>
  <meta property="og:title" content="{HEADLINE}">
  <meta property="og:site_name" content="The Coastal Herald">
  <meta property="article:published_time" content="2023-03-03T23:30:00-05:00">
  <meta name="author" content="Ana Costa">
  <link rel="canonical" href="https://herald.example/2023/03/ferry">
  <script>var tracker = "do not index me";</script>
</head><body>
  <header><a href="/">Coastal Herald</a> Weather: 14°C</header>
  <nav><ul><li>Home</li><li>World</li><li>Sport</li></ul></nav>
  <article>
    <h1>{HEADLINE}</h1>
    <p>The harbour authority on Friday approved plans for a new
       <a href="/ferry">ferry terminal</a> on the river front, officials said.</p>
    <p>{P2}<br>{P3}</p>
    <!-- a comment that is not text -->
  </article>
  <section class="comments"><h3>Comments</h3><p>Great news, finally! I have waited years for this.</p></section>
  <aside><h3>Most read</h3><ul><li>Football club signs new striker</li></ul></aside>
  <footer>© 2023 The Coastal Herald</footer>
</body></html>
"""


def test_the_article_and_the_pages_metadata() -> None:
    doc = extract_html(PAGE, "fallback")
    assert doc.title == HEADLINE
    assert (doc.date, doc.source, doc.author) == (20230303, "The Coastal Herald", "Ana Costa")
    assert doc.url == "https://herald.example/2023/03/ferry"
    for paragraph in (P1, P2, P3):
        assert paragraph in doc.text.split("\n\n")
    for junk in [*MENU, "tracker", "Weather", "Great news", "a comment"]:
        assert junk not in doc.text, junk


def test_the_fetched_url_wins_over_what_the_page_claims() -> None:
    assert extract_html(PAGE, "x", url="https://mirror.example/ferry").url == "https://mirror.example/ferry"


@pytest.mark.parametrize(
    "raw", ["", "<html><body><script>var x = 1;</script><nav>Home</nav></body></html>", "<p>Too short.</p>"]
)
def test_a_page_without_an_article_gives_no_text(raw: str) -> None:
    assert extract_html(raw, "my-file") == CleanDocument(text="", title="my-file", date=None, source=None)


def test_a_javascript_canonical_url_is_dropped() -> None:
    page = PAGE.replace("https://herald.example/2023/03/ferry", "javascript:alert(1)")
    assert extract_html(page, "x").url is None


def test_small_pieces() -> None:
    assert tidy("  Caf\u00c3\u00a9  society \n\n\nSecond\u00a0line ") == "Café society\n\nSecond line"
    assert (iso_date("2019-11-19"), iso_date("2019-11-19T08:00:00+05:00"), iso_date("2019-13-01")) == (
        20191119,
        20191119,
        None,
    )
    assert iso_date(None) is None and iso_date("yesterday") is None
    assert web_url(" https://example.org/a ") == "https://example.org/a"
    assert web_url("https://exa mple.org") is None and web_url("mailto:a@b.c") is None
    assert MIN_WORDS > 1


@pytest.mark.skipif(not (DEFAULT_SET / "truth.json").is_file(), reason="the benchmark's development pages are absent")
def test_stored_text_scores_at_least_096_on_the_development_pages(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.html_quality", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads((tmp_path / "html_quality.json").read_text())["ingest (ours)"]
    assert result["missing"] == 0 and result["f1"] >= 0.96, result
