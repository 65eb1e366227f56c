"""`rag ingest` as a whole process against a bare process that only embeds, start-up counted on both sides.

    python -m bench.ingest_vs_bare DIR [DIR ...] [--runs 3]

A: `python -m ui.cli ingest --json DIR…` into a fresh RAG_HOME (clean, chunk,
   embed with the configured backend, store in Chroma, build BM25, publish).
B: `python -m bench.ingest_vs_bare --bare DIR…`: imports sentence-transformers,
   loads the packaged fp32 MiniLM and embeds the text of every .txt/.md file
   that ingest takes (one per document id; a file whose id is taken is skipped
   by both), in batches of 64, nothing else: the floor a naive script reaches.

The two run in turn (A B A B …) so drift of a shared machine hits both; the
result is each side's wall seconds per run and the median ratio B/A — the
ingest's throughput relative to the bare embedder (above 1: faster than it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rag.settings import REPO_ROOT

SUFFIXES = (".txt", ".md")


def texts_of(dirs: list[Path]) -> list[str]:
    """The texts of the files ingest takes: one per file name stem (its document id), the first seen."""
    first: dict[str, Path] = {}
    for d in dirs:
        for p in sorted(d.rglob("*")):
            if p.suffix.lower() in SUFFIXES and p.is_file():
                first.setdefault(p.stem, p)
    return [p.read_text(encoding="utf-8", errors="replace") for p in first.values()]


def bare(dirs: list[Path]) -> None:
    """Side B, in its own process: import, load, embed, exit."""
    from rag import offline

    offline.enforce()
    from sentence_transformers import SentenceTransformer

    from rag.embed import packaged_model_path

    texts = texts_of(dirs)
    model = SentenceTransformer(str(packaged_model_path()), device="cpu", local_files_only=True)
    vectors = model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
    print(json.dumps({"texts": len(texts), "dim": int(vectors.shape[1])}))


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, done.stdout


def main(dirs: list[Path], runs: int = 3, backend: str | None = None) -> dict[str, Any]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    if backend:
        env["RAG_EMBED_BACKEND"] = backend
    ours: list[float] = []
    theirs: list[float] = []
    chunks = 0
    with tempfile.TemporaryDirectory(prefix="rag-ingest-vs-bare-") as tmp:
        for run in range(runs):
            home = Path(tmp) / f"home-{run}"
            seconds, out = timed(
                [sys.executable, "-m", "ui.cli", "ingest", "--json", *map(str, dirs)], {**env, "RAG_HOME": str(home)}
            )
            chunks = json.loads(out)["chunks_embedded"]
            ours.append(seconds)
            seconds, _ = timed([sys.executable, "-m", "bench.ingest_vs_bare", "--bare", *map(str, dirs)], env)
            theirs.append(seconds)
    ratios = [b / a for a, b in zip(ours, theirs, strict=True)]
    return {
        "backend": backend or env.get("RAG_EMBED_BACKEND", "onnx"),
        "texts": len(texts_of(dirs)),
        "chunks": chunks,
        "ingest_s": [round(s, 2) for s in ours],
        "bare_fp32_embed_s": [round(s, 2) for s in theirs],
        "ingest_s_median": round(statistics.median(ours), 2),
        "bare_s_median": round(statistics.median(theirs), 2),
        "ingest_vs_bare": round(statistics.median(ratios), 3),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.ingest_vs_bare", description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backend", choices=["onnx", "sentence-transformers"])
    parser.add_argument("--bare", action="store_true", help="be side B (internal)")
    args = parser.parse_args()
    if args.bare:
        bare(args.dirs)
    else:
        print(json.dumps(main(args.dirs, args.runs, args.backend), indent=2))
