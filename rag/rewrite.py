"""Follow-up questions made standalone before retrieval, by rule, without the model.

Every earlier user turn is made standalone first, in order, so a reference two or more
turns back resolves through the turns between ("And in 2021?" after "Who won in 2019?",
then "Who was runner-up?"). Then the question itself:

- "he", "she", "his", "her" -> the first person the last answer names, else the last
  question, else earlier turns: a whole name, never a title ("Minister of Political and
  Legal Affairs Chen Mingguo" names "Chen Mingguo");
- "that delegation", "this drill" -> the thing as the last answer (else the last question)
  describes it, "the Harbour delegation", where it says more than the noun, with the last
  standalone question in brackets after it;
- "it", "they", "that meeting", "the ministry"… otherwise -> the last standalone question rides
  along in brackets, since which thing is meant is safer carried whole than guessed; "there" ->
  the last place the last answer names;
- ellipsis: "And in 2021?" takes the last standalone question with the new year (month,
  number) in place of the old; "What about the men's?" swaps the qualifier; "What else?"
  asks the last question again, other than what the last answer gave ("Who else…" likewise).

    >>> h = [Message("user", "Who led the Chinese delegation?"),
    ...      Message("assistant", "The Chinese delegation led by Minister of Political and Legal Affairs "
    ...                           "Chen Mingguo [1].")]
    >>> standalone_question("What did he invite Naqvi to do?", h)
    'What did Chen Mingguo invite Naqvi to do?'
    >>> standalone_question("And who will lead that delegation?", [Message("user", "Is a delegation going?"),
    ...     Message("assistant", "Yes, a Harbour delegation will visit Riverton soon [1].")])
    'Who will lead the Harbour delegation? (Is a delegation going?)'
    >>> standalone_question("And in 2021?", [Message("user", "Who won the Tour de France in 2019?"),
    ...                                      Message("assistant", "Egan Bernal won it [1].")])
    'Who won the Tour de France in 2021?'
    >>> standalone_question("and in the 2021 harbour fire?", [Message("user", "How many died in the Riverton blast?"),
    ...                                                     Message("assistant", "Six died [1].")])
    'How many died in the 2021 harbour fire?'
    >>> standalone_question("What did Lin Hao tell him when he met him?", [Message("user", "Who met Lin Hao?"),
    ...                                                                  Message("assistant", "Ada Okafor [1].")])
    'What did Lin Hao tell Ada Okafor when he met him?'

Rules cost nothing on a 2-core machine; a model rewrite costs a second or two.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.mentions import NAME_RUN, TITLE_WORDS, person_names
from rag.question import analyze
from rag.types import Message

_PERSON = re.compile(r"\b(he|she|him)\b", re.IGNORECASE)
_POSSESSIVE = re.compile(r"\b(his|her)\b", re.IGNORECASE)
_OBJECT = re.compile(r"\b(him)\b", re.IGNORECASE)
_THING = re.compile(
    r"\b(it|its|they|them|their|th(?:at|is|ose|ese)\s+[a-z]+|the\s+(?:two|same|meeting|visit|talks|agreement|"
    r"ministry|event|attack|drill|exercise|deal|report|game|film|match|race|election|company|delegation))\b",
    re.IGNORECASE,
)
_DEMONSTRATIVE = re.compile(r"\b(?:[Tt]hat|[Tt]his|[Tt]he same)\s+([a-z]+)\b")  # a common noun: "that delegation"
_ELLIPSIS = re.compile(r"^\W*(?:and|what about|how about|and what about|same for|also)\b", re.IGNORECASE)
_STOP = frozenset("be been being has have had it its this that there their they them his her he she".split())
_THERE = re.compile(r"\bthere\b(?!\s+(?:is|are|was|were|be|been|has|have|had)\b)", re.IGNORECASE)
_ELSE = re.compile(r"\b(?:else|besides)\b", re.IGNORECASE)
_WH = re.compile(r"\b(?:who|whom|whose|what|when|where|which|why|how)\b", re.IGNORECASE)
_AND_WH = re.compile(r"^\W*(?:and|also|so)\s+(who|whom|whose|what|when|where|which|why|how)\b", re.IGNORECASE)
_MARKER = re.compile(r"\[\d+\]")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def standalone_question(question: str, history: Sequence[Message]) -> str:
    """`question` made to stand on its own; unchanged without history."""
    turns = [m for m in history if m.role in ("user", "assistant")]
    if not turns:
        return question
    resolved: list[tuple[str, str]] = []  # (standalone question, the answer to it)
    for i, turn in enumerate(turns):
        if turn.role == "user":
            answer = turns[i + 1].content if i + 1 < len(turns) and turns[i + 1].role == "assistant" else ""
            resolved.append((_resolve(turn.content, resolved), answer))
    return _resolve(question, resolved)


def _resolve(question: str, earlier: Sequence[tuple[str, str]]) -> str:
    if not earlier:
        return question
    last_question, last_answer = earlier[-1]
    question = _AND_WH.sub(lambda m: m.group(1).capitalize(), question)  # "and who else…" asks anew
    if _ELLIPSIS.match(question) and not _WH.search(question) and len(question.split()) <= 6:
        return _fill_ellipsis(question, last_question, last_answer)
    if _ELSE.search(question):
        # "Who else represented the ministry?" continues the turn that asked about representing,
        # however far back; "What else?" the last one.
        asked = set(_content(question))
        turn = max(reversed(earlier), key=lambda qa: len(asked & set(_content(qa[0])))) if asked else earlier[-1]
        given = person_names(turn[1]) or _answer_words(turn[1])
        if len(question.split()) <= 3:
            question = turn[0]
        besides = f", other than {' and '.join(given)}?" if given else "?"
        question = question.rstrip(" ?") + besides
        last_question = turn[0]
    if _THERE.search(question):
        place = _last_place(last_answer)
        if place:
            motion = re.search(r"\b(?:visit|go|travel|fly|come|return|move|to)\s+there\b", question, re.I)
            return _THERE.sub(place if motion else f"in {place}", question, 1)
    if _PERSON.search(question) or _POSSESSIVE.search(question):
        asked = {w.lower() for w in re.findall(r"\w+", question)}
        candidates = [
            name
            for q, a in reversed(earlier)
            for name in person_names(a) + person_names(q)
            if not {w.lower() for w in name.split()} & asked
        ]
        if candidates:
            who = candidates[0]
            # "What did Ada Okafor tell him when she met him?": "she" is the question's own person,
            # "him" the one the conversation spoke of.
            pronoun = _OBJECT if person_names(question) else _PERSON
            q = pronoun.sub(who, question, count=1)
            return _POSSESSIVE.sub(f"{who}'s", q, count=1) if q == question and pronoun is _PERSON else q
    demonstrative = _DEMONSTRATIVE.search(question)
    described = demonstrative and (
        _described(demonstrative[1], last_answer) or _described(demonstrative[1], last_question)
    )
    if demonstrative and described:  # "that delegation" -> "the Harbour delegation" the last turn spoke of
        question = question[: demonstrative.start()] + described + question[demonstrative.end() :]
    # The last question rides along even so: its description may fit another thing of the corpus
    # too (another Harbour delegation, elsewhere).
    if demonstrative or _THING.search(question) or _topicless(question):
        return f"{question} ({last_question.replace('(', '').replace(')', '')})"
    return question


def _described(noun: str, text: str) -> str | None:
    """How a text describes a thing of this noun, as "the …": "a Harbour delegation" -> "the
    Harbour delegation"; None where it says no more than the noun.

    >>> _described("delegation", "Yes, a Harbour delegation will soon visit Riverton [1].")
    'the Harbour delegation'
    >>> _described("delegation", "The delegation will visit."), _described("drill", "It ended.")
    (None, None)
    """
    m = re.search(rf"\b(?:a|an|the|its|their)\s+((?:[\w'’-]+\s+){{1,3}}?){re.escape(noun)}\b", text, re.IGNORECASE)
    if not m or any(w.lower() in _STOP for w in m[1].split()):
        return None
    return f"the {m[1]}{noun}"


def _content(text: str) -> list[str]:
    """Content words of a question, crudely stemmed: "represented" and "represent" agree."""
    words = re.findall(r"[a-z]+", text.lower())
    return [w[:6] for w in words if w not in TITLE_WORDS and w not in _STOP and len(w) > 3 and w != "else"]


def _last_place(answer: str) -> str | None:
    """The last name an answer gives that is not a person's: where "there" points.

    >>> _last_place("Ada Okafor invited Lind to visit Riverton [1].")
    'Riverton'
    """
    people = " ".join(person_names(answer))
    names = [m.group(0) for m in NAME_RUN.finditer(_MARKER.sub("", answer)) if m.start() > 0]
    places = [n for n in names if n not in people and n.lower() not in TITLE_WORDS]
    return places[-1] if places else None


def _topicless(question: str) -> bool:
    """A question of at most two content words and no name ("Who was second?") continues the topic.

    >>> _topicless("Who was second?"), _topicless("Who won the Tour de France?")
    (True, False)
    """
    words = [w for w in re.findall(r"[\w'’-]+", question) if w.lower() not in TITLE_WORDS | _STOP]
    return len(words) <= 2 and not any(w[:1].isupper() for w in words)


def _fill_ellipsis(question: str, last_question: str, last_answer: str) -> str:
    """ "And in 2021?" -> the last question with 2021 for its year; a qualifier ("men's") or a
    number likewise; otherwise the new words ride along with the last question."""
    rest = _ELLIPSIS.sub("", question).strip(" ?")
    new = analyze(question)
    phrase = re.match(r"(in|at|on|for|during)\s+(?:the\s+)?(\S.*)", rest, re.IGNORECASE)
    unconstrained = phrase[2] if phrase else ""
    for c in new.constraints:  # a year, a month, a qualifier: swapped below
        unconstrained = unconstrained.replace(c.text, " ")
    if phrase and re.search(r"[A-Za-z]{3,}", unconstrained):
        # "And in the 2021 harbour fire?": the new event in place of the last question's phrase
        # of that preposition ("… killed in the Riverton blast?").
        last = list(re.finditer(rf"\b{phrase[1]}\s+(?:the\s+)?[^?,;]+", last_question, re.IGNORECASE))
        if last:
            return f"{last_question[: last[-1].start()]}{rest}?"
    old = analyze(last_question)
    filled = last_question
    for c in new.constraints:
        same = next((o for o in old.constraints if o.kind == c.kind and (o.group == c.group)), None)
        if same is not None:
            filled = filled.replace(same.text, c.text, 1)
        elif c.kind == "year" and not _YEAR.search(filled):
            filled = f"{filled.rstrip('?')} in {c.text}?"
    if filled != last_question:
        return filled
    return f"{last_question.rstrip('?')}, {rest}?" if rest else last_question


def _answer_words(answer: str) -> list[str]:
    """The capitalised phrases an answer gives, when it names no person."""
    text = _MARKER.sub("", answer)
    return [m.group(0) for m in NAME_RUN.finditer(text) if m.start() > 0][:3]
