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

from rag.dates import WEEKDAYS
from rag.kinds import NUMBER_NOUNS, AnswerKind, answer_kind, question_clause, unframed, wants_organisation
from rag.mentions import (
    DEMONYM,
    FIGURE,
    FULL_DATE,
    FUNCTION_WORDS,
    MONTH_CAPITAL,
    MONTH_NAME,
    MONTHS,
    NUMBER_WORDS,
    PERIOD_RANGE,
    QUARTER,
    TITLE_WORDS,
    YEAR,
    date_precision,
    date_value,
    date_values,
    figure_value,
    full_dates,
    iso,
    months_in,
    names_day,
    not_people,
    person_names,
    proper_names,
    quarter_value,
    quarters_in,
    span_years,
    years_in,
)
from rag.sparse import tokenize

Verdict = Literal["meets", "silent", "violates"]

QUESTION_WORDS = frozenset(
    {"who", "what", "when", "where", "which", "why", "how", "whom", "whose", "did", "does", "say", "said"}
)
# A name: capitalised words, joined by up to two particles ("Breath of the Wild") or a colon
# before a subtitle ("The Legend of Zelda: Breath of the Wild").
_NAME_RUN = re.compile(r"[A-Z][\w.'’-]*(?::?\s+(?:(?:de|of|the|del|la|von|van)\s+){0,2}[A-Z][\w.'’-]*)+")
# "the 77th annual Harbour Awards" numbers the Harbour Awards.
_ORDINAL = re.compile(r"\b(\d{1,3})(?:st|nd|rd|th)\b(?:\s+(?:annual\s+)?([A-Za-z][\w'’-]*))?", re.IGNORECASE)
# A name and its number: "Season 17", "Chronicles X", "Warrior-VIII", "Sky-Runner 2" (the whole hyphenated name).
_HEADED_NUMBER = re.compile(
    r"(?<![\w-])((?:[A-Za-z][\w'’]*-)*[A-Za-z][\w'’]*)(?:(?<=\b[Nn]o)\.\s*|[™®]?(?:\s+|-))(?:no\.?\s*|#)?(\d{1,3}|[IVXL]{2,6}|(?<=[a-z]\s)[XV](?=\W|$))(?![\d,.]\d|\w|-[a-z])"
)
# Rows of a table flattened into a snippet ("2020 - A · 2019 - B ; 2018, C"), each led by its year.
_ROW_BREAK = re.compile(r"\s+[·;|]\s+|\n+")
_YEAR_LED = re.compile(r"\W*((?:19|20)\d\d)\b(?!\s*[-–/]\s*\d)")
_SCORE = re.compile(r"\d{1,2}\s?[-–]\s?\d{1,2}\b")
# A quantity in a unit: "a 30 minute session", "10-15 minutes", "the 13-inch model", "fifteen
# minutes". A passage giving the unit another number is about another quantity.
_UNITS = {
    "second": "second", "minute": "minute", "min": "minute", "hour": "hour", "hr": "hour", "day": "day",
    "week": "week", "month": "month", "year": "year", "mile": "mile", "km": "kilometre", "kilometre": "kilometre",
    "kilometer": "kilometre", "metre": "metre", "meter": "metre", "foot": "foot", "feet": "foot", "inch": "inch",
    "kg": "kilogram", "kilogram": "kilogram", "pound": "pound", "ton": "tonne", "tonne": "tonne", "litre": "litre",
    "liter": "litre", "gallon": "gallon", "magnitude": "magnitude", "gb": "gb", "tb": "tb", "mph": "mph",
}  # fmt: skip
_ASKED_UNIT = re.compile(rf"\bhow many ({'|'.join(_UNITS)})(?:e?s)?\b", re.IGNORECASE)
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_COUNT = rf"\d+(?:\.\d+)?|(?:{'|'.join(_TENS)})(?:-(?:{'|'.join(NUMBER_WORDS[1:10])}))?|{'|'.join(NUMBER_WORDS)}"
_MEASURE = re.compile(
    rf"(?<![\w.,-])(?:({_COUNT})\s*(?:-|–|to)\s*)?({_COUNT})[\s-]?({'|'.join(_UNITS)})(?:e?s)?\b(?![\s-]+old\b)",
    re.IGNORECASE,
)
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50}
_ORDINAL_WORDS = (
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
).split()
# A common-noun place after a locative preposition ("hidden in the linen cupboard").
_SPOT = re.compile(
    r"\b(?:in|at|inside|under|near|beside|behind|into|outside|beneath|on top of)\s+(?:the|a|an|his|her|their|its)\s+"
    r"((?:[a-z][\w'’-]*\s+){0,2}[a-z][\w'’-]*)"
)
_NOT_SPOTS = frozenset(
    "time times day days morning evening night afternoon week weekend month year years end past moment meantime "
    "future wake aftermath run-up process way case statement interview report letter speech post tweet video "
    "matter meeting event".split()
)
# Words before a number that are no name it numbers: function words and those that qualify the
# figure ("at least 20"). "No 1" names a rank.
_NOT_HEADS = (FUNCTION_WORDS - {"no"}) | {"top", "least", "most", "nearly", "almost", "roughly", "just", "only"}

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
        # "doubles down", "mixed reviews" and "pairs of shoes" split no competition.
        "doubles": re.compile(
            r"\b(?:doubles(?! down)|mixed (?:doubles|relay|team|pairs)|pairs (?:skating|event|title|final))\b", re.I
        ),
    },
    # An earlier round of a knockout: whom she beat in the semi-final is not whom she beat in the
    # final. The final is what a question of a knockout means unless it says otherwise, so it is
    # no constraint of its own (`_UNASKED`); in a passage, it is another round than the one asked.
    # "The final stage", "its final season" and "the Harbour Cup Finals" name no round.
    "round": {
        "semi-final": re.compile(r"\bsemi-?finals?\b|\bsemis\b", re.I),
        "quarter-final": re.compile(r"\bquarter-?finals?\b", re.I),
        "final": re.compile(
            r"(?<![-\w])finals?\b(?!\s+(?:stage|leg|heat|round|season|episode|score|results?|day|year|minutes?|whistle"
            r"|table|standings|quarter|phase|hours?|weeks?|months?|version|edition))"
        ),
    },
    "part": {
        "part": re.compile(
            r"\b(?:stage|leg|heat|round)\s+\d+\b|\b(?:first|second|third|fourth|opening) round\b"
            r"|\b(?:opening|final|last|queen) (?:stage|leg|heat)\b"
            r"|\b(?:semi-?finals?|quarter-?finals?|qualifying|qualifiers?|group stage)\b",
            re.I,
        ),
    },
}
_NARROWING = {"junior", "doubles", "part"}
_UNASKED = {"final"}
# The nation of what a question counts ("how many Chinese troops"), a qualifier of its own group.
_NATIONALITY = "nationality"
_COUNTED_NATIONALITY = re.compile(r"\b(?i:how many)\s+([A-Z][a-z]+)\s+([a-z]+)")
# A prize or a contest by the name before its kind ("Maxwell Award", "World Cup").
_PRIZE = re.compile(r"(?<![\w#])([A-Z][\w'’.&-]*)\s+(Awards?|Prizes?|Cups?|Troph(?:y|ies)|Medals?)\b")
_PRONOUN = re.compile(r"she|her|he|his|him", re.I)
_MODIFIERS = (
    r"deputy|vice|assistant|acting|former|ex|additional|interim|co|creative|executive|associate|art|artistic"
    r"|technical|managing"
)
_TITLE_MODIFIER = re.compile(rf"\b({_MODIFIERS})[\s-]+([A-Za-z][\w'’]*)", re.IGNORECASE)
_TITLE_MODIFIER_BEFORE = re.compile(
    rf"\b(?:{_MODIFIERS})[\s-]+$", re.IGNORECASE
)  # values that narrow a question which does not name them


