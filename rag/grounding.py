"""Citations placed and checked by code, answers checked against their evidence.

The model writes plain prose; this module decides what it may say:
- each answer sentence is matched to the passage that supports it best, by the
  share of the terms it adds to the question that the passage holds (a number
  or a name the passage lacks halves that share), and gets that passage's
  marker `[n]`;
- markers the model wrote itself are kept only if the passage they name
  supports the sentence; a number that names no passage is never shown;
- a sentence no passage supports is dropped; an answer left with none is a
  refusal;
- when another source gives a different figure for the same event, the answer
  says so and cites it.

    >>> p = [Passage(1, "d", "T", None, 0, 30, "Chen Mingguo led the delegation.", 1.0)]
    >>> place_citations("The delegation was led by Chen Mingguo.", p)[0]
    [('The delegation was led by Chen Mingguo.', [1], 1.0)]
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.evidence import QUESTION_WORDS, Passage
from rag.sparse import tokenize

SUPPORTED = 0.6  # share of a sentence's terms its passage must hold
_MARKER = re.compile(r"\s*\[(\d+)\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(\[])")
_CLAUSE = re.compile(r",\s+(?:and|but|while|whereas)\s+|;\s+")
_NUMBER = re.compile(r"\b\d[\d,.]*\b")
_YEAR = re.compile(r"^(19|20)\d\d$")
_DONT_KNOW = re.compile(
    r"\b(i (do not|don't|dont) know|(do|does) not (contain|mention|say|provide|specify|state)|"
    r"(don't|doesn't) (contain|mention|say|provide|specify|state)|no (information|mention)|not (mentioned|stated|"
    r"provided|specified)|cannot (answer|determine|be determined)|unable to (answer|determine))\b",
    re.IGNORECASE,
)

Placed = tuple[str, list[int], float]  # sentence, its markers, its support


def says_dont_know(text: str) -> bool:
    """Whether the model declined to answer.

    >>> says_dont_know("The sources do not mention his salary."), says_dont_know("He met Asif.")
    (True, False)
    """
    return bool(_DONT_KNOW.search(text))


def split_answer(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def numbers(text: str) -> set[str]:
    return {n.rstrip(".,").replace(",", "") for n in _NUMBER.findall(text)}


def _held(term: str, passage_terms: set[str]) -> bool:
    """A term is held by an exact match, or a shared stem of 6+ letters ("kilometers" ~ "kilometre")."""
    if term in passage_terms:
        return True
    return len(term) >= 6 and any(
        len(p) >= 6 and (p.startswith(term[:6]) and term.startswith(p[:6])) for p in passage_terms
    )


def support(sentence: str, passage_text: str, question: str = "") -> float:
    """Share of what the sentence adds to the question that the passage holds.

    Terms the question already states are not evidence of an answer, so only the
    sentence's other terms count; a sentence that only restates the question
    supports nothing. A number or a name the passage lacks halves the share.

    >>> support("13 people were killed", "at least 12 persons were killed")
    0.25
    >>> support("The bomber was Akbar Khan.", "A bomber hit a bus in Bisham.", "Who was the bomber in Bisham?")
    0.0
    """
    asked = set(tokenize(question))
    terms = {t for t in tokenize(sentence) if t not in QUESTION_WORDS}
    novel = terms - asked
    if question and terms and not novel:
        return 0.0
    focus = novel or terms
    if not focus:
        return 1.0
    passage_terms = set(tokenize(passage_text))
    share = sum(_held(t, passage_terms) for t in focus) / len(focus)
    if numbers(sentence) - numbers(passage_text) - numbers(question):
        share /= 2
    if names(sentence) - names(passage_text, first_too=True) - names(question, first_too=True):
        share /= 2
    return share


def names(text: str, *, first_too: bool = False) -> set[str]:
    """Capitalised words as written (a sentence's first only with `first_too`): a name
    must be quoted exactly, since stemming would let "Ram" pass for "rammed".

    >>> sorted(names("The bomber was named Ram. He fled to Kabul."))
    ['Kabul', 'Ram']
    """
    found: set[str] = set()
    for sentence in split_answer(text):
        words = re.findall(r"[\w’'-]+", sentence)
        found.update(w for w in words[0 if first_too else 1 :] if w[:1].isupper())
    return found


def place_citations(answer: str, passages: Sequence[Passage], question: str = "") -> tuple[list[Placed], list[str]]:
    """Attribute each answer sentence; returns (kept sentences, dropped sentences or clauses).

    A sentence no passage supports is tried clause by clause ("X is 600 km long, and
    Y is worth $10 billion"): the supported clauses stay, the invented ones go.
    """
    kept: list[Placed] = []
    dropped: list[str] = []
    for raw in split_answer(answer):
        claimed = [int(n) for n in _MARKER.findall(raw)]
        sentence = _MARKER.sub("", raw).strip()
        if not sentence:
            continue
        placed = _place(sentence, claimed, passages, question)
        if placed is not None:
            kept.append(placed)
            continue
        clauses = [c.strip(" ,;") for c in _CLAUSE.split(sentence) if c.strip(" ,;")]
        if len(clauses) == 1:
            dropped.append(sentence)
            continue
        for clause in clauses:
            part = _place(clause[0].upper() + clause[1:], claimed, passages, question)
            if part is None:
                dropped.append(clause)
            else:
                kept.append(part)
    return kept, dropped


def _place(sentence: str, claimed: list[int], passages: Sequence[Passage], question: str) -> Placed | None:
    by_n = {p.n: p for p in passages}
    scored = sorted(((support(sentence, p.text, question), p.n) for p in passages), reverse=True)
    if not scored:
        return None
    best, best_n = scored[0]
    if best < SUPPORTED:
        # Passages together may support what none does alone ("A met B; C led it").
        joint = support(sentence, " ".join(p.text for p in passages), question)
        if joint < SUPPORTED:
            return None
        return sentence, [n for s, n in scored if s > 0][:2], joint
    markers = [best_n]
    for n in claimed:  # the model's own marker, when it holds up
        if n in by_n and n not in markers and support(sentence, by_n[n].text, question) >= SUPPORTED:
            markers.append(n)
    return sentence, markers, best


def find_conflicts(placed: Sequence[Placed], passages: Sequence[Passage]) -> list[tuple[Passage, Passage]]:
    """Pairs (cited passage, other passage) from different documents that tell the
    same event with different figures, e.g. "13 people were killed" against
    "at least 12 persons … were killed" about one attack."""
    cited = {n for _, markers, _ in placed for n in markers}
    by_n = {p.n: p for p in passages}
    pairs: list[tuple[Passage, Passage]] = []
    for sentence, markers, _ in placed:
        figures = {n for n in numbers(sentence) if not _YEAR.match(n)}
        if not figures:
            continue
        for m in markers:
            mine = by_n[m]
            my_terms = set(tokenize(mine.text)) - {n for n in numbers(mine.text)}
            for other in passages:
                if other.doc_id == mine.doc_id or other.n in cited:
                    continue
                their_figures = {n for n in numbers(other.text) if not _YEAR.match(n)}
                if not their_figures or figures & their_figures:
                    continue
                their_terms = set(tokenize(other.text)) - numbers(other.text)
                overlap = len(my_terms & their_terms) / max(1, min(len(my_terms), len(their_terms)))
                if overlap >= 0.35 and (mine, other) not in pairs:
                    pairs.append((mine, other))
    return pairs
