"""The Gradio chat, mounted at "/" in the API's own app and sharing its `Service`
(the same pipeline, the same bounded answer queue).

Streams the model's words, then replaces them with the checked answer and its
numbered sources: each a link to the article page scrolled to the quoted
passage. Refusals say "I don't know" and list the closest passages. Follow-ups
send the earlier turns (answers without their source lists) as history.

Everything shown is escaped first (`md_text`): article and model text may
hold markup, which must appear as text, never as HTML or Markdown.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI

from rag import offline
from rag.dates import format_date, parse_bound
from rag.errors import RagError
from rag.types import Answer, Message, SearchFilters
from ui.service import Service

offline.enforce()  # before gradio is imported: its analytics threads would call out

import gradio as gr  # noqa: E402

log = logging.getLogger(__name__)

EXAMPLES = [
    "Who led the Chinese delegation?",
    "Where will Gilgit-Baltistan police officers train?",
    "What did Pakistan and China agree in February 2025?",
    "Who won the 2024 Champions League final?",
]
CSS = """
.gradio-container { width: 100% !important; max-width: 960px !important; margin: 0 auto !important; }
.main.app { padding-left: clamp(8px, 3vw, 32px) !important; padding-right: clamp(8px, 3vw, 32px) !important; }
#intro p { margin: 0; color: var(--body-text-color-subdued); }
#intro h1 { margin: 0 0 0.25rem; font-size: 1.5rem; }
#chatbot blockquote { margin: 0.25rem 0 0.5rem; padding-left: 0.75rem; font-size: 0.92em; }
@media (max-width: 640px) {
  #intro h1 { font-size: 1.25rem; }
  #ask-row { flex-wrap: wrap !important; }
  #question { flex: 1 1 100% !important; min-width: 100% !important; }
}
"""
THEME = gr.themes.Default(
    primary_hue="blue",
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
    font_mono=["ui-monospace", "monospace"],
)
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


def render_answer(answer: Answer) -> str:
    """The answer and its numbered sources (or, for a refusal, the closest passages) as Markdown."""
    if answer.refused:
        parts = ["**I don't know** — the articles don't say.", "**Closest passages**"]
    else:
        parts = [md_text(answer.answer), "**Sources**"]
    items = []
    for c in answer.citations:
        date = f" · {format_date(c.date)}" if c.date else ""
        quote = md_text(" ".join(c.quote.split()))
        original = f" · [original]({md_url(c.url)})" if c.url else ""
        items.append(f"{c.n}. [{md_text(c.title or c.doc_id)}]({c.link}){date}{original}\n   > “{quote}”")
    if not items:
        return parts[0]
    return "\n\n".join(parts) + "\n\n" + "\n".join(items)


def filters_from(since: str, until: str, doc_ids: list[str] | None) -> SearchFilters | None:
    f = SearchFilters(doc_ids=tuple(doc_ids or ()), since=parse_bound(since), until=parse_bound(until, end=True))
    return None if f == SearchFilters() else f


def _say(messages: list[dict[str, str]], text: str) -> list[dict[str, str]]:
    return [*messages[:-1], {"role": "assistant", "content": text}]


def example_text(event: gr.SelectData) -> str:
    value = event.value
    return str(value.get("text", "")) if isinstance(value, dict) else str(value)


def build_chat(service: Service) -> gr.Blocks:
    def respond(
        question: str,
        messages: list[dict[str, str]],
        turns: list[dict[str, str]],
        since: str,
        until: str,
        doc_ids: list[str] | None,
    ) -> Iterator[tuple[list[dict[str, str]], list[dict[str, str]], str]]:
        question = (question or "").strip()
        if not question:
            yield messages, turns, ""
            return
        messages = [
            *messages,
            {"role": "user", "content": md_text(question)},
            {"role": "assistant", "content": "_Searching the articles…_"},
        ]
        yield messages, turns, ""
        try:
            pipeline = service.pipeline()
            filters = filters_from(since, until, doc_ids)
            history = [Message("user" if t["role"] == "user" else "assistant", t["content"]) for t in turns]
            ticket = service.gate.admit()  # the API's queue: full means busy for everyone
            stream = pipeline.stream(question, history, filters=filters)
            final: Answer | None = None
            words: list[str] = []
            try:
                ticket.wait_turn()
                for item in stream:
                    if isinstance(item, Answer):
                        final = item
                    else:
                        words.append(item)
                        yield _say(messages, md_text("".join(words)) + " ▍"), turns, ""
            finally:
                getattr(stream, "close", lambda: None)()  # a closed tab stops the model too
                ticket.release()
            assert final is not None
            final = service.with_urls(final)
            turns = [*turns, {"role": "user", "content": question}, {"role": "assistant", "content": final.answer}]
            yield _say(messages, render_answer(final)), turns, ""
        except RagError as exc:
            yield _say(messages, "⚠️ " + md_text(str(exc))), turns, ""
        except Exception:
            log.exception("chat answer failed")
            yield _say(messages, "⚠️ Something went wrong on the server; the log has the details."), turns, ""

    def documents() -> Any:
        try:
            docs = service.components().store.list_documents()
        except RagError:
            return gr.Dropdown(choices=[])
        choices = [(f"{d.title or d.doc_id} ({format_date(d.date) or 'undated'})", d.doc_id) for d in docs]
        return gr.Dropdown(choices=choices)

    with gr.Blocks(title="News Q&A", fill_height=True, analytics_enabled=False) as demo:
        turns = gr.State([])
        gr.Markdown(
            "# Ask the news\nAnswers come only from the indexed articles, each claim with a numbered source. "
            "[API docs](/docs)",
            elem_id="intro",
        )
        chatbot = gr.Chatbot(
            elem_id="chatbot",
            show_label=False,
            scale=1,
            min_height=280,
            height="60vh",
            sanitize_html=True,
            render_markdown=True,
            latex_delimiters=[],
            feedback_options=None,
            buttons=["copy"],
            placeholder="**Ask about the indexed news articles**, or pick an example:",
            examples=[{"text": q} for q in EXAMPLES],
        )
        with gr.Row(elem_id="ask-row", equal_height=True):
            box = gr.Textbox(
                placeholder="Ask about the articles…",
                show_label=False,
                container=False,
                scale=6,
                max_lines=4,
                autofocus=True,
                elem_id="question",
            )
            ask = gr.Button("Ask", variant="primary", scale=1, min_width=64, elem_id="ask", size="md")
            new = gr.Button("New chat", scale=1, min_width=90, elem_id="new-chat", size="md")
        with gr.Accordion("Filters", open=False) as accordion:
            with gr.Row():
                since = gr.Textbox(label="Since", placeholder="YYYY-MM-DD, YYYY-MM or YYYY", max_lines=1)
                until = gr.Textbox(label="Until", placeholder="YYYY-MM-DD, YYYY-MM or YYYY", max_lines=1)
            docs = gr.Dropdown(label="Only these articles", choices=[], multiselect=True)

        inputs = [box, chatbot, turns, since, until, docs]
        outputs = [chatbot, turns, box]
        limit = service.settings.answer_queue  # let the shared gate decide, not Gradio's own queue
        box.submit(respond, inputs, outputs, concurrency_limit=limit)
        chatbot.example_select(example_text, None, box, queue=False).then(
            respond, inputs, outputs, concurrency_limit=limit
        )
        ask.click(respond, inputs, outputs, concurrency_limit=limit)
        new.click(lambda: ([], [], ""), None, outputs, queue=False)
        chatbot.clear(lambda: [], None, turns, queue=False)  # its own bin icon: forget the turns too
        demo.load(documents, None, docs)
        accordion.expand(documents, None, docs)
    blocks: gr.Blocks = demo
    return blocks


def mount_chat(app: FastAPI, service: Service) -> FastAPI:
    mounted: FastAPI = gr.mount_gradio_app(
        app,
        build_chat(service),
        path="/",
        ssr_mode=False,
        footer_links=[],
        css=CSS,
        theme=THEME,
        show_error=False,
        max_file_size="1kb",  # no file inputs; else Gradio's own upload route stores any size, unauthenticated
    )
    return mounted
