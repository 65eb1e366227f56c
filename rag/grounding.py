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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lemminflect import getAllLemmas

from rag.dates import WEEKDAYS, days_named, format_date, written_date
from rag.evidence import Passage
from rag.mentions import FUNCTION_WORDS, MONTHS, NUMBER_WORDS, compatible, person_names, proper_names
from rag.question import QUESTION_WORDS, Analysis
from rag.sparse import tokenize

SUPPORTED = 0.6  # share of a sentence's terms its passage must hold
CONFLICT_OVERLAP = 0.55  # overlap of terms two passages need to tell the same thing
MIN_SHARED = 4
FIGURE_OVERLAP = 0.75  # figures are narrower slots than names: this share of it is enough
CONFLICT_SHARE = 0.6  # share of the cited passage's question terms the other must hold
_MARKER = re.compile(r"\s*\[(\d+)\]")
_BULLET = re.compile(r"^\s*(?:[-*•–]|\d{1,2}[.)])\s+")
_CLAUSE = re.compile(r",\s+(?:and|but|while|whereas)\s+|;\s+")
DIGITS = re.compile(r"\b\d[\d,.]*\b")
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


@lru_cache(maxsize=1)
def _segmenter() -> Any:
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def split_answer(text: str) -> list[str]:
    """Sentences of an answer, not split at abbreviations or initials; each line of a list
    is one at least, its bullet or number dropped.

    >>> split_answer("Serena Williams lost the U.S. Open to Bianca Andreescu [1]. John F. Kennedy won.")
    ['Serena Williams lost the U.S. Open to Bianca Andreescu [1].', 'John F. Kennedy won.']
    >>> split_answer("- Chen Mingguo [1]\\n2. Meng Jianzhu [2]")
    ['Chen Mingguo [1]', 'Meng Jianzhu [2]']
    """
    out: list[str] = []
    for line in text.strip().splitlines():
        line = _BULLET.sub("", line).strip()
        if line:
            out.extend(s.strip() for s in _segmenter().segment(line) if s.strip())
    return out


# An amount glued to its unit ("£41.5million", "$9.2bn", "£30m") is read as the same amount
# written apart ("£41.5 million"): a source and an answer often write it differently.
_GLUED = re.compile(r"(\d)(bn|mn|tn|billion|million|trillion)\b", re.IGNORECASE)
_CURRENCY_SHORT = re.compile(r"([$£€]\d[\d,.]*)([mk])\b")
_UNITS = {"bn": "billion", "mn": "million", "tn": "trillion", "m": "million", "k": "thousand"}


def unglued(text: str) -> str:
    """The text with amounts parted from their units, short units written out.

    >>> unglued("Harbour FC paid £41.5million, Lorland Air raised $9.2bn and the keeper cost £30m.")
    'Harbour FC paid £41.5 million, Lorland Air raised $9.2 billion and the keeper cost £30 million.'
    """
    text = _CURRENCY_SHORT.sub(lambda m: f"{m[1]} {_UNITS[m[2]]}", text)
    return _GLUED.sub(lambda m: f"{m[1]} {_UNITS.get(m[2].lower(), m[2].lower())}", text)


def numbers(text: str) -> set[str]:
    """Figures a text states, digits or small number words alike.

    >>> sorted(numbers("Two hours, 2,700 officers and 13 people."))
    ['13', '2', '2700']
    """
    found = {n.rstrip(".,").replace(",", "") for n in DIGITS.findall(text)}
    words = re.findall(r"[a-z]+", text.lower())
    found |= {str(NUMBER_WORDS.index(w)) for w in words if w in NUMBER_WORDS[2:13]}  # "one" is mostly a pronoun
    return found


def _held(term: str, passage_terms: set[str]) -> bool:
    """A term is held by an exact match, a shared stem of 6+ letters ("kilometers" ~ "kilometre"),
    or, for a month, its abbreviation ("November" ~ "Nov.")."""
    if term in passage_terms:
        return True
    if term in _MONTH_TOKENS and any(_MONTH_TOKENS.get(p) == _MONTH_TOKENS[term] for p in passage_terms):
        return True
    return len(term) >= 6 and any(
        len(p) >= 6 and (p.startswith(term[:6]) and term.startswith(p[:6])) for p in passage_terms
    )


