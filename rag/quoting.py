"""Answer text you can quote: a model's sentence put in the words of the passages it cites,
and its citation marker placed where it reads right.

- a figure keeps the source's word and qualifier ("4" -> "four", "300" -> "over 300");
- a date is given as fully as the passages give it ("2020" -> "May 29, 2020");
- initials the model spaced out are written as the source writes them ("U. S." -> "U.S.");
- a person the model names by surname alone gets the name the source gives ("Biden" -> "Joe Biden");
- the marker goes before the final stop, after an abbreviation's or a cut quote's dots.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.dates import written_date
from rag.evidence import Passage
from rag.grounding import DIGITS
from rag.mentions import FULL_DATE, NUMBER_WORDS, TITLE_WORDS, date_values, person_names

_NUMBER_WORDS = NUMBER_WORDS[:13]  # "twelve" is the largest figure a source usually spells out


_ABBREVIATION_END = re.compile(r"(?:\b(?:[A-Za-z]\.){2,}|\b(?:Jr|Sr|No|Inc|Co|Ltd|St|Corp|Bros|vs)\.)$")


def with_marker(sentence: str, marker: str) -> str:
    """The sentence with its citation marker before the final stop; a stop that ends an
    abbreviation stays with it.

    >>> with_marker("Chen Mingguo led it.", "[1]"), with_marker("She won the U.S.", "[2]")
    ('Chen Mingguo led it [1].', 'She won the U.S. [2]')
    >>> with_marker("The 2019 final was ...", "[3]")
    'The 2019 final was ... [3]'

    """
    body = sentence.rstrip()
    if _ABBREVIATION_END.search(body) or body.endswith(("..", "…")):  # an abbreviation's or a cut quote's dots stay
        return f"{body} {marker}"
    end = body[-1] if body and body[-1] in ".!?" else "."
    body = body[:-1] if body and body[-1] in ".!?" else body
    return f"{body} {marker}{end}"


_PARTIAL_DATE = re.compile(
    r"\b(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+(?:of\s+)?)?(?:19|20)\d\d\b(?![-/]\d)"
)
_QUALIFIER = (
    r"(?:at least|more than|fewer than|less than|over|about|around|nearly|almost|approximately|some|up to"
    r"|roughly|an estimated|close to|under)"
)


def quote_figures(sentence: str, passages: Sequence[Passage]) -> str:
    """A sentence's figures in the words of the passages it cites: the number word the
    source uses ("4" -> "four") and the source's qualifier ("300" -> "over 300").

    >>> p = [Passage(1, "d", "T", None, 0, 60, "CTD arrested four key terrorists; over 300 troops came.", 1.0)]
    >>> quote_figures("The CTD arrested 4 key terrorists and 300 troops came.", p)
    'The CTD arrested four key terrorists and over 300 troops came.'
    >>> held = [Passage(1, "d", "T", None, 0, 30, "At least four were held.", 1.0)]
    >>> quote_figures("300 troops came.", p), quote_figures("Four were held.", held)
    ('Over 300 troops came.', 'At least four were held.')
    """
    source = " ".join(p.text for p in passages)
    lowered = source.lower()
    digits = {n.rstrip(".,").replace(",", "") for n in DIGITS.findall(source)}

    def word_form(m: re.Match[str]) -> str:
        n = m.group(0)
        if n in digits or not n.isdigit() or int(n) >= len(_NUMBER_WORDS):
            return n
        word = _NUMBER_WORDS[int(n)]
        return word if re.search(rf"\b{word}\b", lowered) else n

    sentence = re.sub(r"(?<![\w.,$-])\d+(?![\w.,-]\d)", word_form, sentence)  # not a part of "2025-02-05"
    for m in re.finditer(rf"\b({_QUALIFIER})\s+(\$?[\d][\d,.]*\d|\$?\d|{'|'.join(_NUMBER_WORDS)})\b", source, re.I):
        figure = m.group(2)
        pattern = rf"(?<![\w$.,]){re.escape(figure)}(?![\w]|[.,]\d)"
        hit = re.search(pattern, sentence, re.IGNORECASE)
        if hit and not re.search(rf"{_QUALIFIER}\s+$", sentence[: hit.start()], re.IGNORECASE):
            before, rest = sentence[: hit.start()], sentence[hit.start() :]
            if before.strip():
                sentence = before + m.group(1).lower() + " " + rest
            else:  # it now starts the sentence, and the figure no longer does ("Six" -> "At least six")
                sentence = m.group(1).capitalize() + " " + rest[:1].lower() + rest[1:]
    return sentence


_SPACED_INITIALS = re.compile(r"\b(?:[A-Z]\.\s){1,3}[A-Z]\.")


def quote_names(sentence: str, source: str) -> str:
    """Initials the model spaced out, written as the source writes them: "U. S. Open" -> "U.S.
    Open", or "US Open" where the source writes that; the usual "U.S." where it writes neither.

    >>> quote_names("She won the U. S. Open.", "the 2019 U.S. Open final")
    'She won the U.S. Open.'
    >>> quote_names("She won the U. S. Open.", "the 2021 US Open"), quote_names("J. R. R. Tolkien", "J. R. R. Tolkien")
    ('She won the US Open.', 'J. R. R. Tolkien')
    """

    def joined(m: re.Match[str]) -> str:
        spaced, tight = m.group(0), m.group(0).replace(" ", "")
        bare = tight.replace(".", "")
        if spaced in source:
            return spaced
        if tight in source or not re.search(rf"\b{bare}\b", source):
            return tight
        return bare

    return _SPACED_INITIALS.sub(joined, sentence)


def quote_full_names(sentence: str, source: str) -> str:
    """A person the sentence names by the last word of their name alone, named as the source
    names them, where the source names one person by that word: an answer that says who is
    read on its own, out of the passage.

    >>> quote_full_names("Okafor won the race.", "Ada Okafor won the 2016 race.")
    'Ada Okafor won the race.'
    >>> quote_full_names("Minister Okafor won.", "Ada Okafor won.")
    'Minister Ada Okafor won.'
    >>> quote_full_names("Okafor won.", "Ada Okafor beat Ben Okafor.")
    'Okafor won.'
    >>> quote_full_names("Ben Okafor won.", "Ada Okafor won.")
    'Ben Okafor won.'
    """
    by_last: dict[str, set[str]] = {}
    for name in person_names(source):
        by_last.setdefault(name.split()[-1], set()).add(name)
    for last, names in by_last.items():
        if len(names) != 1 or (full := next(iter(names))) in sentence:
            continue

        def named(m: re.Match[str], full: str = full) -> str:
            before = re.findall(r"([\w’'-]+)\W*$", m.string[: m.start()])
            if before and before[0][:1].isupper() and before[0].lower() not in TITLE_WORDS:
                return m.group(0)  # another name's last word ("Ben Okafor")
            return full

        sentence = re.sub(rf"\b{re.escape(last)}\b", named, sentence)
    return sentence


_ISO_DATE = re.compile(r"\b(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b")


def _written(m: re.Match[str]) -> str:
    return written_date(int(m[1] + m[2] + m[3]))


def quote_dates(sentence: str, passages: Sequence[Passage]) -> str:
    """A sentence's dates as fully as the passages it cites give them: a year or a month the
    passages date to one day becomes that day, in the passages' words.

    >>> p = [Passage(1, "d", "T", None, 0, 60, "It was released by Nintendo on May 29, 2020 for Switch.", 1.0)]
    >>> quote_dates("It came out in 2020.", p), quote_dates("It came out in May 2020.", p)
    ('It came out on May 29, 2020.', 'It came out on May 29, 2020.')
    >>> quote_dates("It came out on June 2, 2020.", p), quote_dates("2020-05-29.", p)
    ('It came out on June 2, 2020.', 'May 29, 2020.')
    """
    sentence = _ISO_DATE.sub(_written, sentence)  # as the prompt dates an article, written out for a reader
    source = " ".join(p.text for p in passages)
    if date_values(sentence) & {v for v in date_values(source) if len(v) == 10}:
        return sentence  # it already gives a day the passages give
    days: dict[str, str] = {}
    for m in FULL_DATE.finditer(source):
        days.setdefault(next(iter(date_values(m.group(0)))), m.group(0))
    whole = [d.span() for d in FULL_DATE.finditer(sentence)]
    for m in reversed(list(_PARTIAL_DATE.finditer(sentence))):
        if any(a <= m.start() < b for a, b in whole):
            continue  # part of a day the sentence gives already
        partial = next(iter(date_values(m.group(0))), "")
        matches = {v: text for v, text in days.items() if partial and v.startswith(partial)}
        if len(matches) == 1:
            before = sentence[: m.start()]
            before = re.sub(r"\bin\s+$", "on ", before) if not re.search(r"\bon\s+$", before) else before
            sentence = before + next(iter(matches.values())) + sentence[m.end() :]
    return sentence
