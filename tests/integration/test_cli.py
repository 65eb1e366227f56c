"""The real `rag` command line in a subprocess, on a temporary RAG_HOME with the real embedder."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
COMMANDS = ["ingest", "search", "ask", "chat", "serve", "eval"]


def rag(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m ui.cli ARGS` with RAG_HOME=home, from inside home (so no stray .env is read)."""
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", *args],
        cwd=home,
        env={**clean_env, "RAG_HOME": str(home), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def one_line(text: str) -> str:
    return " ".join(text.split())  # rich wraps long messages at the terminal width


def assert_clean_failure(proc: subprocess.CompletedProcess[str], code: int, *phrases: str) -> None:
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    message = one_line(proc.stderr)
    assert message.startswith("error:") or message.startswith("skipped"), message
    for phrase in phrases:
        assert phrase in message, message


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rag-home")


@pytest.fixture(scope="module")
def ingests(home: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    first = rag(home, "ingest", str(SEEDS), "--json")
    assert first.returncode == 0, first.stderr
    second = rag(home, "ingest", str(SEEDS), "--json")
    assert second.returncode == 0, second.stderr
    return json.loads(first.stdout), json.loads(second.stdout)


def test_ingest_twice_costs_nothing_the_second_time(ingests: tuple[dict[str, Any], dict[str, Any]]) -> None:
    first, second = ingests
    assert len(first["added"]) == 5 and first["chunks_embedded"] == first["chunks"] > 0
    assert len(second["unchanged"]) == 5
    assert second["added"] == second["updated"] == second["skipped"] == []
    assert second["chunks"] == first["chunks"] and second["chunks_embedded"] == 0


def test_search_json_finds_the_delegation_leader(home: Path, ingests: object) -> None:
    proc = rag(home, "search", "Who led the Chinese delegation?", "--json")
    assert proc.returncode == 0, proc.stderr
    hits = json.loads(proc.stdout)["hits"]
    assert "Chen Mingguo" in hits[0]["text"]
    assert {"doc_id", "chunk_id", "title", "date", "text", "start", "end", "score"} <= set(hits[0])


def test_ingest_of_a_missing_path_fails_with_one_reason(tmp_path: Path) -> None:
    proc = rag(tmp_path, "ingest", "/nonexistent")
    assert proc.returncode != 0
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines == ["skipped /nonexistent: no such file or folder"]


def test_an_empty_search_is_a_clear_error(home: Path) -> None:
    assert_clean_failure(rag(home, "search", ""), 2, "the question is empty")


def test_a_10000_character_query_is_a_clear_error(home: Path) -> None:
    query = ("Who led the Chinese delegation " * 400)[:10_000]
    proc = rag(home, "search", query)
    assert_clean_failure(proc, 2, "10000 characters long", "the limit is 2000", "RAG_MAX_QUESTION_CHARS")


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["--k", "0"], "k must be between 1 and 100"),
        (["--since", "2025-13"], "has no month 13"),
        (["--until", "2025-02-30"], "has no day 30"),
        (["--since", "last week"], "is not YYYY-MM-DD"),
    ],
)
def test_bad_search_options_are_clear_errors(home: Path, args: list[str], phrase: str) -> None:
    assert_clean_failure(rag(home, "search", "Chen Mingguo", *args), 2, phrase)


def test_a_wrong_setting_is_a_clear_error(tmp_path: Path) -> None:
    proc = rag(tmp_path, "search", "Chen Mingguo", RAG_CHUNK_CHARS="5")
    assert_clean_failure(proc, 4, "invalid settings", "chunk_chars")


def test_an_unreachable_store_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket is closed
    proc = rag(tmp_path, "search", "Chen Mingguo", RAG_CHROMA_URL=f"http://127.0.0.1:{port}")
    assert_clean_failure(proc, 5, "unavailable", "RAG_CHROMA_URL")


def test_help_lists_every_command(tmp_path: Path) -> None:
    proc = rag(tmp_path, "--help")
    assert proc.returncode == 0
    for command in COMMANDS:
        assert command in proc.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_help_of_each_command(tmp_path: Path, command: str) -> None:
    proc = rag(tmp_path, command, "--help")
    assert proc.returncode == 0, proc.stderr
    assert "Usage" in proc.stdout and "Traceback" not in proc.stderr
