"""The `rag` command line: ingest, search, ask, chat, serve, eval, bench, feedback."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from rag import offline
from rag.dates import format_date, parse_bound
from rag.errors import BadInput, RagError, exit_code
from rag.settings import Settings
from rag.types import SearchFilters
from ui.cli_feedback import feedback_app

offline.enforce()

app = typer.Typer(help="Cited answers from a local corpus of news articles, offline.", no_args_is_help=True)
app.add_typer(feedback_app, name="feedback")
out = Console()
err = Console(stderr=True)


def load_settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic's ValidationError: a wrong RAG_* variable
        err.print(f"[red]error:[/] invalid settings: {exc}")
        raise typer.Exit(4) from exc


def fail(exc: RagError) -> typer.Exit:
    err.print(f"[red]error:[/] {exc}")
    return typer.Exit(exit_code(exc))


def ingest_with_progress(
    settings: Settings, inputs: list[Path | str], prune: bool, quiet: bool, reembed: bool = False
) -> Any:
    from ingest.pipeline import Ingestor
    from rag.factory import build_components

    c = build_components(settings)
    ingestor = Ingestor(settings, c.store, c.sparse, c.embedder)
    with Progress(
        TextColumn("{task.description:9}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=quiet,
        transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def track(stage: str, unit: str) -> Callable[[int, int], None]:
            def update(done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done, total=total)
                if not err.is_terminal and total and (done == total or stage == "embedding"):
                    # logs (and --json runs: stdout is the JSON) get a line per batch on stderr, not a bar
                    err.print(f"{stage} {done}/{total} {unit}", highlight=False)

            return update

        return ingestor.ingest(
            inputs,
            prune=prune,
            progress=track("embedding", "chunks"),
            reading=track("reading", "documents"),
            reembed=reembed,
        )


def as_input(value: str) -> Path | str:
    from ingest.fetch import is_url

    return value if is_url(value) else Path(value)


@app.command()
def ingest(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Files, folders (read recursively) or http(s) URLs of pages and feeds: "
            ".txt .md .html .pdf .docx .rss/.atom/.xml feeds .eml.",
            metavar="PATH_OR_URL...",
        ),
    ],
    prune: Annotated[bool, typer.Option(help="Remove documents whose files are gone.")] = False,
    reembed: Annotated[
        bool, typer.Option(help="Embed every stored chunk again (done anyway when another embedder wrote them).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Clean, chunk, embed and store articles; unchanged files cost nothing.

    One bad input never stops the others: each failure is reported with what to do, and the
    exit status is 0 when everything was ingested, 1 when some inputs failed (the rest were
    ingested), 2 when none could be ingested.
    """
    settings = load_settings()
    try:
        report = ingest_with_progress(settings, [as_input(i) for i in inputs], prune, quiet=as_json, reembed=reembed)
    except RagError as exc:
        raise fail(exc) from exc
    if report.chunks_reembedded:
        err.print(
            f"[yellow]re-embedded[/] {report.chunks_reembedded} stored chunks with {settings.embed_backend} "
            f"(the index had been written by {report.reembedded_from})",
            highlight=False,
        )
    for s in report.skipped:
        err.print(f"[yellow]skipped[/] {s.path}: {s.reason}", highlight=False)
    summary = {
        "added": report.added,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "removed": report.removed,
        "skipped": [asdict(s) for s in report.skipped],
        "items": [{"name": i.name, "documents": i.documents, "errors": i.errors} for i in report.items],
        "chunks": report.chunks,
        "chunks_embedded": report.chunks_embedded,
        "chunks_removed": report.chunks_removed,
        "chunks_reembedded": report.chunks_reembedded,
        "seconds": round(report.seconds, 3),
        "chunks_per_s": round(report.chunks_per_s, 1),
    }
    failed = sum(not i.ok for i in report.items)
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
        if failed and report.ingested_any:
            err.print(f"{failed} of {len(report.items)} inputs failed (see above); the rest were ingested")
    if report.failed_any:
        raise typer.Exit(1 if report.ingested_any else 2)
    if not report.ingested_any and not report.chunks_reembedded:
        raise typer.Exit(1)  # nothing to ingest was found


def make_filters(doc: list[str] | None, since: str | None, until: str | None) -> SearchFilters:
    return SearchFilters(doc_ids=tuple(doc or ()), since=parse_bound(since), until=parse_bound(until, end=True))


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
                "doc_id": h.chunk.doc_id,
                "chunk_id": h.chunk.chunk_id,
                "title": h.chunk.title,
                "date": format_date(h.chunk.date),
                "source": h.chunk.source,
                "url": h.chunk.url,
                "text": h.chunk.text,
                "start": h.chunk.start,
                "end": h.chunk.end,
                "score": h.score,
                "dense_rank": h.dense_rank,
                "sparse_rank": h.sparse_rank,
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
        if h.chunk.url:
            out.print(f"   {h.chunk.url}", highlight=False)
        out.print(f"   {h.chunk.text[:300]}{'…' if len(h.chunk.text) > 300 else ''}", highlight=False)