# A month's written forms ("november", "nov", "sept"), each to the month's index in MONTHS.
_MONTH_FORMS = {form: i for i, month in enumerate(MONTHS) for form in (month, month[:3])} | {"sept": 8}
_MONTH_TOKENS = {token: i for form, i in _MONTH_FORMS.items() for token in tokenize(form)}


def support(sentence: str, passage_text: str, question: str = "") -> float:
    """Share of what the sentence adds to the question that the passage holds.

    Terms the question already states are not evidence of an answer, so only the
    sentence's other terms count; a sentence that only restates the question
    supports nothing. A number or a name the passage lacks halves the share.

    >>> support("13 people were killed", "at least 12 persons were killed")
    0.25
    >>> support("The bomber was Akbar Khan.", "A bomber hit a bus in Bisham.", "Who was the bomber in Bisham?")
    0.0
    >>> support("Four terrorists were arrested.", "The CTD arrested four terrorists.", "How many were arrested?")
    1.0
    >>> support("Nadal won the US Open title.", "Contenders for the US Open title.", "Who won the US Open?")
    0.25
    >>> support("The fair took place in May.", "The fair, in May, drew crowds.", "When did the fair take place?")
    1.0
    >>> support("The club paid £41.5 million.", "The club has paid the £41.5million fee.", "What did the club pay?")
    1.0
    """
    sentence, passage_text = unglued(sentence), unglued(passage_text)
    asked = set(tokenize(question))
    # A figure is what a sentence adds even when it is a number word the tokenizer drops ("four").
    figures = {f"#{n}" for n in numbers(sentence) - numbers(question)}
    terms = {t for t in tokenize(sentence) if t not in QUESTION_WORDS and not t.isdigit()} | figures
    # "took place" for "take place": the question's verb in another tense adds nothing.
    novel = {t for t in terms - asked if _verb_stem(t) not in asked}
    if question and terms and not novel:
        return 0.0
    focus = novel or terms
    if not focus:
        return 1.0
    passage_terms = set(tokenize(passage_text)) | {f"#{n}" for n in numbers(passage_text)}
    share = sum(_held(t, passage_terms) for t in focus) / len(focus)
    if numbers(sentence) - numbers(passage_text) - numbers(question):
        share /= 2
    unheld = names(sentence) - names(passage_text, first_too=True) - names(question, first_too=True)
    if unheld or _unheld_opening_name(sentence, passage_text, question):
        share /= 2
    return share


@lru_cache(maxsize=4096)
def _verb_stem(term: str) -> str:
    """The stemmed base of an irregular verb's form ("took" -> "take", "met" -> "meet"); else
    the term. Regular forms share a stem already ("agreed", "agree")."""
    lemmas = getAllLemmas(term, upos="VERB").get("VERB", ())
    base = tokenize(lemmas[0]) if lemmas else []  # "be" for "was" is a stopword: no base
    return base[0] if base else term


def _unheld_opening_name(sentence: str, passage_text: str, question: str) -> bool:
    """Whether the sentence opens with a name that neither the passage nor the question holds in
    any case: the answer's own name is often its first word ("Nadal won the title"), where
    capitals mark nothing."""
    first = re.match(r"\W*([A-Z][\w’'-]*)", sentence)
    if first is None:
        return False
    word = re.sub(r"[’']s$", "", first.group(1)).lower()
    if word in FUNCTION_WORDS or word in NUMBER_WORDS or len(word) < 3:
        return False
    held = {w.strip("'’-").lower() for w in re.findall(r"[\w’'-]+", f"{passage_text} {question}")}
    return word not in held and not any(_held(t, set(tokenize(passage_text))) for t in tokenize(word))


def names(text: str, *, first_too: bool = False) -> set[str]:
    """Capitalised words as written (a sentence's first only with `first_too`): a name
    must be quoted exactly, since stemming would let "Ram" pass for "rammed". A month is one
    name however it is written ("Nov." is "November"); a weekday is part of a date the
    sentence gives, held to the passage as its other terms are.

    >>> sorted(names("The bomber was named Ram. On Monday, Nov. 3 he fled to Kabul."))
    ['Kabul', 'November', 'Ram']
    """
    found: set[str] = set()
    for sentence in split_answer(text):
        # A quotation mark is no part of a name ("the cafe is 'Blue Anchor'.").
        words = [w.strip("'’-") for w in re.findall(r"[\w’'-]+", sentence)]
        for w in words[0 if first_too else 1 :]:
            if w[:1].isupper() and w not in _WEEKDAY:
                month = _MONTH_FORMS.get(w.lower())
                found.add(w if month is None else MONTHS[month].title())
    return found


