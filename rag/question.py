"""Question analysis, done once per question and used by every later step: what kind of
answer the question wants, and the constraints a passage must meet to answer it.

A constraint is something the question states that the answer must be about: a year, a
full date, a quarter, a number or ordinal tied to a name ("Season 17", "92nd"), or a
restrictive qualifier ("women's", "junior", "doubles"). A passage can meet a constraint
(it says so), be silent about it, or violate it (it states something else in its place:
another year and not this one, "men's" for "women's", "Season 16" for "Season 17", a
junior ranking for a question that names no level). Silence is not violation: a passage
dated July 2020 that reports a quarter's revenue may well be about Q2 2020.

    >>> a = analyze("Who won the women's singles U.S. Open in 2019?")
    >>> a.kind, [c.text for c in a.constraints]
    ('person', ["women's", '2019'])
    >>> a.verdict(["Serena Williams lost to Bianca Andreescu in the 2019 U.S. Open women's final."])
    'meets'
    >>> a.verdict(["Naomi Osaka won the 2018 U.S. Open women's singles title."])
    'violates'

Shortcuts: English only; qualifiers come from a short lexicon of categories that split a
competition or a ranking (gender, junior level, doubles, a stage or round of an event);
a place after "in" is not checked (too many ways to name one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

AnswerKind = Literal[
    "person", "place", "date", "number", "yes_no", "list", "explanation", "timeline", "comparison", "thing"
]
Verdict = Literal["meets", "silent", "violates"]

_MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_YEAR = re.compile(r"(?<![\d$£€.,])((?:1[89]|20)\d\d)(?:\s*[-–/]\s*(\d\d)(?!\d))?(?!\d|[.,]\d)")
FULL_DATE = re.compile(
    rf"\b(?:(?P<m1>{_MONTH})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>(?:19|20)\d\d)"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{_MONTH}),?\s+(?P<y2>(?:19|20)\d\d)"
    r"|(?P<y3>(?:19|20)\d\d)-(?P<m3>\d\d)-(?P<d3>\d\d))\b",
    re.IGNORECASE,
)
_MONTH_NAME = re.compile(r"\b(?:" + "|".join(m.title() for m in _MONTHS) + r")\b")  # "may" the verb is not May
_MONTH_CAPITAL = re.compile(
    r"\b(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?"
    r"|Nov(?:ember)?|Dec(?:ember)?)\b\.?"
)
_FIGURE = re.compile(
    r"(?<!\w)\d[\d,.]*|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    r"hundreds?|thousands?|millions?|billions?|dozens?)\b"
)
_NAME_RUN = re.compile(r"[A-Z][\w.'’-]*(?:\s+(?:(?:de|of|the|del|la|von|van)\s+)?[A-Z][\w.'’-]*)+")
_FUNCTION_WORDS = frozenset(
    "a an the this that these those it its he she they we i you his her their our my in on at of for to by from with "
    "and or but as if when while after before since during about over under who what where which why how is was "
    "were are be been has have had do does did will would can could should may might must not no yes also "
    "according mr mrs ms dr".split()
)
_QUARTER = re.compile(
    r"\b(?:q([1-4])|([1-4])q|(first|second|third|fourth|1st|2nd|3rd|4th)[\s-]+quarter)\b", re.IGNORECASE
)
_QUARTER_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_ORDINAL = re.compile(r"\b(\d{1,3})(?:st|nd|rd|th)\b(?:\s+([A-Za-z][\w'’-]*))?", re.IGNORECASE)
_HEADED_NUMBER = re.compile(
    r"\b([A-Za-z][\w'’]*)(?:\s+|-)(?:no\.?\s*|#)?(\d{1,3}|[IVX]{2,5}|(?<=[a-z]\s)[XV](?=\W|$))(?![\d,.]\d|\w)"
)
_ROMAN = {"I": 1, "V": 5, "X": 10}
_NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty"
).split()
_ORDINAL_WORDS = (
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
).split()
# Heads that name a thing's number rather than a count, when a question puts a number after them.
_NOT_HEADS = {"in", "on", "at", "of", "by", "for", "to", "and", "or", "the", "than", "about", "over", "under", "top"}

# Restrictive qualifiers: words that split a competition, a ranking or an event into parts.
# A passage that names one value of a group answers only for that value; a passage that
# names a narrowing value (junior, doubles, a stage) the question does not ask for is about
# something narrower than the question.
_QUALIFIERS: dict[str, dict[str, re.Pattern[str]]] = {
    "gender": {
        # A pronoun tells the gender of whom a sentence is about, when nothing else does.
        "women's": re.compile(
            r"\b(?:women|woman|womens|ladies|female|girls)(?:['’]s|['’])?(?!\w)|\b(?:she|her)\b", re.I
        ),
        "men's": re.compile(r"\b(?:men|mens|male|boys)(?:['’]s|['’])?(?!\w)|\b(?:he|his|him)\b", re.I),
    },
    "level": {
        "junior": re.compile(r"\b(?:junior|juniors|youth|under-?\d\d|u-?\d\d)\b", re.I),
    },
    "format": {
        "doubles": re.compile(r"\b(?:doubles|mixed|pairs)\b", re.I),
    },
    "part": {
        "part": re.compile(
            r"\b(?:stage|leg|heat|round)\s+\d+\b|\b(?:first|second|third|fourth|opening) round\b"
            r"|\b(?:semi-?finals?|quarter-?finals?|qualifying|qualifiers?|group stage)\b",
            re.I,
        ),
    },
}
_NARROWING = {"junior", "doubles", "part"}
_PRONOUN = re.compile(r"she|her|he|his|him", re.I)
_MODIFIERS = (
    r"deputy|vice|assistant|acting|former|ex|additional|interim|co|creative|executive|associate|art|artistic"
    r"|technical|managing"
)
_TITLE_MODIFIER = re.compile(rf"\b({_MODIFIERS})[\s-]+([A-Za-z][\w'’]*)", re.IGNORECASE)
_TITLE_MODIFIER_BEFORE = re.compile(
    rf"\b(?:{_MODIFIERS})[\s-]+$", re.IGNORECASE
)  # values that narrow a question which does not name them

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
_NUMBER_NOUNS = {"number", "amount", "total", "value", "cost", "price", "size", "length", "population", "toll",
                 "revenue", "figure", "percentage", "share", "budget", "worth", "distance", "duration"}  # fmt: skip
_AUXILIARIES = frozenset("do does did is are was were has have had will would can could should may might must".split())
_NOT_PLURAL = re.compile(r"(?:ss|us|is|ics|news|['’]s)$", re.I)


@dataclass(frozen=True)
class Constraint:
    """One thing the question states that an answer must be about.

    `kind` is year, date, month, quarter, number or qualifier; `text` is how the question says it.
    Years, dates and numbers are `required`: an answer must rest on a passage that states them,
    since a passage silent about the year cannot tell whose year it reports.
    """

    kind: Literal["year", "date", "month", "quarter", "number", "qualifier"]
    text: str
    value: str  # normalised: "2019", "2019-07-13", "2", "17", "women's"
    head: str = ""  # for a number, the word it belongs to ("season" for "Season 17")
    group: str = ""  # for a qualifier, its lexicon group

    def verdict(self, text: str) -> Verdict:
        """Whether `text` (a sentence, a passage, a title) meets this constraint.

        >>> Constraint("year", "2021", "2021").verdict("Egan Bernal won the Tour de France in 2019.")
        'violates'
        >>> Constraint("quarter", "Q2", "2").verdict("Revenue rose to $6.04 billion.")
        'silent'
        """
        match self.kind:
            case "year":
                years = years_in(text)
                return "meets" if years & set(self.value.split(",")) else "violates" if years else "silent"
            case "date":
                dates = full_dates(text)
                return "meets" if self.value in dates else "violates" if dates else "silent"
            case "quarter":
                quarters = quarters_in(text)
                return "meets" if quarters & set(self.value.split(",")) else "violates" if quarters else "silent"
            case "month":
                months = months_in(text)
                return "meets" if months & set(self.value.split(",")) else "violates" if months else "silent"
            case "number":
                return _number_verdict(self, text)
            case "qualifier":
                return _qualifier_verdict(self, text)

    def dated(self, date: int | None) -> Verdict:
        """What a document's own date says, when its text says nothing: a 2021 article meets "2021";
        an article written before the year asked about cannot report it."""
        if date and self.kind == "year" and str(date // 10000) in self.value.split(","):
            return "meets"
        if date and self.kind == "year" and date // 10000 < min(int(v) for v in self.value.split(",")):
            return "violates"
        if date and self.kind == "date" and _iso(date) == self.value:
            return "meets"
        if date and self.kind == "month" and f"{date // 100 % 100:02d}" in self.value.split(","):
            return "meets"
        return "silent"

    @property
    def required(self) -> bool:
        return self.kind in ("year", "date", "number")

    def in_context(self, layers: Sequence[str], date: int | None = None, near: int = 1) -> Verdict:
        """The verdict on a sentence in its context. The nearest texts (`layers[:near]`: the
        sentence, the one its pronoun leans on) decide when they say anything. Beyond them only
        years, dates and numbers are looked for: the passage, the title or the document's date
        meeting one meets it ("Jul 18, 2021 ... Pogačar took the yellow jersey"), else one of
        them naming another violates it; a month, a quarter or a qualifier further off is about
        something else.

        >>> c = Constraint("year", "2021", "2021")
        >>> c.in_context(["Pogačar took the yellow jersey.", "The 2019 and 2021 Tours."])
        'meets'
        >>> c.in_context(["He won."], 20210718)
        'meets'
        """
        for text in layers[:near]:
            v = self.verdict(text)
            if v != "silent":
                return v
        if not self.required:
            return "silent"
        far = [self.verdict(text) for text in layers[near:]] + [self.dated(date)]
        if "meets" in far:
            return "meets"
        return "violates" if "violates" in far else "silent"


@dataclass(frozen=True)
class Analysis:
    """A question, the kind of answer it wants and its constraints."""

    question: str
    kind: AnswerKind
    constraints: tuple[Constraint, ...]

    @cached_property
    def names(self) -> tuple[tuple[str, ...], ...]:
        """The question's names of two or more capitalised words, each as its lower-cased words
        (dots and possessives dropped): "the U.S. Open" -> (("us", "open"),)."""
        runs: list[tuple[str, ...]] = []
        taken = " ".join(c.text for c in self.constraints)
        for m in _NAME_RUN.finditer(self.question):
            words = []
            for w in re.findall(r"[\w.'’-]+", m.group(0)):
                if not w[:1].isupper() or w in taken or _MONTH_NAME.fullmatch(w):
                    continue
                word = re.sub(r"['’]s$|\.", "", w).lower().strip("-")
                if word and word not in _FUNCTION_WORDS:
                    words.append(word)
            if len(words) >= 2:
                runs.append(tuple(words))
        return tuple(runs)

    def names_missing(self, text: str) -> list[str]:
        """The question's names of which a text holds no word (a long word by its first five letters).

        >>> analyze("Who won the women's singles U.S. Open in 2021?").names_missing("Barty won Wimbledon.")
        ['us open']
        """
        words = set(re.findall(r"\w+", text.lower().replace(".", "")))
        stems = {w[:5] for w in words if len(w) >= 5}
        return [
            " ".join(run)
            for run in self.names
            if not any((w in words) if len(w) < 5 else (w[:5] in stems) for w in run)
        ]

    @cached_property
    def unasked_narrowing(self) -> tuple[str, ...]:
        """Narrowing qualifier groups the question leaves open (so a passage naming one is narrower)."""
        asked = {c.group for c in self.constraints if c.kind == "qualifier"}
        return tuple(g for g in _QUALIFIERS if g not in asked and set(_QUALIFIERS[g]) & _NARROWING)

    def verdicts(self, layers: Sequence[str], date: int | None = None, near: int = 1) -> list[Verdict]:
        """Each constraint's verdict on a sentence in its context (see `Constraint.in_context`).
        A question about two events ("both in July 2021 and in the later bombing") holds neither
        to the other's year or month."""
        if self.two_events:
            return ["silent"] * len(self.constraints)
        verdicts = [c.in_context(layers, date, near) for c in self.constraints]
        years = [c for c in self.constraints if c.kind == "year" and "," not in c.value]
        for i, c in enumerate(self.constraints):
            # An article written before the month asked about ("February 2025") cannot report it.
            if c.kind == "month" and verdicts[i] == "silent" and date and years:
                first = int(years[0].value) * 100 + min(int(v) for v in c.value.split(","))
                verdicts[i] = "violates" if date // 100 < first else "silent"
        return verdicts

    @cached_property
    def two_events(self) -> bool:
        return bool(re.search(r"\bboth\b.+\band\b", self.question, re.IGNORECASE))

    def verdict(self, layers: Sequence[str], date: int | None = None, near: int = 1) -> Verdict:
        """violates if any constraint is violated, the nearest text (`layers[0]`, the sentence)
        is narrower than the question, or the texts hold no word of any name the question gives; meets
        if some constraint is met; else silent."""
        verdicts = self.verdicts(layers, date, near)
        if "violates" in verdicts or (layers and self.narrower(layers[0])):
            return "violates"
        if self.names and len(self.names_missing(" ".join(layers))) == len(self.names):
            return "violates"  # none of the names the question gives: it is about something else
        return "meets" if "meets" in verdicts else "silent"

    def failures(self, layers: Sequence[str], date: int | None = None, near: int = 1) -> list[str]:
        """What a passage states in place of the question's constraints, for a refusal's
        explanation: ["2019"] for a 2021 question answered by a 2019 passage."""
        found: list[str] = []
        for c, v in zip(self.constraints, self.verdicts(layers, date, near), strict=True):
            if v != "violates":
                continue
            text = next(t for t in layers if c.verdict(t) == "violates")
            match c.kind:
                case "year":
                    found.extend(sorted(years_in(text) - set(c.value.split(","))))
                case "quarter":
                    found.extend(f"Q{q}" for q in sorted(quarters_in(text) - set(c.value.split(","))))
                case "date":
                    found.extend(sorted(full_dates(text) - {c.value}))
                case "number":
                    found.extend(f"{c.head} {n}" for n in _numbers_after(c.head, text) if n != c.value)
                case "qualifier":
                    found.extend(v for v, rx in _QUALIFIERS[c.group].items() if v != c.value and rx.search(text))
        if layers:
            found.extend(self.narrower(layers[0]))
        return list(dict.fromkeys(found))

    def narrower(self, text: str) -> list[str]:
        """Narrowing qualifiers the text names that the question does not ask for, a numbered
        sibling of a name the question gives, and titles of the question that the text only
        names with a modifier ("Deputy Prime Minister" for a question about the Prime Minister).

        >>> analyze("Who was Prime Minister then?").narrower("Deputy Prime Minister Ishaq Dar came too.")
        ['Deputy Prime']
        >>> analyze("Who was Prime Minister then?").narrower("Prime Minister Sharif and Deputy Prime Minister Dar met.")
        []
        >>> analyze("When was Marvel's Spider-Man released?").narrower("Marvel's Spider-Man 2 is out on PS5.")
        ['Spider-Man 2']
        """
        found = [
            value
            for group in self.unasked_narrowing
            for value, rx in _QUALIFIERS[group].items()
            if value in _NARROWING and rx.search(text)
        ]
        for run in self.names:  # "Marvel's Spider-Man 2" is the sequel of "Marvel's Spider-Man"
            sibling = re.search(
                rf"(?<!\w){re.escape(run[-1])}(?:['’]s)?\s+(\d{{1,2}}|[IVX]{{1,4}})\b(?![,.]?\d)", text, re.I
            )
            if sibling and not re.search(
                rf"{re.escape(run[-1])}\S*\s+{re.escape(sibling.group(1))}\b", self.question, re.I
            ):
                found.append(sibling.group(0))
        for m in _TITLE_MODIFIER.finditer(text):
            word = m.group(2)
            if word.lower() not in self.words or m.group(1).lower() in self.words:
                continue
            uses = re.finditer(rf"(?<![\w-]){re.escape(word)}\b", text, re.IGNORECASE)
            if all(_TITLE_MODIFIER_BEFORE.search(text[: u.start()]) for u in uses):
                found.append(m.group(0))
        return list(dict.fromkeys(found))

    def offers(self, text: str) -> float:
        """How plainly `text` holds the kind of answer asked for, from 0 to 1: a dated day for
        "when", a figure for "how many", a name the question does not already hold for "who"
        and "where"; 0 for other kinds.

        >>> analyze("When was it released?").offers("It came out on May 15, 2012.")
        1.0
        >>> analyze("Who won?").offers("He won.")
        0.0
        """
        match self.kind:
            case "date":
                return date_precision(text) / 3
            case "number":
                asked = set(_FIGURE.findall(self.question.lower()))
                return 1.0 if set(_FIGURE.findall(text.lower())) - asked - years_in(text) else 0.0
            case "person" | "place":
                return 1.0 if proper_names(text) - self.words else 0.0
            case _:
                return 0.0

    def values(self, text: str) -> set[str]:
        """What `text` states in the answer's slot, normalised so two sources can be compared:
        figures for "how many" ("13", "12"), dates as ISO prefixes for "when" ("2012-05-15",
        "2012-05", "2012"), else its proper names; the question's own values left out.

        >>> sorted(analyze("How many were killed?").values("At least 12 persons, six of them Chinese, died."))
        ['12', '6']
        >>> sorted(analyze("When was it released?").values("It was released on May 15, 2012, not in June 2013."))
        ['2012-05-15', '2013-06']
        """
        match self.kind:
            case "number":
                found = {_figure_value(f) for f in _FIGURE.findall(text.lower())} - years_in(text)
                return found - {_figure_value(f) for f in _FIGURE.findall(self.question.lower())} - {""}
            case "date":
                return date_values(text) - date_values(self.question)
            case _:
                return proper_names(text) - self.words

    def names_someone(self, text: str) -> bool:
        """Whether `text` names a person (a name of two words or more, no title) the question does not."""
        return any(not set(n.lower().split()) & self.words for n in person_names(text))

    @cached_property
    def words(self) -> frozenset[str]:
        """The question's words, lower-cased."""
        return frozenset(w.lower() for w in re.findall(r"[\w'’-]+", self.question))

    def unmet(self, layers: Sequence[str], date: int | None = None, near: int = 1) -> list[str]:
        """The required constraints (years, dates, numbers) that a text in its context does not state.

        >>> analyze("Who won the 2021 Tour de France?").unmet(["Egan Bernal won the 106th edition."])
        ['2021']
        """
        if self.two_events:
            return []
        return [c.text for c in self.constraints if c.required and c.in_context(layers, date, near) != "meets"]

    @property
    def asked(self) -> str:
        """The constraints as the question words them, for messages: "2021", "women's, 2019"."""
        return ", ".join(c.text for c in self.constraints)


