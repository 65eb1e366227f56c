"""`rag bench`: one run that measures ingest, retrieval at scale and answer latency,
ours beside the textbook llama-index pipeline, and writes JSON + a markdown table.

- Ingest: the seeds plus template distractor articles through the real ingest
  (clean, chunk, embed, store, BM25), against the raw throughput of the same
  embedder on the same chunk texts; then an unchanged re-ingest.
- HTML ingest: real news pages through the same ingest (trafilatura), against the raw
  embedder on the same chunks, with the time spent cleaning and the stored text's F1
  (`bench.html_ingest`).
- Retrieval at 1k / 10k / 100k chunks: the seeds' chunks among distractor
  chunks. Up to 10k every distractor chunk is embedded for real; beyond that,
  distractor vectors are real distractor embeddings plus Gaussian noise (cosine
  ~0.9 to their source), because embedding 100k passages takes ~20 min on two
  cores. Their texts are real distractor text, so BM25 sees a real corpus.
- Answers: the eval questions through our pipeline with the embedded model
  (time to evidence, first token, full answer, prompt tokens — mean and per
  question type —, peak RSS), then through the textbook pipeline on the same
  model; then the same questions asked again of the cached pipeline (answer
  cache hits).
- Embedders (`--set`): retrieval hit@5 / MRR and speed of the fp32 and int8
  MiniLM on each question set (bench.embedders).
- Ingest as a process (`--ingest-dir`): `rag ingest` against a bare fp32
  embedding process on the same files, start-up counted (bench.ingest_vs_bare).
- Load: `rag serve` under 20 clients, /v1/search for 20 s (the same five
  questions, then a new question every request), /v1/answer for 60 s
  (bench.load_run).
"""

from __future__ import annotations

import json
import resource
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.corpus import distractor_article
from bench.html_ingest import DEFAULT_PAGES, bench_html_ingest
from evals.questions import EvalQuestion, load_questions
from evals.scoring import first_relevant_rank, judge
from ingest.chunk import chunk_id
from ingest.pipeline import Ingestor, content_hash
from ingest.seed import ensure_seeded, open_seeded_pipeline
from rag.embed import Embedder, make_embedder, passage_text
from rag.factory import build_components, build_pipeline
from rag.settings import Settings
from rag.sparse import fingerprint
from rag.types import Answer, Chunk, Document

Row = dict[str, Any]


