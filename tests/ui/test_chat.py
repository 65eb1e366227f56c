"""What the chat shows: escaped text, numbered sources linking to the passage, refusals."""

from __future__ import annotations

from rag.types import Answer, Citation, Timings
from ui.chat import filters_from, md_text, render_answer


def citation(title: str = 'A "quoted" <b>title</b> [x]', quote: str = "He said <script>x</script>.") -> Citation:
    return Citation(1, "doc_1", title, 20250119, quote, 10, 40, "/documents/doc_1#span-10-40", 0.5)


def answer(text: str, refused: bool = False) -> Answer:
    return Answer("q", "q", text, refused, [citation()], "m", Timings())


def test_md_text_shows_markup_as_text() -> None:
    shown = md_text('<img src=x onerror=alert(1)> *bold* [1] `code` "q"')
    assert "<" not in shown and ">" not in shown and '"' not in shown
    assert r"\*bold\*" in shown and r"\[1\]" in shown and r"\`code\`" in shown


def test_sources_are_numbered_links_with_escaped_quotes() -> None:
    md = render_answer(answer("Chen Mingguo led it [1]."))
    body, sources = md.split("**Sources**")
    assert r"Chen Mingguo led it \[1\]." in body
    line = sources.strip().splitlines()[0]
    assert line.startswith("1. [A &quot;quoted&quot; &lt;b&gt;title&lt;/b&gt; \\[x\\]](/documents/doc_1#span-10-40)")
    assert "2025-01-19" in line
    assert "&lt;script&gt;" in sources and "<script>" not in md


def test_refusal_says_i_dont_know_and_lists_closest_passages() -> None:
    md = render_answer(answer("I don't know: the articles don't say.", refused=True))
    assert md.startswith("**I don't know**") and "**Closest passages**" in md and "**Sources**" not in md


def test_filters_from_the_form() -> None:
    assert filters_from("", "", []) is None
    f = filters_from("2025-01", "2025", ["a"])
    assert f is not None and (f.since, f.until, f.doc_ids) == (20250101, 20251231, ("a",))