NAME_RUN = re.compile(r"[A-Z][\w’'-]*(?:\s+(?:of\s+|the\s+|de\s+|and\s+)?[A-Z][\w’'-]*)*")
# Words that make a capitalised run a title, an office or a body rather than a person's name.
TITLE_WORDS = frozenset(
    """minister ministry president presidential vice secretary general chairman chairwoman chair affairs legal
    political commission committee department interior foreign deputy prime army chief police state councillor
    councilor director governor executive senator senior federal additional special public security national
    central military party congress standing academy university office mr mrs ms dr sir king queen prince judge
    justice court council bank force forces corridor province region district city corporation company group
    team club association agency authority government parliament assembly senate house board the a an of and
    de who what when where which why how is was were did does do according in on at for to by with from""".split()
)
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
    for run in NAME_RUN.finditer(re.sub(r"\[\d+\]", "", text)):
        words = [*run.group(0).split(), ""]
        segment: list[str] = []
        for word, after in zip(words, [*words[1:], ""], strict=True):
            bare = re.sub(r"[’']s$", "", word)
            # "Chinese" before a title or a common noun is an adjective, "Naqvi" after "Mohsin" is not.
            adjective = not segment and _DEMONYM.match(bare) and (not after or after.lower() in TITLE_WORDS)
            if word and bare.lower() not in TITLE_WORDS and not adjective:
                segment.append(bare)
                continue
            if len(segment) >= 2:
                found.append(" ".join(segment))
            segment = []
    return list(dict.fromkeys(found))


