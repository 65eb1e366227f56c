"""The `rag` command line: ingest, search, ask, chat, serve, eval, bench."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from rag.dates import format_date, parse_bound
from rag.errors import BadInput, ConfigError, GeneratorError, NotFound, RagError, StoreUnavailable
from rag.settings import Settings
from rag.types import SearchFilters

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

app = typer.Typer(help="Cited answers from a local corpus of news articles, offline.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)

EXIT_CODES: dict[type[RagError], int] = {BadInput: 2, NotFound: 3, ConfigError: 4, StoreUnavailable: 5, GeneratorError: 6}


def load_settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic's ValidationError: a wrong RAG_* variable
        err.print(f"[red]error:[/] invalid settings: {exc}")
        raise typer.Exit(4) from exc


def fail(exc: RagError) -> typer.Exit:
    err.print(f"[red]error:[/] {exc}")
    code = next((c for t, c in EXIT_CODES.items() if isinstance(exc, t)), 1)
    return typer.Exit(code)


def ingest_with_progress(settings: Settings, paths: list[Path], prune: bool, quiet: bool) -> Any:
    from ingest.pipeline import Ingestor
    from rag.factory import build_components

    c = build_components(settings)
    ingestor = Ingestor(settings, c.store, c.sparse, c.embedder)
    with Progress(
        TextColumn("embedding"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=err, disable=quiet, transient=True,
    ) as bar:
        task = bar.add_task("embed", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return ingestor.ingest(paths, prune=prune, progress=progress)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (.txt, .md, .html), read recursively.")],
    prune: Annotated[bool, typer.Option(help="Remove documents whose files are gone.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Clean, chunk, embed and store articles; unchanged files cost nothing."""
    settings = load_settings()
    try:
        report = ingest_with_progress(settings, paths, prune, quiet=as_json)
    except RagError as exc:
        raise fail(exc) from exc
    for s in report.skipped:
        err.print(f"[yellow]skipped[/] {s.path}: {s.reason}")
    summary = {
        "added": report.added, "updated": report.updated, "unchanged": report.unchanged, "removed": report.removed,
        "skipped": [asdict(s) for s in report.skipped], "chunks": report.chunks,
        "chunks_embedded": report.chunks_embedded, "chunks_removed": report.chunks_removed,
        "seconds": round(report.seconds, 3), "chunks_per_s": round(report.chunks_per_s, 1),
    }
    if as_json:
        out.print_json(json.dumps(summary))
    else:
        out.print(
            f"documents: {len(report.added)} added, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged, {len(report.removed)} removed, {len(report.skipped)} skipped\n"
            f"chunks: {report.chunks} in these documents, {report.chunks_embedded} embedded, "
            f"{report.chunks_removed} removed\n"
            f"time: {report.seconds:.2f} s ({report.chunks_per_s:.1f} chunks/s)"
        )
    if not report.ingested_any:
        raise typer.Exit(1)


def make_filters(doc: list[str] | None, since: str | None, until: str | None) -> SearchFilters:
    return SearchFilters(
        doc_ids=tuple(doc or ()), since=parse_bound(since), until=parse_bound(until, end=True)
    )


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("--k", help="How many passages.")] = 5,
    doc: Annotated[list[str] | None, typer.Option("--doc", help="Only these document ids (repeatable).")] = None,
    since: Annotated[str | None, typer.Option(help="Only articles dated on/after YYYY[-MM[-DD]].")] = None,
    until: Annotated[str | None, typer.Option(help="Only articles dated on/before YYYY[-MM[-DD]].")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print hits as JSON.")] = False,
) -> None:
    """Hybrid (dense + BM25) passage search, no generation."""
    from rag.factory import build_components

    settings = load_settings()
    try:
        filters = make_filters(doc, since, until)
        c = build_components(settings)
        started = time.perf_counter()
        hits = c.retriever.search(query, k=k, filters=filters)
        elapsed = time.perf_counter() - started
    except RagError as exc:
        raise fail(exc) from exc
    if as_json:
        rows = [
            {
                "doc_id": h.chunk.doc_id, "chunk_id": h.chunk.chunk_id, "title": h.chunk.title,
                "date": format_date(h.chunk.date), "source": h.chunk.source, "text": h.chunk.text,
                "start": h.chunk.start, "end": h.chunk.end, "score": h.score,
                "dense_rank": h.dense_rank, "sparse_rank": h.sparse_rank,
            }
            for h in hits
        ]
        out.print_json(json.dumps({"query": query, "seconds": round(elapsed, 4), "hits": rows}))
        return
    if not hits:
        out.print("no passages found (is the index empty? run: rag ingest seeds/)")
    for rank, h in enumerate(hits, 1):
        date = format_date(h.chunk.date) or "undated"
        out.print(f"[bold]{rank}. {h.chunk.title}[/] ({h.chunk.doc_id}, {date}) chars {h.chunk.start}-{h.chunk.end}")
        out.print(f"   {h.chunk.text[:300]}{'…' if len(h.chunk.text) > 300 else ''}", highlight=False)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
