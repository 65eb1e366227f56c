"""PDF, Word, e-mail and feed readers, and `ingest.extract` over every kind, on real files made here."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bench.documents import atom, eml, make_docx, make_pdf, rss
from ingest.extract import extract
from ingest.feeds import split_feed
from ingest.formats import Unreadable, read_docx, read_email
from ingest.fragment import fragment_text
from ingest.loader import Skipped, Source
from ingest.pdf import at, drop_running_lines, paragraphs, read_pdf
from rag.types import CleanDocument

HEADLINE = "Harbour authority approves new ferry terminal"
P1 = "The harbour authority on Friday approved plans for a new ferry terminal on the river front, officials said."
P2 = "The terminal, due to open in 2026, will serve commuters from the south bank and cut journeys by half."
P3 = "Work on the foundations starts in May, when the old quay is demolished, the authority said in a statement."
BODY = [P1, P2, P3] * 25  # long enough for two pages
MB = 10_000_000


def words(text: str) -> list[str]:
    return text.split()


def source(kind: str, data: bytes, **extra: object) -> Source:
    return Source(doc_id="doc", origin=f"doc.{kind}", path="", kind=kind, data=data, **extra)  # type: ignore[arg-type]


# -- PDF ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    return make_pdf(
        [HEADLINE, *BODY], title="Ferry terminal approved", author="Ana Costa", running_head="Coastal Herald"
    )


def test_pdf_text_is_the_article_without_running_heads_or_page_numbers(pdf_bytes: bytes) -> None:
    found = read_pdf(pdf_bytes)
    assert (found.title, found.author) == ("Ferry terminal approved", "Ana Costa")
    assert found.date is not None and found.date > 20200101  # the file's creation date
    assert "Coastal Herald" not in found.text and "Page " not in found.text
    assert words(found.text) == words(" ".join([HEADLINE, *BODY]))  # every word, in order, nothing else
    paragraphs = found.text.split("\n")
    assert paragraphs[0] == HEADLINE and paragraphs[1] == P1, paragraphs[:3]


def test_pdf_through_extract_keeps_the_pdf_title_and_gives_clean_paragraphs(pdf_bytes: bytes) -> None:
    doc = extract(source("pdf", pdf_bytes, url="https://example.org/ferry.pdf"), MB)
    assert isinstance(doc, CleanDocument)
    assert doc.title == "Ferry terminal approved" and doc.author == "Ana Costa"
    assert doc.url == "https://example.org/ferry.pdf"
    assert doc.text.split("\n\n")[:3] == [HEADLINE, P1, P2]


@pytest.mark.parametrize(
    ("data", "words_"),
    [
        (make_pdf([HEADLINE, P1], password="s3cret"), "password-protected"),
        (make_pdf([HEADLINE, P1], text_layer=False), "no text layer"),
        (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog", "damaged or incomplete"),
    ],
    ids=["locked", "scan", "truncated"],
)
def test_unreadable_pdfs_say_what_to_do(data: bytes, words_: str) -> None:
    with pytest.raises(Unreadable, match=words_):
        read_pdf(data)
    skipped = extract(source("pdf", data), MB)
    assert isinstance(skipped, Skipped) and words_ in skipped.reason and skipped.path == "doc.pdf"


def test_running_lines_need_to_repeat_and_page_numbers_go_anywhere_at_the_edges() -> None:
    def texts(pages: list[list[str]]) -> list[list[str]]:
        kept = drop_running_lines([[at(t) for t in page] for page in pages])
        return [[line.text for line in page] for page in kept]

    pages = [["Daily Planet", "Port reopens", "Ships wait.", "3"], ["Daily Planet", "More ships.", "4"]]
    assert texts(pages) == [["Port reopens", "Ships wait."], ["More ships."]]
    assert texts([["Daily Planet", "Only page."]]) == [["Daily Planet", "Only page."]]
    assert texts([["Port talks", "- 1 -"], ["ended in", "2018"]]) == [["Port talks"], ["ended in", "2018"]]


def test_paragraphs_from_line_geometry() -> None:
    page = [
        at("Port reopens", y=700, right=200),
        at("The port reopened on Friday after a week of", y=680),  # wider gap above: a new paragraph
        at("repairs, officials said. Ships queued over\ufffe", y=668),
        at("night for the first berths and the ferry", y=656),
        at("ran la\xad", y=644),  # soft hyphen: no paragraph end though short
        at("te.", y=632, right=80),  # short: the paragraph ends
        at("Officials said more would follow in the", y=620),
    ]
    column = [at("next weeks.", y=700, left=300, right=400), at("Another column.", y=680, left=300, right=420)]
    assert paragraphs([page + column]) == [
        "Port reopens",
        "The port reopened on Friday after a week of repairs, officials said. Ships queued over-"
        "night for the first berths and the ferry ran late.",
        "Officials said more would follow in the next weeks.",  # on into the next column: "next" did not fit
        "Another column.",
    ]


# -- Word ---------------------------------------------------------------------
def test_docx_body_table_and_core_properties_without_the_footer() -> None:
    data = make_docx(
        [HEADLINE, P1, P2],
        title="Ferry terminal approved",
        author="Ana Costa",
        created=datetime(2023, 3, 3, 9, 0, tzinfo=UTC),
        table=[["Berths", "Cost"], ["4", "EUR 40m"]],
        footer="Confidential draft - do not index",
    )
    found = read_docx(data)
    assert found.text == "\n".join([HEADLINE, P1, P2, "Berths | Cost", "4 | EUR 40m"])
    assert (found.title, found.author, found.date) == ("Ferry terminal approved", "Ana Costa", 20230303)
    doc = extract(source("docx", data), MB)
    assert isinstance(doc, CleanDocument) and doc.title == "Ferry terminal approved" and doc.date == 20230303
    assert "Confidential" not in doc.text


def test_docx_without_a_title_property_takes_its_heading() -> None:
    assert read_docx(make_docx([HEADLINE, P1])).title == HEADLINE


def test_a_broken_docx_says_what_to_do() -> None:
    data = make_docx([HEADLINE, P1])
    with pytest.raises(Unreadable, match="save it again"):
        read_docx(data[: len(data) // 2] + b"\x00" * 100)


# -- e-mail -------------------------------------------------------------------
SENT = datetime(2025, 2, 3, 22, 30, tzinfo=UTC)


def test_email_subject_sender_date_and_plain_body() -> None:
    data = eml("Ferry terminal approved", "Ana Costa <ana@example.org>", SENT, plain=f"{P1}\n\n{P2}\n", html="<p>x</p>")
    found = read_email(data)
    assert (found.title, found.author, found.date) == ("Ferry terminal approved", "Ana Costa", 20250203)
    assert found.text.split() == f"{P1} {P2}".split()
    doc = extract(source("email", data), MB)
    assert isinstance(doc, CleanDocument) and doc.title == "Ferry terminal approved" and doc.text == f"{P1}\n\n{P2}"


def test_email_with_only_html_is_read_as_a_fragment() -> None:
    found = read_email(eml("Note", "ana@example.org", SENT, html=f"<p>{P1}</p><script>x()</script><p>{P2}</p>"))
    assert found.text == f"{P1}\n{P2}" and found.author == "ana@example.org"


# -- feeds --------------------------------------------------------------------
ITEMS = [
    {
        "title": "Ferry terminal approved",
        "link": "https://herald.example/ferry",
        "guid": "herald-1",
        "date": "Fri, 03 Mar 2023 09:00:00 GMT",
        "content": f"<p>{P1}</p><p>{P2}</p>",
    },
    {
        "title": "Quay to be demolished",
        "link": "https://herald.example/quay",
        "guid": "herald-2",
        "date": "Mon, 06 Mar 2023 08:00:00 GMT",
        "description": f"<p>{P3}</p>",
    },
]


def test_rss_gives_one_source_per_item_with_title_date_and_link() -> None:
    items = split_feed(source("feed", rss("The Coastal Herald", ITEMS)))
    assert isinstance(items, list) and len(items) == 2
    first, second = items
    assert first.doc_id.startswith("doc-") and first.doc_id != second.doc_id
    assert first.url == "https://herald.example/ferry" and first.kind == "feed-item" and first.origin == "doc.feed"
    assert first.hints is not None and (first.hints.title, first.hints.date) == ("Ferry terminal approved", 20230303)
    assert first.hints.source == "The Coastal Herald"
    docs = [extract(item, MB) for item in items]
    assert all(isinstance(d, CleanDocument) for d in docs)
    assert [(d.title, d.date, d.url) for d in docs] == [  # type: ignore[union-attr]
        ("Ferry terminal approved", 20230303, "https://herald.example/ferry"),
        ("Quay to be demolished", 20230306, "https://herald.example/quay"),
    ]
    assert docs[0].text == f"{P1}\n\n{P2}"  # type: ignore[union-attr]
    again = split_feed(source("feed", rss("The Coastal Herald", ITEMS[::-1])))
    assert isinstance(again, list) and {s.doc_id for s in again} == {s.doc_id for s in items}  # ids follow the guid


def test_atom_entries_too() -> None:
    entries = [
        {"title": "Ferry", "link": "https://h.example/f", "id": "urn:1", "updated": "2023-03-03T09:00:00Z"},
        {"title": "Quay", "link": "https://h.example/q", "id": "urn:2", "updated": "2023-03-06T08:00:00Z"},
    ]
    entries = [{**entries[0], "content": P1}, {**entries[1], "content": P3}]
    items = split_feed(source("feed", atom("Herald", entries)))
    assert isinstance(items, list) and [s.hints.date for s in items if s.hints] == [20230303, 20230306]


@pytest.mark.parametrize(
    ("data", "words_"),
    [
        (b"<html><body>not a feed</body></html>", "no items"),
        (rss("Empty", []), "no items"),
        (b"\xef\xbb\xbf<?xml version='1.0'?><rss><channel><title>Cut off", "no items"),
    ],
)
def test_feeds_without_items_are_skipped(data: bytes, words_: str) -> None:
    got = split_feed(source("feed", data))
    assert isinstance(got, Skipped) and words_ in got.reason


def test_an_item_without_text_is_skipped_by_name() -> None:
    items = split_feed(source("feed", rss("Herald", [{"title": "Only a headline", "link": "https://h.example/x"}])))
    assert isinstance(items, list)
    skipped = extract(items[0], MB)
    assert isinstance(skipped, Skipped) and "'Only a headline'" in skipped.reason and "no text" in skipped.reason


def test_a_javascript_link_is_not_kept() -> None:
    items = split_feed(source("feed", rss("Herald", [{**ITEMS[0], "link": "javascript:alert(1)"}])))
    assert isinstance(items, list) and items[0].url is None


def test_fragment_text_keeps_blocks_apart_and_drops_scripts() -> None:
    raw = f"<div><h2>{HEADLINE}</h2><p>{P1}<br>{P2}</p><script>evil()</script><form>Subscribe</form></div>"
    assert fragment_text(raw) == "\n".join([HEADLINE, P1, P2])