@dataclass(frozen=True)
class Constraint:
    """One thing the question states that an answer must be about.

    `kind` is year, date, month, quarter, number, measure or qualifier; `text` is how the question
    says it.
    Years, dates and numbers are `required`: an answer must rest on a passage that states them,
    since a passage silent about the year cannot tell whose year it reports. A measure ("a 30
    minute session") is not: only a passage that gives its unit another amount is set aside.
    """

    kind: Literal["year", "date", "month", "quarter", "number", "measure", "qualifier"]
    text: str
    value: str  # normalised: "2019", "2019-07-13", "2", "17", "women's"
    head: str = ""  # for a number, the word it belongs to ("season" for "Season 17"); for a measure, its unit
    group: str = ""  # for a qualifier, its lexicon group

    def verdict(self, text: str, date: int | None = None) -> Verdict:
        """Whether `text` (a sentence, a passage, a title) meets this constraint.

        >>> Constraint("year", "2021", "2021").verdict("Egan Bernal won the Tour de France in 2019.")
        'violates'
        >>> Constraint("quarter", "Q2", "2").verdict("Revenue rose to $6.04 billion.")
        'silent'
        >>> Constraint("year", "2021", "2021").verdict("He won a year ago.", date=20210718)  # the text's date
        'violates'
        """
        match self.kind:
            case "year":
                years = years_in(text, date)
                met = years & set(self.value.split(","))
                return "meets" if met else "violates" if years - span_years(text) else "silent"
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
            case "measure":
                given = _measures(text).get(self.head, set())
                return "meets" if self.value in given else "violates" if given else "silent"
            case "qualifier":
                return _qualifier_verdict(self, text)

    def dated(self, date: int | None) -> Verdict:
        """What a document's own date says, when its text says nothing: a 2021 article meets "2021";
        an article written before the year asked about cannot report it."""
        if date and self.kind == "year" and str(date // 10000) in self.value.split(","):
            return "meets"
        if date and self.kind == "year" and date // 10000 < min(int(v) for v in self.value.split(",")):
            return "violates"
        if date and self.kind == "date" and iso(date) == self.value:
            return "meets"
        if date and self.kind == "month" and f"{date // 100 % 100:02d}" in self.value.split(","):
            return "meets"
        return "silent"

    @property
    def required(self) -> bool:
        # A round asked for is one a passage silent on it is no answer for: "beating Lin Hao" of
        # a champion is most likely the final.
        return self.kind in ("year", "date", "number") or self.group == "round"

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
        >>> Constraint("quarter", "Q2", "2").in_context(["It earned $2.5 a share.", "Its third-quarter results."])
        'violates'
        """
        for text in layers[:near]:
            v = self.verdict(text, date)
            if v != "silent":
                return v
        # A company's report is of one quarter: a passage that names only another quarter is
        # about that one, though the sentence with the figure does not say so.
        if not self.required and self.kind != "quarter":
            return "silent"
        far = [self.verdict(text, date) for text in layers[near:]] + [self.dated(date)]
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
        (dots and possessives dropped): "the U.S. Open" -> (("us", "open"),). Single words are
        left out: a passage may well say "Pakistan" for "Islamabad" or "the company" for "Tesla"
        (required, they cost 3 of 56 seed questions and 1 of 50 RGB ones their evidence)."""
        taken = " ".join(c.text if c.kind != "number" else _numeral(c.text) for c in self.constraints)
        return tuple(run for run in _name_runs(unframed(self.question), taken) if len(run) >= 2)

    def other_edition(self, text: str) -> str:
        """The year a sentence gives the name the question names, where that is another year
        than the one asked about and the asked year there is another name's: "… won his first
        major at the US Open in 2021 … after the 2022 NCAA championship" is about 2021, not
        "the 2022 US Open".

        >>> a = analyze("Who won the 2022 Harbour Open?")
        >>> a.other_edition("Ruiz won the Harbour Open in 2021, after the 2022 NCAA title.")
        '2021'
        >>> a.other_edition("Ruiz, the Harbour Open champion of 2021, won again in 2022.")
        ''
        """
        asked = {v for c in self.constraints if c.kind == "year" for v in c.value.split(",")}
        if not asked:
            return ""
        for name in self.names:
            beside: set[str] = set()
            for m in _name_pattern(name).finditer(text):
                beside |= years_in(text[max(0, m.start() - 12) : m.end() + 12])
            if not beside or beside & asked:
                continue
            others = [
                y
                for y in asked
                for m in re.finditer(rf"(?<!\d){y}(?!\d)", text)
                if not re.match(r"\s+[A-Z]", text[m.end() :]) and not re.search(r"[A-Z][\w'’-]*\s+$", text[: m.start()])
            ]
            if not others:  # the asked year is there only as another name's ("the 2022 NCAA")
                return ", ".join(sorted(beside))
        return ""

    def rival_name(self, text: str) -> str:
        """A name `text` gives to another thing of the kind the question names, where it does not
        name the question's own: "River Open" for "the Harbour Open", "Lin Okafor" for "Ada Okafor"
        (a numbered name, "Super Fest LVI", is a number constraint instead). Rival names share the
        asked name's last word or two of its words, and add one of their own; titles ("Minister")
        neither share nor add.

        >>> a = analyze("Who won the 2018 Harbour Open?")
        >>> a.rival_name("She won the River Open in 2018."), a.rival_name("She won the Open, a Harbour Open title.")
        ('river open', '')
        >>> analyze("Whom did the NR Harbour Board blame?").rival_name("The North Ridge Harbour Board blamed them.")
        ''
        """
        runs = [(run, _name_parts(run)) for run in _name_runs(text)]
        # All its capitalised words: "the Harbour Counter-Terrorism Department (HCTD)" names "Harbour HCTD".
        named = _capital_parts(text)
        for name in self.names:
            parts = _name_parts(name)
            own = set(parts)
            if not own or own <= named:
                continue
            last = parts[-1]
            for run, words in runs:
                shared, added = set(words) & own, [w for w in words if w not in own and w not in self.capital_parts]
                # What the asked name writes as initials is no word of another's ("NR" for "North Ridge").
                if added and (last in shared or len(shared) >= 2) and "".join(w[0] for w in added) not in own:
                    return " ".join(run)
        return ""

    @cached_property
    def capital_parts(self) -> frozenset[str]:
        """The parts of the question's capitalised words: a word the question itself gives is no
        word of another's name ("Skyliner K200-800" for "Gulfair's Skyliner K200-800 order")."""
        return frozenset(_capital_parts(self.question))

    @cached_property
    def subtitled(self) -> tuple[tuple[str, str], ...]:
        """The question's names with a subtitle, as (the name's last word before the colon, the
        subtitle's first word): "The Legend of Zelda: Breath of the Wild" -> ("Zelda", "Breath")."""
        return tuple(
            (m.group(1), m.group(2)) for m in re.finditer(r"([A-Z][\w'’-]*):\s+([A-Z][\w'’-]*)", self.question)
        )

    @cached_property
    def prizes(self) -> tuple[tuple[frozenset[str], str], ...]:
        """The prizes and contests the question names, as (the capitalised words of their name,
        before and after the kind: what tells them apart from others of the kind; the kind by its
        first letters).

        >>> [(sorted(words), kind) for words, kind in analyze("Who won the Nobel Prize in Literature?").prizes]
        [(['literature', 'nobel'], 'prize')]
        """
        found = []
        for m in _PRIZE.finditer(self.question):
            before = re.search(r"((?:[A-Z][\w'’.&-]*\s+)*)$", self.question[: m.start(1)])
            after = re.match(r"\s+(?:(?:in|of|for|the)\s+)*((?:[A-Z][\w'’-]*\s*)*)", self.question[m.end() :])
            words = [
                *(before.group(1).split() if before else []),
                m.group(1),
                *(after.group(1).split() if after else []),
            ]
            found.append((frozenset(w.lower() for w in words), m.group(2).lower()[:5]))
        return tuple(found)

    def names_some(self, text: str) -> bool:
        """Whether a text holds a word of some name the question gives (or the question gives none).
        Of a two-word name (a person's, mostly), a word counts where it is not part of another name
        that shares only that word, and not the asked name's last: "Dr Lina Castell" holds no
        "General Lina Moreau", where "Hunter Moreau" or "Lina" alone still count.

        >>> a = analyze("How long did General Lina Moreau and Omar Haddad meet?")
        >>> a.names_some("Dr Lina Castell said it lasted two hours."), a.names_some("Lina met him.")
        (False, True)
        """
        return not self.names or any(_holds_word(name, _without_namesakes(text, name)) for name in self.names)

    def names_missing(self, text: str) -> list[str]:
        """The question's names of which a text holds no word (a long word by its first five letters).

        >>> analyze("Who won the women's singles U.S. Open in 2021?").names_missing("Barty won Wimbledon.")
        ['us open']
        """
        return [" ".join(run) for run in self.names if not _holds_word(run, text)]

    @cached_property
    def unasked_narrowing(self) -> tuple[str, ...]:
        """Narrowing qualifier groups the question leaves open (so a passage naming one is narrower)."""
        asked = {g for g, values in _QUALIFIERS.items() if any(rx.search(self.question) for rx in values.values())}
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

    def verdict(
        self, layers: Sequence[str], date: int | None = None, near: int = 1, named: bool | None = None
    ) -> Verdict:
        """violates if any constraint is violated, the nearest text (`layers[0]`, the sentence)
        is narrower than the question, or the texts hold no word of any name the question gives
        (`named`, when the caller has already looked for them in the texts' whole article, as
        `names_some`); meets if some constraint is met; else silent."""
        verdicts = self.verdicts(layers, date, near)
        if "violates" in verdicts or (
            layers and (self.narrower(layers[0]) or self.other_edition(" ".join(layers[:near])))
        ):
            return "violates"
        if not (self.names_some(" ".join(layers)) if named is None else named):
            return "violates"  # none of the names the question gives: it is about something else
        return "meets" if "meets" in verdicts else "silent"

    def failures(self, layers: Sequence[str], date: int | None = None, near: int = 1) -> list[str]:
        """What a passage states in place of the question's constraints, for a refusal's
        explanation: ["2019"] for a 2021 question answered by a 2019 passage.

        >>> analyze("Where was Super Fest LVI held?").failures(["After Super Fest LV was held in Rome"])
        ['Fest LV']
        """
        found: list[str] = []
        for c, v in zip(self.constraints, self.verdicts(layers, date, near), strict=True):
            if v != "violates":
                continue
            text = next((t for t in layers if c.verdict(t, date) == "violates"), "")
            match c.kind:
                case "year":
                    found.extend(sorted(years_in(text, date) - set(c.value.split(","))))
                case "quarter":
                    others = sorted(quarters_in(text) - set(c.value.split(",")))
                    found.extend("Q" + q.replace("+", "+Q") for q in others)  # "Q1+Q2": a half, neither
                case "date":
                    found.extend(sorted(full_dates(text) - {c.value}))
                case "number":  # as the text writes it: "Super Fest LV"
                    found.extend(written for n, written in _numbered(c.head, text) if n != c.value)
                case "measure":
                    found.extend(f"{n} {c.head}s" for n in sorted(_measures(text).get(c.head, set()) - {c.value}))
                case "qualifier":
                    found.extend(_other_qualifiers(c, text))
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
        >>> analyze("Who beat Ada Okafor?").narrower("Lin Hao edged Ada Okafor 7-6 (5), 6-3.")
        []
        >>> analyze("When was Zelda: Breath of the Wild out?").narrower("Zelda: Ocarina of Time came out in 1998.")
        ['Zelda: Ocarina']
        >>> a = analyze("Who won the Maxwell Award in 2019?")
        >>> a.narrower("2019 CFDA Awards winners: Brandon Maxwell"), a.narrower("Joe Burrow wins Camp, Maxwell awards.")
        (['CFDA Awards'], [])
        >>> analyze("Who won the Nobel Prize in Literature?").narrower("Handke, the Nobel Literature Prize winner")
        []
        """
        found = [
            value
            for group in self.unasked_narrowing
            for value, rx in _QUALIFIERS[group].items()
            if value in _NARROWING and rx.search(text)
        ]
        # "Marvel's Spider-Man 2" is the sequel of "Marvel's Spider-Man"; "Okafor 7-6" is a score.
        for run in self.names:
            sibling = re.search(
                rf"(?<!\w){re.escape(run[-1])}(?:['’]s)?\s+(\d{{1,2}}|[IVX]{{1,4}})\b(?![,.]?\d|\s?[-–]\s?\d)",
                text,
                re.I,
            )
            if sibling and not re.search(
                rf"{re.escape(run[-1])}\S*\s+{re.escape(sibling.group(1))}\b", self.question, re.I
            ):
                found.append(sibling.group(0))
        for head, subtitle in self.subtitled:  # "Zelda: Ocarina of Time" is not "Zelda: Breath of the Wild"
            other = re.search(rf"(?<!\w){re.escape(head)}\s*[:–-]\s*([A-Z][\w'’-]*)", text)
            if other and other.group(1).lower() != subtitle.lower():
                found.append(other.group(0))
        for names, head in self.prizes:  # "CFDA Awards" is not the "Maxwell Award", "Davis Cup" not the "World Cup"
            same = [m for m in _PRIZE.finditer(text) if m.group(2).lower().startswith(head)]
            if same and not any(m.group(1).lower() in names for m in same):
                found.append(same[0].group(0))
        for m in _TITLE_MODIFIER.finditer(text):
            word = m.group(2)
            if word.lower() not in self.words or m.group(1).lower() in self.words:
                continue
            uses = re.finditer(rf"(?<![\w-]){re.escape(word)}\b", text, re.IGNORECASE)
            if all(_TITLE_MODIFIER_BEFORE.search(text[: u.start()]) for u in uses):
                found.append(m.group(0))
        return list(dict.fromkeys(found))

    @cached_property
    def events(self) -> tuple[str, ...]:
        """The kinds of event a "when" question asks the date of ("released", "founded", "held").

        >>> analyze("When was Breath of the Wild released?").events, analyze("When did the awards take place?").events
        (('release',), ('hold',))
        """
        if self.kind != "date":
            return ()
        return tuple(name for name, rx in _EVENTS.items() if rx.search(self.question))

    @cached_property
    def subject(self) -> frozenset[str]:
        """The terms of what a "when" question asks the date of: its terms but the event's and the
        question words; none for other questions.

        >>> sorted(analyze("When was xenoblade chronicles 2 released?").subject)
        ['chronicl', 'xenoblad']
        """
        if self.kind != "date":
            return frozenset()
        rest = question_clause(self.question)  # not "tell" of "Tell me when …"
        for e in self.events:
            rest = _EVENTS[e].sub(" ", rest)
        return frozenset(tokenize(rest)) - frozenset(tokenize(" ".join(QUESTION_WORDS)))

    @cached_property
    def event_terms(self) -> frozenset[str]:
        """The terms by which a "when" question names its event ("come", "out" of "come out"):
        a sentence that names the event in other words ("released") holds them too.

        >>> sorted(analyze("When did the album come out?").event_terms)
        ['come', 'out']
        """
        return frozenset(t for e in self.events for m in _EVENTS[e].finditer(self.question) for t in tokenize(m[0]))

    def states_event(self, text: str) -> bool:
        """Whether `text` names the event a "when" question asks the date of, in any of its words."""
        return any(_EVENTS[e].search(text) for e in self.events)

    def other_event(self, text: str) -> str:
        """The word by which `text` dates another kind of event than the question asks about, when
        it does not name the one asked about: "announced" for a question about a release; else "".

        >>> a = analyze("When was Breath of the Wild released?")
        >>> a.other_event("It was announced on May 2, 2013."), a.other_event("They revealed it will release in May.")
        ('announced', '')
        """
        if not self.events or self.states_event(text):
            return ""
        found = (rx.search(text) for name, rx in _EVENTS.items() if name not in self.events)
        return next((m.group(0) for m in found if m), "")

    @property
    def to_the_day(self) -> bool:
        """Whether the question asks for a date to the day ("On what exact date …?")."""
        return self.kind == "date" and bool(_EXACT_DATE.search(self.question))

    @cached_property
    def wants_weekday(self) -> bool:
        """Whether the question asks for a day of the week, which a weekday alone answers."""
        return self.kind == "date" and bool(_WEEKDAY_ASKED.search(self.question))

    @cached_property
    def unit(self) -> str:
        """The unit a count asks for: "how many years is the contract?" -> "year"; else "".

        >>> analyze("How many kilometres long is the road?").unit, analyze("How many people came?").unit
        ('kilometre', '')
        """
        m = _ASKED_UNIT.search(self.question) if self.kind == "number" else None
        return _UNITS[m.group(1).lower()] if m else ""

    def offers(self, text: str) -> float:
        """How plainly `text` holds the kind of answer asked for, from 0 to 1: a dated day for
        "when", a figure for "how many", a name the question does not already hold for "who"
        and "where"; 0 for other kinds.

        >>> analyze("When was it released?").offers("It came out on May 15, 2012.")
        1.0
        >>> analyze("Who won?").offers("He won.")
        0.0
        >>> analyze("Which day of the week did they meet?").offers("They met on Tuesday.")
        1.0
        """
        match self.kind:
            case "date":
                if self.wants_weekday and _WEEKDAY.search(text):
                    return 1.0
                if self.to_the_day and not names_day(text):
                    return 0.0  # "mid-December" is no exact date
                return date_precision(text) / 3
            case "number" if self.unit:  # "how many years": a figure in years, not an age
                return 1.0 if _measures(text).get(self.unit, set()) else 0.0
            case "number":
                asked = set(FIGURE.findall(self.question.lower()))
                return 1.0 if set(FIGURE.findall(text.lower())) - asked - years_in(text) else 0.0
            case "person":
                return 1.0 if self.new_names(text) else 0.0
            case "place":
                return 1.0 if self.new_names(text) else 0.5 if self.new_spot(text) else 0.0
            case _:
                return 0.0

    def new_spot(self, text: str) -> str:
        """A place `text` gives in common nouns that the question does not ("in the linen
        cupboard" for "where in the room was it found?"); a time or a source is no place ("in the
        morning", "in a statement").

        >>> a = analyze("Where in the house was the cat found?")
        >>> a.new_spot("It was found hidden in the linen cupboard."), a.new_spot("It was found in the house.")
        ('linen cupboard', '')
        """
        for m in _SPOT.finditer(text):
            words = []
            for w in m.group(1).lower().split():
                if w in FUNCTION_WORDS:
                    break
                words.append(w)
            if words and words[-1] not in self.words and words[-1] not in _NOT_SPOTS:
                return " ".join(words)
        return ""

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
                found = {figure_value(f) for f in FIGURE.findall(text.lower())} - years_in(text)
                return found - {figure_value(f) for f in FIGURE.findall(self.question.lower())} - {""}
            case "date":
                return date_values(text) - date_values(self.question)
            case _:
                return self.new_names(text)

    def year_rows(self, text: str) -> tuple[str, list[str]]:
        """In a table of rows led by years ("2020 - Ada Okafor, Riverton · 2019 - Lin Hao, …"),
        the row of the one year the question asks about and the other rows; ("", []) where the
        text is no such table or has no row for that year.

        >>> analyze("Who won the Harbour Prize in 2020?").year_rows("Winners · 2020 - Ada Okafor · 2019 - Lin Hao ...")
        ('2020 - Ada Okafor', ['2019 - Lin Hao ...'])
        """
        asked = [c.value for c in self.constraints if c.kind == "year" and "," not in c.value]
        led = [(m[1], r.strip()) for r in _ROW_BREAK.split(text) if (m := _YEAR_LED.match(r.strip()))]
        row = next((r.rstrip(" .") for year, r in led if asked and year == asked[0]), "")
        if len(asked) != 1 or len(led) < 2 or not row:
            return "", []
        return row, [r for year, r in led if year != asked[0]]

    def nation_counts(self, text: str) -> set[str]:
        """The figures `text` gives for the people of the nation a count asks about ("How many
        Harbourian sailors …"): "nine" of "12 died, including nine Harbourian sailors".

        >>> sorted(analyze("How many Harbourian sailors died?").nation_counts("12 died, nine of them Harbourian."))
        ['9']
        """
        asked = next((c for c in self.constraints if c.group == _NATIONALITY), None)
        if asked is None:
            return set()
        demonym = re.escape(asked.text.split()[0])
        found = re.finditer(rf"(?<![\w.,])(\d[\d,]*|{_COUNT})\s+(?:of\s+them\s+)?(?:were\s+)?{demonym}\b", text, re.I)
        return {_count_value(m[1].replace(",", "")) for m in found}

    def compared_with(self, sentence: str, value: str) -> bool:
        """Whether `sentence` gives the figure `value` for another period than the asked one and
        names the asked one only in what it is compared with ("revenue of $9 billion, up from its
        Q3 2018 revenue of $7 billion" for Q3 2018's revenue).

        >>> a = analyze("What was Harbour Lines' revenue in Q3 2018?")
        >>> text = "Revenue was $9 billion, up from its Q3 2018 revenue of $7 billion."
        >>> a.compared_with(text, "9"), a.compared_with(text, "7")
        (True, False)
        >>> a.compared_with("Q3 2018 revenue was $9 billion, up from $7 billion a year earlier.", "9")
        False
        """
        periods = [c for c in self.constraints if c.kind in ("year", "quarter", "month", "date")]
        base = _COMPARED.search(sentence)
        if self.kind != "number" or not periods or base is None:
            return False
        head, tail = sentence[: base.start()], sentence[base.start() :]
        return (
            value in self.values(head)
            and all(c.verdict(head) != "meets" for c in periods)
            and any(c.verdict(tail) == "meets" for c in periods)
        )

    def new_names(self, text: str) -> set[str]:
        """The proper names of `text` (lower-cased) that the question does not give in any form:
        "Pakistan" is given by "Pakistani", "China" by "Chinese".

        >>> sorted(analyze("In which Pakistani city was it held?").new_names("Held in Pakistan, in Lahore."))
        ['lahore']
        """
        found = proper_names(text) - self.words
        if self.kind == "person" and not wants_organisation(self.question):
            found -= not_people(text)  # who won is no "Awards Show"
        return {n for n in found if not any(_one_name(n, w) for w in self.words)}

    def names_someone(self, text: str) -> bool:
        """Whether `text` names a person (a name of two words or more, no title) the question does not."""
        others = not_people(text)  # "the Sports Awards Show" is no one
        return any(
            not (words := set(n.lower().split())) & self.words and not words <= others for n in person_names(text)
        )

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

    def parts(self) -> list[tuple[str, str]]:
        """For a question that asks the same thing of several years, periods or named things,
        (each one, the question asked of it alone); else []. Each part is then a single fact,
        answered from passages that state it.

        A list over several years asks its question of each year; a quantity's development
        between periods asks its value in each period the question names; "When were A and B
        released?" asks it of A, then of B.

        >>> analyze("Who won Wimbledon in 2018, 2019 and 2021?").parts()[2]
        ('2021', 'Who won Wimbledon in 2021?')
        >>> analyze("How did the firm's revenue develop from Q2 2020 to Q1 2021?").parts()[1]
        ('Q1 2021', "What was the firm's revenue in Q1 2021?")
        >>> analyze("When were Skyfarer 2 and Skyfarer: Remastered released, in date order?").parts()[1]
        ('Skyfarer: Remastered', 'When was Skyfarer: Remastered released?')
        >>> analyze("When did Omar Farid and Lin Hao meet?").parts()  # one event of two people
        []
        """
        if self.two_events:
            return []
        if self.kind == "list":
            years = [m for m in YEAR.finditer(self.question) if m.group(2) is None]
            if len(years) >= 2:
                head, tail = self.question[: years[0].start()], self.question[years[-1].end() :]
                return [(y, f"{head}{y}{tail}") for y in dict.fromkeys(m.group(1) for m in years)]
        develops = _DEVELOPS.match(question_clause(self.question)) if self.kind == "timeline" else None
        if develops and quantity(develops["subject"]):
            periods = list(dict.fromkeys(p.group(0) for p in _PERIOD.finditer(self.question)))
            if len(periods) >= 2:
                return [(p, f"What was {develops['subject']} in {p}?") for p in periods]
        if self.kind in ("list", "timeline", "date", "place", "number") and (m := _TWO_NAMES.match(self.question)):
            rest = _ORDER_WORDS.sub("", m["rest"]).strip()
            aux = _SINGULAR.get(m["aux"].lower(), m["aux"])
            return [(name, f"{m['wh']} {aux} {name} {rest}") for name in (m["a"], m["b"])]
        return []

    @property
    def asked(self) -> str:
        """The constraints as the question words them, for messages: "2021", "women's, 2019"."""
        return ", ".join(c.text for c in self.constraints)


# Kinds of event a date is given for; a question's kind, and a sentence that dates another
# ("announced" for "released"), tell whether the sentence's date answers it.
_EVENTS = {
    name: re.compile(rf"\b(?:{words})\b", re.IGNORECASE)
    for name, words in {
        "release": r"releas\w*|launch\w*|debut\w*|(?:came|come|comes|coming) out|premier\w*|publish(?:ed|es|ing)?"
        r"|on sale|hits? (?:shelves|stores|theaters|theatres)|aired",
        "announce": r"announc\w*|reveal\w*|unveil\w*|teas(?:ed|er)",
        "found": r"founded|founding|establish\w*|incorporat\w*|set up|formed",
        "hold": r"held|take place|took place|takes place|taking place|staged",
        "die": r"died|dies|death|killed|passed away",
        "born": r"born|birth",
        "sign": r"signed|signing",
        "acquire": r"acquir\w*|bought|buys?|purchas\w*|took over|takeover",
    }.items()
}
_WEEKDAY_ASKED = re.compile(r"\bday of the week\b|\b(?:which|what)\s+(?:week)?day\b(?!\s+of\s+the\s+month)", re.I)
_WEEKDAY = re.compile(r"\b(?:" + "|".join(WEEKDAYS) + r")\b", re.IGNORECASE)
_EXACT_DATE = re.compile(r"\b(?:exact|precise|specific)\s+(?:date|day)\b", re.IGNORECASE)
_PERIOD = re.compile(
    rf"(?:{QUARTER.pattern}|{MONTH_NAME.pattern})(?:\s+|\s+of\s+)(?:19|20)\d\d\b"
    r"|(?<![\w-])(?:19|20)\d\d(?![\w-])",
    re.IGNORECASE,
)
_DEVELOPS = re.compile(
    r"^\W*how (?:has|have|did|does|do) (?P<subject>.+?) (?:develop|evolve|change|progress|grow|move)(?:e?d)?\b", re.I
)
# Two names joined by "and" as the subject of a plural verb: "When were A and B released?"
_NAME = r"[A-Z][\w'’.-]*(?::?\s+(?:(?:of|the|de)\s+)*(?:[A-Z][\w'’.-]*|\d{1,3}\b|[IVX]{1,4}\b))*"
_TWO_NAMES = re.compile(
    rf"^(?P<wh>\W*(?i:when|where|how (?:much|many)(?: \w+)?|(?:what|which) \w+))\s+(?P<aux>(?i:were|are))\s+"
    rf"(?P<a>{_NAME})\s+and\s+(?P<b>{_NAME})\s+(?P<rest>[a-z].*)$"
)
# What a figure is compared with: "up from …", "compared with …".
_COMPARED = re.compile(
    r"\b(?:up|down|rising|falling|rose|fell|increased?|decreased?)\s+from\b|\bcompared\s+(?:to|with)\b|\bversus\b",
    re.IGNORECASE,
)
_ORDER_WORDS = re.compile(r",?\s*(?:in (?:date|chronological) order|respectively|in order)\b", re.I)
_SINGULAR = {"were": "was", "are": "is"}


def quantity(phrase: str) -> bool:
    """Whether a noun phrase names a quantity ("Tesla's quarterly revenue", "the death toll").

    >>> quantity("Tesla's quarterly revenue"), quantity("Naqvi's talks with Chinese officials")
    (True, False)
    """
    return bool(set(re.findall(r"[a-z]+", phrase.lower())) & NUMBER_NOUNS)


def _one_name(a: str, b: str) -> bool:
    """Whether two words are one name's forms: all but the shorter's last letter shared, four or
    more ("pakistan" and "pakistani", "china" and "chinese", not "austria" and "australia")."""
    shared = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return shared >= 4 and shared >= min(len(a), len(b)) - 1


def _name_pattern(name: tuple[str, ...]) -> re.Pattern[str]:
    """A name as a text may write it: ("us", "open") matches "U.S. Open" and "US Open"."""
    words = ("".join(re.escape(ch) + r"\.?" for ch in w) for w in name)
    return re.compile(r"\b" + r"(?:['’]s)?[\s\-–]+(?:(?:de|of|the|del|la)\s+)?".join(words), re.I)


def _name_parts(run: tuple[str, ...]) -> list[str]:
    """A name's words that tell it apart, compounds split, a long word by its first five letters
    (as `names_missing` reads them): titles ("minister") tell nothing, and "Century-Fox" is
    "Century–Fox" is "Century Fox"."""
    parts = (p for w in run for p in re.split(r"[-–—]", w) if p and p not in TITLE_WORDS)
    return [p[:5] if len(p) >= 5 else p for p in parts]


def _capital_parts(text: str) -> set[str]:
    """The name parts (`_name_parts`) of all the capitalised words of a text."""
    return set(_name_parts(tuple(_name_word(w) for w in re.findall(r"\b[A-Z][\w.'’-]*", text))))


def _holds_word(run: tuple[str, ...], text: str) -> bool:
    """Whether a text holds a word of a name (a long word by its first five letters); "the cup"
    may be the Harbour Cup, but a word of a lower-case compound is none ("award-winning").

    >>> _holds_word(("harbour", "award"), "the award-giving body"), _holds_word(("harbour", "award"), "the award")
    (False, True)
    """
    text = re.sub(r"(?<![\w-])[a-z]+(?:-[a-z]+)+(?![\w-])", " ", text.replace(".", ""))
    words = set(re.findall(r"\w+", text.lower()))
    stems = {w[:5] for w in words if len(w) >= 5}
    return any((w in words) if len(w) < 5 else (w[:5] in stems) for w in run)


def _without_namesakes(text: str, name: tuple[str, ...]) -> str:
    """The text without the other names that share only the first word of a two-word name:
    "Dr Lina Castell" for "General Lina Moreau". A longer name is a title's or an event's, whose
    words other names share by right ("Harbour Open", "Harbour Mayoral Election")."""
    parts = _name_parts(name)
    if len(parts) != 2:
        return text
    own = set(parts)

    def blank(m: re.Match[str]) -> str:
        runs = [set(_name_parts(run)) for run in _name_runs(m.group(0))]
        return " " if any(len(w & own) == 1 and parts[-1] not in w and w - own for w in runs) else m.group(0)

    return _NAME_RUN.sub(blank, text)


def _name_word(word: str) -> str:
    """A name's word as names are compared: "U.S." -> "us", "Naqvi's" -> "naqvi", "Airlines'" -> "airlines"."""
    return re.sub(r"['’]s$|(?<=s)['’]$|\.", "", word).lower().strip("-")


def _numeral(text: str) -> str:
    """A number constraint's numeral, without the name it numbers: that name is still the
    question's ("the 77th Golden Harbour Awards" names the Golden Harbour Awards).

    >>> _numeral("77th Golden"), _numeral("Fest LVI"), _numeral("Warrior-VIII")
    ('77th', 'LVI', 'Warrior-VIII')
    """
    return " ".join(t for t in text.split() if re.search(r"\d|^[IVXL]+$|-(?:\d+|[IVXL]+)$", t))


def _name_runs(text: str, taken: str = "") -> list[tuple[str, ...]]:
    """The text's names of capitalised words, each as its lower-cased words (dots, possessives,
    function words, months and the words in `taken` dropped): "the U.S. Open" -> ("us", "open")."""
    runs: list[tuple[str, ...]] = []
    for m in _NAME_RUN.finditer(text):
        words = []
        for w in re.findall(r"[\w.'’-]+", m.group(0)):
            if not w[:1].isupper() or (taken and w in taken) or MONTH_NAME.fullmatch(w):
                continue
            word = _name_word(w)
            if word and word not in FUNCTION_WORDS:
                words.append(word)
        if words:
            runs.append(tuple(words))
    return runs


def recased(question: str, texts: Iterable[str]) -> str:
    """The question with the names it types in lower case written as `texts` (the articles) write
    them: "harbour open 2022 winner" asks about the "Harbour Open", a name that passages of other
    events must hold. Only names of two capitalised words or more that two texts write so
    (a headline capitalises every word), longest first; what the question capitalises stays.

    >>> recased("harbour open 2022 winner", ["The Harbour Open began.", "Rain at the Harbour Open.", "Open Winner"])
    'Harbour Open 2022 winner'
    >>> recased("river cup final", ["The River Cup Final: how the River Cup was won"])
    'river cup final'
    """
    found: dict[str, str] = {}
    seen: dict[str, int] = {}
    for text in texts:
        named: set[str] = set()
        for m in _NAME_RUN.finditer(text):
            words = m.group(0).rstrip(".'’-").split()
            while words and words[0].lower() in FUNCTION_WORDS:  # "The Harbour Open began"
                words.pop(0)
            name = " ".join(words)
            if len(words) >= 2 and re.fullmatch(r"[\w\s'’-]+", name) and name.lower() in question:
                found.setdefault(name.lower(), name)
                named.add(name.lower())
        for low in named:
            seen[low] = seen.get(low, 0) + 1
    # A name, not a phrase one writer capitalised: written so in two passages at least.
    for low in sorted((n for n in found if seen[n] >= 2), key=len, reverse=True):
        question = re.sub(rf"(?<!\w){re.escape(low)}(?!\w)", found[low], question)
    return question


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


def constraints(question: str) -> list[Constraint]:
    found: list[Constraint] = []
    taken: list[tuple[int, int]] = []

    def free(m: re.Match[str]) -> bool:
        return not any(s < m.end() and m.start() < e for s, e in taken)

    for m in FULL_DATE.finditer(question):
        found.append(Constraint("date", m.group(0), date_value(m)))
        taken.append(m.span())
    ranges = [m.span() for m in PERIOD_RANGE.finditer(question)]

    def ends(found: list[re.Match[str]]) -> bool:  # the two ends of a period ("between May and July")
        return len(found) == 2 and any(s <= found[0].start() and found[1].end() <= e for s, e in ranges)

    years = [m for m in YEAR.finditer(question) if free(m)]
    if years:  # several years ("in 2018, 2019 and 2021") ask for any of them; a period, for any in it
        asked = [int(m.group(1)) for m in years]
        if ends(years) and 0 < asked[1] - asked[0] <= 50:
            asked = list(range(asked[0], asked[1] + 1))
        found.append(Constraint("year", ", ".join(m.group(0) for m in years), _joined(map(str, asked))))
        taken.extend(m.span() for m in years)
    months = [m for m in MONTH_NAME.finditer(question) if free(m) and question[: m.start()].strip()]
    if months:  # "May I ask…" opens no month; several months ask for any of them; a period, for any in it
        indices = [MONTHS.index(m.group(0).lower()) for m in months]
        if ends(months):  # "between November and February" holds December and January
            indices = [(indices[0] + i) % 12 for i in range((indices[1] - indices[0]) % 12 + 1)]
        numbers = (f"{v + 1:02d}" for v in indices)
        found.append(Constraint("month", ", ".join(m.group(0) for m in months), _joined(numbers)))
        taken.extend(m.span() for m in months)
    quarters = [m for m in QUARTER.finditer(question) if free(m)]
    if quarters:
        found.append(
            Constraint("quarter", ", ".join(m.group(0) for m in quarters), _joined(map(quarter_value, quarters)))
        )
        taken.extend(m.span() for m in quarters)
    for m in _MEASURE.finditer(question):
        found.append(Constraint("measure", m.group(0), _count_value(m.group(2)), head=_UNITS[m.group(3).lower()]))
        taken.append(m.span())
    for m in _ORDINAL.finditer(question):
        if free(m):
            found.append(Constraint("number", m.group(0), m.group(1), head=(m.group(2) or "").lower()))
            taken.append(m.span())
    for m in _HEADED_NUMBER.finditer(question):
        head = m.group(1).lower()
        if _SCORE.match(question, m.start(2)):  # "the Ravens' 4-1 win" numbers no thing
            continue
        if free(m) and head not in _NOT_HEADS and not YEAR.fullmatch(m.group(2)):
            found.append(Constraint("number", m.group(0), str(_number_value(m.group(2))), head=_stem(head)))
            taken.append(m.span())
    counted = _COUNTED_NATIONALITY.search(question)
    if counted and DEMONYM.match(counted[1]):  # "how many Chinese troops": not another nation's troops
        found.append(
            Constraint(
                "qualifier", f"{counted[1]} {counted[2]}", counted[1].lower(), head=counted[2], group=_NATIONALITY
            )
        )
    for group, values in _QUALIFIERS.items():
        for value, rx in values.items():
            if value in _NARROWING or value in _UNASKED:
                continue
            hit = next((m for m in rx.finditer(question) if not _PRONOUN.fullmatch(m.group(0))), None)
            if hit:  # a pronoun in a question refers to someone; it asks for no category
                found.append(Constraint("qualifier", hit.group(0), value, group=group))
    return sorted(found, key=lambda c: question.lower().find(c.text.lower()))


def _joined(values: Iterable[str]) -> str:
    return ",".join(dict.fromkeys(values))


def _number_value(token: str) -> int:
    """'17' -> 17, 'VIII' -> 8, 'X' -> 10."""
    if token.isdigit():
        return int(token)
    total = 0
    values = [_ROMAN.get(ch, 0) for ch in token.upper()]
    for i, v in enumerate(values):
        total += -v if i + 1 < len(values) and values[i + 1] > v else v
    return total


def _count_value(count: str) -> str:
    """'15' -> '15', 'fifteen' -> '15', 'twenty-five' -> '25', '7.80' -> '7.8'."""
    words = count.lower().split("-")
    if words[0] in _TENS:
        return str(20 + 10 * _TENS.index(words[0]) + (NUMBER_WORDS.index(words[1]) if len(words) > 1 else 0))
    if words[0] in NUMBER_WORDS:
        return str(NUMBER_WORDS.index(words[0]))
    return f"{float(count):g}"


def _measures(text: str) -> dict[str, set[str]]:
    """The quantities `text` gives, by unit; a range gives both its ends.

    >>> given = _measures("The session lasts 10-15 minutes; thirty minutes cost Rs 500, and the 13-inch model more.")
    >>> sorted(given["minute"]), given["inch"]
    (['10', '15', '30'], {'13'})
    >>> _measures("The 8-year-old girl and her 9 year old brother were found.")
    {}
    """
    found: dict[str, set[str]] = {}
    for m in _MEASURE.finditer(text):
        counts = found.setdefault(_UNITS[m.group(3).lower()], set())
        counts.update(_count_value(c) for c in m.group(1, 2) if c)
    return found


def _stem(word: str) -> str:
    return re.sub(r"(?:['’]s|s)$", "", word.lower())


def _number_forms(value: str, words: bool = True) -> list[re.Pattern[str]]:
    n = int(value)
    forms = [rf"(?<![\d.,]){n}(?:st|nd|rd|th)?(?![\d]|[.,]\d)"]
    if words and n < len(NUMBER_WORDS):
        forms += [rf"\b{NUMBER_WORDS[n]}\b", rf"\b{_ORDINAL_WORDS[n]}\b"]
    roman = _to_roman(n)
    if roman and len(roman) > 1:
        forms.append(rf"(?<![\w]){roman}(?![\w])")
    return [re.compile(f, re.IGNORECASE if not f.startswith("(?<![\\w])") else 0) for f in forms]


def _to_roman(n: int) -> str:
    if not 0 < n < 90:
        return ""
    out = ""
    for value, letters in ((50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += letters
            n -= value
    return out


def _numbered(head: str, text: str) -> list[tuple[str, str]]:
    """The numbers the text puts right after `head` ("season 16" -> "16") or, for an ordinal's
    head, right before it ("91st Academy" -> "91"), each with the words that give it.

    >>> _numbered("fest", "After Super Fest LV and the 54th Fest")
    [('55', 'Fest LV'), ('54', '54th Fest')]
    """
    out = [
        (str(_number_value(m.group(2))), m.group(0)) for m in _HEADED_NUMBER.finditer(text) if _stem(m.group(1)) == head
    ]
    out += [(m.group(1), m.group(0)) for m in _ORDINAL.finditer(text) if _stem(m.group(2) or "") == head]
    return out


_DAY_OF_MONTH = re.compile(
    rf"{MONTH_CAPITAL.pattern}\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH_CAPITAL.pattern}"
)


def _number_verdict(c: Constraint, text: str) -> Verdict:
    """A number tied to a name ("Season 17", "Chronicles X") must follow that name; another
    number there violates it, and the name with no number after it ("Xenoblade Chronicles:
    Definitive Edition … on 2 August") says nothing of it. Otherwise the number anywhere meets it.

    >>> c = Constraint("number", "Chronicles X", "10", head="chronicle")
    >>> _number_verdict(c, "Xenoblade Chronicles X was released"), _number_verdict(c, "Xenoblade Chronicles 2 sold")
    ('meets', 'violates')
    >>> _number_verdict(Constraint("number", "Chronicles 2", "2", head="chronicle"), "Chronicles: out on 2 May 2020")
    'silent'
    >>> _number_verdict(Constraint("number", "stage 1", "1", head="stage"), "the first rider to win the race")
    'silent'
    >>> _number_verdict(Constraint("number", "Skyfarer 3", "3", head="skyfarer"), "It came out on March 3, 2017.")
    'silent'
    """
    if c.head:
        after = [n for n, _ in _numbered(c.head, text)]
        if c.value in after:
            return "meets"
        if after:
            return "violates"
        words = re.findall(r"[A-Za-z][\w'’]*", text)
        heads = [i for i, w in enumerate(words) if _stem(w) == c.head]
        if heads:
            # The name is there without the number after it: only the number in words, just
            # before it, can still be its ("the eleventh and final season"); a digit elsewhere
            # is a day or a count.
            near = " ".join(" ".join(words[max(0, i - 4) : i]) for i in heads)
            return "meets" if any(form.search(near) for form in _number_forms(c.value)[1:]) else "silent"
        # Away from its name the number is meant only as written: "first" or "one" there is an
        # ordinary word ("the first Colombian to win" says nothing of "stage 1"), and the day of a
        # date numbers nothing ("released on March 3" says nothing of "Skyfarer 3").
        undated = _DAY_OF_MONTH.sub(" ", text)
        return "meets" if any(form.search(undated) for form in _number_forms(c.value, words=False)) else "silent"
    return "meets" if any(form.search(text) for form in _number_forms(c.value)) else "silent"


def _qualifier_verdict(c: Constraint, text: str) -> Verdict:
    if c.group == _NATIONALITY:
        said = [n.lower() for n in _nations_of(c.head, text)]
        return "meets" if c.value in said else "violates" if said else "silent"
    if _QUALIFIERS[c.group][c.value].search(text):
        return "meets"
    return "violates" if _other_qualifiers(c, text) else "silent"


def _other_qualifiers(c: Constraint, text: str) -> list[str]:
    """The values of the constraint's kind that `text` gives in its place."""
    if c.group == _NATIONALITY:
        return [n for n in _nations_of(c.head, text) if n.lower() != c.value]
    return [v for v, rx in _QUALIFIERS[c.group].items() if v != c.value and rx.search(text)]


def _nations_of(noun: str, text: str) -> list[str]:
    """The nations `text` gives `noun`, or a count of people in other words: "300 Ruritanian
    troops" -> ["Ruritanian"] for "soldiers" too.

    >>> _nations_of("soldiers", "Over 300 Ruritanian troops and 200 Harbourian soldiers came.")
    ['Harbourian', 'Ruritanian']
    """
    found = [*re.finditer(rf"\b([A-Z][a-z]+)\s+{re.escape(noun)}\b", text)]
    found += re.finditer(rf"(?<![\w.,])(?:\d[\d,]*|{_COUNT}|hundreds|thousands|dozens)\s+([A-Z][a-z]+)\s+[a-z]+", text)
    return list(dict.fromkeys(m[1] for m in found if DEMONYM.match(m[1])))
