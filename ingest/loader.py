"""Finding and reading article files: what may be ingested, and why not.

Every rejection is a `Skipped` with a one-line reason; nothing here raises for a
user's bad file, so one bad file never stops the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SUPPORTED = (".txt", ".md", ".html", ".htm")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass(frozen=True)
class SourceText:
    doc_id: str
    path: str
    text: str
    is_html: bool


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
            skipped.append(
                Skipped(str(path), f"unsupported type {path.suffix or '(none)'}; use {', '.join(SUPPORTED)}")
            )
        else:
            found.append(path)
    unique = sorted({p.resolve() for p in found})
    return unique, skipped


def decode(name: str, raw: bytes, max_bytes: int) -> str | Skipped:
    """Bytes to text, or why not: too large, empty, binary or undecodable."""
    if len(raw) > max_bytes:
        return Skipped(
            name, f"file is {len(raw) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB (RAG_MAX_FILE_BYTES)"
        )
    if not raw.strip():
        return Skipped(name, "file is empty")
    if b"\x00" in raw[:8192]:
        return Skipped(name, "file looks binary (it holds NUL bytes); only text articles can be ingested")
    # UTF-8, else cp1252: what English pages that are not UTF-8 use (charset_normalizer guesses
    # cp1250/cp775/cp852 for them and turns ’ into ĺ or Æ); it is tried last for the rest.
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None or best.encoding is None:
        return Skipped(name, "file is not valid text in any known encoding; save it as UTF-8")
    return str(best)


def read_source(path: Path, max_bytes: int) -> SourceText | Skipped:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return Skipped(
                str(path), f"file is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB (RAG_MAX_FILE_BYTES)"
            )
        raw = path.read_bytes()
    except OSError as exc:
        return Skipped(str(path), f"cannot read it: {exc.strerror or exc}")
    return source_from_bytes(path.name, raw, max_bytes, str(path))


def source_from_bytes(filename: str, raw: bytes, max_bytes: int, path: str) -> SourceText | Skipped:
    suffix = Path(filename).suffix.lower()
    if suffix not in SUPPORTED:
        return Skipped(filename, f"unsupported type {suffix or '(none)'}; use {', '.join(SUPPORTED)}")
    doc_id = sanitize_doc_id(filename)
    if not doc_id:
        return Skipped(filename, "the file name gives no usable document id; rename it with letters or digits")
    text = decode(filename, raw, max_bytes)
    if isinstance(text, Skipped):
        return text
    return SourceText(doc_id=doc_id, path=path, text=text, is_html=suffix in (".html", ".htm"))
