"""`main()` on real components: the seed corpus ingested into a fresh RAG_HOME, the
real embedder, Chroma and BM25; the extractive backend (no model) by default and,
marked `model`, the embedded model for both our pipeline and the llama-index baseline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.metrics import LATENCIES, RATES
from evals.runner import main
from rag.settings import Settings

REPO_QUESTIONS = Path(__file__).resolve().parents[2] / "evals" / "questions.jsonl"
SUBSET = ("q01", "q24", "q37", "q50", "q59", "q65")  # factoid, require_all, unanswerable, followup, date, paraphrase
SUMMARY_KEYS = {"n", *RATES, *LATENCIES}


@pytest.fixture(scope="module")
def subset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("questions") / "subset.jsonl"
    lines = [line for line in REPO_QUESTIONS.read_text().splitlines() if json.loads(line)["id"] in SUBSET]
    path.write_text("\n".join(lines) + "\n")
    return path


def check_outputs(out: Path, code: int, pipeline: str) -> dict[str, object]:
    report = json.loads((out / "report.json").read_text())
    assert code == (1 if report["threshold_failures"] else 0)
    assert report["pipeline"] == pipeline
    summary = report["summary"]
    assert set(summary) >= SUMMARY_KEYS
    assert summary["n"] == len(SUBSET)
    assert summary["errors"] == 0, [q["reason"] for q in report["questions"]]
    assert [q["id"] for q in report["questions"]] == list(SUBSET)
    for q in report["questions"]:
        assert {
            "id",
            "question",
            "type",
            "answer",
            "refused",
            "citations",
            "retrieved_doc_ids",
            "correct",
            "reason",
            "latency_s",
        } <= set(q)
    assert "## Summary" in (out / "report.md").read_text()
    assert (out / "metrics.png").stat().st_size > 10_000
    return dict(report)


def test_extractive_run_writes_every_output(tmp_path: Path, subset: Path) -> None:
    out = tmp_path / "out"
    code = main(Settings(home=tmp_path, llm_backend="extractive"), subset, 5, out, None, "ours", None)
    report = check_outputs(out, code, "ours")
    assert report["model"] == "extractive"
    summary = report["summary"]
    assert isinstance(summary, dict)
    assert summary["hit_at_k"] == 1.0  # every answerable subset question's source is retrievable in the top 5

    # the same index again, as "extractive", compared with the first run
    again = tmp_path / "again"
    code = main(Settings(home=tmp_path), subset, 5, again, out / "report.json", "extractive", 3)
    report = json.loads((again / "report.json").read_text())
    assert report["summary"]["n"] == 3
    measured = {key for key in SUMMARY_KEYS if report["summary"].get(key) is not None}
    assert set(report["deltas"]) >= measured


def test_any_corpus_is_indexed_afresh_and_scored(tmp_path: Path) -> None:
    """`--corpus DIR`: a folder nobody indexed before, scored with its own question file and
    thresholds, planted false answers counted; the data directory given is left untouched."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a1.txt").write_text(
        "The city council approved a new tram line on Monday. It will cost 40 million euros."
    )
    (corpus / "a2.txt").write_text(
        "The city council approved a new tram line on Monday. It will cost 90 million euros."
    )
    (corpus / "b1.txt").write_text("A heatwave closed schools across the region for three days in June.")
    questions = tmp_path / "q.jsonl"
    rows = [
        {"id": "t1", "question": "How long were schools closed by the heatwave?", "answers": ["three days"],
         "sources": ["b1"], "type": "factoid"},
        {"id": "t2", "question": "How much will the new tram line cost?", "answers": ["40 million"],
         "sources": ["a1"], "type": "conflict", "fake": ["90 million"]},
    ]  # fmt: skip
    questions.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    gates = tmp_path / "gates.yaml"
    gates.write_text("min: {hit_at_k: 1.0}\n")
    home = tmp_path / "home"
    out = tmp_path / "out"
    settings = Settings(home=home, llm_backend="extractive")
    code = main(settings, questions, 5, out, None, "ours", None, corpus=corpus, thresholds=gates)
    report = json.loads((out / "report.json").read_text())
    assert code == 0 and report["threshold_failures"] == []
    assert report["summary"]["hit_at_k"] == 1.0
    assert report["summary"]["conflict_surfaced"] is not None and report["summary"]["fooled"] is not None
    assert not home.exists(), "the configured data directory is not used for a --corpus run"


def test_a_missing_corpus_is_a_clear_error(tmp_path: Path, subset: Path) -> None:
    code = main(Settings(home=tmp_path), subset, 5, tmp_path / "out", None, "ours", None, corpus=tmp_path / "nope")
    assert code == 2


@pytest.mark.model
@pytest.mark.parametrize("pipeline", ["ours", "baseline"])
def test_with_the_embedded_model(tmp_path: Path, subset: Path, pipeline: str) -> None:
    out = tmp_path / "out"
    code = main(Settings(home=tmp_path, llm_backend="embedded"), subset, 5, out, None, pipeline, None)
    report = check_outputs(out, code, pipeline)
    assert "embedded" in str(report["model"])