def analyze(question: str) -> Analysis:
    """The question's answer kind and constraints.

    >>> [(c.kind, c.value) for c in analyze("What was Tesla's revenue in Q2 2020?").constraints]
    [('quarter', '2'), ('year', '2020')]
    >>> [(c.text, c.head) for c in analyze("When did Season 17 of the show premiere?").constraints]
    [('Season 17', 'season')]
    >>> analyze("How many Chinese troops arrived for Warrior-VIII?").kind
    'number'
    """
    return Analysis(question, answer_kind(question), tuple(constraints(question)))


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
            for kind, nouns in (("number", _NUMBER_NOUNS), ("place", _PLACE_NOUNS), ("person", _PERSON_NOUNS)):
                if word in nouns:
                    return kind  # type: ignore[return-value]
            if word.endswith("s") and len(word) > 3 and not _NOT_PLURAL.search(word):
                return "list"
    return "thing"


def constraints(question: str) -> list[Constraint]:
    found: list[Constraint] = []
    taken: list[tuple[int, int]] = []

    def free(m: re.Match[str]) -> bool:
        return not any(s < m.end() and m.start() < e for s, e in taken)

    for m in FULL_DATE.finditer(question):
        found.append(Constraint("date", m.group(0), _date_value(m)))
        taken.append(m.span())
    years = [m for m in _YEAR.finditer(question) if free(m)]
    if years:  # several years ("in 2018, 2019 and 2021") ask for any of them
        found.append(Constraint("year", ", ".join(m.group(0) for m in years), _joined(m.group(1) for m in years)))
        taken.extend(m.span() for m in years)
    months = [m for m in _MONTH_NAME.finditer(question) if free(m) and question[: m.start()].strip()]
    if months:  # "May I ask…" opens no month; several months ask for any of them
        numbers = (f"{_MONTHS.index(m.group(0).lower()) + 1:02d}" for m in months)
        found.append(Constraint("month", ", ".join(m.group(0) for m in months), _joined(numbers)))
        taken.extend(m.span() for m in months)
    quarters = [m for m in _QUARTER.finditer(question) if free(m)]
    if quarters:
        found.append(
            Constraint("quarter", ", ".join(m.group(0) for m in quarters), _joined(map(_quarter_value, quarters)))
        )
        taken.extend(m.span() for m in quarters)
    for m in _ORDINAL.finditer(question):
        if free(m):
            found.append(Constraint("number", m.group(0), m.group(1), head=(m.group(2) or "").lower()))
            taken.append(m.span())
    for m in _HEADED_NUMBER.finditer(question):
        head = m.group(1).lower()
        if free(m) and head not in _NOT_HEADS and not _YEAR.fullmatch(m.group(2)):
            found.append(Constraint("number", m.group(0), str(_number_value(m.group(2))), head=_stem(head)))
            taken.append(m.span())
    for group, values in _QUALIFIERS.items():
        for value, rx in values.items():
            if value in _NARROWING:
                continue
            hit = next((m for m in rx.finditer(question) if not _PRONOUN.fullmatch(m.group(0))), None)
            if hit:  # a pronoun in a question refers to someone; it asks for no category
                found.append(Constraint("qualifier", hit.group(0), value, group=group))
    return sorted(found, key=lambda c: question.lower().find(c.text.lower()))


