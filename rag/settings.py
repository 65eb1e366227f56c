"""The one settings class. Read at entry points (CLI, API) and passed down.

Every field is set from the environment with the prefix ``RAG_`` (``RAG_HOME``,
``RAG_LLM_BACKEND``…) or from a ``.env`` file in the working directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", env_file=".env", extra="ignore")

    # Storage
    home: Path = Field(REPO_ROOT / ".rag", description="Data directory: index, BM25, caches.")
    chroma_url: str | None = Field(None, description="Chroma server URL; unset = embedded store under RAG_HOME.")
    collection: str = Field("articles", min_length=3, max_length=60, description="Chroma collection prefix.")
    seeds_dir: Path = Field(REPO_ROOT / "seeds", description="Folder ingested when the index is empty.")

    # Ingest
    embed_backend: Literal["onnx", "sentence-transformers"] = Field(
        "onnx", description="onnx: int8 MiniLM on onnxruntime (no torch); sentence-transformers: fp32 MiniLM on torch."
    )
    embed_model_path: Path | None = Field(
        None, description="Sentence-transformers folder (backend sentence-transformers); unset = the packaged one."
    )
    embed_batch_size: int = Field(64, ge=1, le=1024)
    chunk_chars: int = Field(700, ge=100, le=4000, description="Target chunk length in characters.")
    chunk_overlap_sentences: int = Field(1, ge=0, le=5)
    max_file_bytes: int = Field(
        5_000_000, ge=1, description="Larger files (and fetched pages) are skipped at ingest and refused at upload."
    )
    fetch_timeout_s: float = Field(20.0, gt=0, le=600, description="Longest wait for one URL, redirects included.")
    fetch_max_redirects: int = Field(5, ge=0, le=20)
    allow_private_urls: bool = Field(
        False, description="Fetch URLs on loopback and private networks too (off: only public addresses)."
    )

    # Retrieval
    top_k: int = Field(5, ge=1, le=50)
    candidates: int = Field(30, ge=5, le=500, description="Hits taken from each retriever before fusion.")
    rrf_k: int = Field(60, ge=1)
    hnsw_ef_search: int = Field(200, ge=10)
    query_cache: int = Field(1024, ge=0, le=1_000_000, description="Query vectors kept in memory (LRU); 0 = none.")

    # Generation
    llm_backend: Literal["embedded", "openai", "extractive"] = "embedded"
    llm_url: str | None = Field(None, description="Base URL of an OpenAI-compatible server (backend openai).")
    llm_model: str = Field("default", description="Model name sent to the OpenAI-compatible server.")
    llm_api_key: SecretStr = Field(SecretStr("not-needed"))
    llm_gguf: Path | None = Field(None, description="A GGUF file to run instead of the packaged model.")
    model_dir: Path = Field(
        Path(platformdirs.user_cache_dir("newsrag")) / "models", description="Where the packaged model is assembled."
    )
    llm_threads: int = Field(2, ge=1, le=256)
    llm_ctx: int = Field(2048, ge=512)
    llm_max_tokens: int = Field(80, ge=8, le=2048)
    llm_timeout_s: float = Field(60.0, gt=0)
    evidence_max_sentences: int = Field(5, ge=1, le=20)
    evidence_max_chars: int = Field(700, ge=100)

    # Serving
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    api_token: SecretStr | None = Field(None, description="Bearer token that enables document uploads and deletes.")
    max_upload_bytes: int = Field(2_000_000, ge=1)
    cors_origins: list[str] = Field(default_factory=list)
    answer_queue: int = Field(8, ge=1, description="Answers waiting for the model beyond this get 429.")
    max_question_chars: int = Field(2000, ge=10)
    search_concurrency: int = Field(
        4, ge=0, le=256, description="Searches running at once per worker; more wait in arrival order (0 = no limit)."
    )
    answer_cache: int = Field(
        10_000, ge=0, description="Answers kept in the answer cache (RAG_HOME/rag.db) for repeated questions; 0 = off."
    )
    workers: int = Field(1, ge=1, le=64, description="API worker processes `rag serve` starts.")

    @field_validator("home", "model_dir", "seeds_dir", mode="after")
    @classmethod
    def _absolute(cls, v: Path) -> Path:
        return v.expanduser().resolve()

    @model_validator(mode="after")
    def _check_backend(self) -> Settings:
        if self.llm_backend == "openai" and not self.llm_url:
            raise ValueError("RAG_LLM_BACKEND=openai needs RAG_LLM_URL (e.g. http://127.0.0.1:8080/v1)")
        if self.embed_model_path is not None and self.embed_backend != "sentence-transformers":
            raise ValueError(
                "RAG_EMBED_MODEL_PATH names a sentence-transformers folder: "
                "set RAG_EMBED_BACKEND=sentence-transformers with it"
            )
        if self.api_token is not None and len(self.api_token.get_secret_value()) < 16:
            raise ValueError("RAG_API_TOKEN must be at least 16 characters")
        return self

    @property
    def chroma_dir(self) -> Path:
        return self.home / "chroma"

    @property
    def bm25_dir(self) -> Path:
        return self.home / "bm25"
