"""ingest.clean on the real seed pages and on small pages from an imaginary other site."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.clean import clean_text
from rag.types import CleanDocument

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))

# Page furniture seen in the seeds; none of it may survive cleaning.
FURNITURE = [
    "LEAVE A REPLY",
    "Please enter your",
    "Â",
    "Bangladesh bends to beat Trump",
    "Related Articles",
    "Related Posts",
    "Followers",
    "FansLike",
    "Advertisement",
    "Logo",
    "Previous Story",
    "Next Story",
    "Latest from",
    "Don't Miss",
    "Stay Connected",
    "ALSO READ",
    "min read",
    "2.2 C",
    "Go toTop",
    "reports Asian Lite News",
    "(Photo: AFP)",
    "date 2025-02-05",
    "January 19, 2025",
    "November 29, 2024",
]


def seed(prefix: str) -> CleanDocument:
    (path,) = [p for p in SEED_FILES if p.name.startswith(prefix)]
    return clean_text(path.read_text(encoding="utf-8"), fallback_title=path.stem)


def paragraphs(doc: CleanDocument) -> list[str]:
    return doc.text.split("\n\n")


def test_all_five_seeds_are_there() -> None:
    assert [p.name[:3] for p in SEED_FILES] == ["000", "001", "002", "003", "004"]


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_seed_furniture_is_gone(path: Path) -> None:
    doc = clean_text(path.read_text(encoding="utf-8"), fallback_title=path.stem)
    for junk in FURNITURE:
        assert junk not in doc.text, junk
    assert doc.text == doc.text.strip()
    assert all(p and p == p.strip() and "\n" not in p for p in paragraphs(doc))
    assert len(paragraphs(doc)) == len(set(paragraphs(doc)))  # no paragraph twice
    assert doc.text.count(doc.title) <= 1


@pytest.mark.parametrize(
    ("prefix", "date", "title", "source"),
    [
        ("000", 20250119, "Pakistan set to strengthen counter-terrorism collaboration with China", None),
        ("001", None, None, None),
        ("002", None, "China, Pak to boost anti-terror cooperation along CPEC", None),
        ("003", 20250205, None, None),
        ("004", 20241129, "Pakistan, China hold military level talks on counter-terrorism", "Asian Lite News"),
    ],
)
def test_seed_metadata(prefix: str, date: int | None, title: str | None, source: str | None) -> None:
    doc = seed(prefix)
    assert doc.date == date
    assert doc.source == source
    if title is not None:
        assert doc.title == title
        assert paragraphs(doc)[0] == title  # the headline stays in the text, once, on top
        assert doc.text.count(title) == 1


@pytest.mark.parametrize(
    ("prefix", "start"),
    [("001", "Interior Minister Mohsin Naqvi held discussions"), ("003", "Pakistan and China agreed to further")],
)
def test_seed_without_headline_is_titled_by_its_first_sentence(prefix: str, start: str) -> None:
    doc = seed(prefix)
    assert doc.title.startswith(start)
    assert len(doc.title) <= 90
    assert doc.title.endswith("…")
    assert doc.text.startswith(doc.title[:-1])  # cut at a word boundary of the real text


def test_seed_000_keeps_deck_and_body_in_order() -> None:
    doc = seed("000")
    expected = [
        "Pakistan set to strengthen counter-terrorism collaboration with China",
        "Gilgit-Baltistan cops to train at Xinjiang Police Academy.",
        "Pakistan, China agree to take sweeping counter-terror steps.",
        "Naqvi says Islamabad aims to eliminate arms, drugs, smuggling.",
        "ISLAMABAD: Pakistan and China have agreed to strengthen strategic cooperation",
        "The Khyber Pakhtunkhwa Counter-Terrorism Department (CTD)",
        "In July 2021, 13 people, including 9 Chinese nationals",
    ]
    positions = [doc.text.index(s) for s in expected]
    assert positions == sorted(positions)
    assert paragraphs(doc)[-1].endswith("were killed when their coach was bombed in the Dasu area of Kohistan.")
    assert "Pakistan\n" not in doc.text  # the bare location line above the title


def test_seed_001_drops_related_posts_block() -> None:
    doc = seed("001")
    assert "FPCCI advances Pakistan-Xinjiang collaboration" not in doc.text
    assert paragraphs(doc)[-1].endswith("and the global police body, Interpol.")
    assert len(paragraphs(doc)) == 11


def test_seed_002_drops_teaser_caption_and_repeated_title() -> None:
    doc = seed("002")
    assert doc.text.count("China and Pakistan have agreed to strengthen anti-terrorism") == 1
    assert "links…" not in doc.text
    assert "Wang Yi (Photo" not in doc.text
    assert "About 71,000 Chinese reported having visited Pakistan last year." in paragraphs(doc)
    assert paragraphs(doc)[-1].endswith('understands Pakistan better than China," he said.')


def test_seed_003_strips_date_label_and_keeps_crosshead() -> None:
    doc = seed("003")
    assert doc.text.startswith("Pakistan and China agreed to further improve mutual intelligence sharing")
    assert "President Zardari, top Chinese official underscore time-tested Pak-China ties" in paragraphs(doc)
    assert paragraphs(doc)[-1].startswith("The president and the Chinese officials also discussed opportunities")
    assert doc.text.endswith("to further solidify bilateral cooperation.")


def test_seed_004_drops_repeated_standfirst_and_tail() -> None:
    doc = seed("004")
    assert doc.text.count("General Zhang acknowledged") == 1
    assert any(p.startswith("Meanwhile, over 300 Chinese troops") and "Warrior-VIII" in p for p in paragraphs(doc))
    assert paragraphs(doc)[-1] == (
        "This engagement underscores the deepening strategic partnership between Pakistan and China, "
        "focusing on mutual security interests and regional stability amidst growing challenges in the region."
    )
    for other in ["Kill and Dump", "ISKCON", "Didi backs Modi", "Imran Khan", "UK MP Stands"]:
        assert other not in doc.text


# An imaginary other site, with its own furniture wording.
HEADLINE = "Harbour authority approves new ferry terminal for Lisbon"
P1 = "The harbour authority on Friday approved plans for a new ferry terminal on the river front, officials said."
P2 = "The terminal, due to open in 2026, will serve commuters from the south bank and cut journeys by half."
P3 = "Work on the foundations starts in May, when the old quay is demolished."


def page(*middle: str, head: str = "", tail: str = "") -> str:
    return "\n".join([*head.splitlines(), HEADLINE, P1, *middle, P2, P3, *tail.splitlines()])


def test_other_site_full_page() -> None:
    raw = (
        "Home › World › Europe\nLisbon\n14°C\nPublished: 3 March 2023\n"
        f"{HEADLINE}\nBy Ana Costa | The Coastal Herald\n4 min read\n\n{P1}\n\nBack to top\n"
        f"\u00a0{P2}\u00a0\nSponsored\n12.5K Followers\n{P3}\nYou May Also Like\n"
        "Football club signs new striker\nShare this:\nFacebook\n"
    )
    doc = clean_text(raw, fallback_title="fallback")
    assert doc == CleanDocument(
        text="\n\n".join([HEADLINE, P1, P2, P3]), title=HEADLINE, date=20230303, source="The Coastal Herald"
    )


@pytest.mark.parametrize(
    "heading",
    [
        "You May Also Like",
        "You might also like:",
        "Share this:",
        "More from Europe",
        "Read Next",
        "Related Stories",
        "More Stories",
        "Leave a comment",
        "Comments (3)",
        "Trending Now",
        "Next Post",
        "Previous article",
        "Recommended for you",
        "Most Popular",
        "Latest News",
        "Don’t miss",
        "Stay connected",
    ],
)
def test_section_heading_ends_the_article(heading: str) -> None:
    doc = clean_text(page(tail=f"{heading}\nFootball club signs new striker\nA teaser from another story…"), "x")
    assert doc.text == "\n\n".join([HEADLINE, P1, P2, P3])


def test_section_heading_above_the_article_is_only_dropped() -> None:
    doc = clean_text(page(head="Trending\nLisbon"), "x")
    assert doc.text == "\n\n".join([HEADLINE, P1, P2, P3])


@pytest.mark.parametrize(
    "junk",
    [
        "12.5K Followers",
        "1,204 subscribers",
        "Back to top ↑",
        "Advertisement",
        "Sponsored content",
        "READ MORE: Lisbon metro strike ends",
        "See also: Porto bridge reopens",
        "Also read - Tourism hits record",
        "3 min read",
        "31°C",
        "Lisbon 18 °C",
        "Photo: Reuters",
        "The old quay at dusk (Image: Getty)",
        "Site logo",
        "* * *",
        "Updated: 4 March 2023",
    ],
)
def test_furniture_line_is_dropped(junk: str) -> None:
    doc = clean_text(page(junk), "x")
    assert doc.text == "\n\n".join([HEADLINE, P1, P2, P3])


@pytest.mark.parametrize(
    ("head", "date"),
    [
        ("Published: 3 March 2023", 20230303),
        ("Updated: Mar 4, 2023 10:45 GMT", 20230304),
        ("Posted on Tuesday, 7th March 2023", 20230307),
        ("2023-03-05T08:00:00Z", 20230305),
        ("Sept. 9, 2022", 20220909),
        ("", None),
    ],
)
def test_date_comes_from_the_header(head: str, date: int | None) -> None:
    doc = clean_text(page(head=head), "x")
    assert doc.date == date
    assert doc.text.startswith(HEADLINE)


def test_dates_in_the_body_are_not_the_article_date() -> None:
    body = "On 3 March 2023 the council met. It met again on April 4, 2023 and in July 2021."
    assert clean_text(f"{HEADLINE}\n{P1}\n{body}", "x").date is None
    late = clean_text(f"{HEADLINE}\n{P1}\n{P2}\n{P3}\nPublished: 3 March 2023\n{body}", "x")
    assert late.date is None
    assert "Published" not in late.text  # still furniture, just not trusted as the date


def test_leading_label_is_stripped_from_first_paragraph() -> None:
    doc = clean_text(f"Published: 3 March 2023 {P1}\n{P2}", "x")
    assert doc.date == 20230303
    assert doc.text.startswith(P1)


def test_teaser_is_dropped_only_when_repeated() -> None:
    teaser = P2[:60].rsplit(" ", 1)[0] + "..."
    assert clean_text(page(head=teaser), "x").text.count("The terminal, due to open") == 1
    lonely = "The mayor said more ferries would follow…"
    assert lonely in clean_text(page(lonely), "x").text


def test_standfirst_names_the_outlet() -> None:
    standfirst = P1[:70].rsplit(" ", 1)[0] + "…reports Coastal Wire"
    doc = clean_text(f"{HEADLINE}\n{standfirst}\n{P1}\n{P2}", "x")
    assert doc.source == "Coastal Wire"
    assert "Coastal Wire" not in doc.text


def test_markdown_headings_and_images() -> None:
    doc = clean_text(f"# {HEADLINE}\n\n![ferry](img/ferry.jpg)\n\n{P1}\n\n## Next steps\n\n{P2}", "x")
    assert doc.title == HEADLINE
    assert doc.text == "\n\n".join([HEADLINE, P1, "Next steps", P2])


def test_mojibake_and_spacing_are_repaired() -> None:
    doc = clean_text(f"{HEADLINE}\n  The mayorâ€™s  office\u00a0said it was “good newsâ€\x9d.  \n", "x")
    assert paragraphs(doc)[1] == 'The mayor\'s office said it was "good news".'


@pytest.mark.parametrize("raw", ["", "   \n\n", "Advertisement\n\nLogo\n2.2 C"])
def test_empty_page_gives_fallback_title(raw: str) -> None:
    assert clean_text(raw, "my-file") == CleanDocument(text="", title="my-file", date=None, source=None)
