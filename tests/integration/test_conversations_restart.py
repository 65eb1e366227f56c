"""Saved conversations and feedback survive a restart of the real server: `rag serve` (extractive
answers, the real embedder) is asked a question and a follow-up, the answer is rated and the
conversation renamed; the server is stopped and started again on the same RAG_HOME, and it all
comes back, a follow-up by id continues it, and `rag feedback export` writes the disliked answer
as a question the eval loader reads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.load_run import free_port, stop_server
from evals import questions as eval_questions
from evals.questions import load_questions, parse_question
from rag.settings import REPO_ROOT

TOKEN = "restart-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUESTION = "Who led the Chinese delegation?"
FOLLOW_UP = "What did he say about Xinjiang?"


def environment(home: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    return {
        **clean,
        "RAG_HOME": str(home),
        "RAG_SEEDS_DIR": str(REPO_ROOT / "seeds"),
        "RAG_LLM_BACKEND": "extractive",
        "RAG_API_TOKEN": TOKEN,
    }


class Server:
    def __init__(self, home: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = home.parent / f"serve-{self.port}.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "ui.cli", "serve", "--port", str(self.port)],
                cwd=REPO_ROOT,
                env=environment(home),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 240
        while True:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            assert time.monotonic() < deadline, f"not ready: {self.log.read_text()[-3000:]}"
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.25)

    def post(self, path: str, body: dict[str, object], **kw: object) -> dict[str, object]:
        r = httpx.post(self.url + path, json=body, timeout=120, **kw)  # type: ignore[arg-type]
        assert r.status_code == 200, r.text
        out: dict[str, object] = r.json()
        return out

    def get(self, path: str) -> dict[str, object]:
        r = httpx.get(self.url + path, timeout=60)
        assert r.status_code == 200, r.text
        out: dict[str, object] = r.json()
        return out

    def stop(self) -> None:
        stop_server(self.proc, grace_s=30, kill_s=10)


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "home"


def test_conversations_and_feedback_survive_a_restart(home: Path, tmp_path: Path) -> None:
    server = Server(home)
    try:
        first = server.post("/v1/answer", {"question": QUESTION})
        cid = first["conversation_id"]
        follow = server.post("/v1/answer", {"question": FOLLOW_UP, "conversation_id": cid})
        note = "It should say what he invited <b>Naqvi</b> to do."
        server.post("/v1/feedback", {"answer_id": follow["answer_id"], "rating": "down", "note": note})
        server.post("/v1/feedback", {"answer_id": first["answer_id"], "rating": "up"})
        r = httpx.patch(f"{server.url}/v1/conversations/{cid}", json={"title": "Delegation talks"}, headers=AUTH)
        assert r.status_code == 200, r.text
    finally:
        server.stop()

    server = Server(home)  # a new process on the same RAG_HOME
    try:
        listed = server.get("/v1/conversations")
        assert [(c["id"], c["title"], c["turns"]) for c in listed["conversations"]] == [(cid, "Delegation talks", 2)]  # type: ignore[union-attr]
        conv = server.get(f"/v1/conversations/{cid}")
        turns = conv["turns"]
        assert [t["question"] for t in turns] == [QUESTION, FOLLOW_UP]  # type: ignore[union-attr]
        assert turns[1]["answer"] == follow["answer"] and turns[1]["citations"] == follow["citations"]  # type: ignore[index]
        assert turns[1]["feedback"]["rating"] == "down" and turns[1]["feedback"]["note"] == note  # type: ignore[index]
        assert turns[0]["feedback"]["rating"] == "up"  # type: ignore[index]
        again = server.post(
            "/v1/answer", {"question": "Where did they agree to train police officers?", "conversation_id": cid}
        )
        assert again["conversation_id"] == cid
        assert len(server.get(f"/v1/conversations/{cid}")["turns"]) == 3  # type: ignore[arg-type]
        export = httpx.get(f"{server.url}/v1/conversations/{cid}/export", timeout=60)
        assert export.status_code == 200 and export.text.startswith("# Delegation talks")
    finally:
        server.stop()

    out = tmp_path / "disliked.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "ui.cli", "feedback", "export", "--out", str(out)],
        cwd=REPO_ROOT,
        env=environment(home),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "wrote 1 disliked answers" in " ".join(proc.stdout.split())
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 1 and records[0]["question"] == FOLLOW_UP
    assert records[0]["history"] == [
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": first["answer"]},
    ]
    assert note in records[0]["note"]
    q = parse_question({k: v for k, v in records[0].items() if k != "note"}, where=f"{out}:1")
    assert q.question == FOLLOW_UP and q.answers == () and len(q.history) == 2
    if "note" in eval_questions._OPTIONAL:  # the file as written, once the loader keeps notes
        assert load_questions(out)[0].question == FOLLOW_UP

    empty = tmp_path / "empty-home"
    proc = subprocess.run(
        [sys.executable, "-m", "ui.cli", "feedback", "export", "--out", str(tmp_path / "none.jsonl")],
        cwd=REPO_ROOT,
        env=environment(empty),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1 and "no thumbs-down feedback yet" in proc.stderr
    assert not (tmp_path / "none.jsonl").exists()
