"""Article-body quality of HTML ingest, scored the way the article-extraction benchmark scores it.

Every page of a folder goes through the project's own path (`ingest.extract`, which is what
ingest stores), the texts are written as {page key: text} to PRED.json, and the benchmark's
`score.py` scores them against its truth file (4-word shingles, precision and recall averaged
over pages). `--compare` also scores trafilatura option sets on the same pages, so the choice
in `ingest.html` can be re-checked:

    python -m bench.html_quality                      # ../shared/external/aeb_dev
    python -m bench.html_quality --pages DIR --truth truth.json --score score.py --compare
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ingest.extract import extract
from ingest.loader import Skipped, Source

DEFAULT_SET = Path(__file__).resolve().parents[1].parent / "shared" / "external" / "aeb_dev"
VARIANTS: dict[str, dict[str, Any]] = {
    "trafilatura defaults": {},
    "favor_recall": {"favor_recall": True},
    "favor_precision": {"favor_precision": True},
    "no comments": {"include_comments": False},
    "favor_recall, no comments": {"favor_recall": True, "include_comments": False},
    "favor_precision, no comments, fast (no fallback)": {
        "favor_precision": True,
        "include_comments": False,
        "fast": True,
    },
}


def extract_pages(pages: Path) -> tuple[dict[str, str], float]:
    """{page stem: stored text} through the ingest path, and pages per second."""
    files = sorted(pages.glob("*.htm*"))
    out: dict[str, str] = {}
    started = time.perf_counter()
    for path in files:
        src = Source(doc_id=path.stem, origin=str(path), path=str(path), kind="html", data=path.read_bytes())
        doc = extract(src, max_bytes=50_000_000)
        out[path.stem] = "" if isinstance(doc, Skipped) else doc.text
    return out, len(files) / (time.perf_counter() - started)


def extract_variant(pages: Path, options: dict[str, Any]) -> tuple[dict[str, str], float]:
    import trafilatura

    files = sorted(pages.glob("*.htm*"))
    started = time.perf_counter()
    out = {p.stem: trafilatura.extract(p.read_bytes(), **options) or "" for p in files}
    return out, len(files) / (time.perf_counter() - started)


def score(score_py: Path, truth: Path, pred: dict[str, str], out: Path) -> dict[str, Any]:
    out.write_text(json.dumps(pred, ensure_ascii=False))
    proc = subprocess.run([sys.executable, str(score_py), str(truth), str(out)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"score.py failed: {proc.stderr.strip()}")
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, default=DEFAULT_SET / "pages")
    parser.add_argument("--truth", type=Path, default=DEFAULT_SET / "truth.json")
    parser.add_argument("--score", type=Path, default=DEFAULT_SET / "score.py")
    parser.add_argument("--out", type=Path, default=Path("artifacts/html_quality"))
    parser.add_argument("--compare", action="store_true", help="also score trafilatura option sets")
    args = parser.parse_args(argv)
    if not args.pages.is_dir():
        raise SystemExit(f"no pages at {args.pages}; give --pages, --truth and --score")
    args.out.mkdir(parents=True, exist_ok=True)
    pred, rate = extract_pages(args.pages)
    rows: dict[str, Any] = {
        "ingest (ours)": {**score(args.score, args.truth, pred, args.out / "PRED.json"), "pages_per_s": round(rate, 1)}
    }
    if args.compare:
        for name, options in VARIANTS.items():
            got, rate = extract_variant(args.pages, options)
            rows[name] = {
                **score(args.score, args.truth, got, args.out / "variant.json"),
                "pages_per_s": round(rate, 1),
            }
    for name, row in rows.items():
        scores = f"F1 {row['f1']:.3f}  P {row['precision']:.3f}  R {row['recall']:.3f}"
        print(f"{name:50s} {scores}  {row['pages_per_s']} pages/s")
    (args.out / "html_quality.json").write_text(json.dumps(rows, indent=2))
    return rows


if __name__ == "__main__":
    main()
