"""What the chat shows: escaped text, numbered sources linking to the passage, refusals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ingest.seed import ensure_seeded
from rag.factory import build_components
from rag.settings import REPO_ROOT, Settings
from rag.types import Answer, Citation, Timings
from tests.fakes import WordHashEmbedder
from ui.chat import filters_from, md_text, render_answer
from ui.service import Service


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


# -- conversations, feedback and examples in the chat (its functions, on real stores) ----------
TOKEN = "chat-token-0123456789"


@pytest.fixture(scope="module")
def chat_fns(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], Service]]:
    from tests.ui.serving import open_test_client
    from ui.chat import build_chat

    settings = Settings(
        home=tmp_path_factory.mktemp("rag"),
        seeds_dir=REPO_ROOT / "seeds",
        llm_backend="extractive",
        api_token=TOKEN,
        _env_file=None,  # type: ignore[call-arg]
    )
    components = build_components(settings, embedder=WordHashEmbedder(dim=256))
    ensure_seeded(components)
    client = open_test_client(settings, components)
    service: Service = client.app.state.service  # type: ignore[attr-defined]
    blocks = build_chat(service)
    yield {getattr(f.fn, "__name__", ""): f.fn for f in blocks.fns.values()}, service
    client.__exit__(None, None, None)


def last(items: Iterator[Any]) -> Any:
    """What a streaming chat function showed last."""
    *_, final = items
    return final


def texts(value: list[Any]) -> list[str]:
    """The chatbot's messages as texts (Gradio keeps each as a list of parts)."""
    return [m["content"][0]["text"] if isinstance(m["content"], list) else m["content"] for m in value]


def ask(
    fns: dict[str, Any], question: str, messages: list[Any] | None = None, conversation: str = "", ids: Any = ()
) -> Any:
    return last(fns["respond"](question, messages or [], conversation, list(ids), "", "", None))


def test_the_chat_saves_each_answer_and_follows_up_from_the_saved_turns(
    chat_fns: tuple[dict[str, Any], Service],
) -> None:
    fns, service = chat_fns
    respond = fns["respond"]
    messages, conversation, ids, box = last(respond("Who led the Chinese delegation?", [], "", [], "", "", None))
    assert box == "" and conversation and ids[0] is None and ids[1]
    messages, again, ids, _ = last(
        respond("What did he say about Xinjiang?", messages, conversation, ids, "", "", None)
    )
    assert again == conversation and len(messages) == 4 and len(ids) == 4 and ids[3]
    conv = service.conversations.require(conversation)
    assert [t.answer_id for t in conv.turns] == [ids[1], ids[3]]
    assert conv.turns[1].standalone_question != "What did he say about Xinjiang?"  # it followed the first turn
    assert messages[3]["content"] == render_answer(conv.turns[1].to_answer())


def test_thumbs_and_a_note_are_saved_and_shown_again(chat_fns: tuple[dict[str, Any], Service]) -> None:
    import gradio as gr

    fns, service = chat_fns
    messages, conversation, ids, _ = ask(fns, "Who led the Chinese delegation?")
    _row, rated, note, status = fns["rate"](ids, gr.LikeData(None, {"index": 1, "value": [], "liked": False}))
    assert rated == ids[1] and "wrong" in status and note == ""
    assert fns["save_note"](rated, "It should name the <b>ministry</b>.")[1] == "Note saved — thank you."
    fb = service.feedback.get(ids[1])
    assert fb is not None and (fb.rating, fb.note) == ("down", "It should name the <b>ministry</b>.")
    fns["rate"](ids, gr.LikeData(None, {"index": 1, "value": [], "liked": True}))
    fb = service.feedback.get(ids[1])
    assert fb is not None and fb.rating == "up" and fb.note.startswith("It should")  # the note is kept
    assert "saved answers" in fns["rate"](ids, gr.LikeData(None, {"index": 0, "value": [], "liked": True}))[3]

    chat, reopened, reopened_ids, export, _row, notes = fns["reopen"](conversation)
    assert reopened == conversation and reopened_ids == ids
    assert notes == "Your notes: answer 1 (thumbs up) “It should name the &lt;b&gt;ministry&lt;/b&gt;.”"
    assert texts(chat.value) == texts(messages)
    assert chat.feedback_value == ["Like"] and f"/v1/conversations/{conversation}/export" in export

    fns["rate"](ids, gr.LikeData(None, {"index": 1, "value": [], "liked": ""}))  # clicked again: withdrawn
    assert service.feedback.get(ids[1]) is None
    assert fns["reopen"](conversation)[0].feedback_value == [None]


def test_a_reloaded_page_reopens_its_conversation_with_examples_from_the_corpus(
    chat_fns: tuple[dict[str, Any], Service],
) -> None:
    import gradio as gr

    fns, service = chat_fns
    _, conversation, _, _ = ask(fns, "Where will Gilgit-Baltistan police officers train?")
    chat, shown, _, listing, _export, _notes = fns["on_load"](gr.Request(query_params={"c": conversation}))
    assert shown == conversation and len(chat.value) == 2 and listing.value == conversation
    assert (service.conversations.require(conversation).title, conversation) in listing.choices
    titles = [d.title for d in service.components().store.list_documents()]
    assert chat.examples and all(any(f"“{t}”" in e["text"] for t in titles) for e in chat.examples)
    chat, shown, ids, listing, _, _ = fns["on_load"](gr.Request(query_params={"c": "f" * 32}))  # gone: a new chat
    assert shown == "" and chat.value == [] and ids == [] and listing.value is None
