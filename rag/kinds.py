"""What kind of answer a question wants: a person, a place, a date, a number, a list, an
explanation, a timeline, a comparison, yes or no, or a thing. The answer's form and what
marks a sentence as holding the answer follow from it.

    >>> [answer_kind(q) for q in ("Who led the delegation?", "When was it released?", "Why does it matter?")]
    ['person', 'date', 'explanation']

Shortcuts: English questions; the rules read the question's opening words and its first noun,
after a frame ("Tell me who …", "Can you say when …") or a leading phrase ("In 2019, who …",
"At the talks, which …") that puts them further in.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from rag.mentions import PERIOD_RANGE, YEAR

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
    r"|\bin (?:date|chronological) order\b|\btrace\b",
    re.I,
)
_NUMBER_Q = re.compile(r"\bhow (?:many|much|long|far|old|big|large|tall|high|often|deep|wide)\b", re.I)
_DATE_Q = re.compile(
    r"^\W*(?:(?:until|by|since) )?when\b"
    r"|\b(?:what(?:['’]s)?|which)(?: [\w'’-]+){0,3} (?:date|day|year|month)\b(?!-)",
    re.I,
)
_EXPLAIN_Q = re.compile(
    r"^\W*(?:why|how)\b|^\W*what (?:did|do|does|has|have|will|had) .+ (?:agree|agreed|say|said|announce|decide|plan|"
    r"mean|discuss|propose|promise|offer|demand|want|focus on|focused on|cover|stress|emphasi[sz]e|highlight|urge"
    r"|call for|talk about)\b|^\W*what (?:was|were|is|has been) (?:agreed|decided|"
    r"announced|discussed|said|planned)|\b(?:explain|describe)\b|\bwhat (?:is|was|were) the (?:reason|purpose|aim|"
    r"goal|significance|outcome|result|impact)s?\b|^\W*what (?:caused|led to|prompted|triggered)\b"
    r"|^\W*what happened (?:after|since|following|next)\b",
    re.I,
)
# Who took part in something with others: a delegation, a meeting, a trip. The answer is every
# one of them, so a list; "Who is the minister who accompanied him?" asks for one.
_PARTICIPANTS = re.compile(
    r"^\W*who (?:else )?(?:travell?ed|accompanied|attended|joined|took part"
    r"|(?:was|were) (?:in(?! charge)|part of|among|on))\b",
    re.I,
)
_WH = r"(?:who|whom|whose|what|what's|which|when|where|why|how)"
_AUX = r"(?:is|are|was|were|do|does|did|can|could|has|have|had|will|would|should)"
# "Tell me …", "Can you tell me …", "I'd like to know …": a request that frames the question.
_FRAME = re.compile(
    r"^\W*(?:(?:and|so|ok|okay|please)\W+)*(?:(?:can|could|would|will) you\s+)?(?:please\s+)?"
    r"(?:(?:tell|show|give) (?:me|us)(?: about)?|do you know|i(?:'d| would) like to know|i (?:want|need) to know"
    r"|i wonder|find out|let me know"
    r"|(?:name|list|identify)(?=\s+(?:the|a|an|all|every|each|any|two|three|four|five)\b))\b[\s,:]*",
    re.I,
)
_NAMING = re.compile(r"\b(?:name|list|identify)\W*$", re.I)  # a frame that asks to name something
# "In 2019, who …", "At the 2018 Winter Olympics, which nation …", "According to X, how many …":
# a phrase before the comma sets the scene; the question proper starts after it.
_LEADING_PHRASE = re.compile(
    r"^\W*(?:in|at|on|for|during|after|before|under|over|from|by|since|as of|according to|with|within|"
    r"following|throughout|among|between|of|regarding|because|when|while|once|as|although|though|if)\b"
    r"[^,?]{1,120},\s*(?=" + _WH + r"\b|" + _AUX + r"\b)",
    re.I,
)


_OPENS_QUESTION = re.compile(r"\W*(?:" + _WH + r"|" + _AUX + r"|if|whether)\b", re.I)


def unframed(question: str) -> str:
    """The question past a request that frames it, as written.

    >>> unframed("Name the Harbour Port Authority's chair."), unframed("Could you tell me who won?")
    ("Harbour Port Authority's chair.", 'who won?')
    """
    framed = _FRAME.match(question)
    if not framed or framed.end() >= len(question):
        return question
    q = question[framed.end() :]
    # "Name the chair" keeps its article from the frame's lookahead: it belongs to the request.
    return re.sub(r"^(?:the|a|an)\s+", "", q, flags=re.I) if _NAMING.search(framed[0]) else q


def _unframed(question: str) -> str:
    """The question past a request that frames it; a bare request ("Tell me X's revenue.") as
    "what is …", one to name something ("Name the chair who …") as "which …"."""
    framed = _FRAME.match(question)
    if not framed or framed.end() >= len(question):
        return question
    q = unframed(question)
    if _OPENS_QUESTION.match(q):
        return q
    return ("which " if _NAMING.search(framed[0]) else "what is ") + q


@lru_cache(maxsize=1024)  # read by every step of one question's analysis, some once per sentence
def question_clause(question: str) -> str:
    """The question proper, past a request that frames it or a phrase that leads into it;
    a bare request ("Tell me X's revenue.") reads as "what is …".

    >>> question_clause("In 2016, who won the city marathon?"), question_clause("Tell me when it was founded.")
    ('who won the city marathon?', 'when it was founded.')
    >>> question_clause("Can you tell me the port's budget for 2016?")
    "what is the port's budget for 2016?"
    >>> question_clause("When the police came, where was the boy?")
    'where was the boy?'
    >>> question_clause("The council agreed to fund which two schools?")
    'which two schools?'
    """
    q = _unframed(question.strip())
    led = _LEADING_PHRASE.match(q)
    if led:
        return q[led.end() :]
    if not _OPENS_QUESTION.match(q):
        # "The ministers agreed to improve cooperation between which two forces?": the question
        # is where its question word is; "how many" before others, which may open a relative
        # clause ("The fair where Lin Hao spoke drew how many visitors?").
        inner = re.search(r"\bhow (?:many|much)\b.*", q, re.I) or re.search(
            r"\b(?:which|what|who|whom|whose|when|where)\b.*", q, re.I
        )
        if inner:
            return inner.group(0)
    return q


# "What date …", "the name of …", "what number …": words for the answer's slot, not for its topic.
_SLOT = re.compile(
    r"\b(?:what|which)(?:['’]s|\s+(?:is|was|are|were))?(?:\s+the)?\s+(?:exact\s+|precise\s+|full\s+)?"
    r"(?:date|day|year|month|time|name|names|number|amount|figure|total|position|role|post|job)\b(?:\s+of\b)?",
    re.I,
)


# "… according to different reports", "what do the two sources say …": words about the sources,
# which no passage on the topic need hold.
_SOURCES = re.compile(
    r"\b(?:according to\s+)?(?:the\s+)?(?:different|various|several|both|two|the two|all the|other)\s+"
    r"(?:news\s+)?(?:reports|sources|articles|outlets)(?:\s+(?:give|say|report|state))?\b",
    re.I,
)


def topic_words(question: str) -> str:
    """The question less the request that frames it, the words for its answer's slot and those
    about the sources: what a passage that answers it must speak of.

    >>> topic_words("Tell me the name of the club's coach."), topic_words("Up to what date did the fair run?")
    ("what the club's coach.", 'Up to what did the fair run?')
    >>> topic_words("What tolls do different reports give for the fire?")
    'What tolls do  for the fire?'
    """
    return _SOURCES.sub("", _SLOT.sub(lambda m: m[0].split()[0], _unframed(question)))


_YES_NO = re.compile(r"^\W*(?:" + _AUX + r"|if|whether)\b", re.I)  # "if …" after "Tell me"
_WH_WORDS = re.compile(r"^\W*(?:(?:in|on|at|from|for|to|with|by) )?(?:which|what)\s+((?:[\w'’-]+\s*){1,10})", re.I)
# Nouns for the kind of answer that a "which/what <noun>" question wants: roles people hold,
# groups that act like people, places.
_PERSON_NOUNS = {
    "person", "people", "official", "minister", "councillor", "councilor", "general", "legislator", "leader",
    "president", "player", "winner", "champion", "company", "firm", "team", "group", "outfit", "organisation",
    "organization", "party", "club", "author", "director", "chief", "head", "secretary", "commander", "man", "woman",
    "side", "squad", "rider", "driver", "athlete", "cyclist", "runner", "golfer", "boxer", "swimmer", "skier",
    "singer", "actor", "actress", "artist", "musician", "band", "writer", "novelist", "poet", "filmmaker",
    "producer", "coach", "manager", "captain", "politician", "candidate", "founder", "owner", "ceo", "chairman",
    "chairwoman", "spokesperson", "spokesman", "spokeswoman", "ambassador", "envoy", "officer", "governor",
    "mayor", "senator", "premier", "chancellor", "king", "queen", "prince", "princess", "judge", "scientist",
    "recipient", "laureate", "nominee", "successor", "predecessor", "buyer", "acquirer", "star", "adviser",
    "advisor", "aide", "editor", "lawyer", "attorney", "prosecutor", "economist", "analyst",
    "defenseman", "defender", "lineman", "striker", "midfielder", "winger", "goalkeeper", "goalie", "quarterback",
    "pitcher", "batsman", "bowler", "teammate", "rookie", "suspect", "victim", "witness", "journalist", "reporter",
    "lawmaker", "umpire", "referee", "presenter", "finalist", "runner-up", "villain", "character",
}  # fmt: skip
_PLACE_NOUNS = {
    "city", "country", "nation", "town", "province", "region", "place", "venue", "stadium", "state", "seaport",
    "port", "district", "village", "capital", "airport", "location", "site", "area", "continent", "island",
    "county", "arena", "circuit", "hometown", "destination", "territory",
}  # fmt: skip
NUMBER_NOUNS = {"number", "amount", "total", "value", "cost", "price", "size", "length", "population", "toll",
                 "revenue", "figure", "percentage", "share", "budget", "worth", "distance", "duration",
                 "salary", "wage", "income", "profit", "earnings", "sales", "fee", "fine", "rate", "score",
                 "age", "height", "weight", "capacity", "attendance", "turnover", "debt", "deficit", "margin",
                 "speed", "production", "output", "delivery", "deliveries"}  # fmt: skip
_PREPOSITIONS = frozenset("of in at on for from with to by about".split())
_COPULAS = frozenset("is are was were".split())
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
    slot = re.match(r"\W*(?:the\s+)?(date|day|number|amount)\b", _unframed(question), re.I)
    if slot and not _OPENS_QUESTION.match(_unframed(question)):  # "number of visitors who came last year"
        return "date" if slot[1].lower() in ("date", "day") else "number"
    q = question_clause(question)
    if _COMPARISON.search(q):
        return "comparison"
    if _TIMELINE.search(_unframed(question)):  # "In date order, what …" too
        return "timeline"
    # "What talks were held between October 2022 and January 2023?": the events of a period, in
    # date order, not one answer for each year it names; "What were its sales between 2019 and
    # 2021?" still asks a figure a year, as a list of years does.
    if PERIOD_RANGE.search(q) and not _DATE_Q.search(q) and not _asks_figure(q):
        return "timeline"
    if len({m.group(1) for m in YEAR.finditer(q)}) > 1 and re.match(r"^\W*(?:who|which|what)\b", q, re.I):
        return "list"  # "Who won in 2018, 2019 and 2021?": one answer a year
    if _DATE_Q.search(q):
        return "date"
    if _NUMBER_Q.search(" ".join(q.split()[:5])):
        return "number"
    if _PARTICIPANTS.match(q):
        return "list"  # "Who travelled with the President?": everyone the articles name
    if re.match(r"^\W*(?:(?:with|to|by|from|for|of|about) )?(?:who|whom|whose)\b", q, re.I):
        return "person"
    # "… by location" sorts a list by place; it asks for none.
    if re.match(r"^\W*where\b", q, re.I) or re.search(r"(?<!\bby )\blocation\b", q, re.I):
        return "place"
    if _EXPLAIN_Q.search(q):
        return "explanation"
    if _YES_NO.match(q):
        return "yes_no"
    m = _WH_WORDS.match(q)
    if m:
        written = re.findall(r"[\w'’-]+", m.group(1))
        words = [w.lower() for w in written]
        if re.match(r"^(?:\d+|two|three|four|five|six|seven|eight|nine|ten|other|several|all)$", words[0]):
            return "list"
        if words[0] in _AUXILIARIES and words[0] not in _COPULAS:
            # "What did General Li focus on?": the noun after "did" is who acts, not what is asked;
            # "What will the car cost?" still asks a figure.
            return "number" if any(w in NUMBER_NOUNS for w in words[1:]) else "thing"
        # Words up to a possessive say whose ("What are Harbour CEO Ada Okafor's favourite books?"),
        # where a noun of a known kind follows it.
        phrase = next((i for i, w in enumerate(words) if i and (w in _AUXILIARIES or w in _PREPOSITIONS)), len(words))
        owner = next((i for i, w in enumerate(written[:phrase]) if w.endswith(("'s", "’s"))), -1)
        found = _first_noun_kind(written, owner + 1) if owner >= 0 and words[0] in _COPULAS else None
        found = found or _first_noun_kind(written, 0)
        if found:
            return found
    if not _OPENS_QUESTION.match(q) and not _ANY_WH.search(q):
        return _phrase_kind(q)
    return "thing"


def _first_noun_kind(written: list[str], start: int) -> AnswerKind | None:
    """The kind the first noun from `start` asks for: "Which Northland officials met the Minister…"
    is a list; None where the noun phrase names no kind."""
    words = [w.lower() for w in written]
    started = False
    for i in range(start, len(words)):
        word = words[i]
        if started and word in ("that", "which", "who", "whom", "where", "when"):
            break  # "the drill that 300 troops came for": a relative clause, past the noun
        if word in _AUXILIARIES or word in ("the", "a", "an"):
            if started:
                break  # the noun phrase ended: "What position does …" asks for one thing
            continue  # "What was the death toll …": the phrase has not begun
        if word in ("name", "names") and words[i + 1 : i + 2] == ["of"]:
            started = False  # "the name of the minister …" asks what the minister asks
            continue
        if word in _PREPOSITIONS:
            if started:
                break  # "the salary of the minister": the noun before "of" is the one asked for
            continue
        for kind, nouns in (("number", NUMBER_NOUNS), ("place", _PLACE_NOUNS), ("person", _PERSON_NOUNS)):
            if word in nouns:
                return kind  # type: ignore[return-value]
        if written[i][0].isupper():
            continue  # a name or a nationality says whose: "Which Harbour Hawks defender …" asks for one
        started = True
        if word.endswith("s") and word[:-1] in NUMBER_NOUNS:
            return "number"  # "what were its revenues": figures, one for each thing named
        if word.endswith("s") and len(word) > 3 and not _NOT_PLURAL.search(word):
            return "list"
    return None


def _asks_figure(q: str) -> bool:
    """Whether a question's opening words ask for a figure: "how many", or a figure's noun."""
    opening = re.findall(r"\b[a-z]+\b(?!['’])", q.lower())[:5]
    return bool(_NUMBER_Q.search(" ".join(q.split()[:5]))) or any(
        w in NUMBER_NOUNS or w[:-1] in NUMBER_NOUNS for w in opening
    )


_ANY_WH = re.compile(rf"\b{_WH}\b", re.I)
# A year, a quarter, a number or a Roman numeral up to 89 ("lviii"; not "civil").
_PERIOD_WORD = re.compile(r"^(?:q[1-4]|h[12]|\d[\w'’-]*|(?=[ivxl])(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3}))$", re.I)


def _phrase_kind(phrase: str) -> AnswerKind:
    """A search-box phrase ("super bowl 2021 location", "tesla revenue q1 2021") asks for what
    its last noun names, past the years, quarters and numerals that narrow it.

    >>> [_phrase_kind(q) for q in ("city marathon 2019 winner", "festival host city", "game release date")]
    ['person', 'place', 'date']
    >>> [_phrase_kind(q) for q in ("port revenue q1 2021", "port history", "fest lviii host city")]
    ['number', 'thing', 'place']
    >>> [_phrase_kind(q) for q in ("2020 ferry safety features", "harbour ferry news", "spa price for 30 minutes")]
    ['list', 'thing', 'number']
    >>> [_phrase_kind(q) for q in ("date the ferry was launched", "ferry features copied from the old one")]
    ['date', 'list']
    """
    words = re.findall(r"[\w'’-]+", phrase.lower())
    tail = next((i for i, w in enumerate(words) if i and w in _PREPOSITIONS), len(words))
    words = [w for w in words[:tail] if not _PERIOD_WORD.match(w)]  # "bar price for 30 minutes": the price
    if not words:
        return "thing"
    if words[0] in ("date", "day") or words[0] in NUMBER_NOUNS:
        words = words[:1]  # "date the game was announced", "number of visitors who came"
    if len(words) > 1 and words[-1].endswith("ed") and words[-2].endswith("s"):
        words = words[:-1]  # "styling cues borrowed from …": the cues
    head = words[-1]
    if head in ("date", "day"):
        return "date"
    if head in NUMBER_NOUNS or (head.endswith("s") and head[:-1] in NUMBER_NOUNS):
        return "number"
    if head in _PLACE_NOUNS:
        return "place"
    if head in _PERSON_NOUNS:
        return "person"
    if head.endswith("s") and len(head) > 3 and not _NOT_PLURAL.search(head):
        return "list"  # "harbour festival sponsors": every one the articles name
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
    return bool(_ORGANISATION_Q.search(question_clause(question)))
