"""ingest.loader: document ids, discovery and decoding; every rejection is a Skipped with a reason."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from ingest.loader import Skipped, Source, decode, discover, read_source, sanitize_doc_id, source_from_bytes

SEED_FILES = sorted((Path(__file__).resolve().parents[2] / "seeds").glob("*.txt"))
SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
MB = 1_000_000


# -- sanitize_doc_id --------------------------------------------------------
@pytest.mark.parametrize(
    ("filename", "doc_id"),
    [
        ("000_67e5238ffeab8bd0.txt", "000_67e5238ffeab8bd0"),
        ("../../etc/My Article (v2).html", "My_Article_v2"),
        ("..\\..\\windows\\system32\\evil.md", "evil"),
        ("/etc/passwd", "passwd"),
        ("report.final.txt", "report.final"),
        ("Café du Monde.txt", "Caf_du_Monde"),
        ("-leading-and-trailing-.txt", "leading-and-trailing"),
        ("noext", "noext"),
    ],
)
def test_sanitize_doc_id(filename: str, doc_id: str) -> None:
    assert sanitize_doc_id(filename) == doc_id


@pytest.mark.parametrize("filename", ["", ".txt", "..", "../..", "新闻.txt", "....txt", "   .md", "/"])
def test_sanitize_doc_id_never_escapes_or_hides(filename: str) -> None:
    doc_id = sanitize_doc_id(filename)
    assert doc_id == "" or SAFE_ID.fullmatch(doc_id), doc_id
    assert "/" not in doc_id and "\\" not in doc_id and not doc_id.startswith(".")


@pytest.mark.parametrize("filename", ["新闻.txt", "../___.txt", "___.md", ".-_.html"])
def test_a_name_without_usable_characters_is_skipped(filename: str) -> None:
    result = source_from_bytes(filename, b"Some article text.", MB, "")
    assert isinstance(result, Skipped)
    assert "rename" in result.reason


def test_long_names_are_capped() -> None:
    assert len(sanitize_doc_id("x" * 500 + ".txt")) == 100


# -- discover -----------------------------------------------------------------
def test_discover_recurses_sorts_and_filters(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    for name in ["z.txt", "a/y.md", "a/b/x.html", "a/b/w.HTM", "a/b/image.png", "a/notes.pdf", "a/b/.hidden.txt"]:
        (tmp_path / name).write_text("Text.")
    for name in ["a/f.rss", "a/g.atom", "a/h.xml", "a/m.eml", "a/d.docx", "a/b/old.doc", "a/b/sheet.xlsx"]:
        (tmp_path / name).write_text("Text.")
    files, skipped = discover([tmp_path])
    assert skipped == []
    names = [p.relative_to(tmp_path).as_posix() for p in files]
    assert names == sorted(names)
    assert set(names) == {
        "z.txt",
        "a/y.md",
        "a/b/x.html",
        "a/b/w.HTM",
        "a/b/.hidden.txt",
        "a/notes.pdf",
        "a/f.rss",
        "a/g.atom",
        "a/h.xml",
        "a/m.eml",
        "a/d.docx",
    }


def test_discover_reports_missing_and_unsupported_paths(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("Text.")
    doc = tmp_path / "paper.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0")
    bare = tmp_path / "README"
    bare.write_text("Text.")
    missing = tmp_path / "nope"
    files, skipped = discover([missing, good, doc, bare, good, tmp_path])  # good three times
    assert files == [good.resolve()]  # once, though named twice and found again in its folder
    reasons = {Path(s.path).name: s.reason for s in skipped}
    assert reasons["nope"] == "no such file or folder"
    assert "unsupported type .doc;" in reasons["paper.doc"] and ".docx" in reasons["paper.doc"]
    assert "unsupported type (none)" in reasons["README"]
    assert len(skipped) == 3


# -- decode -------------------------------------------------------------------
def test_utf8_with_bom() -> None:
    assert decode("a.txt", "\ufeffNaqvi’s visit — “done”.".encode(), MB) == "Naqvi’s visit — “done”."


@pytest.mark.parametrize("raw", [b"", b"   \n\t\r\n  "])
def test_empty_files_are_skipped(raw: bytes) -> None:
    result = decode("a.txt", raw, MB)
    assert isinstance(result, Skipped) and result.reason == "file is empty"


def test_binary_files_are_skipped() -> None:
    raw = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    result = decode("photo.txt", raw, MB)
    assert isinstance(result, Skipped)
    assert "binary" in result.reason and "NUL" in result.reason


def test_too_large_bytes_are_skipped_with_the_setting_to_change() -> None:
    result = decode("big.txt", b"a" * 2_500_000, 2 * MB)
    assert isinstance(result, Skipped)
    assert result.reason == "file is 2.5 MB; the limit is 2.0 MB (RAG_MAX_FILE_BYTES)"


WESTERN = (
    "Café society in Zürich – a naïve résumé of “façade” politics; the Zoë’s œuvre costs €5.\n"
    "Señor Müller said the talks were “très bien” — and left.\n"
)


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_legacy_western_encodings_are_decoded(encoding: str) -> None:
    text = WESTERN if encoding == "cp1252" else WESTERN.translate(str.maketrans("–—“”’œ€", '--""\'oE'))
    assert decode("a.txt", text.encode(encoding), MB) == text


@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda p: p.name[:3])
def test_a_seed_article_saved_as_cp1252_reads_back_unchanged(seed: Path) -> None:
    text = seed.read_text(encoding="utf-8")
    assert decode(seed.name, text.encode("cp1252"), MB) == text


# -- read_source / source_from_bytes --------------------------------------------
def test_read_source_keeps_the_bytes_and_the_kind(tmp_path: Path) -> None:
    path = tmp_path / "Some Story.HTML"
    path.write_text("<p>Hello.</p>", encoding="utf-8")
    src = read_source(path, MB)
    assert src == Source(doc_id="Some_Story", origin=str(path), path=str(path), kind="html", data=b"<p>Hello.</p>")


def test_a_huge_file_is_skipped_by_size_without_being_read(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(50 * MB)  # sparse: no data written
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as f:
        f.truncate(1 << 40)  # 1 TiB: reading it would take minutes and all the memory
    started = time.perf_counter()
    results = [read_source(big, 5 * MB), read_source(huge, 5 * MB)]
    assert time.perf_counter() - started < 1.0
    assert isinstance(results[0], Skipped)
    assert results[0].reason == "file is 50.0 MB; the limit is 5.0 MB (RAG_MAX_FILE_BYTES)"
    assert isinstance(results[1], Skipped) and "RAG_MAX_FILE_BYTES" in results[1].reason


def test_an_unreadable_path_is_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "folder.txt"
    folder.mkdir()  # a folder named like a file: stat works, reading fails
    result = read_source(folder, MB)
    assert isinstance(result, Skipped) and result.reason.startswith("cannot read it")


def test_source_from_bytes_refuses_unsupported_types() -> None:
    result = source_from_bytes("slides.pptx", b"PK\x03\x04", MB, "")
    assert isinstance(result, Skipped)
    assert result.reason.startswith("unsupported type .pptx")


@pytest.mark.parametrize(
    ("filename", "raw", "words"),
    [
        ("paper.pdf", b"<html>not a pdf</html>", "not a PDF"),
        ("letter.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 an old .doc or an encrypted one", "not a .docx"),
        ("page.html", b"<html>\x00\x01</html>", "binary"),
        ("feed.rss", b"   ", "empty"),
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_skipped(filename: str, raw: bytes, words: str) -> None:
    result = source_from_bytes(filename, raw, MB, "")
    assert isinstance(result, Skipped) and words in result.reason, result
