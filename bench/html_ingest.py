"""HTML ingest throughput against the raw embedder, and article-body quality, for `rag bench`.

Real news pages (by default the article-extraction benchmark's development pages beside the
repo) go through the real ingest into a fresh store; then the same embedder embeds the very
chunk texts ingest embedded, alone. Also timed: reading and cleaning alone (trafilatura,
chunking), so the report says where the time went, and the F1 of the stored text when the
folder has the benchmark's truth and scorer beside it.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.html_quality import DEFAULT_SET, extract_pages, score
from ingest.chunk import chunk_document
from ingest.extract import extract
from ingest.loader import Skipped, read_source
from ingest.pipeline import Ingestor
from rag.embed import Embedder, passage_text
from rag.factory import build_components
from rag.settings import Settings


def bench_html_ingest(base: Settings, embedder: Embedder, pages: Path, workdir: Path) -> dict[str, Any]:
    files = sorted(pages.glob("*.htm*")) if pages.is_dir() else []
    if not files:
        return {"skipped": f"no .html pages in {pages}; pass --html-pages DIR"}
    corpus = workdir / "html-corpus"
    corpus.mkdir()
    for f in files:
        shutil.copyfile(f, corpus / f.name)
    settings = base.model_copy(update={"home": workdir / "html-home"})
    c = build_components(settings, embedder=embedder)
    report = Ingestor(settings, c.store, c.sparse, c.embedder).ingest([corpus])

    started = time.perf_counter()  # cleaning alone: read, extract, chunk, nothing stored
    for path in sorted(corpus.iterdir()):
        src = read_source(path, settings.max_file_bytes)
        doc = extract(src, settings.max_file_bytes) if not isinstance(src, Skipped) else src
        if not isinstance(doc, Skipped):
            chunk_document(src.doc_id, doc.text, max_chars=settings.chunk_chars, title=doc.title)  # type: ignore[union-attr]
    cleaning_s = time.perf_counter() - started

    texts = [passage_text(ch.title, ch.text) for ch in c.store.iter_chunks()]
    started = time.perf_counter()
    embedder.embed(texts)
    raw_s = time.perf_counter() - started
    rate = report.chunks_embedded / report.seconds
    raw_rate = len(texts) / raw_s
    row: dict[str, Any] = {
        "pages": len(files),
        "documents": len(report.added),
        "skipped": len(report.skipped),
        "chunks": report.chunks_embedded,
        "ingest_s": round(report.seconds, 2),
        "pages_per_s": round(len(files) / report.seconds, 2),
        "ingest_chunks_per_s": round(rate, 1),
        "raw_embed_chunks_per_s": round(raw_rate, 1),
        "ingest_vs_raw": round(rate / raw_rate, 3),
        "cleaning_s": round(cleaning_s, 2),
        "cleaning_share": round(cleaning_s / report.seconds, 3),
    }
    truth, scorer = pages.parent / "truth.json", pages.parent / "score.py"
    if truth.is_file() and scorer.is_file():
        pred, _ = extract_pages(pages)
        with tempfile.TemporaryDirectory() as tmp:
            scored = score(scorer, truth, pred, Path(tmp) / "PRED.json")
        row.update({k: scored[k] for k in ("f1", "precision", "recall")})
    return row


DEFAULT_PAGES = DEFAULT_SET / "pages"
