"""Follow-up questions made standalone before retrieval, by rule, without the model.

Every earlier user turn is made standalone first, in order, so a reference two or more
turns back resolves through the turns between ("And in 2021?" after "Who won in 2019?",
then "Who was runner-up?"). Then the question itself:

- "he", "she", "his", "her" -> the first person the last answer names, else the last
  question, else earlier turns: a whole name, never a title ("Minister of Political and
  Legal Affairs Chen Mingguo" names "Chen Mingguo");
- "it", "they", "that meeting", "the ministry"… -> the last standalone question rides along
  in brackets, since which thing is meant is safer carried whole than guessed;
- ellipsis: "And in 2021?" takes the last standalone question with the new year (month,
  number) in place of the old; "What about the men's?" swaps the qualifier; "What else?"
  asks the last question again, other than what the last answer gave ("Who else…" likewise).

    >>> h = [Message("user", "Who led the Chinese delegation?"),
    ...      Message("assistant", "The Chinese delegation led by Minister of Political and Legal Affairs "
    ...                           "Chen Mingguo [1].")]
    >>> standalone_question("What did he invite Naqvi to do?", h)
    'What did Chen Mingguo invite Naqvi to do?'
    >>> standalone_question("And in 2021?", [Message("user", "Who won the Tour de France in 2019?"),
    ...                                      Message("assistant", "Egan Bernal won it [1].")])
    'Who won the Tour de France in 2021?'

Rules cost nothing on a 2-core machine; a model rewrite costs a second or two.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.question import analyze
from rag.types import Message

_PERSON = re.compile(r"\b(he|she|him)\b", re.IGNORECASE)
_POSSESSIVE = re.compile(r"\b(his|her)\b", re.IGNORECASE)
_THING = re.compile(
    r"\b(it|its|they|them|their|th(?:at|is|ose|ese)\s+[a-z]+|the\s+(?:two|same|meeting|visit|talks|agreement|"
    r"ministry|event|attack|drill|exercise|deal|report|game|film|match|race|election|company|delegation))\b",
    re.IGNORECASE,
)
_ELLIPSIS = re.compile(r"^\W*(?:and|what about|how about|and what about|same for|also)\b", re.IGNORECASE)
_ELSE = re.compile(r"\b(?:else|besides)\b", re.IGNORECASE)
_WH = re.compile(r"\b(?:who|whom|whose|what|when|where|which|why|how)\b", re.IGNORECASE)
_AND_WH = re.compile(r"^\W*(?:and|also|so)\s+(who|whom|whose|what|when|where|which|why|how)\b", re.IGNORECASE)
_NAME_RUN = re.compile(r"[A-Z][\w’'-]*(?:\s+(?:of\s+|the\s+|de\s+|and\s+)?[A-Z][\w’'-]*)*")
_MARKER = re.compile(r"\[\d+\]")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# Words that make a capitalised run a title, an office or a body rather than a person's name.
_TITLE_WORDS = frozenset(
    """minister ministry president presidential vice secretary general chairman chairwoman chair affairs legal
    political commission committee department interior foreign deputy prime army chief police state councillor
    councilor director governor executive senator senior federal additional special public security national
    central military party congress standing academy university office mr mrs ms dr sir king queen prince judge
    justice court council bank force forces corridor province region district city corporation company group
    team club association agency authority government parliament assembly senate house board the a an of and
    de who what when where which why how is was were did does do according in on at for to by with from""".split()
)
_STOP = frozenset("be been being has have had it its this that there their they them his her he she".split())
_DEMONYM = re.compile(r"^(?:[A-Z][a-z]+(?:ese|ian|an|i|ish|ic))$")  # Chinese, Pakistani, Indian, British…


def person_names(text: str) -> list[str]:
    """Names of people (or of anything named in two or more words that is not a title), in
    the order the text gives them.

    >>> person_names("Minister of Political and Legal Affairs Chen Mingguo met Interior Minister Mohsin Naqvi.")
    ['Chen Mingguo', 'Mohsin Naqvi']
    >>> person_names("The Chinese delegation included Xinjiang's Deputy Secretary.")
    []
    """
    found: list[str] = []
    for run in _NAME_RUN.finditer(_MARKER.sub("", text)):
        words = [*run.group(0).split(), ""]
        segment: list[str] = []
        for word, after in zip(words, [*words[1:], ""], strict=True):
            bare = re.sub(r"[’']s$", "", word)
            # "Chinese" before a title or a common noun is an adjective, "Naqvi" after "Mohsin" is not.
            adjective = not segment and _DEMONYM.match(bare) and (not after or after.lower() in _TITLE_WORDS)
            if word and bare.lower() not in _TITLE_WORDS and not adjective:
                segment.append(bare)
                continue
            if len(segment) >= 2:
                found.append(" ".join(segment))
            segment = []
    return list(dict.fromkeys(found))


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
        given = person_names(last_answer) or _answer_words(last_answer)
        if len(question.split()) <= 3:  # "What else?": the last question again
            question = last_question
        besides = f", other than {' and '.join(given)}?" if given else "?"
        question = question.rstrip(" ?") + besides
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
            q = _PERSON.sub(who, question, count=1)
            return _POSSESSIVE.sub(f"{who}'s", q, count=1) if q == question else q
    if _THING.search(question) or _topicless(question):
        return f"{question} ({last_question})"
    return question


def _topicless(question: str) -> bool:
    """A question of at most two content words and no name ("Who was second?") continues the topic.

    >>> _topicless("Who was second?"), _topicless("Who won the Tour de France?")
    (True, False)
    """
    words = [w for w in re.findall(r"[\w'’-]+", question) if w.lower() not in _TITLE_WORDS | _STOP]
    return len(words) <= 2 and not any(w[:1].isupper() for w in words)


def _fill_ellipsis(question: str, last_question: str, last_answer: str) -> str:
    """ "And in 2021?" -> the last question with 2021 for its year; a qualifier ("men's") or a
    number likewise; otherwise the new words ride along with the last question."""
    new, old = analyze(question), analyze(last_question)
    filled = last_question
    for c in new.constraints:
        same = next((o for o in old.constraints if o.kind == c.kind and (o.group == c.group)), None)
        if same is not None:
            filled = filled.replace(same.text, c.text, 1)
        elif c.kind == "year" and not _YEAR.search(filled):
            filled = f"{filled.rstrip('?')} in {c.text}?"
    if filled != last_question:
        return filled
    rest = _ELLIPSIS.sub("", question).strip(" ?")
    return f"{last_question.rstrip('?')}, {rest}?" if rest else last_question


def _answer_words(answer: str) -> list[str]:
    """The capitalised phrases an answer gives, when it names no person."""
    text = _MARKER.sub("", answer)
    return [m.group(0) for m in _NAME_RUN.finditer(text) if m.start() > 0][:3]
