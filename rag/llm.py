"""The generator role: stream an answer from a chat model.

Two implementations share one client code path, the official `openai` client
speaking to an OpenAI-compatible server:

- `OpenAICompatGenerator`: any such server (llama.cpp `llama-server`, Ollama,
  vLLM) at ``RAG_LLM_URL``.
- `EmbeddedLlama`: llama.cpp's own server run inside this process by
  `xllamacpp`, on the packaged GGUF (or ``RAG_LLM_GGUF``); it listens on a
  random port of 127.0.0.1 and is then just another OpenAI-compatible server.

`make_generator` picks one from ``RAG_LLM_BACKEND``; ``extractive`` means no
model (None). The `openai`/`httpx`/`xllamacpp` errors are mapped to the
project's own here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
import openai
from openai.types.chat import ChatCompletionChunk, ChatCompletionMessageParam

from rag.errors import ConfigError, GeneratorError, GeneratorUnavailable
from rag.model_files import ensure_model
from rag.settings import Settings
from rag.types import Message

_CONNECT_TIMEOUT_S = 5.0  # a local server answers a connect at once; don't wait the full read timeout


@dataclass(frozen=True)
class Usage:
    """Token counts of one answer, as the server reported them."""

    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int | None = None  # prompt tokens reused from the server's prompt cache


class Generator(Protocol):
    """Streams a chat answer. After the stream is exhausted, `last_usage` holds its counts."""

    name: str

    @property
    def last_usage(self) -> Usage | None: ...

    def stream(self, messages: Sequence[Message], *, max_tokens: int) -> Iterator[str]: ...

    def close(self) -> None: ...


class OpenAICompatGenerator:
    """A chat model behind an OpenAI-compatible ``/v1/chat/completions`` endpoint.

    `timeout_s` bounds each wait for data (the first token included), not the
    whole answer. Not meant for concurrent `stream` calls on one instance:
    `last_usage` belongs to the latest answer.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "not-needed",
        timeout_s: float = 60.0,
        *,
        name: str | None = None,
        extra_body: dict[str, object] | None = None,
    ) -> None:
        if timeout_s <= 0:
            raise ConfigError(f"timeout_s must be greater than 0, not {timeout_s}")
        self.base_url = base_url
        self.model = model
        self.name = name or model
        self.timeout_s = timeout_s
        self.last_usage: Usage | None = None
        self._extra_body = extra_body
        self._client = openai.OpenAI(
            base_url=base_url,
            api_key=api_key,
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, _CONNECT_TIMEOUT_S)),
            max_retries=0,  # fail fast; the caller decides whether to fall back
        )

    def stream(self, messages: Sequence[Message], *, max_tokens: int) -> Iterator[str]:
        self.last_usage = None
        finished = False
        try:
            chunks = self._client.chat.completions.create(
                model=self.model,
                messages=[_to_openai(m) for m in messages],
                max_tokens=max_tokens,
                temperature=0,
                stream=True,
                stream_options={"include_usage": True},
                extra_body=self._extra_body,
            )
            with chunks:  # closing early tells the server to stop generating
                for chunk in chunks:
                    usage = _usage(chunk)
                    if usage is not None:
                        self.last_usage = usage
                    for choice in chunk.choices:
                        if choice.delta.content:
                            yield choice.delta.content
                        finished = finished or choice.finish_reason is not None
        except (openai.OpenAIError, httpx.HTTPError) as exc:
            raise self._map_error(exc) from exc
        if not finished:
            raise GeneratorError(
                f"the language model at {self.base_url} ended its answer without finishing it; "
                "check that the server is still running"
            )

    def close(self) -> None:
        self._client.close()

    def _map_error(self, exc: Exception) -> GeneratorError:
        where = f"the language model at {self.base_url}"
        if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
            return GeneratorError(
                f"{where} sent nothing for {self.timeout_s:g} s; raise RAG_LLM_TIMEOUT_S or send a shorter prompt"
            )
        if isinstance(exc, openai.APIConnectionError):
            return GeneratorUnavailable(f"cannot reach {where}: {exc.__cause__ or exc}; start it or set RAG_LLM_URL")
        if isinstance(exc, openai.APIStatusError):
            detail = _error_message(exc)
            if exc.status_code == 400 and "context" in detail.lower():
                return GeneratorError(
                    f"the prompt is too long for {where} ({detail}); raise RAG_LLM_CTX or retrieve fewer passages"
                )
            if exc.status_code in (401, 403):
                return GeneratorError(f"{where} refused the API key ({detail}); set RAG_LLM_API_KEY")
            if exc.status_code == 404:
                return GeneratorError(f"{where} has no chat endpoint ({detail}); RAG_LLM_URL usually ends in /v1")
            if exc.status_code == 503:
                return GeneratorUnavailable(f"{where} is not ready ({detail}); wait for it to load or restart it")
            return GeneratorError(f"{where} answered HTTP {exc.status_code}: {detail}")
        if isinstance(exc, httpx.TransportError):
            return GeneratorError(f"{where} stopped mid-answer ({exc!r}); check that the server is still running")
        return GeneratorError(f"{where} failed: {exc}")


