"""The Gradio chat, mounted at "/" in the API's own app and sharing its `Service`
(the same pipeline, the same bounded answer queue, the same saved conversations).

Streams the model's words, then replaces them with the checked answer and its
numbered sources: each a link to the article page scrolled to the quoted
passage. Refusals say "I don't know" and list the closest passages.

Every answer is saved as a turn of a conversation (rag.conversations), exactly
as POST /v1/answer saves it; follow-ups are answered with the saved turns. The
sidebar lists the conversations and reopens one; the open conversation's id is
kept in the page address (`/?c=ID`), so a reload comes back to it. Each answer
takes a thumbs up or down and a note (rag.feedback), shown again on reopening.
Example questions come from the indexed articles (rag.examples).

Everything shown is escaped first (`ui.markdown.md_text`): article, model and
reader text may hold markup, which must appear as text, never as HTML or Markdown.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

from fastapi import FastAPI

from rag import offline
from rag.conversations import Turn
from rag.dates import format_date, parse_bound
from rag.errors import NotFound, RagError
from rag.examples import example_questions
from rag.feedback import Feedback
from rag.types import Answer, SearchFilters
from ui.markdown import md_text, md_url, render_answer
from ui.service import Service

offline.enforce()  # before gradio is imported: its analytics threads would call out

import gradio as gr  # noqa: E402

__all__ = ["build_chat", "filters_from", "md_text", "md_url", "mount_chat", "render_answer"]
log = logging.getLogger(__name__)

CSS = """
.gradio-container { width: 100% !important; max-width: 960px !important; margin: 0 auto !important; }
.main.app { padding-left: clamp(8px, 3vw, 32px) !important; padding-right: clamp(8px, 3vw, 32px) !important; }
#intro p { margin: 0; color: var(--body-text-color-subdued); }
#intro h1 { margin: 0 0 0.25rem; font-size: 1.5rem; }
#chatbot blockquote { margin: 0.25rem 0 0.5rem; padding-left: 0.75rem; font-size: 0.92em; }
#conversations label { width: 100%; overflow-wrap: anywhere; }
#feedback-status p { margin: 0; font-size: 0.9em; color: var(--body-text-color-subdued); }
@media (max-width: 767px) { #intro h1 { padding-left: 2rem; } }  /* beside the sidebar's toggle */
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
# The open conversation's id lives in the address, so a reload (or a bookmark) reopens it.
KEEP_IN_URL = """(id) => {
  const url = new URL(window.location.href);
  if (id) { url.searchParams.set("c", id); } else { url.searchParams.delete("c"); }
  window.history.replaceState(null, "", url.toString());
}"""
# On a phone the sidebar would cover the chat: it starts closed there (and when a window narrows
# to a phone's width), and closes once a choice is made in it.
CLOSE_ON_PHONES = """() => {
  const sidebar = document.getElementById("sidebar");
  if (window.innerWidth < 768 && sidebar && sidebar.classList.contains("open")) {
    sidebar.querySelector(".toggle-button").click();
  }
}"""
SIDEBAR_ON_PHONES = f"""() => {{
  const close = {CLOSE_ON_PHONES};
  close();
  let wide = window.innerWidth >= 768;
  window.addEventListener("resize", () => {{
    if (wide && window.innerWidth < 768) {{ close(); }}
    wide = window.innerWidth >= 768;
  }});
}}"""
PLACEHOLDER = "**Ask about the indexed news articles**, or pick an example:"
EMPTY_PLACEHOLDER = "**The library is empty.** Add articles in the [Library](/library), then ask about them."
RATINGS = {"up": "Like", "down": "Dislike"}

Messages = list[dict[str, str]]


def filters_from(since: str, until: str, doc_ids: list[str] | None) -> SearchFilters | None:
    f = SearchFilters(doc_ids=tuple(doc_ids or ()), since=parse_bound(since), until=parse_bound(until, end=True))
    return None if f == SearchFilters() else f


def _say(messages: Messages, text: str) -> Messages:
    return [*messages[:-1], {"role": "assistant", "content": text}]


def example_text(event: gr.SelectData) -> str:
    value = event.value
    return str(value.get("text", "")) if isinstance(value, dict) else str(value)


def export_link(conversation_id: str) -> str:
    return f"[⤓ Export as Markdown](/v1/conversations/{conversation_id}/export)" if conversation_id else ""


def notes_given(turns: Sequence[Turn], given: Mapping[str, Feedback]) -> str:
    """The notes a reader left in a conversation, to show when it is opened again.

    >>> from rag.feedback import Feedback
    >>> fb = Feedback("a2", "c", "down", "Say <b>when</b>.", "", (), "", "", False, (), "", None, 0.0, 0.0)
    >>> notes_given([Turn("a1", "c", "q1", "", "", False, (), (), "", None, 0.0),
    ...              Turn("a2", "c", "q2", "", "", False, (), (), "", None, 0.0)], {"a2": fb})
    'Your notes: answer 2 (thumbs down) “Say &lt;b&gt;when&lt;/b&gt;.”'
    """
    noted = [
        f"answer {i} (thumbs {given[t.answer_id].rating}) “{md_text(given[t.answer_id].note)}”"
        for i, t in enumerate(turns, 1)
        if t.answer_id in given and given[t.answer_id].note
    ]
    return "Your notes: " + " · ".join(noted) if noted else ""


def build_chat(service: Service) -> gr.Blocks:
    def conversation_view(conversation_id: str) -> tuple[Messages, list[str | None], str, list[str | None], str]:
        """A saved conversation's messages, thumbs (one per run of assistant messages, as the chatbot
        counts them), id, answer ids (one per message) and the notes given; all empty if it is gone."""
        conv = service.conversations.get(conversation_id) if conversation_id else None
        if conv is None:
            return [], [], "", [], ""
        messages: Messages = [{"role": m.role, "content": md_text(m.content)} for m in conv.prefix]
        ids: list[str | None] = [None] * len(messages)
        for turn in conv.turns:
            messages += [
                {"role": "user", "content": md_text(turn.question)},
                {"role": "assistant", "content": render_answer(turn.to_answer())},
            ]
            ids += [None, turn.answer_id]
        given = service.feedback.for_answers(i for i in ids if i)
        thumbs: list[str | None] = []
        for i, m in enumerate(messages):
            if m["role"] == "assistant" and (i == 0 or messages[i - 1]["role"] != "assistant"):
                fb = given.get(ids[i] or "")
                thumbs.append(RATINGS[fb.rating] if fb else None)
        return messages, thumbs, conv.id, ids, notes_given(conv.turns, given)

    def sidebar(conversation_id: str) -> tuple[Any, str]:
        try:
            recent = service.conversations.recent(50)
        except RagError as exc:
            log.warning("cannot list conversations: %s", exc)
            recent = []
        choices = [(c.title, c.id) for c in recent]
        shown = conversation_id if any(c.id == conversation_id for c in recent) else None
        return gr.Radio(choices=choices, value=shown), export_link(conversation_id)

    def respond(
        question: str,
        messages: Messages,
        conversation_id: str,
        answer_ids: list[str | None],
        since: str,
        until: str,
        doc_ids: list[str] | None,
    ) -> Iterator[tuple[Messages, str, list[str | None], str]]:
        question = (question or "").strip()
        if not question:
            yield messages, conversation_id, answer_ids, ""
            return
        messages = [
            *messages,
            {"role": "user", "content": md_text(question)},
            {"role": "assistant", "content": "_Searching the articles…_"},
        ]
        answer_ids = [*answer_ids, None, None]
        yield messages, conversation_id, answer_ids, ""
        try:
            pipeline = service.pipeline()
            filters = filters_from(since, until, doc_ids)
            try:
                history = service.history_for(conversation_id or None, [])
            except NotFound:  # deleted meanwhile (through the API): this question starts a new one
                conversation_id, history = "", []
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
                        yield _say(messages, md_text("".join(words)) + " ▍"), conversation_id, answer_ids, ""
            finally:
                getattr(stream, "close", lambda: None)()  # a closed tab stops the model too
                ticket.release()
            assert final is not None
            final, turn = service.save_turn(conversation_id or None, service.with_urls(final), [])
            shown = render_answer(final)
            if turn is None:
                shown += "\n\n_⚠️ This answer could not be saved; the server log says why._"
            else:
                conversation_id, answer_ids = turn.conversation_id, [*answer_ids[:-1], turn.answer_id]
            yield _say(messages, shown), conversation_id, answer_ids, ""
        except RagError as exc:
            yield _say(messages, "⚠️ " + md_text(str(exc))), conversation_id, answer_ids, ""
        except Exception:
            log.exception("chat answer failed")
            oops = "⚠️ Something went wrong on the server; the log has the details."
            yield _say(messages, oops), conversation_id, answer_ids, ""

    def rate(answer_ids: list[str | None], event: gr.LikeData) -> tuple[Any, str, str, str]:
        """A thumb clicked: saved at once; a note box opens for what was right or wrong."""
        index = event.index if isinstance(event.index, int) else event.index[0]
        answer_id = answer_ids[index] if 0 <= index < len(answer_ids) else None
        if not answer_id:
            return gr.Row(visible=False), "", "", "Only saved answers can be rated."
        try:
            if event.liked == "":  # the same thumb clicked again: withdrawn
                service.feedback.withdraw(answer_id)
                return gr.Row(visible=False), "", "", "Feedback withdrawn."
            rating = "up" if event.liked is True else "down"
            before = service.feedback.get(answer_id)
            fb = service.feedback.give(answer_id, rating, before.note if before else "")
        except RagError as exc:
            return gr.Row(visible=False), "", "", "⚠️ " + md_text(str(exc))
        thanks = "Thanks — noted as helpful." if rating == "up" else "Thanks — noted as wrong or unhelpful."
        return gr.Row(visible=True), answer_id, fb.note, thanks + " Add a note if you like:"

    def save_note(answer_id: str, note: str) -> tuple[Any, str]:
        if not answer_id:
            return gr.Row(visible=False), ""
        try:
            before = service.feedback.get(answer_id)
            service.feedback.give(answer_id, before.rating if before else "down", note)
        except RagError as exc:
            return gr.Row(visible=True), "⚠️ " + md_text(str(exc))
        return gr.Row(visible=False), "Note saved — thank you."

    def documents() -> Any:
        try:
            docs = service.components().store.list_documents()
        except RagError:
            return gr.Dropdown(choices=[])
        choices = [(f"{d.title or d.doc_id} ({format_date(d.date) or 'undated'})", d.doc_id) for d in docs]
        return gr.Dropdown(choices=choices)

    def on_load(request: gr.Request) -> tuple[Any, ...]:
        """The page opened: the conversation its address names, the sidebar, and examples from the corpus."""
        wanted = str(request.query_params.get("c", "")) if request else ""
        try:
            messages, thumbs, conversation_id, ids, notes = conversation_view(wanted)
        except RagError as exc:
            log.warning("cannot reopen a conversation: %s", exc)
            messages, thumbs, conversation_id, ids, notes = [], [], "", [], ""
        try:
            examples = example_questions(service.components().store.list_documents())
        except RagError:  # still loading: the examples come with the next visit
            examples = []
        chat = gr.Chatbot(
            value=cast(list[Any], messages),
            feedback_value=thumbs,
            examples=[{"text": q} for q in examples] or None,
            placeholder=PLACEHOLDER if examples else EMPTY_PLACEHOLDER,
        )
        listing, export = sidebar(conversation_id)
        return chat, conversation_id, ids, listing, export, notes

    def reopen(conversation_id: str | None) -> tuple[Any, ...]:
        messages, thumbs, conversation_id, ids, notes = conversation_view(conversation_id or "")
        chat = gr.Chatbot(value=cast(list[Any], messages), feedback_value=thumbs)
        return chat, conversation_id, ids, export_link(conversation_id), gr.Row(visible=False), notes

    def start_new() -> tuple[Any, ...]:
        return gr.Chatbot(value=[], feedback_value=[]), "", [], gr.Radio(value=None), "", gr.Row(visible=False), ""

    with gr.Blocks(title="News Q&A", fill_height=True, analytics_enabled=False) as demo:
        answer_ids = gr.State([])  # per chatbot message: the saved answer's id, or None
        rated = gr.State("")  # the answer the note box is about
        conversation = gr.Textbox(visible=False, elem_id="conversation-id")  # "" until the first answer
        with gr.Sidebar(label="Conversations", elem_id="sidebar"):
            gr.Markdown("### Conversations")
            new = gr.Button("New chat", elem_id="new-chat", size="md", variant="secondary")
            listing = gr.Radio(choices=[], show_label=False, container=False, elem_id="conversations")
            export = gr.Markdown("", elem_id="export")
            gr.Markdown("[Library](/library) · [API docs](/docs)", elem_id="links")
        gr.Markdown(
            "# Ask the news\nAnswers come only from the indexed articles, each claim with a numbered source. "
            "[Library](/library) · [API docs](/docs)",
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
            feedback_options=("Like", "Dislike"),
            buttons=["copy"],
            placeholder=PLACEHOLDER,
        )
        with gr.Row(visible=False, elem_id="note-row", equal_height=True) as note_row:
            note = gr.Textbox(
                placeholder="What was right or wrong? (optional)",
                show_label=False,
                container=False,
                scale=6,
                max_lines=4,
                max_length=2000,
                elem_id="feedback-note",
            )
            send_note = gr.Button("Save note", scale=1, min_width=90, elem_id="save-note", size="md")
        status = gr.Markdown("", elem_id="feedback-status")
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
        with gr.Accordion("Filters", open=False) as accordion:
            with gr.Row():
                since = gr.Textbox(label="Since", placeholder="YYYY-MM-DD, YYYY-MM or YYYY", max_lines=1)
                until = gr.Textbox(label="Until", placeholder="YYYY-MM-DD, YYYY-MM or YYYY", max_lines=1)
            docs = gr.Dropdown(label="Only these articles", choices=[], multiselect=True)

        inputs = [box, chatbot, conversation, answer_ids, since, until, docs]
        outputs = [chatbot, conversation, answer_ids, box]
        limit = service.settings.answer_queue  # let the shared gate decide, not Gradio's own queue
        for ev in (
            box.submit(respond, inputs, outputs, concurrency_limit=limit),
            chatbot.example_select(example_text, None, box, queue=False).then(
                respond, inputs, outputs, concurrency_limit=limit
            ),
            ask.click(respond, inputs, outputs, concurrency_limit=limit),
        ):
            ev.then(sidebar, conversation, [listing, export], queue=False)
        conversation.change(None, conversation, None, js=KEEP_IN_URL)
        listing.input(reopen, listing, [chatbot, conversation, answer_ids, export, note_row, status], queue=False).then(
            None, js=CLOSE_ON_PHONES
        )
        blank = [chatbot, conversation, answer_ids, listing, export, note_row, status]
        new.click(start_new, None, blank, queue=False).then(None, js=CLOSE_ON_PHONES)
        chatbot.clear(start_new, None, blank, queue=False)  # its own bin icon: a new conversation too
        chatbot.like(rate, answer_ids, [note_row, rated, note, status], queue=False)
        send_note.click(save_note, [rated, note], [note_row, status], queue=False)
        note.submit(save_note, [rated, note], [note_row, status], queue=False)
        demo.load(on_load, None, [chatbot, conversation, answer_ids, listing, export, status])
        demo.load(documents, None, docs)
        demo.load(None, js=SIDEBAR_ON_PHONES)
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
