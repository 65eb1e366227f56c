"""The embedder backends side by side: retrieval quality and speed, same corpus, same questions.

    python -m bench.embedders --set seeds=seeds:evals/questions.jsonl \\
        --set rgb-plain=../shared/external/rgb_dev/plain/corpus:../shared/external/rgb_dev/plain/questions.jsonl

For each set and each backend (fp32 sentence-transformers, int8 ONNX) the corpus
is ingested into a fresh RAG_HOME with that embedder, then every answerable
question is retrieved the way the answer pipeline retrieves it (standalone
question, month filter, k=5) and scored as `rag eval` scores retrieval:
document-level hit@5 and MRR. Only retrieval runs: no model, so a set of 50
questions takes seconds. Keys of a question file that the eval contract does
not know (e.g. a conflict set's false answers) are dropped on reading.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.questions import EvalQuestion, parse_question
from evals.scoring import first_relevant_rank
from ingest.pipeline import Ingestor
from rag.answer import AnswerPipeline
from rag.embed import Embedder, make_embedder
from rag.factory import build_components
from rag.rewrite import standalone_question
from rag.settings import Settings

Row = dict[str, Any]
BACKENDS = ("sentence-transformers", "onnx")
_CONTRACT = {"id", "question", "answers", "sources", "require_all", "type", "history"}


def read_questions(path: Path) -> list[EvalQuestion]:
    out = []
    for line, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if raw.strip():
            record = {k: v for k, v in json.loads(raw).items() if k in _CONTRACT}
            out.append(parse_question(record, where=f"{path}:{line}"))
    return out


def parse_set(spec: str) -> tuple[str, Path, Path]:
    """'name=corpus_dir:questions.jsonl' -> (name, corpus, questions)."""
    name, _, paths = spec.partition("=")
    corpus, _, questions = paths.partition(":")
    if not (name and corpus and questions):
        raise ValueError(f"--set {spec!r}: expected NAME=CORPUS_DIR:QUESTIONS.jsonl")
    return name, Path(corpus), Path(questions)


def score(settings: Settings, embedder: Embedder, corpus: Path, questions: Sequence[EvalQuestion]) -> Row:
    components = build_components(settings, embedder=embedder)
    report = Ingestor(settings, components.store, components.sparse, embedder).ingest([corpus])
    pipeline = AnswerPipeline(settings, components.retriever, None)
    ranks: list[int | None] = []
    started = time.perf_counter()
    answerable = [q for q in questions if q.answerable]
    for q in answerable:
        hits, _ = pipeline.retrieve(standalone_question(q.question, q.history), 5, None)
        doc_ids = list(dict.fromkeys(h.chunk.doc_id for h in hits))
        ranks.append(first_relevant_rank(doc_ids, q.sources, 5))
    per_query = (time.perf_counter() - started) / max(1, len(answerable))
    return {
        "chunks": report.chunks_embedded,
        "ingest_s": round(report.seconds, 2),
        "questions": len(answerable),
        "hit_at_5": round(sum(r is not None for r in ranks) / len(ranks), 3),
        "mrr": round(sum(1 / r for r in ranks if r) / len(ranks), 3),
        "retrieve_ms": round(1000 * per_query, 1),
    }


def main(settings: Settings, sets: Sequence[tuple[str, Path, Path]], workdir: Path) -> list[Row]:
    rows: list[Row] = []
    for backend in BACKENDS:
        config = settings.model_copy(update={"embed_backend": backend, "embed_model_path": None})
        embedder = make_embedder(config)
        started = time.perf_counter()
        embedder.embed(["warm up"])
        load_s = time.perf_counter() - started
        for name, corpus, questions_path in sets:
            home = workdir / f"{backend}-{name}"
            row = score(config.model_copy(update={"home": home}), embedder, corpus, read_questions(questions_path))
            rows.append({"set": name, "backend": backend, "embedder": embedder.name, "load_s": round(load_s, 2), **row})
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return rows


def markdown(rows: Sequence[Row]) -> str:
    head = "| set | backend | chunks | ingest s | hit@5 | MRR | retrieve ms |"
    lines = [head, "|---|---|---:|---:|---:|---:|---:|"]
    lines += [
        f"| {r['set']} | {r['backend']} | {r['chunks']} | {r['ingest_s']} | {r['hit_at_5']} | {r['mrr']} "
        f"| {r['retrieve_ms']} |"
        for r in rows
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.embedders", description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", dest="sets", action="append", required=True, help="NAME=CORPUS_DIR:QUESTIONS.jsonl")
    parser.add_argument("--out", type=Path, default=Path("artifacts/bench/embedders.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rag-embedders-") as tmp:
        result = main(Settings(), [parse_set(s) for s in args.sets], Path(tmp))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(markdown(result))
