"""The run's outputs: report.json (everything), report.md (for people), metrics.png."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evals.chart import plot_metrics
from evals.metrics import LOWER_IS_BETTER, deltas, per_type, summarize
from evals.scoring import QuestionResult
from rag.errors import BadInput


class ReportError(BadInput):
    """An earlier report (--baseline) cannot be read."""


def load_report(path: Path) -> dict[str, Any]:
    """An earlier report.json (or the folder holding one), with its summary checked."""
    if path.is_dir():
        path = path / "report.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ReportError(f"cannot read the baseline report {path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("summary"), dict):
        raise ReportError(f'{path} is not a report.json of `rag eval`: it has no "summary" object')
    data["path"] = str(path)
    return data


def build_report(
    results: Sequence[QuestionResult],
    *,
    pipeline: str,
    model: str,
    k: int,
    questions_file: Path,
    failures: Sequence[str] = (),
    previous: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    summary = summarize(results)
    report: dict[str, Any] = {
        "pipeline": pipeline,
        "model": model,
        "k": k,
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "questions_file": str(questions_file),
        "summary": summary,
        "per_type": per_type(results),
        "threshold_failures": list(failures),
    }
    if previous is not None:
        report["baseline_report"] = {
            "path": previous.get("path"),
            "pipeline": previous.get("pipeline"),
            "model": previous.get("model"),
            "timestamp": previous.get("timestamp"),
        }
        report["deltas"] = deltas(summary, previous["summary"])
        report["baseline_per_type"] = previous.get("per_type") or {}
    report["questions"] = [r.to_json() for r in results]
    return report


def write_outputs(report: Mapping[str, Any], out: Path, previous: Mapping[str, Any] | None = None) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "report.json", out / "report.md", out / "metrics.png"]
    paths[0].write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths[1].write_text(render_markdown(report), encoding="utf-8")
    plot_metrics(
        report["summary"],
        paths[2],
        label=f"{report['pipeline']} (this run)",
        baseline=previous["summary"] if previous is not None else None,
        baseline_label=f"{previous.get('pipeline', 'earlier')} (earlier report)" if previous is not None else "",
    )
    return paths


def render_markdown(report: Mapping[str, Any]) -> str:
    summary: Mapping[str, Any] = report["summary"]
    changes: Mapping[str, Mapping[str, Any]] | None = report.get("deltas")
    lines = [
        f"# Evaluation: pipeline `{report['pipeline']}`",
        "",
        f"Model {report['model']}, k={report['k']}, {summary['n']} questions from `{report['questions_file']}`, "
        f"{report['timestamp']}.",
        "",
        "## Summary",
        "",
    ]
    if changes is not None:
        base = report.get("baseline_report") or {}
        lines += [f"Baseline report: `{base.get('path')}` (pipeline {base.get('pipeline')}).", ""]
        lines += ["| metric | value | baseline | delta |", "|---|---:|---:|---:|"]
        for key, value in summary.items():
            d = changes.get(key, {})
            lines.append(f"| {key} | {_fmt(value)} | {_fmt(d.get('baseline'))} | {_delta(key, d.get('delta'))} |")
    else:
        lines += ["| metric | value |", "|---|---:|"]
        lines += [f"| {key} | {_fmt(value)} |" for key, value in summary.items()]
    earlier: Mapping[str, Mapping[str, Any]] = report.get("baseline_per_type") or {}
    lines += ["", "## Accuracy by type", ""]
    if changes is not None:
        lines += [
            "| type | n | correct | accuracy | latency p50 s | first token p50 s | baseline |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
    else:
        lines += [
            "| type | n | correct | accuracy | latency p50 s | first token p50 s |",
            "|---|---:|---:|---:|---:|---:|",
        ]
    for qtype, row in report["per_type"].items():
        cells = (
            f"| {qtype} | {row['n']} | {row['correct']} | {_fmt(row['accuracy'])} | {_fmt(row.get('latency_p50_s'))} "
            f"| {_fmt(row.get('first_token_p50_s'))} |"
        )
        if changes is not None:
            cells += f" {_fmt(earlier.get(qtype, {}).get('accuracy'))} |"
        lines.append(cells)
    lines += ["", "## Thresholds", ""]
    lines += [f"- FAILED: {f}" for f in report["threshold_failures"]] or ["All thresholds met."]
    questions: list[Mapping[str, Any]] = report["questions"]
    wrong = [q for q in questions if not q["correct"]]
    lines += ["", f"## Failures ({len(wrong)})", ""]
    lines += [_item(q) for q in wrong] or ["None."]
    stray = [q for q in questions if q["correct"] and "cited" in q["reason"]]
    if stray:
        lines += ["", f"## Correct, but not citing a source document ({len(stray)})", ""]
        lines += [_item(q) for q in stray]
    return "\n".join(lines) + "\n"


def _item(q: Mapping[str, Any]) -> str:
    answer = " ".join(str(q["answer"] or "").split())
    return f"- **{q['id']}** ({q['type']}): {q['reason']}.  \n  Q: {q['question']}  \n  A: {_cell(answer)}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _fmt(value: object) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _delta(key: str, value: object) -> str:
    if not isinstance(value, int | float):
        return "n/a"
    if value == 0:
        return "0"
    better = (value < 0) == (key in LOWER_IS_BETTER)
    return f"{value:+.3f} {'(better)' if better else '(worse)'}" if isinstance(value, float) else f"{value:+d}"