def answer_json(answer: Any) -> dict[str, Any]:
    data = asdict(answer)
    for c in data["citations"]:
        c["date"] = format_date(c["date"])
    return data


def print_answer(answer: Any) -> None:
    style = "yellow" if answer.refused else "green"
    out.print(f"[{style}]{answer.answer}[/]", highlight=False)
    if answer.citations:
        out.print("[bold]Sources[/]" if not answer.refused else "[bold]Closest passages[/]")
    for c in answer.citations:
        date = format_date(c.date) or "undated"
        out.print(f"  [{c.n}] {c.title} ({c.doc_id}, {date}) {c.link}", highlight=False)
        if c.url:
            out.print(f"      original: {c.url}", highlight=False)
        out.print(f'      "{c.quote}"', highlight=False)
    for note in answer.notes:
        err.print(f"[dim]note: {note}[/]")
    t = answer.timings
    first = f", first token {t.first_token_s:.2f} s" if t.first_token_s is not None else ""
    err.print(f"[dim]{answer.model}: {t.total_s:.2f} s (retrieve {t.retrieve_s * 1000:.0f} ms{first})[/]")


def load_history(path: Path | None) -> list[Any]:
    from rag.types import Message

    if path is None:
        return []
    try:
        raw = json.loads(path.read_text())
        turns = raw["history"] if isinstance(raw, dict) else raw
        return [Message(t["role"], str(t["content"])) for t in turns if t["role"] in ("user", "assistant")]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BadInput(
            f"cannot read history from {path}: {exc}. "
            'Expected JSON: [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}]'
        ) from exc


def open_pipeline(settings: Settings) -> Any:
    from ingest.seed import open_seeded_pipeline

    _, pipeline, seeded = open_seeded_pipeline(settings)
    if seeded is not None and seeded.chunks_reembedded:
        err.print(f"[dim]re-embedded {seeded.chunks_reembedded} chunks written by {seeded.reembedded_from}[/]")
    elif seeded is not None:
        err.print(f"[dim]index was empty: ingested {len(seeded.added)} seed documents[/]")
    return pipeline


def run_question(pipeline: Any, question: str, history: list[Any], as_json: bool, filters: SearchFilters) -> Any:
    from rag.types import Answer
    from ui.service import with_urls

    answer = None
    streamed = False
    for item in pipeline.stream(question, history, filters=filters):
        if isinstance(item, Answer):
            answer = with_urls(pipeline.retriever.store, item)
        elif not as_json:
            out.print(item, end="", highlight=False, markup=False)
            streamed = True
    if as_json:
        out.print_json(json.dumps(answer_json(answer)))
    else:
        if streamed:
            out.print()
            out.rule(style="dim")
        print_answer(answer)
    return answer


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question.")],
    history: Annotated[Path | None, typer.Option(help="JSON file with earlier turns [{role, content}].")] = None,
    doc: Annotated[list[str] | None, typer.Option("--doc", help="Only these document ids (repeatable).")] = None,
    since: Annotated[str | None, typer.Option(help="Only articles dated on/after YYYY[-MM[-DD]].")] = None,
    until: Annotated[str | None, typer.Option(help="Only articles dated on/before YYYY[-MM[-DD]].")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer object as JSON.")] = False,
) -> None:
    """Answer a question from the articles, with citations (streams to the terminal)."""
    settings = load_settings()
    try:
        filters = make_filters(doc, since, until)
        turns = load_history(history)
        pipeline = open_pipeline(settings)
        run_question(pipeline, question, turns, as_json, filters)
    except RagError as exc:
        raise fail(exc) from exc


@app.command()
def chat() -> None:
    """Interactive multi-turn chat in the terminal (empty line or Ctrl-D to quit)."""
    from rag.types import Message

    settings = load_settings()
    try:
        pipeline = open_pipeline(settings)
    except RagError as exc:
        raise fail(exc) from exc
    turns: list[Message] = []
    while True:
        try:
            question = out.input("[bold cyan]you>[/] ").strip()
        except (EOFError, KeyboardInterrupt):
            out.print()
            return
        if not question:
            return
        try:
            answer = run_question(pipeline, question, turns, False, SearchFilters())
        except RagError as exc:
            err.print(f"[red]error:[/] {exc}")
            continue
        turns += [Message("user", question), Message("assistant", answer.answer)]


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default RAG_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default RAG_PORT, 8000).")] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="API worker processes (default RAG_WORKERS, 1); more start a Chroma and a model server."),
    ] = None,
) -> None:
    """Serve the chat UI, the HTTP API and the document pages (one process, or N workers)."""
    from ui.server import serve as run_server

    settings = load_settings()
    if workers is not None and workers < 1:
        raise fail(BadInput(f"--workers must be at least 1, not {workers}"))
    try:
        run_server(settings, host or settings.host, port or settings.port, workers)
    except RagError as exc:
        raise fail(exc) from exc