def pct(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    return float(np.percentile(np.asarray(values), q))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- ingest -----------------------------------------------------------------
def bench_ingest(base: Settings, embedder: Embedder, articles: int, workdir: Path) -> Row:
    corpus = workdir / "corpus"
    corpus.mkdir()
    for f in sorted(base.seeds_dir.iterdir()):
        (corpus / f.name).write_bytes(f.read_bytes())
    for n in range(articles):
        (corpus / f"distractor_{n:05d}.txt").write_text(distractor_article(n))
    settings = base.model_copy(update={"home": workdir / "ingest-home"})
    c = build_components(settings, embedder=embedder)
    ingestor = Ingestor(settings, c.store, c.sparse, c.embedder)
    first = ingestor.ingest([corpus])
    again = ingestor.ingest([corpus])
    texts = [passage_text(ch.title, ch.text) for ch in c.store.iter_chunks()]
    started = time.perf_counter()
    embedder.embed(texts)
    raw_s = time.perf_counter() - started
    raw_rate = len(texts) / raw_s
    return {
        "documents": len(first.added),
        "chunks": first.chunks_embedded,
        "first_ingest_s": round(first.seconds, 2),
        "ingest_chunks_per_s": round(first.chunks_embedded / first.seconds, 1),
        "raw_embed_chunks_per_s": round(raw_rate, 1),
        "ingest_vs_raw": round(first.chunks_embedded / first.seconds / raw_rate, 3),
        "reingest_unchanged_s": round(again.seconds, 2),
        "reingest_vs_first": round(again.seconds / first.seconds, 3),
        "reingest_unchanged_docs": len(again.unchanged),
    }


# -- retrieval at scale -----------------------------------------------------
def _distractor_chunks(start: int, count: int) -> tuple[list[Chunk], list[Document]]:
    """Distractor chunks and their documents, cut without the sentence splitter (too slow
    for 100k): paragraphs, three a chunk."""
    chunks: list[Chunk] = []
    docs: list[Document] = []
    n = start
    while len(chunks) < count:
        doc_id = f"distractor_{n:06d}"
        text = distractor_article(n)
        paras = [p for p in text.split("\n\n") if p.strip()]
        doc_hash = content_hash(text, paras[0], 20240101, None)
        offset = 0
        spans = []
        for p in paras:
            s = text.index(p, offset)
            spans.append((s, s + len(p)))
            offset = s + len(p)
        for i in range(0, len(spans), 3):
            group = spans[i : i + 3]
            s, e = group[0][0], group[-1][1]
            body = text[s:e]
            chunks.append(
                Chunk(
                    chunk_id(doc_id, s, body),
                    doc_id,
                    i // 3,
                    body,
                    s,
                    e,
                    tuple(group),
                    paras[0],
                    20240101,
                    None,
                    doc_hash,
                )
            )
        docs.append(Document(doc_id, paras[0], 20240101, None, "", doc_hash, text, (len(spans) + 2) // 3))
        n += 1
    return chunks[:count], docs


def bench_retrieval(
    base: Settings, embedder: Embedder, sizes: Sequence[int], questions: Sequence[EvalQuestion], workdir: Path
) -> list[Row]:
    settings = base.model_copy(update={"home": workdir / "scale-home"})
    c = build_components(settings, embedder=embedder)
    ensure_seeded(c)
    answerable = [q for q in questions if q.answerable and not q.history]
    rows: list[Row] = []
    rng = np.random.default_rng(0)
    pool: list[list[float]] = []  # real distractor embeddings, reused (with noise) past the real-embedding cap
    next_doc = 0
    real_cap = 10_000
    for size in sizes:
        need = size - c.store.count()
        if need > 0:
            new, docs = _distractor_chunks(next_doc, need)
            next_doc = int(new[-1].doc_id.split("_")[1]) + 1
            real = max(0, min(len(new), real_cap - len(pool)))
            vectors = embedder.embed([passage_text(ch.title, ch.text) for ch in new[:real]]) if real else []
            pool.extend(vectors)
            for _ in range(len(new) - real):
                v = np.asarray(pool[int(rng.integers(len(pool)))]) + rng.normal(0, 0.02, len(pool[0]))
                vectors.append((v / np.linalg.norm(v)).tolist())
            c.store.upsert_chunks(new, vectors)
            for d in docs:
                c.store.put_document(d)
            c.store.set_corpus_version(fingerprint(c.store.all_chunk_ids()))  # as ingest publishes it
            c.sparse.build(c.store.iter_chunks())
        c.retriever.search("warm up the index", k=5)
        latencies: list[float] = []
        ranks: list[int | None] = []
        for q in answerable:
            started = time.perf_counter()
            hits = c.retriever.search(q.question, k=5)
            latencies.append(time.perf_counter() - started)
            ranks.append(first_relevant_rank([h.chunk.doc_id for h in hits], q.sources, 5))
        rows.append(
            {
                "chunks": c.store.count(),
                "queries": len(answerable),
                "p50_ms": round(1000 * (pct(latencies, 50) or 0), 1),
                "p95_ms": round(1000 * (pct(latencies, 95) or 0), 1),
                "hit_at_5": round(sum(r is not None for r in ranks) / len(ranks), 3),
                "real_embedded_distractors": min(len(pool), size),
            }
        )
    return rows


# -- answers ----------------------------------------------------------------
def _answer_rows(pipeline: Any, questions: Sequence[EvalQuestion]) -> tuple[list[Answer], list[bool]]:
    answers, correct = [], []
    for q in questions:
        a: Answer = pipeline.answer(q.question, list(q.history))
        answers.append(a)
        correct.append(judge(q, a)[0])
    return answers, correct


def _prompt_tokens_by_type(answers: Sequence[Answer], questions: Sequence[EvalQuestion]) -> dict[str, float]:
    by_type: dict[str, list[int]] = {}
    for a, q in zip(answers, questions, strict=True):
        if a.prompt_tokens:
            by_type.setdefault(q.type, []).append(a.prompt_tokens)
    return {t: round(statistics.mean(v), 1) for t, v in sorted(by_type.items())}


def _summary(
    name: str, answers: Sequence[Answer], correct: Sequence[bool], questions: Sequence[EvalQuestion] = ()
) -> Row:
    total = [a.timings.total_s for a in answers]
    first = [a.timings.first_token_s if a.timings.first_token_s is not None else a.timings.total_s for a in answers]
    evidence = [a.timings.retrieve_s + a.timings.evidence_s for a in answers]
    prompts = [a.prompt_tokens for a in answers if a.prompt_tokens]
    return {
        "pipeline": name,
        "questions": len(answers),
        "accuracy": round(sum(correct) / len(correct), 3),
        "evidence_p50_ms": round(1000 * (pct(evidence, 50) or 0), 1),
        "evidence_p95_ms": round(1000 * (pct(evidence, 95) or 0), 1),
        "first_token_p50_s": round(pct(first, 50) or 0, 2),
        "first_token_p95_s": round(pct(first, 95) or 0, 2),
        "answer_p50_s": round(pct(total, 50) or 0, 2),
        "answer_p95_s": round(pct(total, 95) or 0, 2),
        "prompt_tokens_mean": round(statistics.mean(prompts), 1) if prompts else None,
        "prompt_tokens_by_type": _prompt_tokens_by_type(answers, questions) if questions else None,
    }


def bench_ours(base: Settings, embedder: Embedder, questions: Sequence[EvalQuestion], workdir: Path) -> Row:
    settings = base.model_copy(update={"home": workdir / "answer-home"})
    components, pipeline, _ = open_seeded_pipeline(settings, embedder)
    pipeline.answer("Warm-up: what is CPEC?")
    answers, correct = _answer_rows(pipeline, questions)
    row = _summary("ours", answers, correct, questions)
    row["peak_rss_mb"] = round(peak_rss_mb())
    row.update(bench_cache(components, pipeline.generator, questions))
    if pipeline.generator is not None:
        pipeline.generator.close()
    return row


def bench_cache(components: Any, generator: Any, questions: Sequence[EvalQuestion]) -> Row:
    """Each question answered through the answer cache, then asked again: the second is a hit."""
    cached = build_pipeline(components, generator, cache=True)
    hits: list[float] = []
    for q in questions:
        cached.answer(q.question, list(q.history))
        again = cached.answer(q.question, list(q.history))
        if again.timings.cached:
            hits.append(again.timings.total_s)
    return {
        "repeated_question_hits": f"{len(hits)}/{len(questions)}",
        "repeated_question_p50_ms": round(1000 * (pct(hits, 50) or 0), 1),
        "repeated_question_max_ms": round(1000 * max(hits, default=0), 1),
    }


def bench_baseline(base: Settings, questions: Sequence[EvalQuestion]) -> Row:
    from evals.baseline import BaselinePipeline

    baseline = BaselinePipeline(base)
    try:
        baseline.answer("Warm-up: what is CPEC?")
        answers, correct = _answer_rows(baseline, questions)
    finally:
        baseline.close()
    return _summary("textbook llama-index", answers, correct, questions)


# -- report -----------------------------------------------------------------
def render(result: Row) -> str:
    lines = ["# Benchmark", "", f"{result['machine']}", ""]
    ing = result.get("ingest")
    if ing:
        lines += ["## Ingest", "", "| metric | value |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in ing.items()] + [""]
    html = result.get("html_ingest")
    if html:
        lines += ["## HTML ingest (real news pages)", "", "| metric | value |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in html.items()] + [""]
    ret = result.get("retrieval")
    if ret:
        lines += ["## Retrieval", "", "| chunks | p50 ms | p95 ms | hit@5 | really embedded |", "|---|---|---|---|---|"]
        lines += [
            f"| {r['chunks']} | {r['p50_ms']} | {r['p95_ms']} | {r['hit_at_5']} | {r['real_embedded_distractors']} |"
            for r in ret
        ] + [""]
    for key, title in (("embedders", "Embedders"), ("load", "Load (20 clients)")):
        rows = result.get(key) or []
        if rows:
            cols = list(rows[0])
            lines += [f"## {title}", "", "| " + " | ".join(cols) + " |", "|---" * len(cols) + "|"]
            lines += ["| " + " | ".join(str(r.get(c)) for c in cols) + " |" for r in rows] + [""]
    proc = result.get("ingest_process")
    if proc:
        lines += ["## Ingest as a process vs a bare fp32 embedder", "", "| metric | value |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in proc.items()] + [""]
    answers = result.get("answers") or []
    if answers:
        keys = [k for k in answers[0] if k != "pipeline"]
        lines += ["## Answers", "", "| metric | " + " | ".join(a["pipeline"] for a in answers) + " |"]
        lines += ["|---" * (len(answers) + 1) + "|"]
        lines += [f"| {k} | " + " | ".join(str(a.get(k)) for a in answers) + " |" for k in keys]
        if "ratio_ours_over_textbook" in result:
            lines += [
                "",
                "Ours / textbook: " + ", ".join(f"{k} {v}" for k, v in result["ratio_ours_over_textbook"].items()),
            ]
    return "\n".join(lines) + "\n"


def main(
    settings: Settings,
    out: Path,
    *,
    sizes: Sequence[int] = (1_000, 10_000, 100_000),
    ingest_articles: int = 150,
    questions_path: Path = Path("evals/questions.jsonl"),
    limit: int | None = 20,
    baseline: bool = True,
    parts: Sequence[str] = ("ingest", "html", "retrieval", "answers"),
    html_pages: Path = DEFAULT_PAGES,
    sets: Sequence[tuple[str, Path, Path]] = (),
    ingest_dirs: Sequence[Path] = (),
) -> Row:
    import os
    import platform

    questions = load_questions(questions_path)
    picked = questions[:limit] if limit else questions
    embedder = make_embedder(settings)
    embedder.embed(["warm up"])
    result: Row = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{settings.llm_threads} model threads",
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "embedder": embedder.name,
    }
    out.mkdir(parents=True, exist_ok=True)

    def save() -> None:
        (out / "bench.json").write_text(json.dumps(result, indent=2))
        (out / "bench.md").write_text(render(result))

    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
        work = Path(tmp)
        if "answers" in parts:
            result["answers"] = [bench_ours(settings, embedder, picked, work)]
            save()
            if baseline:
                result["answers"].append(bench_baseline(settings, picked))
                ours, theirs = result["answers"]
                result["ratio_ours_over_textbook"] = {
                    k: round(ours[k] / theirs[k], 3)
                    for k in ("answer_p50_s", "answer_p95_s", "first_token_p50_s", "accuracy")
                    if ours.get(k) and theirs.get(k)
                }
                save()
        if "ingest" in parts:
            result["ingest"] = bench_ingest(settings, embedder, ingest_articles, work)
            save()
        if "html" in parts:
            result["html_ingest"] = bench_html_ingest(settings, embedder, html_pages, work)
            save()
        if "retrieval" in parts:
            result["retrieval"] = bench_retrieval(settings, embedder, sizes, questions, work)
            save()
        if "embedders" in parts:
            from bench import embedders

            chosen = sets or [("seeds", settings.seeds_dir, questions_path)]
            result["embedders"] = embedders.main(settings, chosen, work)
            save()
        if "ingest-process" in parts and ingest_dirs:
            from bench import ingest_vs_bare

            result["ingest_process"] = ingest_vs_bare.main(list(ingest_dirs), runs=3)
            save()
        if "load" in parts:
            result["load"] = bench_load(out / "load")
            save()
    return result


def bench_load(out: Path) -> list[Row]:
    """`rag serve` (one worker, embedded model) under 20 clients: search with the same five
    questions, then with a new question every request, then answers."""
    from bench import load_run

    runs: list[Row] = []
    for name, argv in (
        ("search", ["--seconds", "20", "--endpoints", "/v1/search"]),
        ("search, distinct questions", ["--seconds", "20", "--endpoints", "/v1/search", "--distinct"]),
        ("answer", ["--seconds", "60", "--endpoints", "/v1/answer"]),
    ):
        folder = out / name.replace(", ", "-").replace(" ", "-")
        load_run.main([*argv, "--out", str(folder)])
        report = json.loads((folder / "load.json").read_text())
        for r in report["runs"]:
            runs.append(
                {
                    "run": name,
                    "req_per_s": r["throughput_rps"],
                    "p50_ms": r["latency_ms"]["p50"],
                    "p95_ms": r["latency_ms"]["p95"],
                    **{f"n_{k}": v for k, v in r["status"].items()},
                    "server_alive": report["alive_after"],
                }
            )
    return runs
