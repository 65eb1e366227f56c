"""metrics.png: the rates as bars (left) and latency p50/p95 and first token p50 (right), with an
earlier report's bars beside them when one is given.

Drawn on a bare `Figure` with the Agg canvas, not pyplot, so no GUI backend or
global figure state is involved.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from evals.metrics import LATENCIES, RATES

_WIDTH = 0.38


def plot_metrics(
    summary: Mapping[str, object],
    path: Path,
    *,
    label: str,
    baseline: Mapping[str, object] | None = None,
    baseline_label: str = "baseline",
) -> None:
    fig = Figure(figsize=(13, 4.8), layout="constrained")
    FigureCanvasAgg(fig)
    rates, latency = fig.subplots(1, 2, width_ratios=[3, 1])
    series = [(label, summary)] + ([(baseline_label, baseline)] if baseline is not None else [])
    offsets = [0.0] if len(series) == 1 else [-_WIDTH / 2, _WIDTH / 2]
    for (name, values), offset in zip(series, offsets, strict=True):
        for ax, keys in ((rates, RATES), (latency, LATENCIES)):
            heights = [_value(values, key) for key in keys]
            bars = ax.bar([i + offset for i in range(len(keys))], heights, _WIDTH, label=name)
            ax.bar_label(bars, labels=[_fmt(values.get(key)) for key in keys], fontsize=7, padding=2)
    rates.set_xticks(range(len(RATES)), [textwrap.fill(k.replace("_", " "), 10) for k in RATES], fontsize=8)
    rates.set_ylim(0, 1.12)
    rates.set_title("rates (false_refusal_rate: lower is better)")
    latency.set_xticks(range(len(LATENCIES)), ["p50", "p95", "first\ntoken p50"])
    latency.set_ylabel("seconds")
    latency.set_title("latency per question")
    for ax in (rates, latency):
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8)
    fig.savefig(path, dpi=110)


def _value(values: Mapping[str, object], key: str) -> float:
    v = values.get(key)
    return float(v) if isinstance(v, int | float) else 0.0


def _fmt(v: object) -> str:
    return f"{v:.2f}" if isinstance(v, int | float) else "n/a"
