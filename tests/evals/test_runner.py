"""The run end to end on a canned pipeline: files written, thresholds, deltas, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.questions import EvalQuestion
from evals.runner import evaluate, main
from evals.thresholds import Thresholds
from rag.settings import Settings
from tests.evals.fakes import CannedPipeline, make_answer

QUOTE = "The delegation was led by Chen Mingguo, China's Minister for Political and Legal Affairs."
QUESTIONS = [
    EvalQuestion("q1", "Who led it?", ("Chen Mingguo",), ("000",), type="factoid"),
    EvalQuestion("q2", "What is the population of Xinjiang?", (), (), type="unanswerable"),
    EvalQuestion("q3", "What broke?", ("nothing",), ("000",), type="factoid"),
]
GOOD = CannedPipeline(
    {
        "Who led it?": make_answer(
            "The delegation was led by Chen Mingguo [1].", cited=[(1, "000", QUOTE)], retrieved=["000"], total_s=0.5
        ),
        "What is the population of Xinjiang?": make_answer(
            "About 25 million [1].", cited=[(1, "002", QUOTE)], retrieved=["002"], total_s=0.7
        ),
        "What broke?": ValueError("no such thing"),
    }
)
NO_GATES = Thresholds(min={}, max={})
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run(out: Path, gates: Thresholds = NO_GATES, previous: dict[str, object] | None = None) -> int:
    return evaluate(
        GOOD, QUESTIONS, name="ours", k=5, out=out, questions_file=Path("q.jsonl"), gates=gates, previous=previous
    )


def test_writes_report_json_markdown_and_chart(tmp_path: Path) -> None:
    assert run(tmp_path) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["pipeline"] == "ours"
    assert report["model"] == "canned-model"
    assert report["k"] == 5
    assert report["summary"]["n"] == 3
    assert {k: v for k, v in report["per_type"]["factoid"].items() if not k.endswith("_p50_s")} == {
        "n": 2,
        "correct": 1,
        "accuracy": 0.5,
    }
    assert [q["reason"] for q in report["questions"]] == [
        "answer has 'Chen Mingguo'",
        "answered an unanswerable question",
        "error: ValueError: no such thing",
    ]
    assert report["questions"][0]["citations"] == [{"n": 1, "doc_id": "000", "quote": QUOTE}]
    assert "deltas" not in report
    md = (tmp_path / "report.md").read_text()
    assert "| answer_accuracy | 0.500 |" in md
    assert "| unanswerable | 1 | 0 | 0.000 |" in md
    assert "## Failures (2)" in md
    assert "**q2** (unanswerable): answered an unanswerable question." in md
    assert "**q3** (factoid): error: ValueError: no such thing." in md
    assert "**q1**" not in md
    assert (tmp_path / "metrics.png").read_bytes().startswith(PNG_MAGIC)


def test_a_metric_below_its_threshold_exits_1_and_says_which(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gates = Thresholds(min={"answer_accuracy": 0.9, "hit_at_k": 0.5}, max={"false_refusal_rate": 0.5})
    assert run(tmp_path, gates) == 1
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["threshold_failures"] == ["answer_accuracy = 0.5 is below its min 0.9"]
    assert "answer_accuracy = 0.5 is below its min 0.9" in capsys.readouterr().err
    assert "- FAILED: answer_accuracy = 0.5 is below its min 0.9" in (tmp_path / "report.md").read_text()


def test_deltas_against_an_earlier_report(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    run(first)
    earlier = json.loads((first / "report.json").read_text())
    earlier["summary"]["answer_accuracy"] = 0.25
    earlier["summary"]["latency_p50_s"] = 2.0
    earlier["pipeline"] = "baseline"
    (first / "report.json").write_text(json.dumps(earlier))
    from evals.report import load_report

    assert run(second, previous=load_report(first)) == 0
    report = json.loads((second / "report.json").read_text())
    assert report["deltas"]["answer_accuracy"] == {"current": 0.5, "baseline": 0.25, "delta": 0.25}
    assert report["deltas"]["latency_p50_s"]["delta"] == pytest.approx(0.6 - 2.0)
    assert set(report["deltas"]) >= {"n", "answer_accuracy", "hit_at_k", "mrr", "latency_p95_s"}
    assert report["baseline_report"]["pipeline"] == "baseline"
    md = (second / "report.md").read_text()
    assert "| metric | value | baseline | delta |" in md
    assert "| answer_accuracy | 0.500 | 0.250 | +0.250 (better) |" in md
    assert "| latency_p50_s | 0.600 | 2.000 | -1.400 (better) |" in md
    assert (second / "metrics.png").read_bytes().startswith(PNG_MAGIC)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pipeline": "fancy"}, "unknown pipeline 'fancy'"),
        ({"k": 0}, "--k must be at least 1"),
        ({"limit": 0}, "--limit must be at least 1"),
        ({"questions": Path("/nonexistent/q.jsonl")}, "cannot read the question file"),
        ({"baseline": Path("/nonexistent/report.json")}, "cannot read the baseline report"),
    ],
)
def test_bad_input_exits_2_before_building_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, object], message: str
) -> None:
    questions = Path(__file__).resolve().parents[2] / "evals" / "questions.jsonl"
    args: dict[str, object] = {"questions": questions, "k": 5, "baseline": None, "pipeline": "ours", "limit": None}
    args.update(change)
    code = main(Settings(home=tmp_path, llm_backend="extractive"), out=tmp_path / "out", **args)  # type: ignore[arg-type]
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_baseline_report_without_summary_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bogus = tmp_path / "report.json"
    bogus.write_text('{"questions": []}')
    questions = Path(__file__).resolve().parents[2] / "evals" / "questions.jsonl"
    settings = Settings(home=tmp_path, llm_backend="extractive")
    assert main(settings, questions, 5, tmp_path / "out", tmp_path, "ours", None) == 2
    assert 'has no "summary" object' in capsys.readouterr().err