_WEEKDAY = frozenset(day.title() for day in WEEKDAYS)


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
        trimmed = _trim_tail(sentence)
        part = _place(trimmed, claimed, passages, question) if trimmed else None
        if part is not None:
            kept.append(part)
            dropped.append(sentence[len(trimmed) - 1 :].lstrip(" ,.") if trimmed else sentence)
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


_TAIL = re.compile(
    r",\s+(?:having|which|who|whose|following|after|before|while|as|although|though|with|including|making|becoming)\b"
)


def _trim_tail(sentence: str) -> str | None:
    """The sentence without its trailing modifier clause, if it has one:
    "Barty finished as No. 1, having first taken it in 2019." -> "Barty finished as No. 1."."""
    cuts = list(_TAIL.finditer(sentence))
    if not cuts:
        return None
    head = sentence[: cuts[-1].start()].rstrip(" ,")
    return head + "." if head else None


# A question about the report itself: its date is the article's, which no sentence states.
_ABOUT_THE_REPORT = re.compile(r"\b(?:report(?:ed)?|article|story|published|publication|dated)\b", re.I)


def dated(p: Passage, question: str) -> str:
    """A passage as grounds for an answer to `question`: with the days it names by weekday
    ("on Wednesday" in a report of February 5, 2025 is that day), and with its article's date
    when the question asks when something was reported. The article's date is not the date of
    an event it reports: a date the model takes from it ("will soon visit" -> "on January 19")
    is its own.

    >>> p = Passage(1, "a", "T", 20250205, 0, 9, "They met.", 1.0)
    >>> dated(p, "When was the meeting reported?"), dated(p, "When did they meet?")
    ('They met. (published 2025-02-05, February 5, 2025)', 'They met.')
    >>> dated(Passage(1, "a", "T", 20250205, 0, 9, "They met on Monday.", 1.0), "When did they meet?")
    'They met on Monday. (Monday: 2025-02-03, February 3, 2025)'
    """
    if not p.date:
        return p.text
    notes = [f"{word}: {format_date(day)}, {written_date(day)}" for word, day in days_named(p.text, p.date)]
    if _ABOUT_THE_REPORT.search(question):
        notes.insert(0, f"published {format_date(p.date)}, {written_date(p.date)}")
    return f"{p.text} ({'; '.join(notes)})" if notes else p.text


def _place(sentence: str, claimed: list[int], passages: Sequence[Passage], question: str) -> Placed | None:
    by_n = {p.n: p for p in passages}
    scored = sorted(((support(sentence, dated(p, question), question), p.n) for p in passages), reverse=True)
    if not scored:
        return None
    best, best_n = scored[0]
    if best < SUPPORTED:
        # Passages of one article together may support what none does alone ("A met B; C led
        # it"). Passages of two articles may not: a sentence joined from two reports ("X tops the
        # women's ranking" from one on X's trophy and one on the women's ranking) claims what
        # neither says.
        articles: dict[str, list[Passage]] = {}
        for p in passages:
            articles.setdefault(p.doc_id, []).append(p)
        together = ((" ".join(dated(p, question) for p in ps), d) for d, ps in articles.items() if len(ps) > 1)
        joint, doc_id = max(((support(sentence, text, question), d) for text, d in together), default=(0.0, ""))
        if joint < SUPPORTED:
            return None
        return sentence, [n for s, n in scored if s > 0 and by_n[n].doc_id == doc_id][:2], joint
    markers = [best_n]
    for n in claimed:  # the model's own marker, when it holds up
        if n in by_n and n not in markers and support(sentence, dated(by_n[n], question), question) >= SUPPORTED:
            markers.append(n)
    return sentence, markers, best


@dataclass(frozen=True)
class Disagreement:
    """Another document that tells the same thing with a different answer."""

    cited: Passage  # the passage the answer rests on
    other: Passage
    sentence: str  # the other passage's sentence that gives the other answer
    overlap: float
    share: float


