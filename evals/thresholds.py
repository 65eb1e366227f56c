"""Quality gates: the `min`/`max` each summary metric must respect (evals/thresholds.yaml).

    min: {answer_accuracy: 0.8}
    max: {false_refusal_rate: 0.1}
    types: {list: 0.9, timeline: 0.9}                         # accuracy of one question type
    pipelines: {extractive: {min: {answer_accuracy: 0.5}}}   # overrides for one pipeline

A metric that could not be measured (None) fails a gate that asks more than
nothing of it, so an empty denominator never passes silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from evals.metrics import RATES, Metric
from rag.errors import BadInput

DEFAULT_PATH = Path(__file__).with_name("thresholds.yaml")


class ThresholdsError(BadInput):
    """The thresholds file is unreadable or names an unknown metric."""


@dataclass(frozen=True)
class Thresholds:
    min: Mapping[str, float]
    max: Mapping[str, float]
    types: Mapping[str, float] = field(default_factory=dict)  # question type -> least accuracy

    def check(
        self, summary: Mapping[str, Metric], per_type: Mapping[str, Mapping[str, Metric]] | None = None
    ) -> list[str]:
        """One message per metric outside its bounds; empty when all pass."""
        failures: list[str] = []
        for qtype, bound in self.types.items():
            row = (per_type or {}).get(qtype)
            accuracy = row.get("accuracy") if row else None
            if accuracy is None:
                failures.append(f"no question of type {qtype!r} was scored; its min accuracy is {bound}")
            elif accuracy < bound:
                failures.append(f"accuracy on {qtype!r} questions = {accuracy} is below its min {bound}")
        for key, bound in self.min.items():
            value = summary.get(key)
            if value is None:
                if bound > 0:
                    failures.append(f"{key} could not be measured (no question to measure it on); min is {bound}")
            elif value < bound:
                failures.append(f"{key} = {value} is below its min {bound}")
        for key, bound in self.max.items():
            value = summary.get(key)
            if value is None:
                if bound < 1:
                    failures.append(f"{key} could not be measured (no question to measure it on); max is {bound}")
            elif value > bound:
                failures.append(f"{key} = {value} is above its max {bound}")
        return failures


def load_thresholds(path: Path, pipeline: str) -> Thresholds:
    """The gates for `pipeline`: the file's `min`/`max`, updated by its `pipelines.<name>`."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ThresholdsError(f"cannot read the thresholds file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ThresholdsError(f"{path}: expected a mapping with `min`, `max` and `pipelines`")
    overrides = data.get("pipelines") or {}
    if not isinstance(overrides, dict):
        raise ThresholdsError(f"{path}: `pipelines` must map pipeline names to {{min, max}}")
    mine = overrides.get(pipeline) or {}
    if not isinstance(mine, dict):
        raise ThresholdsError(f"{path}: `pipelines.{pipeline}` must be a mapping with `min`/`max`")
    bounds = {}
    for side in ("min", "max"):
        where = f"{path}: `{side}`"
        merged = {**_bounds(data.get(side), where), **_bounds(mine.get(side), f"{path}: `pipelines.{pipeline}.{side}`")}
        bounds[side] = merged
    types = {
        **_bounds(data.get("types"), f"{path}: `types`", any_key=True),
        **_bounds(mine.get("types"), f"{path}: `pipelines.{pipeline}.types`", any_key=True),
    }
    return Thresholds(min=bounds["min"], max=bounds["max"], types=types)


def _bounds(value: object, where: str, *, any_key: bool = False) -> dict[str, float]:
    """Metric (or, with `any_key`, question type) -> bound from 0 to 1."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ThresholdsError(f"{where} must map {'question types' if any_key else 'metric names'} to numbers")
    out: dict[str, float] = {}
    for key, bound in value.items():
        if not any_key and key not in RATES:
            raise ThresholdsError(f"{where}: unknown metric {key!r}; known: {', '.join(RATES)}")
        if isinstance(bound, bool) or not isinstance(bound, int | float) or not 0 <= bound <= 1:
            raise ThresholdsError(f"{where}: {key} must be a number from 0 to 1, not {bound!r}")
        out[key] = float(bound)
    return out
