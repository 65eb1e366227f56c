"""The textbook baseline: what a user builds from llama-index's starter tutorial.

    Settings.embed_model = HuggingFaceEmbedding(<the same MiniLM, by path>)
    Settings.llm = OpenAILike(<the same embedded llama.cpp server>)
    index = VectorStoreIndex.from_documents(SimpleDirectoryReader(seeds_dir).load_data())
    index.as_query_engine().query(question)

Same embedder, same model, same files as our pipeline; everything else is
llama-index's default (chunking, in-memory vector store, similarity_top_k=2,
prompts). So `k` is not used, and a follow-up's history is dropped: the query
engine has no conversation memory. Its responses become `rag.types.Answer`
here: refused when the text says it does not know, one citation per source
node (doc id from the file name, quote = node text), no markers in the text.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from llama_index.core import Settings as LlamaSettings
from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.base.response.schema import Response
from llama_index.core.llms import LLM
from llama_index.core.schema import NodeWithScore

from ingest.loader import sanitize_doc_id
from rag import offline
from rag.embed import packaged_model_path
from rag.errors import ConfigError
from rag.grounding import says_dont_know
from rag.llm import EmbeddedLlama
from rag.settings import Settings
from rag.types import Answer, Citation, Message, SearchFilters, Timings


class BaselinePipeline:
    """llama-index's default query engine over `settings.seeds_dir`.

    `llm` and `embed_model` default to the embedded model and the packaged
    embedder; tests pass llama-index's own offline `MockLLM`/`MockEmbedding`.
    Building embeds every seed file. Sets llama-index's global `Settings`, as
    the tutorial does. `close()` stops the embedded server.
    """

    def __init__(self, settings: Settings, *, llm: LLM | None = None, embed_model: BaseEmbedding | None = None) -> None:
        seeds = settings.seeds_dir
        if not seeds.is_dir() or not any(seeds.iterdir()):
            raise ConfigError(f"the baseline needs the seed files, but {seeds} is missing or empty; set RAG_SEEDS_DIR")
        self._server: EmbeddedLlama | None = None
        self.model_name = "llama-index default"
        if llm is None:
            llm = self._embedded_llm(settings)
        if embed_model is None:
            embed_model = _packaged_embedder(settings.embed_model_path or packaged_model_path())
        LlamaSettings.llm = llm
        LlamaSettings.embed_model = embed_model
        documents = SimpleDirectoryReader(str(seeds)).load_data()
        self.engine = VectorStoreIndex.from_documents(documents).as_query_engine()

    def _embedded_llm(self, settings: Settings) -> LLM:
        from llama_index.llms.openai_like import OpenAILike

        self._server = EmbeddedLlama(settings)
        self.model_name = f"{self._server.name} via llama-index"
        llm: LLM = OpenAILike(
            api_base=self._server.address + "/v1",
            model="local",
            api_key="none",
            is_chat_model=True,
            context_window=settings.llm_ctx or 4096,
            max_tokens=settings.llm_max_tokens or 256,
        )
        return llm

    def answer(
        self,
        question: str,
        history: Sequence[Message] = (),
        *,
        k: int | None = None,
        filters: SearchFilters | None = None,
    ) -> Answer:
        started = time.perf_counter()
        response = self.engine.query(question)
        if not isinstance(response, Response):
            raise TypeError(f"expected a llama-index Response, got {type(response).__name__}")
        answer = to_answer(question, response.response or "", response.source_nodes, self.model_name)
        answer.timings.total_s = time.perf_counter() - started
        if history:
            answer.notes.append("history ignored: the default query engine has no conversation memory")
        if filters is not None:
            answer.notes.append("filters ignored by the baseline")
        return answer

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None


def to_answer(question: str, text: str, nodes: Sequence[NodeWithScore], model: str) -> Answer:
    """A llama-index response as our `Answer`: source nodes become citations 1..n."""
    citations = []
    for n, hit in enumerate(nodes, 1):
        quote = hit.node.get_content()
        start, end = getattr(hit.node, "start_char_idx", None), getattr(hit.node, "end_char_idx", None)
        start = start if isinstance(start, int) else 0
        end = end if isinstance(end, int) else start + len(quote)
        file_name = str(hit.node.metadata.get("file_name") or hit.node.metadata.get("file_path") or hit.node.node_id)
        doc_id = sanitize_doc_id(file_name)
        citations.append(
            Citation(
                n=n,
                doc_id=doc_id,
                title=file_name,
                date=None,
                quote=quote,
                start=start,
                end=end,
                link=f"/documents/{doc_id}",
                score=round(hit.score or 0.0, 4),
            )
        )
    text = text.strip()
    return Answer(
        question=question,
        standalone_question=question,
        answer=text,
        refused=says_dont_know(text),
        citations=citations,
        model=model,
        timings=Timings(),
        retrieved_doc_ids=list(dict.fromkeys(c.doc_id for c in citations)),
    )


def _packaged_embedder(path: Path) -> BaseEmbedding:
    offline.enforce()  # load by path; never ask the hub
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    embedder: BaseEmbedding = HuggingFaceEmbedding(model_name=str(path))
    return embedder
