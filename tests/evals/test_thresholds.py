"""Quality gates: loading, per-pipeline overrides, failures that say which metric."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.runner import PIPELINES
from evals.thresholds import DEFAULT_PATH, Thresholds, ThresholdsError, load_thresholds

FILE = """\
min:
  answer_accuracy: 0.8
  hit_at_k: 0.9
max:
  false_refusal_rate: 0.1
pipelines:
  extractive:
    min: {answer_accuracy: 0.5}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "thresholds.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_the_repository_file_loads_for_every_pipeline(pipeline: str) -> None:
    gates = load_thresholds(DEFAULT_PATH, pipeline)
    assert "answer_accuracy" in gates.min
    assert "false_refusal_rate" in gates.max


def test_pipeline_overrides(tmp_path: Path) -> None:
    path = write(tmp_path, FILE)
    assert load_thresholds(path, "ours").min == {"answer_accuracy": 0.8, "hit_at_k": 0.9}
    assert load_thresholds(path, "extractive").min == {"answer_accuracy": 0.5, "hit_at_k": 0.9}


def test_check_names_each_failing_metric() -> None:
    gates = Thresholds(min={"answer_accuracy": 0.8, "hit_at_k": 0.9, "mrr": 0.0}, max={"false_refusal_rate": 0.1})
    summary = {"answer_accuracy": 0.7, "hit_at_k": 0.95, "mrr": None, "false_refusal_rate": 0.2}
    assert gates.check(summary) == [
        "answer_accuracy = 0.7 is below its min 0.8",
        "false_refusal_rate = 0.2 is above its max 0.1",
    ]
    assert gates.check({"answer_accuracy": 0.8, "hit_at_k": 0.9, "false_refusal_rate": 0.1}) == []


def test_an_unmeasured_metric_fails_a_real_gate() -> None:
    gates = Thresholds(min={"refusal_accuracy": 0.5}, max={})
    assert gates.check({"refusal_accuracy": None}) == [
        "refusal_accuracy could not be measured (no question to measure it on); min is 0.5"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("min: {accuracy: 0.5}\n", "unknown metric 'accuracy'"),
        ("min: {mrr: 1.5}\n", "mrr must be a number from 0 to 1"),
        ("min: {mrr: high}\n", "mrr must be a number from 0 to 1"),
        ("min: [mrr]\n", "`min` must map metric names to numbers"),
        ("- 1\n", "expected a mapping"),
        ("min: {mrr: [\n", "cannot read the thresholds file"),
        ("pipelines: {ours: {max: {latency_p95_s: 3}}}\n", "unknown metric 'latency_p95_s'"),
    ],
)
def test_bad_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ThresholdsError) as info:
        load_thresholds(write(tmp_path, text), "ours")
    assert message in str(info.value)


def test_question_types_have_their_own_gates(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("types: {list: 0.9, timeline: 0.5}\npipelines: {baseline: {types: {list: 0.0}}}\n")
    gates = load_thresholds(path, "ours")
    per_type = {"list": {"n": 4, "correct": 3, "accuracy": 0.75}}
    assert gates.check({}, per_type) == [
        "accuracy on 'list' questions = 0.75 is below its min 0.9",
        "no question of type 'timeline' was scored; its min accuracy is 0.5",
    ]
    assert load_thresholds(path, "baseline").types == {"list": 0.0, "timeline": 0.5}
