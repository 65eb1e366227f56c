"""The int8 ONNX embedder against the fp32 sentence-transformers one, and the ONNX path
without torch: real models, real Chroma."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from rag.embed import SentenceTransformerEmbedder
from rag.onnx_embed import OnnxEmbedder
from rag.settings import REPO_ROOT

SEEDS = REPO_ROOT / "seeds"
NO_TORCH = """
import sys
from pathlib import Path
from rag.settings import Settings
from ingest.seed import open_seeded_pipeline
from ui.api import create_app
settings = Settings(home=Path(sys.argv[1]), seeds_dir=Path(sys.argv[2]), llm_backend="extractive", _env_file=None)
create_app(settings)
components, pipeline, seeded = open_seeded_pipeline(settings)
assert seeded is not None and seeded.chunks_embedded > 0
answer = pipeline.answer("Who led the Chinese delegation?")
assert "Chen Mingguo" in answer.answer, answer.answer
heavy = sorted(m for m in ("torch", "sentence_transformers", "transformers") if m in sys.modules)
print("heavy:", heavy)
"""


def test_the_onnx_path_never_imports_torch(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", NO_TORCH, str(tmp_path), str(SEEDS)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "heavy: []" in done.stdout, done.stdout


def test_int8_vectors_match_fp32(embedder: SentenceTransformerEmbedder) -> None:
    texts = [p.read_text()[:700] for p in sorted(SEEDS.glob("*.txt"))]
    texts += ["Who led the Chinese delegation?", "Warrior-VIII", "", "a" * 5000]  # a query, a name, empty, over-long
    onnx = OnnxEmbedder()
    a = np.asarray(onnx.embed(texts))
    b = np.asarray(embedder.embed(texts))
    assert a.shape == b.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    cosine = (a * b).sum(axis=1)
    assert cosine.min() > 0.99, cosine
    assert onnx.embed(list(reversed(texts))) == list(reversed(onnx.embed(texts))), "order must survive batching"
    assert onnx.name != embedder.name
