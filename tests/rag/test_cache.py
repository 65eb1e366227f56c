"""The answer cache (rag.cache) on the real seeds, real Chroma, BM25 and SQLite, with a fake
embedder and a scripted model that counts the prompts it is sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.seed import ensure_seeded, ingestor_for
from rag.answer import AnswerPipeline
from rag.cache import AnswerCache, CachedPipeline
from rag.db import Database
from rag.errors import GeneratorUnavailable
from rag.factory import Components, build_components, build_pipeline
from rag.settings import REPO_ROOT, Settings
from rag.types import Answer, Message, SearchFilters
from tests.fakes import ScriptedGenerator, WordHashEmbedder

QUESTION = "Who led the Chinese delegation that met Mohsin Naqvi?"
REPLY = "Chen Mingguo led the Chinese delegation."


@pytest.fixture
def components(tmp_path: Path) -> Iterator[Components]:
    settings = Settings(home=tmp_path, seeds_dir=REPO_ROOT / "seeds", llm_backend="extractive", _env_file=None)  # type: ignore[call-arg]
    c = build_components(settings, embedder=WordHashEmbedder(dim=256))
    ensure_seeded(c)
    yield c


def cached(c: Components, gen: ScriptedGenerator, seen: list[Answer] | None = None) -> CachedPipeline:
    p = build_pipeline(c, gen, cache=True, observers=[seen.append] if seen is not None else [])
    assert isinstance(p, CachedPipeline)
    return p


def test_a_repeated_question_is_answered_from_the_cache(components: Components) -> None:
    gen = ScriptedGenerator([REPLY])  # one reply: a second model call would fail the test
    seen: list[Answer] = []
    p = cached(components, gen, seen)
    first = p.answer(QUESTION)
    again = p.answer(f"  {QUESTION.lower()} ")  # spacing and case do not make another question
    assert len(gen.prompts) == 1
    assert not first.timings.cached and again.timings.cached
    assert again.answer == first.answer and again.citations == first.citations
    assert again.timings.retrieve_s == 0 and again.timings.total_s < first.timings.total_s
    assert any("answer cache" in n for n in again.notes) and not any("answer cache" in n for n in first.notes)
    assert [a.timings.cached for a in seen] == [False, True]


def test_a_hit_streams_the_answer_at_once(components: Components) -> None:
    p = cached(components, ScriptedGenerator([REPLY]))
    list(p.stream(QUESTION))
    items = list(p.stream(QUESTION))
    assert len(items) == 1 and isinstance(items[0], Answer) and items[0].timings.cached


def test_a_follow_up_that_stands_for_the_same_question_hits(components: Components) -> None:
    p = cached(components, ScriptedGenerator(["Chen Mingguo invited Naqvi to visit Beijing."]))
    history = [Message("user", "Who led the Chinese delegation?"), Message("assistant", "Chen Mingguo led it [1].")]
    first = p.answer("What did he invite Naqvi to do?", history)
    again = p.answer(first.standalone_question)
    assert again.timings.cached and again.question == first.standalone_question


def test_other_filters_k_or_settings_are_other_questions(components: Components) -> None:
    gen = ScriptedGenerator([REPLY] * 4)
    p = cached(components, gen)
    p.answer(QUESTION)
    assert not p.answer(QUESTION, k=3).timings.cached
    assert not p.answer(QUESTION, filters=SearchFilters(since=20240101)).timings.cached
    shorter = components.settings.model_copy(update={"llm_max_tokens": 40})
    other = CachedPipeline(shorter, components.retriever, gen, p.cache)
    assert not other.answer(QUESTION).timings.cached
    assert len(gen.prompts) == 4


def test_an_ingest_or_a_delete_invalidates(components: Components, tmp_path: Path) -> None:
    gen = ScriptedGenerator([REPLY] * 3)
    p = cached(components, gen)
    p.answer(QUESTION)
    article = tmp_path / "extra" / "port.txt"
    article.parent.mkdir()
    article.write_text("Gwadar port will receive a new dredger next month, officials said on Monday.\n")
    ingestor = ingestor_for(components)
    ingestor.ingest([components.settings.seeds_dir])  # nothing changed: answers stay valid
    assert p.answer(QUESTION).timings.cached
    ingestor.ingest([article.parent])
    assert not p.answer(QUESTION).timings.cached
    ingestor.delete("port")
    assert not p.answer(QUESTION).timings.cached
    assert len(gen.prompts) == 3
    assert p.cache is not None and p.cache.size() == 1, "answers of older corpus versions are pruned"


def test_a_fallback_after_a_model_failure_is_not_kept(components: Components) -> None:
    gen = ScriptedGenerator(error=GeneratorUnavailable("the model is down"))
    p = cached(components, gen)
    first = p.answer(QUESTION)
    assert first.model == "extractive" and any("failed" in n for n in first.notes)
    assert not p.answer(QUESTION).timings.cached


def test_another_process_on_the_same_home_shares_the_cache(components: Components) -> None:
    p = cached(components, ScriptedGenerator([REPLY]))
    p.answer(QUESTION)
    fresh_db = Database(components.settings.home / "rag.db")  # as another worker opens it
    other = CachedPipeline(components.settings, components.retriever, ScriptedGenerator([]), AnswerCache(fresh_db, 10))
    assert other.answer(QUESTION).timings.cached


def test_the_cache_keeps_at_most_its_size(components: Components) -> None:
    gen = ScriptedGenerator([REPLY] * 4)
    store = AnswerCache(Database.open(components.settings), max_entries=2)
    p = CachedPipeline(components.settings, components.retriever, gen, store)
    for q in (QUESTION, "Who met Chen Mingguo?", "Where did the delegation meet?"):
        p.answer(q)
    assert store.size() == 2
    assert not p.answer(QUESTION).timings.cached, "the least recently used answer should have gone"


def test_no_cache_when_switched_off_or_not_asked_for(components: Components) -> None:
    assert type(build_pipeline(components, load_model=False)) is AnswerPipeline  # evals, benchmarks
    components.settings = components.settings.model_copy(update={"answer_cache": 0})
    assert type(build_pipeline(components, load_model=False, cache=True)) is AnswerPipeline
    with_observer = build_pipeline(components, load_model=False, cache=True, observers=[print])
    assert isinstance(with_observer, CachedPipeline) and with_observer.cache is None
