"""ingest.pipeline on a real embedded Chroma and real BM25, with the word-hash embedder.

The crash tests kill the embedder mid-run (`fail_after`) and check that the next,
normal run converges to exactly what a clean ingest produces: same chunk ids, no
orphan chunks, every record's chunk_count true, BM25 built from the same ids.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bench.documents import make_docx, make_pdf, rss
from ingest.pipeline import Ingestor, IngestReport
from rag.errors import BadInput
from rag.settings import Settings
from rag.sparse import SparseIndex, fingerprint
from rag.store import ChromaStore
from tests.fakes import WordHashEmbedder
from tests.webserver import Route, Site

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
D000, D001, D002, D003, D004 = sorted(p.stem for p in SEEDS.glob("*.txt"))
ALL = [D000, D001, D002, D003, D004]
UPLOAD = b"Lianyungang port handled a record load of Karachi-bound containers on Tuesday. " * 3


@dataclass
class Rig:
    settings: Settings
    store: ChromaStore
    sparse: SparseIndex
    embedder: WordHashEmbedder
    ingestor: Ingestor

    def ingest(self, *paths: Path, prune: bool = False) -> IngestReport:
        return self.ingestor.ingest(list(paths), prune=prune)

    def ids(self) -> set[str]:
        return set(self.store.all_chunk_ids())


def rig(home: Path, embedder: WordHashEmbedder | None = None, **overrides: Any) -> Rig:
    """Fresh objects on `home`, as a new process would build them."""
    settings = Settings(home=home, _env_file=None, **overrides)  # type: ignore[call-arg]
    store = ChromaStore(settings)
    sparse = SparseIndex(settings.bm25_dir)
    embedder = embedder or WordHashEmbedder()
    return Rig(settings, store, sparse, embedder, Ingestor(settings, store, sparse, embedder))


def assert_consistent(r: Rig) -> None:
    """No orphans, true chunk counts, BM25 built from exactly the store's chunk ids."""
    docs = {d.doc_id: d for d in r.store.list_documents()}
    owners = r.store.chunk_doc_ids()
    assert set(owners.values()) <= set(docs), "chunks without a document record"
    for doc_id, doc in docs.items():
        assert doc.chunk_count == len(r.store.chunk_ids_of(doc_id)), doc_id
    assert r.store.count() == sum(d.chunk_count for d in docs.values())
    assert r.sparse.current_fingerprint() == fingerprint(owners)
    assert r.sparse.size() == r.store.count()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A private copy of the seeds that a test may edit."""
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Rig:
    """The seeds ingested once, cleanly: the reference every other run must converge to."""
    r = rig(tmp_path_factory.mktemp("clean"))
    report = r.ingest(SEEDS)
    assert report.added == ALL and not report.skipped
    return r


# -- the clean ingest -----------------------------------------------------------
def test_clean_ingest_is_consistent_and_spans_survive_the_store(clean: Rig) -> None:
    assert_consistent(clean)
    assert clean.store.count() == 29
    for doc in clean.store.list_documents():
        text = clean.store.get_document(doc.doc_id)
        assert text is not None
        stored = clean.store.get_chunks(sorted(clean.store.chunk_ids_of(doc.doc_id)))
        for chunk, _ in stored.values():
            assert chunk.text == text.text[chunk.start : chunk.end]
            assert all(text.text[s:e] in chunk.text for s, e in chunk.sentences)
            assert (chunk.title, chunk.date, chunk.source) == (doc.title, doc.date, doc.source)


@pytest.mark.parametrize(
    ("doc_id", "date"), [(D000, 20250119), (D001, None), (D002, None), (D003, 20250205), (D004, 20241129)]
)
def test_dates_come_from_the_real_cleaner(clean: Rig, doc_id: str, date: int | None) -> None:
    doc = clean.store.get_document(doc_id)
    assert doc is not None and doc.date == date
    assert {c.date for c in clean.store.iter_chunks() if c.doc_id == doc_id} == {date}


@pytest.mark.parametrize("junk", ["LEAVE A REPLY", "Â", "Bangladesh bends to beat Trump"])
def test_no_page_furniture_is_stored(clean: Rig, junk: str) -> None:
    for doc_id in ALL:
        doc = clean.store.get_document(doc_id)
        assert doc is not None and junk not in doc.text, doc_id
    assert not [c.chunk_id for c in clean.store.iter_chunks() if junk in c.text or junk in c.title]


def test_a_second_run_embeds_nothing(tmp_path: Path) -> None:
    r = rig(tmp_path / "home")
    first = r.ingest(SEEDS)
    ids = r.ids()
    again = rig(tmp_path / "home")
    second = again.ingest(SEEDS)
    assert second.unchanged == ALL
    assert (second.added, second.updated, second.removed, second.skipped) == ([], [], [], [])
    assert second.chunks_embedded == 0 and again.embedder.batches == 0
    assert second.chunks == first.chunks == len(ids) == 29
    assert again.ids() == ids
    assert_consistent(again)


def test_an_unchanged_file_is_not_even_cleaned_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rig(tmp_path / "home").ingest(SEEDS)
    import ingest.pipeline

    def no_cleaning(src: object, max_bytes: int) -> None:
        raise AssertionError("an unchanged file was cleaned again")

    monkeypatch.setattr(ingest.pipeline, "extract", no_cleaning)
    assert rig(tmp_path / "home").ingest(SEEDS).unchanged == ALL


def test_a_new_chunking_recipe_redoes_every_document(tmp_path: Path) -> None:
    rig(tmp_path / "home").ingest(SEEDS)
    again = rig(tmp_path / "home", chunk_chars=400).ingest(SEEDS)
    assert sorted(again.updated) == sorted(ALL) and again.chunks_embedded > 0


def test_progress_counts_up_to_the_chunks_embedded(tmp_path: Path) -> None:
    r = rig(tmp_path / "home", embed_batch_size=8)
    calls: list[tuple[int, int]] = []
    report = r.ingestor.ingest([SEEDS], progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 29) and calls[-1] == (29, 29)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert report.chunks_embedded == 29 and r.embedder.batches == 4


# -- changes ------------------------------------------------------------------
def test_a_changed_file_is_updated_reusing_its_unchanged_chunks(tmp_path: Path, corpus: Path, clean: Rig) -> None:
    r = rig(tmp_path / "home")
    r.ingest(corpus)
    before = r.ids()
    owners = r.store.chunk_doc_ids()
    path = corpus / f"{D003}.txt"
    path.write_text(path.read_text() + "\nThe ministers will meet again in Lianyungang next spring.\n")

    report = r.ingest(corpus)
    after = r.ids()
    assert report.updated == [D003] and report.added == []
    assert sorted(report.unchanged) == sorted(set(ALL) - {D003})
    gone, new = before - after, after - before
    assert new and {cid.split(":")[0] for cid in new} == {D003}
    assert {owners[cid] for cid in gone} <= {D003}
    assert report.chunks_embedded == len(new) < len(r.store.chunk_ids_of(D003)), "unchanged chunks re-embedded"
    assert report.chunks_removed == len(gone)
    assert {cid for cid in before if owners[cid] != D003} <= after, "other documents were touched"
    doc = r.store.get_document(D003)
    assert doc is not None and "Lianyungang next spring" in doc.text
    assert any("Lianyungang" in c.text for c, _ in r.store.get_chunks(sorted(new)).values())
    assert r.sparse.search("Lianyungang spring", 3)[0][0] in new
    assert_consistent(r)


def test_prune_removes_documents_whose_files_are_gone(tmp_path: Path, corpus: Path) -> None:
    r = rig(tmp_path / "home")
    r.ingest(corpus)
    of_001 = r.store.chunk_ids_of(D001)
    (corpus / f"{D001}.txt").unlink()

    kept = r.ingest(corpus)  # without --prune the document stays
    assert kept.removed == [] and r.store.get_document(D001) is not None

    pruned = r.ingest(corpus, prune=True)
    assert pruned.removed == [D001]
    assert pruned.chunks_removed == len(of_001) > 0
    assert r.store.get_document(D001) is None
    assert not r.ids() & of_001
    assert [d.doc_id for d in r.store.list_documents()] == [D000, D002, D003, D004]
    assert_consistent(r)


# -- crashes ------------------------------------------------------------------
def test_a_crash_midway_then_a_normal_run_equals_a_clean_ingest(tmp_path: Path, clean: Rig) -> None:
    home = tmp_path / "home"
    crashed = rig(home, WordHashEmbedder(fail_after=1), embed_batch_size=4)
    with pytest.raises(RuntimeError, match="simulated"):
        crashed.ingest(SEEDS)
    assert 0 < crashed.store.count() < clean.store.count(), "the crash should leave some chunks behind"

    repair = rig(home, embed_batch_size=4)
    report = repair.ingest(SEEDS)
    assert report.added == ALL
    assert report.chunks_embedded == clean.store.count() - 4, "chunks stored before the crash were embedded again"
    assert repair.ids() == clean.ids()
    assert {d.doc_id: d.content_hash for d in repair.store.list_documents()} == {
        d.doc_id: d.content_hash for d in clean.store.list_documents()
    }
    assert_consistent(repair)


@pytest.mark.parametrize("fail_after", range(10))
def test_every_crash_point_converges(tmp_path: Path, clean: Rig, fail_after: int) -> None:
    home = tmp_path / "home"
    with pytest.raises(RuntimeError, match="simulated"):  # 29 chunks in batches of 3: 10 batches
        rig(home, WordHashEmbedder(fail_after=fail_after), embed_batch_size=3).ingest(SEEDS)
    repair = rig(home, embed_batch_size=3)
    repair.ingest(SEEDS)
    assert repair.ids() == clean.ids()
    assert_consistent(repair)
    assert rig(home).ingest(SEEDS).unchanged == ALL


def test_a_crash_mid_update_keeps_the_old_record_until_the_repair(tmp_path: Path, corpus: Path) -> None:
    home = tmp_path / "home"
    rig(home).ingest(corpus)
    path = corpus / f"{D003}.txt"
    path.write_text("Breaking: the talks moved to Lianyungang. " + path.read_text())  # every offset shifts
    old = rig(home).store.get_document(D003)

    with pytest.raises(RuntimeError, match="simulated"):
        rig(home, WordHashEmbedder(fail_after=2), embed_batch_size=1).ingest(corpus)
    half = rig(home)
    assert half.store.get_document(D003) == old, "the record changed before all new chunks were stored"

    repair = rig(home)
    report = repair.ingest(corpus)
    assert report.updated == [D003]
    reference = rig(tmp_path / "reference")
    reference.ingest(corpus)
    assert repair.ids() == reference.ids()
    assert_consistent(repair)


def test_orphans_of_a_file_removed_after_a_crash_are_deleted(tmp_path: Path, corpus: Path) -> None:
    home = tmp_path / "home"
    with pytest.raises(RuntimeError):
        rig(home, WordHashEmbedder(fail_after=1), embed_batch_size=4).ingest(corpus)
    assert D000 in set(rig(home).store.chunk_doc_ids().values())
    (corpus / f"{D000}.txt").unlink()
    repair = rig(home)
    repair.ingest(corpus)
    assert D000 not in set(repair.store.chunk_doc_ids().values())
    assert_consistent(repair)


# -- bad input ------------------------------------------------------------------
def test_each_bad_input_is_one_skip_with_a_reason(tmp_path: Path, corpus: Path) -> None:
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(b"GIF89a\x00\x01\x02" * 100)
    (corpus / "big.txt").write_text("A long article. " * 400)  # 6,400 bytes
    (corpus / "furniture.html").write_text("<html><body><nav>Home</nav></body></html>")
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    doc = tmp_path / "old.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0")
    missing = tmp_path / "missing"
    r = rig(tmp_path / "home", max_file_bytes=5_000)

    report = r.ingest(corpus, pdf, doc, missing)
    assert report.added == ALL
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert sorted(reasons) == sorted(
        ["big.txt", "binary.txt", "empty.txt", "furniture.html", "missing", "old.doc", "paper.pdf"]
    )
    assert reasons["missing"] == "no such file or folder"
    assert reasons["empty.txt"] == "file is empty"
    assert "binary" in reasons["binary.txt"]
    assert "damaged or incomplete" in reasons["paper.pdf"] and "again" in reasons["paper.pdf"]
    assert "unsupported type .doc" in reasons["old.doc"]
    assert "RAG_MAX_FILE_BYTES" in reasons["big.txt"]
    assert "no article text" in reasons["furniture.html"]
    assert_consistent(r)


def test_a_duplicate_document_id_is_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text("Pakistan and China met in Beijing on Monday to talk about trade.")
    (folder / "a.txt").write_text("A different article about the weather in Lahore this week.")
    r = rig(tmp_path / "home")
    report = r.ingest(folder)
    assert report.added == ["a"]
    assert len(report.skipped) == 1
    assert report.skipped[0].path.endswith("a.txt")
    assert "'a' is already taken" in report.skipped[0].reason
    doc = r.store.get_document("a")
    assert doc is not None and doc.path.endswith("a.md")


# -- uploads and deletes ----------------------------------------------------------
def test_ingest_bytes_keeps_a_copy_and_is_idempotent(tmp_path: Path, corpus: Path) -> None:
    r = rig(tmp_path / "home")
    r.ingest(corpus)
    uploads = tmp_path / "uploads"
    (doc,), report = r.ingestor.ingest_bytes("../../Port Story.txt", UPLOAD, uploads)
    assert doc.doc_id == "Port_Story" and report.added == ["Port_Story"]
    assert Path(doc.path) == uploads / "Port_Story.txt" and Path(doc.path).read_bytes() == UPLOAD
    assert sorted(p.name for p in uploads.iterdir()) == ["Port_Story.txt"]  # no .part left behind
    assert doc.chunk_count == len(r.store.chunk_ids_of("Port_Story")) > 0
    assert r.sparse.search("Lianyungang", 1)[0][0].startswith("Port_Story:")

    _, again = r.ingestor.ingest_bytes("Port Story.txt", UPLOAD, uploads)
    assert again.unchanged == ["Port_Story"] and again.chunks_embedded == 0
    assert "Port_Story" not in r.ingest(corpus, prune=True).removed  # its copy keeps it alive
    assert_consistent(r)


@pytest.mark.parametrize(
    ("filename", "raw", "reason"),
    [
        ("paper.pdf", b"%PDF-1.4", "damaged"),
        ("slides.pptx", b"PK\x03\x04", "unsupported type .pptx"),
        ("empty.txt", b"  \n", "file is empty"),
        ("blob.txt", b"\x00\x01\x02binary", "binary"),
        ("big.txt", b"word " * 1000, "MB"),
        ("page.html", b"<html><body><nav>Home</nav></body></html>", "no article text"),
        ("新闻.txt", b"Some text.", "rename"),
    ],
)
def test_a_bad_upload_is_refused_and_leaves_nothing(tmp_path: Path, filename: str, raw: bytes, reason: str) -> None:
    r = rig(tmp_path / "home", max_upload_bytes=2_000)
    uploads = tmp_path / "uploads"
    with pytest.raises(BadInput, match=reason):
        r.ingestor.ingest_bytes(filename, raw, uploads)
    assert not uploads.exists() or list(uploads.iterdir()) == []
    assert r.store.count() == 0 and r.store.list_documents() == []


def test_delete_removes_the_document_its_chunks_and_its_bm25_entries(tmp_path: Path) -> None:
    r = rig(tmp_path / "home")
    r.ingest(SEEDS)
    assert r.sparse.search("Warrior VIII", 1)[0][0].startswith(f"{D004}:")
    of_004 = r.store.chunk_ids_of(D004)
    assert r.ingestor.delete(D004) == len(of_004) == 4
    assert r.store.get_document(D004) is None
    assert not r.ids() & of_004
    assert all(not cid.startswith(f"{D004}:") for cid, _ in r.sparse.search("Warrior VIII", 10))
    assert_consistent(r)
    assert r.ingestor.delete(D004) == 0  # deleting twice is harmless


# -- formats, feeds, URLs and per-input reports ------------------------------------
FERRY = [
    "Harbour authority approves new ferry terminal",
    "The harbour authority on Friday approved plans for a new ferry terminal on the river front, officials said.",
    "The terminal, due to open in 2026, will serve commuters from the south bank and cut journeys by half.",
]
FEED_ITEMS = [
    {
        "title": "Quay to be demolished in May",
        "link": "https://herald.example/quay",
        "guid": "q-1",
        "date": "Mon, 06 Mar 2023 08:00:00 GMT",
        "content": "<p>Work on the foundations starts in May, when the old quay is demolished, the port said.</p>",
    },
    {
        "title": "Ferry fares frozen",
        "link": "https://herald.example/fares",
        "guid": "q-2",
        "date": "Tue, 07 Mar 2023 08:00:00 GMT",
        "description": "<p>Ferry fares will stay frozen until the new terminal opens in 2026, the council said.</p>",
    },
]


def test_a_mixed_batch_ingests_what_it_can_and_reports_each_input(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "ferry.pdf").write_bytes(make_pdf(FERRY, title="Ferry terminal approved"))
    (folder / "fares.docx").write_bytes(make_docx(FERRY, title="Fares"))
    (folder / "herald.rss").write_bytes(rss("The Coastal Herald", FEED_ITEMS))
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<")
    (folder / "empty.rss").write_bytes(rss("Nothing", []))
    r = rig(tmp_path / "home", allow_private_urls=True)
    with Site({"/ferry.html": Route(FERRY_PAGE)}) as site:
        url = site.url("/ferry.html")
        missing = site.url("/missing.html")
        report = r.ingestor.ingest([folder, url, missing])

    items = {Path(i.name).name if not i.name.startswith("http") else i.name: i for i in report.items}
    assert set(items) == {"broken.pdf", "empty.rss", "fares.docx", "ferry.pdf", "herald.rss", url, missing}
    assert list(items["ferry.pdf"].documents.values()) == ["added"] and items["ferry.pdf"].ok
    assert len(items["herald.rss"].documents) == 2
    assert "damaged" in items["broken.pdf"].errors[0] and not items["broken.pdf"].documents
    assert "no items" in items["empty.rss"].errors[0]
    assert "404" in items[missing].errors[0]
    (url_doc,) = items[url].documents
    doc = r.store.get_document(url_doc)
    assert doc is not None and doc.url == url and doc.title == "Ferry terminal approved" and doc.path == ""
    assert len(report.added) == 5 and len(report.skipped) == 3 and report.failed_any
    dates = sorted(d.date for d in r.store.list_documents() if d.doc_id.startswith("herald-"))
    assert dates == [20230306, 20230307]
    assert_consistent(r)


FERRY_PAGE = (
    "<html><head><title>Ferry terminal approved</title></head><body><nav>Home World Sport</nav><article>"
    + "".join(f"<p>{p}</p>" for p in FERRY[1:])
    + "</article><footer>Contact us</footer></body></html>"
).encode()


def test_feed_items_keep_their_ids_when_the_feed_moves_on(tmp_path: Path) -> None:
    feed = tmp_path / "herald.xml"
    feed.write_bytes(rss("The Coastal Herald", FEED_ITEMS))
    r = rig(tmp_path / "home")
    first = r.ingest(feed)
    assert len(first.added) == 2
    newer = {**FEED_ITEMS[1], "guid": "q-3", "title": "Terminal design unveiled", "link": "https://herald.example/d"}
    feed.write_bytes(rss("The Coastal Herald", [FEED_ITEMS[1], newer]))
    second = r.ingest(feed)
    assert len(second.added) == 1 and len(second.unchanged) == 1
    assert len(r.store.list_documents()) == 3  # the item that left the feed stays in the archive
    assert_consistent(r)


def test_reading_progress_counts_the_sources(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    r = rig(tmp_path / "home")
    r.ingestor.ingest([SEEDS], reading=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 5) and calls[-1] == (5, 5)


def test_an_uploaded_feed_gives_all_its_items(tmp_path: Path) -> None:
    r = rig(tmp_path / "home")
    uploads = tmp_path / "uploads"
    docs, report = r.ingestor.ingest_bytes("herald.rss", rss("The Coastal Herald", FEED_ITEMS), uploads)
    assert [d.title for d in docs] == ["Quay to be demolished in May", "Ferry fares frozen"]
    assert all(Path(d.path) == uploads / "herald.rss" for d in docs)
    assert report.items[0].name == "herald.rss" and report.items[0].ok
