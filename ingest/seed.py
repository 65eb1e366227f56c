"""First start: an empty index is filled from the seed folder (RAG_SEEDS_DIR), and an
index another embedder wrote is re-embedded with this one."""

from __future__ import annotations

from ingest.pipeline import Ingestor, IngestReport
from rag.answer import AnswerPipeline
from rag.embed import Embedder
from rag.factory import Components, build_components, build_pipeline
from rag.settings import Settings


def ingestor_for(components: Components) -> Ingestor:
    return Ingestor(components.settings, components.store, components.sparse, components.embedder)


def ensure_seeded(components: Components) -> IngestReport | None:
    """Ingest the seeds when the store holds no chunk; returns the report, or None if nothing was needed."""
    seeds = components.settings.seeds_dir
    if components.store.count() > 0 or not seeds.is_dir():
        return None
    return ingestor_for(components).ingest([seeds])


def ensure_embedded(components: Components) -> IngestReport | None:
    """Re-embed the stored chunks when another embedder wrote them (RAG_EMBED_BACKEND changed,
    or an index from before embedders were recorded); None if they are this embedder's."""
    return ingestor_for(components).reembed()


def open_seeded_pipeline(
    settings: Settings, embedder: Embedder | None = None
) -> tuple[Components, AnswerPipeline, IngestReport | None]:
    """Components, seeded if the index is empty, and the answer pipeline on them
    (loading the model the settings name): what every entry point answers with."""
    components = build_components(settings, embedder=embedder)
    seeded = ensure_seeded(components) or ensure_embedded(components)
    return components, build_pipeline(components), seeded
