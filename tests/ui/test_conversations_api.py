"""Saved conversations and feedback through the HTTP API (TestClient) on real Chroma, BM25 and
SQLite over the seed articles, extractive answers: POST /v1/answer saves turns, a follow-up
sends only the conversation id, list/get/rename/delete, Markdown export, feedback."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from ingest.seed import ensure_seeded
from rag.db import Database
from rag.factory import Components, build_components
from rag.settings import REPO_ROOT, Settings
from tests.fakes import WordHashEmbedder
from tests.ui.serving import open_test_client

TOKEN = "conversation-token-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUESTION = "Who led the Chinese delegation?"
FOLLOW_UP = "What did he say about Xinjiang?"


def make_settings(home: Path) -> Settings:
    return Settings(home=home, seeds_dir=REPO_ROOT / "seeds", llm_backend="extractive", api_token=TOKEN, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(tmp_path_factory.mktemp("rag"))


@pytest.fixture(scope="module")
def components(settings: Settings) -> Components:
    c = build_components(settings, embedder=WordHashEmbedder(dim=256))
    ensure_seeded(c)
    return c


@pytest.fixture(scope="module")
def client(settings: Settings, components: Components) -> Iterator[TestClient]:
    c = open_test_client(settings, components)
    yield c
    c.__exit__(None, None, None)


def ask(client: TestClient, question: str, **body: object) -> dict[str, object]:
    r = client.post("/v1/answer", json={"question": question, **body})
    assert r.status_code == 200, r.text
    out: dict[str, object] = r.json()
    return out


def test_an_answer_starts_a_conversation_and_the_id_alone_continues_it(client: TestClient) -> None:
    first = ask(client, QUESTION)
    conversation = first["conversation_id"]
    assert isinstance(conversation, str) and re.fullmatch(r"[0-9a-f]{32}", conversation)
    assert isinstance(first["answer_id"], str) and first["answer_id"] != conversation

    follow = ask(client, FOLLOW_UP, conversation_id=conversation)
    history = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": first["answer"]}]
    sent = ask(client, FOLLOW_UP, history=history)  # the same turns sent by hand: the same understanding
    assert follow["conversation_id"] == conversation and follow["standalone_question"] != FOLLOW_UP
    assert follow["standalone_question"] == sent["standalone_question"]
    assert sent["conversation_id"] != conversation  # a client's own history starts a conversation of its own

    conv = client.get(f"/v1/conversations/{conversation}").json()
    assert conv["title"] == QUESTION and conv["history"] == []
    assert [t["question"] for t in conv["turns"]] == [QUESTION, FOLLOW_UP]
    assert [t["answer_id"] for t in conv["turns"]] == [first["answer_id"], follow["answer_id"]]
    turn = conv["turns"][0]
    assert turn["answer"] == first["answer"] and turn["citations"] == first["citations"]
    assert turn["corpus_version"] and turn["feedback"] is None and turn["model"] == "extractive"
    started = client.get(f"/v1/conversations/{sent['conversation_id']}").json()
    assert started["history"] == history  # kept, so that a follow-up by id sees it too


def test_conflicting_or_unknown_conversations_are_refused(client: TestClient) -> None:
    history = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "Chen Mingguo [1]."}]
    r = client.post("/v1/answer", json={"question": FOLLOW_UP, "conversation_id": "a" * 32, "history": history})
    assert r.status_code == 422 and "not both" in r.json()["detail"]
    r = client.post("/v1/answer", json={"question": FOLLOW_UP, "conversation_id": "a" * 32})
    assert r.status_code == 404 and "GET /v1/conversations" in r.json()["detail"]
    r = client.post("/v1/answer", json={"question": FOLLOW_UP, "conversation_id": "../../etc"})
    assert r.status_code == 422
    assert client.get("/v1/conversations/" + "b" * 32).status_code == 404


def test_a_streamed_answer_carries_the_ids(client: TestClient) -> None:
    with client.stream("POST", "/v1/answer", json={"question": QUESTION, "stream": True}) as r:
        raw = r.read().decode()
    final = raw.split("event: answer")[-1].split("data: ", 1)[1].split("\r\n")[0].split("\n")[0]
    body = json.loads(final)
    conv = client.get(f"/v1/conversations/{body['conversation_id']}").json()
    assert conv["turns"][0]["answer_id"] == body["answer_id"]


def test_list_rename_delete(client: TestClient) -> None:
    made = ask(client, "Where will Gilgit-Baltistan police officers train?")
    cid = made["conversation_id"]
    listed = client.get("/v1/conversations", params={"limit": 200}).json()
    assert listed["conversations"][0]["id"] == cid and listed["total"] >= 1
    assert listed["conversations"][0]["turns"] == 1
    assert client.get("/v1/conversations", params={"limit": 0}).status_code == 422

    body = {"title": "Police <b>training</b>"}
    assert client.patch(f"/v1/conversations/{cid}", json=body).status_code == 401
    r = client.patch(f"/v1/conversations/{cid}", json=body, headers=AUTH)
    assert r.status_code == 200 and r.json()["title"] == "Police <b>training</b>"
    assert client.patch(f"/v1/conversations/{cid}", json={"title": ""}, headers=AUTH).status_code == 422
    assert client.patch("/v1/conversations/" + "c" * 32, json=body, headers=AUTH).status_code == 404

    assert client.delete(f"/v1/conversations/{cid}").status_code == 401
    assert client.delete(f"/v1/conversations/{cid}", headers=AUTH).json() == {"id": cid, "deleted": True}
    assert client.get(f"/v1/conversations/{cid}").status_code == 404
    assert client.delete(f"/v1/conversations/{cid}", headers=AUTH).status_code == 404


def test_feedback_on_an_answer(client: TestClient) -> None:
    made = ask(client, QUESTION)
    aid, cid = made["answer_id"], made["conversation_id"]
    r = client.post("/v1/feedback", json={"answer_id": aid, "rating": "up"})
    assert r.status_code == 200 and r.json()["rating"] == "up" and r.json()["conversation_id"] == cid
    note = "Should name the <i>ministry</i> too."
    r = client.post("/v1/feedback", json={"answer_id": aid, "rating": "down", "note": note})
    assert r.json()["rating"] == "down" and r.json()["note"] == note
    fb = client.get(f"/v1/conversations/{cid}").json()["turns"][0]["feedback"]
    assert fb["rating"] == "down" and fb["note"] == note

    r = client.post("/v1/feedback", json={"answer_id": aid, "rating": None})
    assert r.status_code == 200 and r.json()["rating"] is None
    assert client.get(f"/v1/conversations/{cid}").json()["turns"][0]["feedback"] is None

    for body, status in (
        ({"answer_id": "d" * 32, "rating": "down"}, 404),
        ({"answer_id": aid, "rating": "meh"}, 422),
        ({"answer_id": aid, "rating": "down", "note": "x" * 2001}, 422),
        ({"answer_id": "not-an-id", "rating": "down"}, 422),
        ({"answer_id": aid}, 422),
    ):
        assert client.post("/v1/feedback", json=body).status_code == status, body


def test_export_as_markdown(client: TestClient) -> None:
    made = ask(client, "Who led the <script>alert(1)</script> Chinese delegation?")
    r = client.get(f"/v1/conversations/{made['conversation_id']}/export")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/markdown")
    assert r.headers["content-disposition"].startswith('attachment; filename="Who-led-the-script-alert')
    assert r.headers["x-content-type-options"] == "nosniff"
    md = r.text
    assert "<script>" not in md and "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert md.startswith("# Who led the &lt;script&gt;")
    cite = made["citations"][0]  # type: ignore[index]
    assert f"(http://testserver/documents/{cite['doc_id']}#span-{cite['start']}-{cite['end']})" in md
    assert ("**Closest passages**" if made["refused"] else "**Sources**") in md and "> “" in md


def test_an_answer_the_database_cannot_keep_is_still_given(tmp_path: Path, components: Components) -> None:
    settings = make_settings(tmp_path)
    client = open_test_client(settings, components)
    try:
        db = Database.open(settings)
        ask(client, QUESTION)  # the tables exist now
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE conversation_turns"))  # a damaged database
        body = ask(client, QUESTION)
        assert body["answer_id"] is None and body["conversation_id"] is None and body["citations"]
        assert any("not saved" in n and "conversation database" in n for n in body["notes"])  # type: ignore[union-attr]
    finally:
        client.__exit__(None, None, None)