# -- what passages state -----------------------------------------------------------


def _joined(values: Iterable[str]) -> str:
    return ",".join(dict.fromkeys(values))


def years_in(text: str) -> set[str]:
    """Years a text names; a season "2020-21" names both.

    >>> sorted(years_in("In the 2020-21 season, after 1998, $2019 and 3,2019 don't count"))
    ['1998', '2020', '2021']
    >>> sorted(years_in("on 2025-02-05"))
    ['2025']
    """
    out: set[str] = set()
    for m in _YEAR.finditer(text):
        out.add(m.group(1))
        if m.group(2) and int(m.group(2)) == (int(m.group(1)[2:]) + 1) % 100:  # "2020-21", not "2025-02"
            out.add(m.group(1)[:2] + m.group(2))
    return out


def full_dates(text: str) -> set[str]:
    """Day-precise dates a text names, as YYYY-MM-DD.

    >>> sorted(full_dates("Released on Sept. 7, 2018; in Japan on 29 April 2015; on 2025-02-05."))
    ['2015-04-29', '2018-09-07', '2025-02-05']
    """
    return {_date_value(m) for m in FULL_DATE.finditer(text)}


def date_precision(text: str) -> int:
    """How precisely a text dates something: 3 for a day of a year, 2 for a month of a year
    or a day of a month, 1 for a year or a month, 0 for none.

    >>> [date_precision(t) for t in ("on May 15, 2012", "in May 2012", "on December 6th", "in 2012", "soon")]
    [3, 2, 2, 1, 0]
    """
    if FULL_DATE.search(text):
        return 3
    if re.search(
        rf"\b{_MONTH}\s+(?:of\s+)?(?:19|20)\d\d\b|\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}",
        text,
        re.IGNORECASE,
    ):
        return 2
    return 1 if years_in(text) or _MONTH_NAME.search(text) else 0


