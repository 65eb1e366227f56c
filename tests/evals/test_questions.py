"""The question file: the repo's own file loads; bad files fail with file, line and cause."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from evals.questions import QuestionFileError, load_questions
from rag.types import Message

REPO_QUESTIONS = Path(__file__).resolve().parents[2] / "evals" / "questions.jsonl"
GOOD = {"id": "q1", "question": "Who led it?", "answers": ["Chen Mingguo"], "sources": ["000"]}


def write_jsonl(tmp_path: Path, *records: object) -> Path:
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def test_the_repository_question_file_loads() -> None:
    questions = load_questions(REPO_QUESTIONS)
    assert len(questions) == 69
    assert len({q.id for q in questions}) == 69
    followups = [q for q in questions if q.history]
    assert followups and all(isinstance(m, Message) for q in followups for m in q.history)
    assert sum(not q.answerable for q in questions) == 13


def test_defaults_and_blank_lines(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path, GOOD, "", {**GOOD, "id": "q2", "require_all": True, "type": "multi_doc"})
    first, second = load_questions(path)
    assert (first.require_all, first.type, first.history) == (False, "untyped", ())
    assert (second.require_all, second.type) == (True, "multi_doc")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", "q.jsonl:2: not valid JSON"),
        ('["a list"]', "q.jsonl:2: expected an object"),
        ({"id": "q2", "question": "x", "answers": []}, "q.jsonl:2: missing 'sources'"),
        ({**GOOD, "id": "q2", "answer": ["x"]}, "q.jsonl:2: unknown key(s) 'answer'"),
        ({**GOOD, "id": "q2", "answers": "Chen"}, "q.jsonl:2: 'answers' must be a list of strings"),
        ({**GOOD, "id": "q2", "answers": ["ok", 3]}, "q.jsonl:2: 'answers[1]' must be a non-empty string"),
        ({**GOOD, "id": "q2", "question": " "}, "q.jsonl:2: 'question' must be a non-empty string"),
        ({**GOOD, "id": "q2", "require_all": "yes"}, "q.jsonl:2: 'require_all' must be true or false"),
        ({**GOOD}, "q.jsonl:2: duplicate id 'q1' (first used on line 1)"),
        ({**GOOD, "id": "q2", "sources": []}, "q.jsonl:2: 'sources' is empty"),
        ({**GOOD, "id": "q2", "answers": []}, "q.jsonl:2: 'answers' is empty (unanswerable) but 'sources' is not"),
        ({**GOOD, "id": "q2", "history": [{"role": "bot", "content": "hi"}]}, "q.jsonl:2: history[0].role must be"),
        ({**GOOD, "id": "q2", "history": [{"role": "user"}]}, "q.jsonl:2: history[0] must be an object"),
        ({**GOOD, "id": "q2", "fake": "Kerber"}, "q.jsonl:2: 'fake' must be a list of strings"),
        (
            {"id": "q2", "question": "x", "answers": [], "sources": [], "fake": ["y"]},
            "q.jsonl:2: 'fake' lists false answers, so 'answers' must give the true ones",
        ),
    ],
)
def test_errors_name_the_line_and_the_problem(tmp_path: Path, bad: object, message: str) -> None:
    path = write_jsonl(tmp_path, GOOD, bad)
    with pytest.raises(QuestionFileError) as info:
        load_questions(path)
    assert message in str(info.value)


def test_empty_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(QuestionFileError, match="holds no questions"):
        load_questions(write_jsonl(tmp_path, ""))
    with pytest.raises(QuestionFileError, match="cannot read the question file"):
        load_questions(tmp_path / "nope.jsonl")


YAML = """\
# two questions
- id: q1
  question: Who led it?
  answers: [Chen Mingguo]
  sources: ["000"]
- id: q2
  question: What did he invite Naqvi to do?
  answers: [visit Xinjiang]
  sources: ["001"]
  type: followup
  history:
    - role: user
      content: Who led the delegation?
    - role: assistant
      content: Chen Mingguo.
