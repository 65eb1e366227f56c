"""What kind of answer a question wants: a person, a place, a date, a number, a list, an
explanation, a timeline, a comparison, yes or no, or a thing. The answer's form and what
marks a sentence as holding the answer follow from it.

    >>> [answer_kind(q) for q in ("Who led the delegation?", "When was it released?", "Why does it matter?")]
    ['person', 'date', 'explanation']

Shortcuts: English questions; the rules read the question's opening words and its first noun.
"""

from __future__ import annotations

import re
from typing import Literal

from rag.mentions import years_in

AnswerKind = Literal[
    "person", "place", "date", "number", "yes_no", "list", "explanation", "timeline", "comparison", "thing"
]

_COMPARISON = re.compile(
    r"\b(?:compare|comparison|differ|disagree|agree with each other"
    r"|(?:do|did) (?:the )?(?:sources|articles|reports) agree)\b",
    re.I,
)
_TIMELINE = re.compile(
    r"\bhow (?:has|have|did) .+ (?:develop|developed|evolve|evolved|change|changed|progress|progressed"
    r"|unfold|unfolded)\b"
    r"|\btimeline\b|\bwhat happened\b.*\bbetween\b.+\band\b|\bchronolog|\bover time\b|\bsequence of events\b"
    r"|\bin (?:date|chronological) order\b",
    re.I,
)
_NUMBER_Q = re.compile(r"\bhow (?:many|much|long|far|old|big|large|tall|high|often|deep|wide)\b", re.I)
_DATE_Q = re.compile(
    r"^\W*(?:(?:until|by|since) )?when\b|\b(?:what|which)(?: [\w'’-]+){0,3} (?:date|day|year|month)\b(?!-)", re.I
)
_EXPLAIN_Q = re.compile(
    r"^\W*(?:why|how)\b|^\W*what (?:did|do|does|has|have|will|had) .+ (?:agree|agreed|say|said|announce|decide|plan|"
    r"mean|discuss|propose|promise|offer|demand|want)\b|^\W*what (?:was|were|is|has been) (?:agreed|decided|"
    r"announced|discussed|said|planned)|\b(?:explain|describe)\b|\bwhat (?:is|was|were) the (?:reason|purpose|aim|"
    r"goal|significance|outcome|result|impact)s?\b",
    re.I,
)
# Who took part in something with others: a delegation, a meeting, a trip. The answer is every
# one of them, so a list; "Who is the minister who accompanied him?" asks for one.
_PARTICIPANTS = re.compile(
    r"^\W*who (?:else )?(?:travell?ed|accompanied|attended|joined|took part|were (?:in|part of|among|on))\b", re.I
)
_YES_NO = re.compile(r"^\W*(?:is|are|was|were|do|does|did|can|could|has|have|had|will|would|should)\b", re.I)
_WH_WORDS = re.compile(r"^\W*(?:(?:in|on|at|from|for|to|with|by) )?(?:which|what)\s+((?:[\w'’-]+\s*){1,6})", re.I)
_PERSON_NOUNS = {
    "person", "people", "official", "minister", "councillor", "councilor", "general", "legislator", "leader",
    "president", "player", "winner", "champion", "company", "firm", "team", "group", "outfit", "organisation",
    "organization", "party", "club", "author", "director", "chief", "head", "secretary", "commander", "man", "woman",
}  # fmt: skip
_PLACE_NOUNS = {
    "city", "country", "town", "province", "region", "place", "venue", "stadium", "state", "seaport", "port",
    "district", "village", "capital", "airport", "location", "site", "area",
}  # fmt: skip
NUMBER_NOUNS = {"number", "amount", "total", "value", "cost", "price", "size", "length", "population", "toll",
                 "revenue", "figure", "percentage", "share", "budget", "worth", "distance", "duration"}  # fmt: skip
_AUXILIARIES = frozenset("do does did is are was were has have had will would can could should may might must".split())
_NOT_PLURAL = re.compile(r"(?:ss|us|is|ics|news|['’]s)$", re.I)


def answer_kind(question: str) -> AnswerKind:
    """What the question asks for.

    >>> [answer_kind(q) for q in ("Who led the delegation?", "When was it released?", "Why does it matter?")]
    ['person', 'date', 'explanation']
    >>> [answer_kind(q) for q in ("Which officials attended the talks?", "Is the corridor finished?")]
    ['list', 'yes_no']
    >>> [answer_kind(q) for q in ("Which senior Chinese general met him?", "What seaport marks its end?")]
    ['person', 'place']
    >>> [answer_kind(q) for q in ("About how many people came?", "On what exact date did it end?")]
    ['number', 'date']
    >>> [answer_kind(q) for q in ("Who travelled with the President?", "Who is the minister who travelled with him?")]
    ['list', 'person']
    """
    q = question.strip()
    if _COMPARISON.search(q):
        return "comparison"
    if _TIMELINE.search(q):
        return "timeline"
    if len(years_in(q)) > 1 and re.match(r"^\W*(?:who|which|what)\b", q, re.I):
        return "list"  # "Who won in 2018, 2019 and 2021?": one answer a year
    if _DATE_Q.search(q):
        return "date"
    if _NUMBER_Q.search(" ".join(q.split()[:5])):
        return "number"
    if _PARTICIPANTS.match(q):
        return "list"  # "Who travelled with the President?": everyone the articles name
    if re.match(r"^\W*(?:who|whom|whose)\b", q, re.I):
        return "person"
    if re.match(r"^\W*where\b", q, re.I) or re.search(r"\blocation\b", q, re.I):
        return "place"
    if _EXPLAIN_Q.search(q):
        return "explanation"
    if _YES_NO.match(q):
        return "yes_no"
    m = _WH_WORDS.match(q)
    if m:
        words = re.findall(r"[\w'’-]+", m.group(1).lower())
        if re.match(r"^(?:\d+|two|three|four|five|six|seven|eight|nine|ten|other|several|all)$", words[0]):
            return "list"
        started = False
        for word in words:  # the first noun decides: "Which Chinese officials met the Minister…" is a list
            if word in _AUXILIARIES or word in ("the", "a", "an"):
                if started:
                    break  # the noun phrase ended: "What position does …" asks for one thing
                continue  # "What was the death toll …": the phrase has not begun
            started = True
            for kind, nouns in (("number", NUMBER_NOUNS), ("place", _PLACE_NOUNS), ("person", _PERSON_NOUNS)):
                if word in nouns:
                    return kind  # type: ignore[return-value]
            if word.endswith("s") and len(word) > 3 and not _NOT_PLURAL.search(word):
                return "list"
    return "thing"


_ORGANISATION_Q = re.compile(
    r"^\W*(?:(?:in|on|at|from|for|to|with|by) )?(?:which|what)\s+(?:[\w'’-]+\s+){0,2}"
    r"(?:company|companies|firm|team|group|outfit|organi[sz]ation|party|club|agency|militia)s?\b",
    re.I,
)


def wants_organisation(question: str) -> bool:
    """Whether a "who"-kind question asks for an organisation rather than a person: a person's
    name in a sentence is then no sign of the answer.

    >>> wants_organisation("Which militant outfit did they blame?"), wants_organisation("Which minister came?")
    (True, False)
    """
    return bool(_ORGANISATION_Q.search(question))
