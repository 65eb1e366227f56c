"""Answers and conversations as Markdown: for the chat, and as a file to keep.

Everything that came from an article, a model or a person is escaped first
(`md_text`): such text may hold markup, which must appear as text, never as
HTML or Markdown, wherever the Markdown is shown.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from urllib.parse import quote

from rag.conversations import Conversation
from rag.dates import format_date
from rag.types import Answer, Citation

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}#|~$!])")


def md_text(text: str) -> str:
    """Text shown literally in Markdown: punctuation escaped, then HTML escaped.

    >>> md_text('<script>alert("x")</script> *hi* [1]')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; \\\\*hi\\\\* \\\\[1\\\\]'
    """
    return html.escape(_MD_SPECIAL.sub(r"\\\1", text), quote=True)


def md_url(url: str) -> str:
    """A link target Markdown cannot misread: characters that end or break a link are percent-encoded.

    >>> md_url('https://example.org/a_(b)?q="x" <y>')
    'https://example.org/a_%28b%29?q=%22x%22%20%3Cy%3E'
    """
    return quote(url, safe=":/?#@!$&'*+,;=%-._~")


def citation_item(c: Citation, base_url: str = "") -> str:
    """One numbered source: its title linking to the passage, date, original, and the quote."""
    date = f" · {format_date(c.date)}" if c.date else ""
    quoted = md_text(" ".join(c.quote.split()))
    original = f" · [original]({md_url(c.url)})" if c.url else ""
    return f"{c.n}. [{md_text(c.title or c.doc_id)}]({md_url(base_url + c.link)}){date}{original}\n   > “{quoted}”"


def render_answer(answer: Answer, base_url: str = "") -> str:
    """The answer and its numbered sources (or, for a refusal, the closest passages) as Markdown."""
    if answer.refused:
        parts = ["**I don't know** — the articles don't say.", "**Closest passages**"]
    else:
        parts = [md_text(answer.answer), "**Sources**"]
    items = [citation_item(c, base_url) for c in answer.citations]
    if not items:
        return parts[0]
    return "\n\n".join(parts) + "\n\n" + "\n".join(items)


def conversation_markdown(conv: Conversation, base_url: str) -> str:
    """A whole conversation to keep or share: each question, its answer and its sources,
    with links back to the highlighted passages on this server (`base_url`) and to the originals."""
    when = datetime.fromtimestamp(conv.updated_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"# {md_text(conv.title)}",
        "",
        f"Exported from newsrag ({md_url(base_url)}/?c={conv.id}) · {len(conv.turns)} questions · last {when}",
    ]
    if conv.prefix:
        lines += ["", "_Earlier turns sent with the first question:_", ""]
        lines += [f"- **{m.role}:** {md_text(m.content)}" for m in conv.prefix]
    for i, turn in enumerate(conv.turns, 1):
        lines += ["", f"## {i}. {md_text(turn.question)}", ""]
        if turn.standalone_question.strip() != turn.question.strip():
            lines += [f"_Understood as:_ {md_text(turn.standalone_question)}", ""]
        lines.append(render_answer(turn.to_answer(), base_url))
    return "\n".join(lines) + "\n"


def download_name(title: str) -> str:
    """A safe file name for a conversation's export.

    >>> download_name('Who led the "delegation"? / <x>')
    'Who-led-the-delegation-x.md'
    """
    stem = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-")[:60].rstrip("-")
    return f"{stem or 'conversation'}.md"
