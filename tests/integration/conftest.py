"""Fixtures shared by the integration tests."""

from __future__ import annotations

import pytest

from rag.embed import SentenceTransformerEmbedder


@pytest.fixture(scope="module")
def embedder() -> SentenceTransformerEmbedder:
    """The real packaged embedder, loaded once per module."""
    model = SentenceTransformerEmbedder()
    model.warm_up()
    return model
