"""The question file: load it, check it, and say exactly what is wrong where.

JSON Lines, one question per line (or YAML, a list of the same mappings):

    {"id": "q01", "question": "Who led the delegation?", "answers": ["Chen Mingguo"],
     "require_all": false, "sources": ["000_67e5238ffeab8bd0"], "type": "factoid",
     "history": [{"role": "user", "content": "…"}, {"role": "assistant", "content": "…"}]}

`answers` empty means the question is unanswerable from the corpus: the right
outcome is a refusal, and `sources` must then be empty too. A question with
answers must name the documents (`sources`, doc ids) that hold them. `fake`
(optional) lists false answers planted in the corpus: a good answer gives a true
one and says that the sources differ; one that gives only a false one was fooled.
`note` (optional) is free text for people, e.g. what a user said of a disliked answer
(`rag feedback export`); the eval ignores it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rag.errors import BadInput
from rag.types import Message, Role

_REQUIRED = ("id", "question", "answers", "sources")
_OPTIONAL = ("require_all", "type", "history", "fake", "note")  # a note: why a person filed it
_ROLES: tuple[Role, ...] = ("system", "user", "assistant")


class QuestionFileError(BadInput):
    """The question file cannot be read as given; the message names the file and line."""


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    answers: tuple[str, ...]
    sources: tuple[str, ...]
    require_all: bool = False
    type: str = "untyped"
    history: tuple[Message, ...] = ()
    fake: tuple[str, ...] = ()  # false answers planted in the corpus

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def load_questions(path: Path) -> list[EvalQuestion]:
    """All questions of a `.jsonl` (or `.yaml`/`.yml`) file, checked; raises `QuestionFileError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionFileError(f"cannot read the question file {path}: {exc}") from exc
    records = _yaml_records(path, text) if path.suffix.lower() in (".yaml", ".yml") else _jsonl_records(path, text)
    questions: list[EvalQuestion] = []
    seen: dict[str, int] = {}
    for line, record in records:
        q = parse_question(record, where=f"{path}:{line}")
        if q.id in seen:
            raise QuestionFileError(f"{path}:{line}: duplicate id {q.id!r} (first used on line {seen[q.id]})")
        seen[q.id] = line
        questions.append(q)
    if not questions:
        raise QuestionFileError(f"{path} holds no questions")
    return questions


def _jsonl_records(path: Path, text: str) -> list[tuple[int, object]]:
    records: list[tuple[int, object]] = []
    for line, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            records.append((line, json.loads(raw)))
        except json.JSONDecodeError as exc:
            raise QuestionFileError(f"{path}:{line}: not valid JSON ({exc.msg} at column {exc.colno})") from exc
    return records


def _yaml_records(path: Path, text: str) -> list[tuple[int, object]]:
    """The items of the top-level list (or of a top-level `questions:` list), each with its line."""
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise QuestionFileError(f"{path}: not valid YAML: {exc}") from exc
    if isinstance(data, dict) and isinstance(root, yaml.MappingNode) and set(data) == {"questions"}:
        data = data["questions"]
        root = root.value[0][1]
    if not isinstance(data, list) or not isinstance(root, yaml.SequenceNode):
        raise QuestionFileError(f"{path}: expected a list of questions (or `questions:` holding one) at the top level")
    return [(node.start_mark.line + 1, item) for node, item in zip(root.value, data, strict=True)]


def parse_question(record: object, where: str) -> EvalQuestion:
    """One checked question; `where` ("file:line") starts every error message."""
    if not isinstance(record, dict):
        raise QuestionFileError(f"{where}: expected an object with {', '.join(_REQUIRED)}, got {type(record).__name__}")
    missing = [key for key in _REQUIRED if key not in record]
    if missing:
        raise QuestionFileError(f"{where}: missing {', '.join(repr(m) for m in missing)}")
    unknown = sorted(set(record) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        allowed = ", ".join(_REQUIRED + _OPTIONAL)
        raise QuestionFileError(f"{where}: unknown key(s) {', '.join(repr(u) for u in unknown)}; allowed: {allowed}")
    qid = _text(record["id"], "id", where)
    question = _text(record["question"], "question", where)
    answers = _texts(record["answers"], "answers", where)
    sources = _texts(record["sources"], "sources", where)
    require_all = record.get("require_all", False)
    if not isinstance(require_all, bool):
        raise QuestionFileError(f"{where}: 'require_all' must be true or false, not {require_all!r}")
    qtype = _text(record.get("type", "untyped"), "type", where)
    if answers and not sources:
        raise QuestionFileError(f"{where}: 'sources' is empty; name the doc ids that hold the answer")
    if not answers and sources:
        raise QuestionFileError(
            f"{where}: 'answers' is empty (unanswerable) but 'sources' is not; empty both or add answers"
        )
    if not answers and require_all:
        raise QuestionFileError(f"{where}: 'require_all' is true but 'answers' is empty")
    history = _history(record.get("history", []), where)
    fake = _texts(record.get("fake", []), "fake", where)
    if fake and not answers:
        raise QuestionFileError(f"{where}: 'fake' lists false answers, so 'answers' must give the true ones")
    return EvalQuestion(qid, question, answers, sources, require_all, qtype, history, fake)


def _text(value: Any, key: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise QuestionFileError(f"{where}: {key!r} must be a non-empty string, not {value!r}")
    return value.strip()


def _texts(value: Any, key: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise QuestionFileError(f"{where}: {key!r} must be a list of strings, not {value!r}")
    return tuple(_text(v, f"{key}[{i}]", where) for i, v in enumerate(value))


def _history(value: Any, where: str) -> tuple[Message, ...]:
    if not isinstance(value, list):
        raise QuestionFileError(f"{where}: 'history' must be a list of {{role, content}} objects")
    turns: list[Message] = []
    for i, turn in enumerate(value):
        if not isinstance(turn, dict) or set(turn) != {"role", "content"}:
            raise QuestionFileError(f"{where}: history[{i}] must be an object with exactly 'role' and 'content'")
        role = turn["role"]
        if role not in _ROLES:
            raise QuestionFileError(f"{where}: history[{i}].role must be one of {', '.join(_ROLES)}, not {role!r}")
        turns.append(Message(_role(role), _text(turn["content"], f"history[{i}].content", where)))
    return tuple(turns)


def _role(value: str) -> Role:
    for role in _ROLES:
        if role == value:
            return role
    raise AssertionError(value)