def compatible(a: str, b: str) -> bool:
    """Whether two values can both be true: equal, or one date a prefix of the other.

    >>> compatible("2012", "2012-05-15"), compatible("13", "1")
    (True, False)
    """
    dated = re.compile(r"^(?:19|20)\d\d(?:-\d\d){0,2}$")
    return a == b or (bool(dated.match(a) and dated.match(b)) and (a.startswith(b) or b.startswith(a)))


def _figure_value(figure: str) -> str:
    """'2,700' -> '2700', 'six' -> '6', '6.04' -> '6.04'; other words as they are."""
    figure = figure.rstrip(".,").replace(",", "")
    if figure in _NUMBER_WORDS:
        return str(_NUMBER_WORDS.index(figure))
    return figure


def date_values(text: str) -> set[str]:
    """Dates as ISO prefixes, each at the precision the text gives it."""
    out = set(full_dates(text))
    for m in re.finditer(rf"\b(?P<m>{_MONTH})\s+(?:of\s+)?(?P<y>(?:19|20)\d\d)\b", text, re.IGNORECASE):
        month = next(i for i, name in enumerate(_MONTHS, 1) if name.startswith(m["m"].lower().rstrip(".")[:3]))
        out.add(f"{m['y']}-{month:02d}")
    out |= {y for y in years_in(text) if not any(v.startswith(y) for v in out)}
    return out


