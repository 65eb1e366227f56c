"""Answer forms: how long an answer to each kind of question is, what evidence it draws on
and how its sentences are laid out.

    kind (rag.question)                          form         the model is asked for
    person, place, date, number, thing, yes/no   fact         one sentence
    list                                         list         every item the sources give, one a line
    explanation                                  explanation  two to four sentences
    timeline                                     timeline     one dated line per event, in date order
    comparison                                   comparison   what each source reports

A fact keeps the small prompt that makes it fast; the other forms get more sentences, drawn
from every relevant article rather than the best one, and more tokens to answer with. The
instruction follows the question, so the fixed system prompt stays a prefix llama.cpp reuses.
Sentences are checked and cited one by one whatever the form; code, not the model, puts a
timeline in date order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.question import Analysis, date_values


@dataclass(frozen=True)
class Form:
    name: str
    instruction: str
    max_sentences: int | None  # evidence sentences; None = the settings' (a fact's) budget
    max_chars: int | None
    max_tokens: int | None  # answer tokens; None = the settings'
    per_document: bool = False  # evidence from every relevant article first
    dated: bool = False  # passages carry their article's date
    as_lines: bool = False  # one line per item, "- " first


FACT = Form("fact", "Answer in one short sentence.", None, None, None)
FORMS = {
    "list": Form(
        "list", "List every item the sources give, one short line each.", 8, 1100, 160, per_document=True, as_lines=True
    ),
    "explanation": Form("explanation", "Answer in two to four short sentences.", 8, 1100, 160, per_document=True),
    "timeline": Form(
        "timeline",
        "List the events in date order, one short line each, starting with the date.",
        8,
        1100,
        200,
        per_document=True,
        dated=True,
        as_lines=True,
    ),
    "comparison": Form(
        "comparison", "Say what each source reports, one sentence per source.", 8, 1100, 160, per_document=True
    ),
}


def form_of(analysis: Analysis) -> Form:
    return FORMS.get(analysis.kind, FACT)


def in_date_order(items: Sequence[tuple[str, int | None]]) -> list[int]:
    """Indices of (sentence, its passage's article date) in date order: by the date a sentence
    names, else its article's; undated ones keep their place after the dated.

    >>> in_date_order([("In July 2021, a bus was bombed.", None), ("Talks were held.", 20250119),
    ...                ("In March 2024, another attack.", None), ("Nothing dated.", None)])
    [0, 2, 1, 3]
    """

    def key(i: int) -> str:
        sentence, date = items[i]
        named = sorted(v for v in date_values(sentence) if re.fullmatch(r"\d{4}(-\d\d){0,2}", v))
        if named:
            return named[0]
        return f"{date // 10000:04d}-{date // 100 % 100:02d}-{date % 100:02d}" if date else "9999"

    return sorted(range(len(items)), key=key)