@app.command("model-server")
def model_server(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8080,
) -> None:
    """Serve the language model alone, OpenAI-compatible (POST /v1/chat/completions), for
    RAG_LLM_BACKEND=openai RAG_LLM_URL=http://HOST:PORT/v1 on one or more API processes."""
    import signal
    import threading

    from rag.llm import start_llama_server
    from rag.model_files import ensure_model

    settings = load_settings()
    try:
        server = start_llama_server(settings, ensure_model(settings), host, port)
    except RagError as exc:
        raise fail(exc) from exc
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(f"newsrag model server: {server.listening_address}/v1 (threads {settings.llm_threads})", flush=True)
    while not stop.wait(1.0):  # a timed wait lets the signal handlers run promptly
        pass
    del server  # dropping it stops llama.cpp's threads and frees the model


@app.command("eval")
def evaluate(
    questions: Annotated[Path, typer.Option(help="Question set (JSONL or YAML).")] = Path("evals/questions.jsonl"),
    k: Annotated[int, typer.Option("--k", help="Passages retrieved per question; hit@k uses it.")] = 5,
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write report.json, report.md, metrics.png.")] = Path(
        "artifacts/eval"
    ),
    baseline: Annotated[Path | None, typer.Option(help="An earlier report.json to compare with.")] = None,
    pipeline: Annotated[str, typer.Option(help="ours | extractive | baseline (textbook llama-index).")] = "ours",
    limit: Annotated[int | None, typer.Option(help="Only the first N questions.")] = None,
    corpus: Annotated[
        Path | None, typer.Option(help="A folder of articles to index afresh (in a temporary data directory).")
    ] = None,
    thresholds: Annotated[
        Path | None, typer.Option(help="Quality gates (YAML); default evals/thresholds.yaml, the seeds' gates.")
    ] = None,
) -> None:
    """Score answers, citations, refusals and retrieval on a question set; non-zero exit under thresholds."""
    from evals.runner import main as run_eval

    settings = load_settings()
    try:
        code = run_eval(settings, questions, k, out_dir, baseline, pipeline, limit, corpus, thresholds)
    except RagError as exc:
        raise fail(exc) from exc
    raise typer.Exit(code)


@app.command()
def bench(
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write bench.json and bench.md.")] = Path(
        "artifacts/bench"
    ),
    sizes: Annotated[
        str, typer.Option(help="Corpus sizes in chunks for the retrieval benchmark.")
    ] = "1000,10000,100000",
    articles: Annotated[
        int, typer.Option(help="Distractor articles added to the seeds for the ingest benchmark.")
    ] = 150,
    questions: Annotated[Path, typer.Option(help="Question set for latency and accuracy.")] = Path(
        "evals/questions.jsonl"
    ),
    limit: Annotated[int, typer.Option(help="Questions answered per pipeline (0 = all).")] = 20,
    baseline: Annotated[bool, typer.Option(help="Also time the textbook llama-index pipeline.")] = True,
    parts: Annotated[
        str, typer.Option(help="Which parts: answers,ingest,html,retrieval,embedders,ingest-process,load.")
    ] = "answers,ingest,html,retrieval,embedders,ingest-process,load",
    html_pages: Annotated[
        Path | None, typer.Option(help="Folder of real .html news pages for the HTML ingest part.")
    ] = None,
    sets: Annotated[
        list[str] | None,
        typer.Option("--set", help="NAME=CORPUS_DIR:QUESTIONS.jsonl for the embedder comparison (default: the seeds)."),
    ] = None,
    ingest_dir: Annotated[
        list[Path] | None, typer.Option(help="Folders for `rag ingest` against a bare embedder (ingest-process).")
    ] = None,
) -> None:
    """Measure ingest, retrieval at scale and answer latency, beside the textbook pipeline."""
    from bench.embedders import parse_set
    from bench.run import main as run_bench
    from bench.run import render

    settings = load_settings()
    try:
        result = run_bench(
            settings,
            out_dir,
            sizes=[int(s) for s in sizes.split(",") if s.strip()],
            ingest_articles=articles,
            questions_path=questions,
            limit=limit or None,
            baseline=baseline,
            parts=[p.strip() for p in parts.split(",")],
            sets=[parse_set(s) for s in sets or []],
            ingest_dirs=ingest_dir or [],
            **({"html_pages": html_pages} if html_pages else {}),
        )
    except (RagError, ValueError) as exc:
        raise fail(exc if isinstance(exc, RagError) else BadInput(str(exc))) from exc
    out.print(render(result), highlight=False, markup=False)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
