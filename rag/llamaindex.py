"""The project as llama-index components, for programs built on llama-index.

- `NewsragRetriever` (a llama-index `BaseRetriever`): the hybrid search (dense + BM25, fused,
  near-duplicates pushed down) as `NodeWithScore`s. Each node's text is exactly the cleaned
  document's `[start_char_idx, end_char_idx)`, its id is the chunk id, its source the
  document, and its metadata the title, date, outlet, URL and the local link to the passage.
- `NewsragQueryEngine` (a `BaseQueryEngine`): the checked, cited answer of `AnswerPipeline`
  as a llama-index `Response`: the answer text with its `[n]` markers, one source node per
  citation (the quoted span, in order of `n`), and in `metadata` whether it was refused,
  the citations, the standalone question and the pipeline's notes.

Types are converted here, at the edge; nothing else in the project imports llama-index for
this. Example (the README has it too)::

    components = build_components(Settings())
    retriever = NewsragRetriever(components.retriever, k=5)
    for hit in retriever.retrieve("Who led the Chinese delegation?"):
        print(hit.score, hit.node.metadata["title"], hit.node.get_content())
    engine = NewsragQueryEngine(build_pipeline(components))
    response = engine.query("Who led the Chinese delegation?")
    print(response.response, [n.node.metadata["link"] for n in response.source_nodes])
"""

from __future__ import annotations

from typing import Any

import anyio
from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.response.schema import Response
from llama_index.core.prompts.mixin import PromptMixinType
from llama_index.core.schema import NodeRelationship, NodeWithScore, QueryBundle, RelatedNodeInfo, TextNode

from rag.answer import AnswerPipeline, document_link
from rag.dates import format_date
from rag.retrieve import HybridRetriever
from rag.types import Answer, Citation, Hit, SearchFilters


def node_of_hit(hit: Hit) -> NodeWithScore:
    c = hit.chunk
    node = TextNode(
        id_=c.chunk_id,
        text=c.text,
        start_char_idx=c.start,
        end_char_idx=c.end,
        metadata={
            "doc_id": c.doc_id,
            "title": c.title,
            "date": format_date(c.date),
            "source": c.source,
            "url": c.url,
            "link": document_link(c.doc_id, c.start, c.end),
        },
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=c.doc_id)},
    )
    return NodeWithScore(node=node, score=hit.score)


def node_of_citation(c: Citation) -> NodeWithScore:
    node = TextNode(
        id_=f"{c.doc_id}:{c.start}-{c.end}",
        text=c.quote,
        start_char_idx=c.start,
        end_char_idx=c.end,
        metadata={"n": c.n, "doc_id": c.doc_id, "title": c.title, "date": format_date(c.date), "link": c.link},
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=c.doc_id)},
    )
    if c.url:
        node.metadata["url"] = c.url
    return NodeWithScore(node=node, score=c.score)


def response_of(answer: Answer) -> Response:
    return Response(
        response=answer.answer,
        source_nodes=[node_of_citation(c) for c in answer.citations],
        metadata={
            "refused": answer.refused,
            "standalone_question": answer.standalone_question,
            "model": answer.model,
            "notes": list(answer.notes),
            "citations": [
                {"n": c.n, "doc_id": c.doc_id, "title": c.title, "quote": c.quote, "link": c.link}
                for c in answer.citations
            ],
        },
    )


class NewsragRetriever(BaseRetriever):
    """Hybrid passages as llama-index nodes with their exact spans in the cleaned documents."""

    def __init__(self, retriever: HybridRetriever, k: int = 5, filters: SearchFilters | None = None) -> None:
        super().__init__()
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        self._hybrid = retriever
        self._k = k
        self._filters = filters

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return [node_of_hit(h) for h in self._hybrid.search(query_bundle.query_str, k=self._k, filters=self._filters)]


class NewsragQueryEngine(BaseQueryEngine):
    """The checked, cited answer (or the refusal with the closest passages) as a llama-index Response."""

    def __init__(self, pipeline: AnswerPipeline, k: int | None = None, filters: SearchFilters | None = None) -> None:
        super().__init__(callback_manager=None)
        self._pipeline = pipeline
        self._k = k
        self._filters = filters

    def _get_prompt_modules(self) -> PromptMixinType:
        return {}  # the prompt is the pipeline's own, not a llama-index template

    def _query(self, query_bundle: QueryBundle) -> Response:
        return response_of(self._pipeline.answer(query_bundle.query_str, k=self._k, filters=self._filters))

    async def _aquery(self, query_bundle: QueryBundle) -> Any:
        return await anyio.to_thread.run_sync(self._query, query_bundle)