def proper_names(text: str) -> set[str]:
    """Capitalised words that are not a sentence's function words, lower-cased; none from a
    text in capitals ("OFFICIAL ELECTION RESULTS"), where capitals mark nothing.

    >>> sorted(proper_names("The race was won by Tadej Pogačar of UAE Team Emirates."))
    ['emirates', 'pogačar', 'tadej', 'team', 'uae']
    """
    words = re.findall(r"(?<![\w'’-])[A-Z][\w'’-]*", text)
    if sum(w.isupper() and len(w) > 1 for w in words) * 2 > len(re.findall(r"[A-Za-z]{2,}", text)):
        return set()
    return {w.lower() for w in words if w.lower() not in _FUNCTION_WORDS}


def months_in(text: str) -> set[str]:
    """Months a text names (capitalised, "Jan." too), as "01".."12".

    >>> sorted(months_in("In March this year and on Jul 7, 2018, it may rain"))
    ['03', '07']
    """
    return {
        f"{next(i for i, name in enumerate(_MONTHS, 1) if name.startswith(m.group(0).lower()[:3])):02d}"
        for m in _MONTH_CAPITAL.finditer(text)
    }


def quarters_in(text: str) -> set[str]:
    """Quarters a text names, as "1".."4".

    >>> sorted(quarters_in("Q1 revenue beat the second quarter and 3Q forecasts"))
    ['1', '2', '3']
    """
    return {_quarter_value(m) for m in _QUARTER.finditer(text)}