class EmbeddedLlama:
    """llama.cpp's server inside this process, on the packaged or configured GGUF.

    Loading takes a few seconds and ~2 GB of RAM, so build one per process and
    `close()` it at shutdown (that stops the server thread and frees the model).
    """

    def __init__(self, settings: Settings, gguf: Path | None = None) -> None:
        path = gguf if gguf is not None else ensure_model(settings)
        # Listens on 127.0.0.1 (the default hostname) on a free port chosen by the OS.
        self._server: Any = start_llama_server(settings, path)
        self.path = path
        self.name = f"{path.stem} (embedded)"
        self.address = str(self._server.listening_address)
        self._client = OpenAICompatGenerator(
            self.address + "/v1",
            model=path.name,
            timeout_s=settings.llm_timeout_s,
            name=self.name,
            extra_body={"cache_prompt": True},
        )

    @property
    def last_usage(self) -> Usage | None:
        return self._client.last_usage

    def stream(self, messages: Sequence[Message], *, max_tokens: int) -> Iterator[str]:
        if self._server is None:
            raise GeneratorUnavailable(f"{self.name} was closed; build a new generator")
        return self._client.stream(messages, max_tokens=max_tokens)

    def close(self) -> None:
        """Stop the server: dropping the last reference joins its thread and frees the model."""
        self._client.close()
        self._server = None


def start_llama_server(settings: Settings, path: Path, host: str | None = None, port: int | None = None) -> Any:
    """llama.cpp's OpenAI-compatible server on `path` in this process (an `xllamacpp.Server`,
    stopped when dropped); on `host`:`port` if given, else 127.0.0.1 on a free port."""
    import xllamacpp  # heavy native module: only loaded when a model runs here

    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.n_ctx = settings.llm_ctx
    params.n_parallel = 1
    params.cpuparams.n_threads = settings.llm_threads
    params.cpuparams_batch.n_threads = settings.llm_threads
    params.warmup = False
    params.verbosity = -1
    params.cache_prompt = True  # the default; reusing the system-prompt prefix saves most of the latency
    if host is not None:
        params.hostnames = [host]
    if port is not None:
        params.port = port
    try:
        return xllamacpp.Server(params)
    except RuntimeError as exc:  # xllamacpp says only "Failed to init server"
        raise GeneratorUnavailable(
            f"cannot load the language model {path} ({exc}): the file is corrupt, truncated or not a "
            "llama.cpp model, RAG_LLM_CTX is too large for the memory, or the port is taken; point "
            "RAG_LLM_GGUF at a valid GGUF, or unset it and delete the file so the packaged model is "
            "assembled again"
        ) from exc


def make_generator(settings: Settings) -> Generator | None:
    """The generator ``RAG_LLM_BACKEND`` names; None for ``extractive`` (answers without a model)."""
    match settings.llm_backend:
        case "embedded":
            return EmbeddedLlama(settings)
        case "openai":
            if not settings.llm_url:
                raise ConfigError("RAG_LLM_BACKEND=openai needs RAG_LLM_URL (e.g. http://127.0.0.1:8080/v1)")
            return OpenAICompatGenerator(
                settings.llm_url,
                model=settings.llm_model,
                api_key=settings.llm_api_key.get_secret_value(),
                timeout_s=settings.llm_timeout_s,
            )
        case "extractive":
            return None


def _to_openai(message: Message) -> ChatCompletionMessageParam:
    match message.role:
        case "system":
            return {"role": "system", "content": message.content}
        case "user":
            return {"role": "user", "content": message.content}
        case "assistant":
            return {"role": "assistant", "content": message.content}


def _usage(chunk: ChatCompletionChunk) -> Usage | None:
    """Counts from the final chunk. llama.cpp reports cached prompt tokens twice:

    ``usage.prompt_tokens_details.cached_tokens`` (OpenAI's field, newer servers)
    and ``timings.cache_n`` (its own, older servers too).
    """
    if chunk.usage is None:
        return None
    details = chunk.usage.prompt_tokens_details
    cached = details.cached_tokens if details is not None else None
    if cached is None:
        timings = (chunk.model_extra or {}).get("timings")
        if isinstance(timings, dict) and isinstance(timings.get("cache_n"), int):
            cached = timings["cache_n"]
    return Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens, cached)


def _error_message(exc: openai.APIStatusError) -> str:
    """The server's own words: llama.cpp and OpenAI put them in ``{"error": {"message": …}}``."""
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
        if isinstance(body.get("message"), str):
            return str(body["message"])
    return exc.message
