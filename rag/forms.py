"""Answer forms: how an answer to each kind of question is made, what evidence it draws on
and how its sentences are laid out.

    kind (rag.question)                          form         answer
    person, place, date, number, thing, yes/no   fact         one sentence the model writes
      … of two parts ("…, and how much…?")       parts        a sentence a part, from every article
    list or timeline of several years, periods   (per part)   a fact each, asked of that part alone
      or names (`Analysis.parts`), "when were A and B…?"      (rag.answer), in date order for a timeline
    list                                         list         each article sentence that gives items, a line each
    explanation                                  explanation  two to four article sentences
    timeline                                     timeline     one dated line per event, in date order
    comparison                                   comparison   what each article reports

A fact keeps the small prompt that makes it fast. The other forms are composed by code from
the articles' own sentences, drawn from every relevant article rather than the best one,
each cited: the 1.5B model, asked to write them, lost items, invented dates and cut
sentences (on the seeds' new list, explanation and timeline questions it answered 6 of 19
right, composing them 12 of 19; see the README), and quoting costs no model time, so such an
answer is there at once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.dates import format_date
from rag.mentions import date_values
from rag.question import Analysis


@dataclass(frozen=True)
class Form:
    name: str
    max_sentences: int | None  # evidence sentences; None = the settings' (a fact's) budget
    max_chars: int | None
    items: int = 1  # passages a composed answer quotes, at most
    per_document: bool = False  # evidence from every relevant article first
    dated: bool = False  # each item starts with its date, items in date order
    as_lines: bool = False  # one line per item, "- " first
    instruction: str = ""  # for the model; a form without one is composed by code
    max_tokens: int | None = None  # the model's answer; None = the settings'
    hits: int = 1  # retrieved chunks whose sentences it reads, in multiples of the settings' top_k

    @property
    def composed(self) -> bool:
        """Composed by code from the articles' sentences, rather than written by the model."""
        return not self.instruction


FACT_INSTRUCTION = "Answer in one short sentence."
FACT = Form("fact", None, None, instruction=FACT_INSTRUCTION)
# What a fact's sentence must give, by the kind of answer asked for. Told so, the 1.5B model stops
# restating the question ("The depot is near the old quay." for where the depot is) and names what
# was asked (see the README for the figures). Not a date: told to give one, it gave the report's
# own date, which the prompt shows, for the day of an event the article states. Not a figure: it
# gave one more often where the articles hold none for what is asked (another attack's toll for
# this one's): 2 answers won, 2 refusals lost.
_GIVES = {"person": "the name of the person", "place": "the name of the place"}
# "How long is the border, and how much is the corridor worth?": one fact per part, from every article.
PARTS = Form(
    "parts", 7, 900, per_document=True, instruction="Answer each part of the question in one short sentence.",
    max_tokens=120,
)  # fmt: skip
FORMS = {
    "list": Form("list", 8, 1100, items=6, per_document=True, as_lines=True),
    "explanation": Form("explanation", 6, 900, items=4, per_document=True),
    "timeline": Form("timeline", 8, 1100, items=6, per_document=True, dated=True, as_lines=True, hits=2),
    "comparison": Form("comparison", 6, 900, items=4, per_document=True, as_lines=True),
}


def instruction_for(form: Form, analysis: Analysis) -> str:
    """The form's instruction to the model; a fact's says what its sentence must give.

    >>> from rag.question import analyze
    >>> instruction_for(FACT, analyze("Who led the delegation?"))
    'Answer in one short sentence that gives the name of the person.'
    >>> instruction_for(FACT, analyze("What is the drill called?"))
    'Answer in one short sentence.'
    """
    if form is FACT and analysis.kind in _GIVES:
        return f"{FACT_INSTRUCTION[:-1]} that gives {_GIVES[analysis.kind]}."
    return form.instruction


def form_of(analysis: Analysis) -> Form:
    if analysis.kind not in FORMS and _TWO_PARTS.search(analysis.question):
        return PARTS
    return FORMS.get(analysis.kind, FACT)


_TWO_PARTS = re.compile(r"(?:,\s*|\?\s*)and\s+(?:how|who|whom|what|which|when|where|why)\b", re.IGNORECASE)


def _when(sentence: str, date: int | None) -> str:
    """The earliest date a sentence names (as an ISO prefix), else its article's date; "9999" if none."""
    named = sorted(v for v in date_values(sentence) if re.fullmatch(r"\d{4}(-\d\d){0,2}", v))
    if named:
        return named[0]
    return format_date(date) or "9999"


def in_date_order(items: Sequence[tuple[str, int | None]]) -> list[int]:
    """Indices of (sentence, its article's date) in date order: by the date a sentence names,
    else its article's; undated ones after the dated.

    >>> in_date_order([("In July 2021, a bus was bombed.", None), ("Talks were held.", 20250119),
    ...                ("In March 2024, another attack.", None), ("Nothing dated.", None)])
    [0, 2, 1, 3]
    """
    return sorted(range(len(items)), key=lambda i: _when(*items[i]))


def date_label(sentence: str, date: int | None) -> str:
    """The date a timeline line starts with: "2021-07" for "In July 2021, …", else the article's.

    >>> date_label("In July 2021, a bus was bombed.", 20250119), date_label("Talks were held.", 20250119)
    ('2021-07', '2025-01-19')
    """
    when = _when(sentence, date)
    return "undated" if when == "9999" else when
