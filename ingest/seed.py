"""First start: an empty index is filled from the seed folder (RAG_SEEDS_DIR)."""

from __future__ import annotations

from ingest.pipeline import Ingestor, IngestReport
from rag.factory import Components


def ingestor_for(components: Components) -> Ingestor:
    return Ingestor(components.settings, components.store, components.sparse, components.embedder)


def ensure_seeded(components: Components) -> IngestReport | None:
    """Ingest the seeds when the store holds no chunk; returns the report, or None if nothing was needed."""
    seeds = components.settings.seeds_dir
    if components.store.count() > 0 or not seeds.is_dir():
        return None
    return ingestor_for(components).ingest([seeds])