def find_conflicts(
    placed: Sequence[Placed],
    passages: Sequence[Passage],
    analysis: Analysis,
    *,
    articles: Mapping[str, str] | None = None,
    min_overlap: float = CONFLICT_OVERLAP,
    min_share: float = CONFLICT_SHARE,
) -> list[Disagreement]:
    """Passages of other documents that tell what a cited passage tells but put a different
    value in the answer's slot (`Analysis.values`: a figure, a date, a name) and lack some of
    the answer's own: "13 people were killed" against "at least 12 persons … were killed",
    "at Raymond James Stadium in Tampa" against "at Raymond James Stadium in Glendale".

    "Tell the same" means: the other sentence and the cited passage overlap by `min_overlap`
    (Dice, over their terms, the values themselves left out; for figures three quarters of
    it), its article names every name of the question the cited passage's article names (an
    article's text is what `articles` holds for its document, else the passage), and it holds
    `min_share` of the question's terms that the cited passage holds. The best such
    disagreement is returned. Chosen on the development sets: true disagreements overlapped
    by 0.46–0.97, passages on other matters mostly below 0.55.
    """
    cited = {n for _, markers, _ in placed for n in markers}
    by_n = {p.n: p for p in passages}

    def article(p: Passage) -> str:
        return (articles or {}).get(p.doc_id, p.text)

    asked = {t for t in tokenize(analysis.question) if t not in QUESTION_WORDS}
    named = proper_names(analysis.question)
    min_overlap = min_overlap if analysis.kind != "number" else min_overlap * FIGURE_OVERLAP
    found: list[Disagreement] = []
    for sentence, markers, _ in placed:
        answer = analysis.values(sentence)
        if not answer:
            continue
        for mine in (by_n[m] for m in markers):
            mine_values = analysis.values(mine.text)
            mine_share = len(asked & set(tokenize(mine.text)))
            mine_names = named & proper_names(article(mine))
            for other in passages:
                if other.doc_id == mine.doc_id or other.n in cited:
                    continue
                if mine_names - proper_names(article(other)):
                    continue  # it does not name what the question names: about something else
                others = analysis.values(other.text)
                if not [a for a in answer if not any(compatible(a, b) for b in others)]:
                    continue  # it gives the same answer too
                for theirs in split_answer(other.text):
                    differing = analysis.values(theirs) - mine_values
                    # Of no terms the cited passage holds, any passage holds them all.
                    share = len(asked & set(tokenize(theirs))) / mine_share if mine_share else 1.0
                    if not differing or share < min_share:
                        continue
                    if analysis.kind == "person" and not _rival(theirs, f"{sentence} {mine.text}", analysis):
                        continue  # "the Austrian author …" names no one; "Gurnah won …" the same one
                    overlap = _overlap(mine.text, mine_values, theirs, differing)
                    if overlap >= min_overlap:
                        found.append(Disagreement(mine, other, theirs, overlap, share))
    found.sort(key=lambda d: -d.overlap)
    return found[:1]


def _rival(text: str, named: str, analysis: Analysis) -> bool:
    """Whether `text` names a person that neither the question nor `named` (the answer and its
    passage) names: only another person can contradict a person."""
    held = {w.lower() for w in re.findall(r"[\w’'-]+", named)} | analysis.words
    return any(
        not set(n.lower().split()) <= held for n in person_names(text) if not set(n.lower().split()) & analysis.words
    )


def _overlap(a: str, a_values: set[str], b: str, b_values: set[str]) -> float:
    """Dice overlap of two texts' terms, their answer values left out; 0 when they share fewer
    than `MIN_SHARED` terms, too few to tell the same thing, unless they are one sentence but for
    their values ("Voters chose A as their next mayor" against "… chose B …").

    >>> mine, theirs = "Voters chose Ana Ruiz as their next mayor.", "Voters chose Eva Lind as their next mayor."
    >>> _overlap(mine, {"ana", "ruiz"}, theirs, {"eva", "lind"})
    1.0
    """
    a_terms = set(tokenize(a)) - set(tokenize(" ".join(a_values)))
    b_terms = set(tokenize(b)) - set(tokenize(" ".join(b_values)))
    shared = len(a_terms & b_terms)
    values = set(tokenize(" ".join(a_values | b_values)))
    same = len(a_terms - values) >= 2 and a_terms - values == b_terms - values
    return 2 * shared / max(1, len(a_terms) + len(b_terms)) if shared >= MIN_SHARED or same else 0.0
