"""Hand-written fakes for unit tests: real implementations of the project's roles."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from rag.llm import Usage
from rag.types import Message


class ScriptedGenerator:
    """A generator with a queue of canned replies that records every prompt it is sent.

    Each `stream` call pops the next reply and yields it word by word, spaces kept,
    so the deltas join back to the reply: "Chen Mingguo led it." -> "Chen", " Mingguo",
    " led", " it.". `max_tokens` caps the number of words. With `error` set, the
    stream raises it after `error_after` words (0: before any text), as a server
    that fails or dies mid-answer would; with `error_from_call`, only from that
    call on (counted from 0), as a server that goes away between answers.
    """

    name = "scripted"

    def __init__(
        self,
        replies: Iterable[str] = (),
        *,
        error: Exception | None = None,
        error_after: int = 0,
        error_from_call: int = 0,
    ) -> None:
        self.replies = list(replies)
        self.error = error
        self.error_after = error_after
        self.error_from_call = error_from_call
        self._failing: Exception | None = None  # the error of the call under way
        self.prompts: list[list[Message]] = []
        self.last_usage: Usage | None = None
        self.closed = False

    def stream(self, messages: Sequence[Message], *, max_tokens: int) -> Iterator[str]:
        self.prompts.append(list(messages))  # recorded at call time, like a request being sent
        self.last_usage = None
        self._failing = self.error if len(self.prompts) > self.error_from_call else None
        if self._failing is None and not self.replies:
            raise AssertionError("ScriptedGenerator has no reply left for this prompt; give it more replies")
        reply = self.replies.pop(0) if self.replies else ""
        return self._deltas(messages, reply, max_tokens)

    def _deltas(self, messages: Sequence[Message], reply: str, max_tokens: int) -> Iterator[str]:
        words = re.findall(r"\s*\S+", reply)[:max_tokens]
        for i, word in enumerate(words):
            if self._failing is not None and i == self.error_after:
                raise self._failing
            yield word
        if self._failing is not None:
            raise self._failing
        prompt_words = sum(len(m.content.split()) for m in messages)
        self.last_usage = Usage(prompt_tokens=prompt_words, completion_tokens=len(words))

    def close(self) -> None:
        self.closed = True


class WordHashEmbedder:
    """An embedder whose vector counts hashed words: texts sharing words are close.

    Deterministic and instant, so ingest and retrieval tests run without torch.
    `fail_after` makes it raise after that many batches, like a process killed mid-ingest.
    `salt` makes another embedder of the same size (other vectors, another name).
    """

    def __init__(self, dim: int = 64, fail_after: int | None = None, salt: str = "") -> None:
        self.name = f"word-hash-{dim}{salt}"
        self.salt = salt
        self.dim = dim
        self.fail_after = fail_after
        self.batches = 0
        self.texts_embedded = 0

    def embed(self, texts: Sequence[str], *, progress: object = None) -> list[list[float]]:
        import hashlib
        import math

        if self.fail_after is not None and self.batches >= self.fail_after:
            raise RuntimeError("embedder crashed (simulated)")
        self.batches += 1
        self.texts_embedded += len(texts)
        out = []
        for text in texts:
            vec = [0.0] * self.dim
            for word in re.findall(r"\w+", text.lower()):
                vec[int(hashlib.md5((self.salt + word).encode()).hexdigest(), 16) % self.dim] += 1.0
            norm = math.sqrt(sum(v * v for v in vec)) or 1.0
            out.append([v / norm for v in vec])
        return out
