"""Text quality and speed of the PDF and Word readers, on real files made from real articles.

Articles (the article-extraction benchmark's hand-written bodies when they are beside the repo,
else the bench's distractor articles) are written out as Word files (python-docx) and PDFs:
reportlab, two columns with a running head and page numbers, and LibreOffice's Writer
(`soffice --headless --convert-to pdf`, when installed) from the Word files. Each reader's text
is scored against the article the way the extraction benchmark scores (4-word shingles,
precision and recall averaged over files), and timed in pages per second. Readers that are not
installed are left out of the table:

    python -m bench.formats [--articles 12] [--out artifacts/formats]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.corpus import distractor_article
from bench.html_quality import DEFAULT_SET

Reader = Callable[[Path], tuple[str, int]]  # file -> (text, pages)
_TOKEN = re.compile(r"\w+")


def shingle_scores(truth: str, pred: str, n: int = 4) -> tuple[float, float]:
    """Precision and recall of `pred`'s 4-word shingles against `truth`'s."""

    def grams(text: str) -> Counter[tuple[str, ...]]:
        t = _TOKEN.findall(text)
        return Counter(tuple(t[i : i + n]) for i in range(max(1, len(t) - n + 1)) if t[i : i + n])

    a, b = grams(truth), grams(pred)
    tp = sum((a & b).values())
    return (tp / sum(b.values()) if b else 0.0), (tp / sum(a.values()) if a else 0.0)


def articles(count: int) -> dict[str, list[str]]:
    truth = DEFAULT_SET / "truth.json"
    if truth.is_file():
        texts = json.loads(truth.read_text())
        picked = sorted(texts)[:count]
        return {k: [p.strip() for p in texts[k].split("\n") if p.strip()] for k in picked}
    return {f"article{n:03d}": [p for p in distractor_article(n).split("\n") if p.strip()] for n in range(count)}


def make_files(arts: dict[str, list[str]], folder: Path) -> dict[str, list[Path]]:
    from bench.documents import make_docx, make_pdf

    made: dict[str, list[Path]] = {"docx": [], "pdf (reportlab, 2 columns)": [], "pdf (LibreOffice)": []}
    for key, paras in arts.items():
        title = f"Article {key}"
        docx = folder / f"{key}.docx"
        docx.write_bytes(make_docx([title, *paras], title=title))
        made["docx"].append(docx)
        pdf = folder / f"{key}.rl.pdf"
        pdf.write_bytes(make_pdf([title, *paras], title=title, running_head="The Daily Example - News"))
        made["pdf (reportlab, 2 columns)"].append(pdf)
    if shutil.which("soffice"):
        subprocess.run(
            ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(folder), *map(str, made["docx"])],
            check=True,
            capture_output=True,
            timeout=600,
        )
        made["pdf (LibreOffice)"] = [p.with_suffix(".pdf") for p in made["docx"]]
    return {k: v for k, v in made.items() if v}


def pdf_readers() -> dict[str, Reader]:
    from ingest.pdf import read_pdf

    readers: dict[str, Reader] = {"ours: PDFium + paragraphs (ingest.pdf)": lambda p: _ours_pdf(p, read_pdf)}
    try:
        import pypdf

        readers["pypdf"] = lambda p: _pages("\n".join(pg.extract_text() for pg in pypdf.PdfReader(p).pages), p)
    except ImportError:
        pass
    try:
        from pdfminer.high_level import extract_text

        readers["pdfminer.six"] = lambda p: _pages(extract_text(str(p)), p)
    except ImportError:
        pass
    try:
        from llama_index.readers.file import PDFReader

        readers["llama-index PDFReader"] = lambda p: _pages(
            PDFReader(return_full_document=True).load_data(p)[0].text, p
        )
    except ImportError:
        pass
    return readers


def docx_readers() -> dict[str, Reader]:
    from ingest.formats import read_docx

    readers: dict[str, Reader] = {"ours: python-docx (ingest.formats)": lambda p: (read_docx(p.read_bytes()).text, 1)}
    try:
        from llama_index.readers.file import DocxReader

        readers["llama-index DocxReader (docx2txt)"] = lambda p: (DocxReader().load_data(p)[0].text, 1)
    except ImportError:
        pass
    return readers


def _ours_pdf(path: Path, read: Callable[[bytes], Any]) -> tuple[str, int]:
    return _pages(read(path.read_bytes()).text, path)


def _pages(text: str, path: Path) -> tuple[str, int]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    try:
        return text, len(pdf)
    finally:
        pdf.close()


def measure(reader: Reader, files: list[Path], truth: dict[str, str]) -> dict[str, Any]:
    precision, recall, pages, seconds = [], [], 0, 0.0
    for path in files:
        started = time.perf_counter()
        text, n = reader(path)
        seconds += time.perf_counter() - started
        p, r = shingle_scores(truth[path.name.split(".")[0]], text)
        precision.append(p)
        recall.append(r)
        pages += n
    p, r = statistics.mean(precision), statistics.mean(recall)
    return {
        "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
        "precision": round(p, 3),
        "recall": round(r, 3),
        "pages": pages,
        "pages_per_s": round(pages / seconds, 1),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=12)
    parser.add_argument("--out", type=Path, default=Path("artifacts/formats"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    files = args.out / "files"
    shutil.rmtree(files, ignore_errors=True)
    files.mkdir()
    arts = articles(args.articles)
    truth = {k: "\n".join([f"Article {k}", *v]) for k, v in arts.items()}
    made = make_files(arts, files)
    rows: dict[str, dict[str, Any]] = {}
    for kind, paths in made.items():
        readers = docx_readers() if kind == "docx" else pdf_readers()
        for name, reader in readers.items():
            rows[f"{kind} — {name}"] = measure(reader, paths, truth)
    for name, row in rows.items():
        scores = f"F1 {row['f1']:.3f}  P {row['precision']:.3f}  R {row['recall']:.3f}"
        print(f"{name:75s} {scores}  {row['pages_per_s']} pages/s ({row['pages']} pages)")
    (args.out / "formats.json").write_text(json.dumps(rows, indent=2))
    return rows


if __name__ == "__main__":
    main()