"""


@pytest.mark.parametrize("suffix", [".yaml", ".yml"])
def test_yaml_list(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"q{suffix}"
    path.write_text(YAML, encoding="utf-8")
    q1, q2 = load_questions(path)
    assert q1.sources == ("000",)
    assert q2.history == (Message("user", "Who led the delegation?"), Message("assistant", "Chen Mingguo."))


def test_yaml_under_a_questions_key_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    body = "questions:\n" + "".join("  " + line + "\n" for line in YAML.splitlines())
    path.write_text(body.replace('sources: ["001"]', "sources: []"), encoding="utf-8")
    with pytest.raises(QuestionFileError, match=r"q\.yaml:7: 'sources' is empty"):
        load_questions(path)


def test_yaml_that_is_not_a_list(tmp_path: Path) -> None:
    path = tmp_path / "q.yml"
    path.write_text("id: q1\n", encoding="utf-8")
    with pytest.raises(QuestionFileError, match="expected a list of questions"):
        load_questions(path)
    path.write_text("- [unclosed\n", encoding="utf-8")
    with pytest.raises(QuestionFileError, match="not valid YAML"):
        load_questions(path)


def test_the_form_question_files_load() -> None:
    """Lists, explanations, timelines and chains of follow-ups, over the seeds and the public set."""
    forms = load_questions(REPO_QUESTIONS.with_name("forms.jsonl"))
    assert len(forms) + len(load_questions(REPO_QUESTIONS.with_name("rgb_forms.jsonl"))) >= 30
    assert {"list", "explanation", "timeline", "followup_chain"} <= {q.type for q in forms}
    chains = [q for q in forms if q.type == "followup_chain"]
    assert all(len(q.history) >= 2 for q in chains) and sum(len(q.history) >= 4 for q in chains) >= 8  # 3+ turns


def test_the_reworded_questions_ask_the_same_as_the_originals_in_other_words() -> None:
    original = load_questions(REPO_QUESTIONS)
    reworded = load_questions(REPO_QUESTIONS.with_name("reworded.jsonl"))
    assert [(q.id, q.answers, q.type, q.sources, q.history) for q in reworded] == [
        (q.id, q.answers, q.type, q.sources, q.history) for q in original
    ]
    assert all(a.question != b.question for a, b in zip(original, reworded, strict=True))


def test_the_outsiders_questions_cover_each_kind_over_the_seeds() -> None:
    outsider = load_questions(REPO_QUESTIONS.with_name("outsider.jsonl"))
    seeds = {p.stem for p in (REPO_QUESTIONS.parents[1] / "seeds").glob("*.txt")}
    assert {q.type for q in outsider} == {"factoid", "date", "multi_doc", "two_constraint", "unanswerable"}
    assert all(set(q.sources) <= seeds and bool(q.answers) == (q.type != "unanswerable") for q in outsider)


def test_the_questions_over_web_pages_name_page_keys_and_answer_each_kind() -> None:
    pages = load_questions(REPO_QUESTIONS.with_name("pages.jsonl"))
    kinds = {"factoid", "date", "multi_doc", "two_constraint", "list", "explanation", "unanswerable"}
    assert {q.type for q in pages} == kinds
    assert all(re.fullmatch(r"p[0-9a-f]{16}", s) for q in pages for s in q.sources)
    assert all(bool(q.answers) == bool(q.sources) == (q.type != "unanswerable") for q in pages)


def test_the_outsiders_questions_over_the_public_passages_name_passage_ids() -> None:
    rgb = load_questions(REPO_QUESTIONS.with_name("rgb_outsider.jsonl"))
    assert {q.type for q in rgb} == {"factoid", "date", "two_constraint", "unanswerable"}
    assert all(re.fullmatch(r"rgb_\d{3}_(?:pos|neg)_[0-9a-f]{12}", s) for q in rgb for s in q.sources)
    assert all(bool(q.answers) == bool(q.sources) == (q.type != "unanswerable") for q in rgb)


def test_planted_false_answers_load(tmp_path: Path) -> None:
    [q] = load_questions(write_jsonl(tmp_path, {**GOOD, "type": "conflict", "fake": ["Meng Jianzhu"]}))
    assert (q.type, q.fake) == ("conflict", ("Meng Jianzhu",))