def _date_value(m: re.Match[str]) -> str:
    if m.group("y3"):
        return f"{m.group('y3')}-{m.group('m3')}-{int(m.group('d3')):02d}"
    month_text = (m.group("m1") or m.group("m2")).lower().rstrip(".")
    month = next(i for i, name in enumerate(_MONTHS, 1) if name.startswith(month_text[:3]))
    day = int(m.group("d1") or m.group("d2"))
    return f"{m.group('y1') or m.group('y2')}-{month:02d}-{day:02d}"


def _iso(date: int) -> str:
    return f"{date // 10000:04d}-{date // 100 % 100:02d}-{date % 100:02d}"


def _quarter_value(m: re.Match[str]) -> str:
    if m.group(1) or m.group(2):
        return m.group(1) or m.group(2)
    return str(_QUARTER_WORDS[m.group(3).lower()])


def _number_value(token: str) -> int:
    """'17' -> 17, 'VIII' -> 8, 'X' -> 10."""
    if token.isdigit():
        return int(token)
    total = 0
    values = [_ROMAN.get(ch, 0) for ch in token.upper()]
    for i, v in enumerate(values):
        total += -v if i + 1 < len(values) and values[i + 1] > v else v
    return total


def _stem(word: str) -> str:
    return re.sub(r"(?:['’]s|s)$", "", word.lower())


