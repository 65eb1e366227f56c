"""`rag eval`: run a question file through a pipeline, score it, write the report.

    main(settings, Path("evals/questions.jsonl"), k=5, out=Path("eval-out"),
         baseline=None, pipeline="ours", limit=None, corpus=None, thresholds=None) -> exit code

With `corpus` (a folder of articles) the run indexes that folder afresh in a
temporary data directory, so any corpus can be scored the way the seeds are.

Pipelines: "ours" (the AnswerPipeline the API serves, with the configured
model backend), "extractive" (the same without a model) and "baseline"
(llama-index's tutorial query engine, see evals/baseline.py). A question whose
call raises is recorded as wrong, with the error as its reason, and the run
goes on. Exit codes: 0 all thresholds met, 1 a metric outside its threshold,
and, as the rest of the CLI, 2 bad input (question file, thresholds, baseline
report, arguments), 4 configuration, 5 store unavailable, 6 model failure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from evals.questions import EvalQuestion, load_questions
from evals.report import build_report, load_report, write_outputs
from evals.scoring import QuestionResult, failed, score
from evals.thresholds import DEFAULT_PATH as THRESHOLDS_PATH
from evals.thresholds import Thresholds, load_thresholds
from rag.errors import BadInput, ConfigError, RagError, exit_code
from rag.settings import Settings
from rag.types import Answer, Message, SearchFilters

PIPELINES = ("ours", "extractive", "baseline")


class EvalPipeline(Protocol):
    """What the runner needs of a pipeline: `rag.answer.AnswerPipeline` fits as is."""

    @property
    def model_name(self) -> str: ...

    def answer(
        self,
        question: str,
        history: Sequence[Message] = (),
        *,
        k: int | None = None,
        filters: SearchFilters | None = None,
    ) -> Answer: ...


def open_pipeline(settings: Settings, name: str, stack: ExitStack) -> EvalPipeline:
    """Build the named pipeline; what it must release at the end is pushed on `stack`."""
    if name == "baseline":
        from evals.baseline import BaselinePipeline

        baseline = BaselinePipeline(settings)
        stack.callback(baseline.close)
        return baseline
    from ingest.seed import open_seeded_pipeline

    if name == "extractive":
        settings = settings.model_copy(update={"llm_backend": "extractive"})
    components, pipeline, _ = open_seeded_pipeline(settings)
    if pipeline.generator is not None:
        stack.callback(pipeline.generator.close)
    components.retriever.search("warm up", k=1)  # load embedder, BM25 and store before the first timed question
    return pipeline


def run_questions(
    pipeline: EvalPipeline,
    questions: Sequence[EvalQuestion],
    k: int,
    on_result: Callable[[QuestionResult], None] | None = None,
) -> list[QuestionResult]:
    """Ask every question (with its history) and score the answer; errors become failed results."""
    results: list[QuestionResult] = []
    for q in questions:
        try:
            answer = pipeline.answer(q.question, q.history, k=k)
        except Exception as exc:  # any failure of one question is that question's result, not the run's end
            result = failed(q, exc)
        else:
            result = score(q, answer, k)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results


def main(
    settings: Settings,
    questions: Path,
    k: int,
    out: Path,
    baseline: Path | None,
    pipeline: str,
    limit: int | None,
    corpus: Path | None = None,
    thresholds: Path | None = None,
) -> int:
    err = Console(stderr=True)
    try:
        with ExitStack() as stack:
            if corpus is not None:
                settings = fresh_index_settings(settings, corpus, stack)
            return _main(settings, questions, k, out, baseline, pipeline, limit, err, thresholds or THRESHOLDS_PATH)
    except RagError as exc:
        err.print(f"[red]error:[/] {exc}")
        return exit_code(exc)


def fresh_index_settings(settings: Settings, corpus: Path, stack: ExitStack) -> Settings:
    """Settings that index `corpus` into a new temporary data directory (removed at the end)."""
    import tempfile

    if not corpus.is_dir() or not any(corpus.iterdir()):
        raise BadInput(f"--corpus {corpus} is not a folder of articles; give the folder that holds the corpus")
    home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rag-eval-")))
    return settings.model_copy(update={"home": home, "seeds_dir": corpus.resolve(), "chroma_url": None})


def _main(
    settings: Settings,
    questions: Path,
    k: int,
    out: Path,
    baseline: Path | None,
    pipeline: str,
    limit: int | None,
    err: Console,
    thresholds: Path,
) -> int:
    if pipeline not in PIPELINES:
        raise BadInput(f"unknown pipeline {pipeline!r}; choose one of {', '.join(PIPELINES)}")
    if k < 1:
        raise BadInput(f"--k must be at least 1, not {k}")
    if limit is not None and limit < 1:
        raise BadInput(f"--limit must be at least 1, not {limit}")
    qs = load_questions(questions)[:limit]
    gates = load_thresholds(thresholds, pipeline)
    previous = load_report(baseline) if baseline is not None else None

    with ExitStack() as stack:
        err.print(f"building the [bold]{pipeline}[/] pipeline…")
        chosen = open_pipeline(settings, pipeline, stack)
        return evaluate(
            chosen, qs, name=pipeline, k=k, out=out, questions_file=questions, gates=gates, previous=previous, err=err
        )


def evaluate(
    pipeline: EvalPipeline,
    questions: Sequence[EvalQuestion],
    *,
    name: str,
    k: int,
    out: Path,
    questions_file: Path,
    gates: Thresholds,
    previous: Mapping[str, Any] | None = None,
    err: Console | None = None,
) -> int:
    """Run, score, write report.json/report.md/metrics.png to `out`, print the summary;
    1 when a metric misses its threshold, else 0."""
    err = err or Console(stderr=True)
    results = _run_with_progress(pipeline, questions, k, err)
    report = build_report(
        results, pipeline=name, model=pipeline.model_name, k=k, questions_file=questions_file, previous=previous
    )
    failures = gates.check(report["summary"], report["per_type"])
    report["threshold_failures"] = failures
    try:
        paths = write_outputs(report, out, previous)
    except OSError as exc:
        raise ConfigError(f"cannot write the report to {out}: {exc}; choose another --out") from exc

    show_summary(Console(), report)
    for failure in failures:
        err.print(f"[red]threshold failed:[/] {failure}")
    err.print("wrote " + ", ".join(str(p) for p in paths))
    return 1 if failures else 0


def _run_with_progress(
    pipeline: EvalPipeline, qs: Sequence[EvalQuestion], k: int, err: Console
) -> list[QuestionResult]:
    right = 0
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[score]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("eval", total=len(qs), score="")

        def advance(result: QuestionResult) -> None:
            nonlocal right
            right += result.correct
            bar.update(task, advance=1, description=result.question.id, score=f"{right} correct")
            if not err.is_terminal:  # no live bar in a log: one line per question instead
                took = "error" if result.latency_s is None else f"{result.latency_s:.1f} s"
                verdict = "ok" if result.correct else "FAIL"
                err.print(f"{result.question.id} {verdict} ({took}): {result.reason}", markup=False, highlight=False)

        return run_questions(pipeline, qs, k, advance)


def show_summary(console: Console, report: dict[str, Any]) -> None:
    changes = report.get("deltas")
    table = Table(title=f"eval: {report['pipeline']}, k={report['k']}", caption=str(report["model"]))
    table.add_column("metric")
    table.add_column("value", justify="right")
    if changes is not None:
        table.add_column("Δ vs baseline report", justify="right")
    for key, value in report["summary"].items():
        row = [key, "n/a" if value is None else f"{value:g}"]
        if changes is not None:
            delta = changes.get(key, {}).get("delta")
            row.append("n/a" if delta is None else f"{delta:+g}")
        table.add_row(*row)
    console.print(table)
