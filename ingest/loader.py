"""Finding inputs and reading them as bytes: what may be ingested, and why not.

A `Source` is one input's bytes with what kind of document they hold; turning them into
text happens later (`ingest.extract`), after the pipeline has decided the bytes are new.
Every rejection is a `Skipped` with a one-line reason that says what to do; nothing here
raises for a user's bad file, so one bad file never stops the others.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Literal

Kind = Literal["text", "html", "pdf", "docx", "feed", "email", "feed-item"]
KINDS: dict[str, Kind] = {
    ".txt": "text",
    ".md": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
    ".docx": "docx",
    ".rss": "feed",
    ".atom": "feed",
    ".xml": "feed",
    ".eml": "email",
}
SUPPORTED = tuple(KINDS)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Skipped:
    path: str  # what the user named: a file, a URL, an uploaded file's name (a feed item: "feed.xml#3")
    reason: str


@dataclass(frozen=True)
class Hints:
    """What a container says about a document inside it (a feed about its items)."""

    title: str = ""
    date: int | None = None
    author: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Source:
    doc_id: str
    origin: str  # what the user named (reports group by it): a path, a URL, an uploaded file's name
    path: str  # the file it was read from, "" when it exists only on the web
    kind: Kind
    data: bytes
    url: str | None = None  # where it was fetched from, or a feed item's link
    charset: str | None = None  # declared by the server that sent it
    hints: Hints | None = None


def sanitize_doc_id(filename: str) -> str:
    """The document id for a file name: its stem, reduced to safe characters.

    >>> sanitize_doc_id("000_67e5238ffeab8bd0.txt")
    '000_67e5238ffeab8bd0'
    >>> sanitize_doc_id("../../etc/My Article (v2).html")
    'My_Article_v2'
    """
    stem = Path(filename.replace("\\", "/")).name
    stem = stem.rsplit(".", 1)[0] if "." in stem.lstrip(".") else stem
    return _UNSAFE.sub("_", stem).strip("._-")[:100] or ""


def kind_of(filename: str) -> Kind | None:
    return KINDS.get(Path(filename).suffix.lower())


def unsupported(suffix: str) -> str:
    return f"unsupported type {suffix or '(none)'}; use {', '.join(SUPPORTED)}"


def discover(paths: list[Path]) -> tuple[list[Path], list[Skipped]]:
    """Expand files and folders (recursively) into the supported files, sorted."""
    found: list[Path] = []
    skipped: list[Skipped] = []
    for path in paths:
        if not path.exists():
            skipped.append(Skipped(str(path), "no such file or folder"))
        elif path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in SUPPORTED)
        elif path.suffix.lower() not in SUPPORTED:
            skipped.append(Skipped(str(path), unsupported(path.suffix)))
        else:
            found.append(path)
    unique = sorted({p.resolve() for p in found})
    return unique, skipped


def too_large(name: str, size: int, max_bytes: int, setting: str = "RAG_MAX_FILE_BYTES") -> Skipped:
    return Skipped(name, f"file is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB ({setting})")


def decode(name: str, raw: bytes, max_bytes: int, charset: str | None = None) -> str | Skipped:
    """Bytes to text, or why not: too large, empty, binary or undecodable."""
    if len(raw) > max_bytes:
        return too_large(name, len(raw), max_bytes)
    if not raw.strip():
        return Skipped(name, "file is empty")
    if b"\x00" in raw[:8192]:
        return Skipped(name, "file looks binary (it holds NUL bytes); only text articles can be ingested")
    # The declared charset, else UTF-8, else cp1252: what English pages that are not UTF-8 use
    # (charset_normalizer guesses cp1250/cp775/cp852 for them and turns ’ into ĺ or Æ); it is
    # tried last for the rest.
    for encoding in (charset, "utf-8-sig", "cp1252"):
        if encoding:
            try:
                return raw.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None or best.encoding is None:
        return Skipped(name, "file is not valid text in any known encoding; save it as UTF-8")
    return str(best)


def check_bytes(name: str, kind: Kind, raw: bytes, max_bytes: int) -> Skipped | None:
    """Cheap checks before anything is parsed: size, emptiness, and that a binary format is what it claims."""
    if len(raw) > max_bytes:
        return too_large(name, len(raw), max_bytes)
    if not raw.strip():
        return Skipped(name, "file is empty")
    if kind in ("text", "html", "feed", "email") and b"\x00" in raw[:8192]:
        return Skipped(name, "file looks binary (it holds NUL bytes); only text articles can be ingested")
    if kind == "pdf" and b"%PDF-" not in raw[:1024]:
        return Skipped(name, "file is not a PDF (it does not start with %PDF-); check that it was saved whole")
    if kind == "docx" and not _is_zip(raw):
        return Skipped(
            name,
            "file is not a .docx (Word 2007+) document; a password-protected or old .doc file must be saved "
            "again as .docx without a password",
        )
    return None


def _is_zip(raw: bytes) -> bool:
    try:
        with zipfile.ZipFile(BytesIO(raw)):
            return True
    except zipfile.BadZipFile:
        return False


def read_source(path: Path, max_bytes: int) -> Source | Skipped:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return too_large(str(path), size, max_bytes)
        raw = path.read_bytes()
    except OSError as exc:
        return Skipped(str(path), f"cannot read it: {exc.strerror or exc}")
    return source_from_bytes(path.name, raw, max_bytes, str(path), origin=str(path))


def source_from_bytes(
    filename: str, raw: bytes, max_bytes: int, path: str, *, origin: str | None = None
) -> Source | Skipped:
    origin = origin if origin is not None else filename
    kind = kind_of(filename)
    if kind is None:
        return Skipped(origin, unsupported(Path(filename).suffix.lower()))
    doc_id = sanitize_doc_id(filename)
    if not doc_id:
        return Skipped(origin, "the file name gives no usable document id; rename it with letters or digits")
    problem = check_bytes(origin, kind, raw, max_bytes)
    return problem or Source(doc_id=doc_id, origin=origin, path=path, kind=kind, data=raw)