def _number_forms(value: str) -> list[re.Pattern[str]]:
    n = int(value)
    forms = [rf"(?<![\d.,]){n}(?:st|nd|rd|th)?(?![\d]|[.,]\d)"]
    if n < len(_NUMBER_WORDS):
        forms += [rf"\b{_NUMBER_WORDS[n]}\b", rf"\b{_ORDINAL_WORDS[n]}\b"]
    roman = _to_roman(n)
    if roman and len(roman) > 1:
        forms.append(rf"(?<![\w]){roman}(?![\w])")
    return [re.compile(f, re.IGNORECASE if not f.startswith("(?<![\\w])") else 0) for f in forms]


def _to_roman(n: int) -> str:
    if not 0 < n < 40:
        return ""
    out = ""
    for value, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += letters
            n -= value
    return out


def _numbers_after(head: str, text: str) -> list[str]:
    """Numbers the text puts right after `head` ("season 16" -> ["16"]) or, for an ordinal's
    head, right before it ("91st Academy" -> ["91"])."""
    out: list[str] = []
    for m in _HEADED_NUMBER.finditer(text):
        if _stem(m.group(1)) == head:
            out.append(str(_number_value(m.group(2))))
    for m in _ORDINAL.finditer(text):
        if m.group(2) and _stem(m.group(2)) == head:
            out.append(m.group(1))
    return out


def _number_verdict(c: Constraint, text: str) -> Verdict:
    """A number tied to a name ("Season 17", "Chronicles X") must follow that name; another
    number there violates it. Otherwise the number anywhere meets it.

    >>> c = Constraint("number", "Chronicles X", "10", head="chronicle")
    >>> _number_verdict(c, "Xenoblade Chronicles X was released"), _number_verdict(c, "Xenoblade Chronicles 2 sold")
    ('meets', 'violates')
    """
    if c.head:
        after = _numbers_after(c.head, text)
        if c.value in after:
            return "meets"
        if after:
            return "violates"
    return "meets" if any(form.search(text) for form in _number_forms(c.value)) else "silent"


def _qualifier_verdict(c: Constraint, text: str) -> Verdict:
    values = _QUALIFIERS[c.group]
    if values[c.value].search(text):
        return "meets"
    others = [v for v, rx in values.items() if v != c.value and rx.search(text)]
    return "violates" if others else "silent"
