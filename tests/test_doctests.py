"""The worked examples in docstrings are tests too."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "bench.corpus",
    "ingest.chunk",
    "ingest.fetch",
    "ingest.fragment",
    "ingest.html",
    "ingest.loader",
    "ingest.pdf",
    "rag.answer",
    "rag.conversations",
    "rag.dates",
    "rag.evidence",
    "rag.examples",
    "rag.forms",
    "rag.grounding",
    "rag.kinds",
    "rag.mentions",
    "rag.question",
    "rag.quoting",
    "rag.retrieve",
    "rag.rewrite",
    "rag.sparse",
    "ui.chat",
    "ui.markdown",
    "ui.pages",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
