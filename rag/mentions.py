"""What a text states that questions ask about: years, dates (at the precision given),
months, quarters, figures and names, each normalised so that a question and a passage, or two
passages, can be compared.

    >>> sorted(date_values("It was released on May 15, 2012, not in June 2013."))
    ['2012-05-15', '2013-06']
    >>> person_names("Interior Minister Mohsin Naqvi met Chen Mingguo.")
    ['Mohsin Naqvi', 'Chen Mingguo']

Shortcuts: English only; dates in the common English and ISO forms; a name is a run of
capitalised words, a person's name one of two words or more that are not titles.
"""

from __future__ import annotations

import re

MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
YEAR = re.compile(r"(?<![\d$£€.,])((?:1[89]|20)\d\d)(?:\s*[-–/]\s*(\d\d)(?!\d))?(?!\d|[.,]\d)")
FULL_DATE = re.compile(
    rf"\b(?:(?P<m1>{MONTH})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>(?:19|20)\d\d)"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{MONTH}),?\s+(?P<y2>(?:19|20)\d\d)"
    r"|(?P<y3>(?:19|20)\d\d)-(?P<m3>\d\d)-(?P<d3>\d\d))\b",
    re.IGNORECASE,
)
_WHEN = rf"(?:(?:early|mid|late)[- ])?(?:{MONTH}|q[1-4]|(?:19|20)\d\d)(?:,?\s+(?:19|20)\d\d)?"
# A period the text bounds by two dates: "between October 2022 and January 2023", "from Q3 2018 to Q2 2019".
PERIOD_RANGE = re.compile(
    rf"\b(?:between\s+{_WHEN}\s+and|from\s+{_WHEN}\s+(?:to|until|till|through(?:\s+to)?))\s+{_WHEN}\b", re.I
)
MONTH_NAME = re.compile(r"\b(?:" + "|".join(m.title() for m in MONTHS) + r")\b")  # "may" the verb is not May
MONTH_CAPITAL = re.compile(
    r"\b(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?"
    r"|Nov(?:ember)?|Dec(?:ember)?)\b\.?"
)
FIGURE = re.compile(
    r"(?<!\w)\d[\d,.]*|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    r"hundreds?|thousands?|millions?|billions?|dozens?)\b"
)
FUNCTION_WORDS = frozenset(
    "a an the this that these those it its he she they we i you his her their our my in on at of for to by from with "
    "and or but as if when while after before since during about over under who what where which why how is was "
    "were are be been has have had do does did will would can could should may might must not no yes also "
    "according mr mrs ms dr because although though unless until whether once despite regarding concerning among "
    "between within without through throughout towards toward upon into onto across against along around beyond "
    "via than then so yet nor either neither each every all any some both other another such there here".split()
)
QUARTER = re.compile(
    r"\b(?:q([1-4])|([1-4])q|(first|second|third|fourth|1st|2nd|3rd|4th)[\s-]+quarter)\b", re.IGNORECASE
)
# A chart's axis ("Q1 Q2 Q3 Q4 2010 2011 2012 2013"): every year or quarter in a row, so none
# in particular.
_AXIS = re.compile(r"\b(?:(?:1[89]|20)\d\d\s+){3,}(?:1[89]|20)\d\d\b|\bQ1\s+Q2\s+Q3\s+Q4\b")
# Quarters added up ("Q1+Q2"): a half year, neither quarter.
_QUARTER_SUM = re.compile(r"\bQ[1-4](?:\s*\+\s*Q[1-4])+\b", re.IGNORECASE)
# A reference's access date ("Retrieved March 3, 2015"), which dates the citing, not the event.
_REFERENCE = re.compile(r"\b(?:Retrieved|Accessed|Archived)\b[^.;]{0,40}?\b(?:1[89]|20)\d\d\b")
QUARTER_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty"
).split()


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
DEMONYM = re.compile(r"^(?:[A-Z][a-z]+(?:ese|ian|an|i|ish|ic))$")  # Chinese, Pakistani, Indian, British…


def person_names(text: str) -> list[str]:
    """Names of people (or of anything named in two or more words that is not a title), in
    the order the text gives them.

    >>> person_names("Minister of Political and Legal Affairs Chen Mingguo met Interior Minister Mohsin Naqvi.")
    ['Chen Mingguo', 'Mohsin Naqvi']
    >>> person_names("The Chinese delegation included Xinjiang's Deputy Secretary."), person_names("PLoS ONE 13(9).")
    ([], [])
    """
    found: list[str] = []
    for run in NAME_RUN.finditer(re.sub(r"\[\d+\]", "", text)):
        words = [*run.group(0).split(), ""]
        segment: list[str] = []
        for word, after in zip(words, [*words[1:], ""], strict=True):
            bare = re.sub(r"[’']s$", "", word)
            # "Chinese" before a title or a common noun is an adjective, "Naqvi" after "Mohsin" is not.
            adjective = not segment and DEMONYM.match(bare) and (not after or after.lower() in TITLE_WORDS)
            acronym = len(bare) > 1 and bare.isupper()  # "PLoS ONE", "NASA": a title or a body, not a person
            if word and bare.lower() not in TITLE_WORDS and not adjective and not acronym:
                segment.append(bare)
                continue
            if len(segment) >= 2:
                found.append(" ".join(segment))
            segment = []
    return list(dict.fromkeys(found))


_RELATIVE_YEAR = re.compile(r"\b(?:(this|last|next) year|(a|one|two|three|four|five|\d) years? ago)\b", re.IGNORECASE)


def years_in(text: str, date: int | None = None) -> set[str]:
    """Years a text names; a season "2020-21" names both. Given the date the text was written
    (YYYYMMDD), also the years it names relative to it ("last year", "a year ago").

    >>> sorted(years_in("In the 2020-21 season, after 1998, $2019 and 3,2019 don't count"))
    ['1998', '2020', '2021']
    >>> sorted(years_in("on 2025-02-05")), sorted(years_in("He won a year ago.", 20210718))
    (['2025'], ['2020'])
    """
    out: set[str] = set()
    if date:
        for m in _RELATIVE_YEAR.finditer(text):
            if m.group(1):
                back = {"this": 0, "last": 1, "next": -1}[m.group(1).lower()]
            else:
                count = m.group(2).lower()
                back = int(count) if count.isdigit() else 1 if count == "a" else NUMBER_WORDS.index(count)
            out.add(str(date // 10000 - back))
    for m in YEAR.finditer(_AXIS.sub(" ", _REFERENCE.sub(" ", text))):
        out.add(m.group(1))
        if m.group(2) and int(m.group(2)) == (int(m.group(1)[2:]) + 1) % 100:  # "2020-21", not "2025-02"
            out.add(m.group(1)[:2] + m.group(2))
    return out


# A year that starts a span ("the first home winner since 1998") dates no event of the sentence.
_SINCE_YEAR = re.compile(r"\bsince\s+" + YEAR.pattern, re.IGNORECASE)


def span_years(text: str) -> set[str]:
    """Years a text names only as the start of a span up to the time of writing.

    >>> sorted(span_years("the first home winner since 1998, and in 2016"))
    ['1998']
    """
    elsewhere = {m.group(1) for m in YEAR.finditer(_SINCE_YEAR.sub("", text))}
    return {m.group(1) for m in _SINCE_YEAR.finditer(text)} - elsewhere


def full_dates(text: str) -> set[str]:
    """Day-precise dates a text names, as YYYY-MM-DD.

    >>> sorted(full_dates("Released on Sept. 7, 2018; in Japan on 29 April 2015; on 2025-02-05."))
    ['2015-04-29', '2018-09-07', '2025-02-05']
    """
    return {date_value(m) for m in FULL_DATE.finditer(text)}


def date_precision(text: str) -> int:
    """How precisely a text dates something: 3 for a day of a year, 2 for a month of a year
    or a day of a month, 1 for a year or a month, 0 for none.

    >>> [date_precision(t) for t in ("on May 15, 2012", "in May 2012", "on December 6th", "in 2012", "soon")]
    [3, 2, 2, 1, 0]
    """
    if FULL_DATE.search(text):
        return 3
    if _MONTH_OF_YEAR.search(text) or _DAY_OF_MONTH.search(text):
        return 2
    return 1 if years_in(text) or MONTH_NAME.search(text) else 0


def names_day(text: str) -> bool:
    """Whether a text dates something to a day ("May 15", "15th of May"), not only a month or a year.

    >>> [names_day(t) for t in ("on May 15, 2012", "on December 6th", "in mid-December", "in May 2012")]
    [True, True, False, False]
    """
    return bool(FULL_DATE.search(text) or _DAY_OF_MONTH.search(text))


_MONTH_OF_YEAR = re.compile(rf"\b{MONTH}\s+(?:of\s+)?(?:19|20)\d\d\b", re.I)
_DAY_OF_MONTH = re.compile(
    rf"\b{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH}", re.I
)


def compatible(a: str, b: str) -> bool:
    """Whether two values can both be true: equal, or one date a prefix of the other.

    >>> compatible("2012", "2012-05-15"), compatible("13", "1")
    (True, False)
    """
    dated = re.compile(r"^(?:19|20)\d\d(?:-\d\d){0,2}$")
    return a == b or (bool(dated.match(a) and dated.match(b)) and (a.startswith(b) or b.startswith(a)))


def figure_value(figure: str) -> str:
    """'2,700' -> '2700', 'six' -> '6', '6.04' -> '6.04'; other words as they are."""
    figure = figure.rstrip(".,").replace(",", "")
    if figure in NUMBER_WORDS:
        return str(NUMBER_WORDS.index(figure))
    return figure


def date_values(text: str) -> set[str]:
    """Dates as ISO prefixes, each at the precision the text gives it."""
    out = set(full_dates(text))
    for m in re.finditer(rf"\b(?P<m>{MONTH})\s+(?:of\s+)?(?P<y>(?:19|20)\d\d)\b", text, re.IGNORECASE):
        month = next(i for i, name in enumerate(MONTHS, 1) if name.startswith(m["m"].lower().rstrip(".")[:3]))
        out.add(f"{m['y']}-{month:02d}")
    out |= {y for y in years_in(text) if not any(v.startswith(y) for v in out)}
    return out


def proper_names(text: str) -> set[str]:
    """Capitalised words that are not a sentence's function words, lower-cased; none from a
    text in capitals ("OFFICIAL ELECTION RESULTS"), where capitals mark nothing, but an
    acronym alone is a name ("TTP").

    >>> sorted(proper_names("The race was won by Tadej Pogačar of UAE Team Emirates."))
    ['emirates', 'pogačar', 'tadej', 'team', 'uae']
    >>> proper_names("OFFICIAL ELECTION RESULTS"), proper_names("TTP")
    (set(), {'ttp'})
    """
    words = re.findall(r"(?<![\w'’-])[A-Z][\w'’-]*", text)
    lettered = re.findall(r"[A-Za-z]{2,}", text)
    if len(lettered) > 2 and sum(w.isupper() and len(w) > 1 for w in words) * 2 > len(lettered):
        return set()
    return {w.lower() for w in words if w.lower() not in FUNCTION_WORDS}


# Words that make a name an event's or a prize's ("the College Football Awards Show"), not a person's.
_EVENT_WORDS = frozenset(
    """award awards prize prizes trophy cup open championship championships games olympics bowl league
    tournament series festival show ceremony gala conference summit election elections final finals
    grand prix marathon classic expo fair week day""".split()
)


def not_people(text: str) -> set[str]:
    """The capitalised words of `text`, lower-cased as `proper_names` gives them, that name no
    person: the words of an event's or a prize's name, months, acronyms.

    >>> sorted(not_people("The winner will be named at the NBC Sports Awards Show in May; Ana Ruiz hosts."))
    ['awards', 'may', 'nbc', 'show', 'sports']
    """
    words: set[str] = set()
    for run in NAME_RUN.finditer(text):
        written = run.group(0).split()
        lowered = [w.lower() for w in written]
        if {re.sub(r"['’]s$", "", w) for w in lowered} & _EVENT_WORDS:
            words.update(lowered)
        words.update(w.lower() for w in written if w.lower() in MONTHS or re.sub(r"['’]s$", "", w).isupper())
    return words


def months_in(text: str) -> set[str]:
    """Months a text names (capitalised, "Jan." too), as "01".."12".

    >>> sorted(months_in("In March this year and on Jul 7, 2018, it may rain"))
    ['03', '07']
    """
    return {
        f"{next(i for i, name in enumerate(MONTHS, 1) if name.startswith(m.group(0).lower()[:3])):02d}"
        for m in MONTH_CAPITAL.finditer(text)
    }


def quarters_in(text: str) -> set[str]:
    """Quarters a text names, as "1".."4"; quarters added up ("Q1+Q2") as "1+2", which is
    neither of them.

    >>> sorted(quarters_in("Q1 revenue beat the second quarter and 3Q forecasts"))
    ['1', '2', '3']
    >>> sorted(quarters_in("2018 (Q1+Q2), 412,300"))
    ['1+2']
    """
    text = _AXIS.sub(" ", text)
    sums = {"+".join(re.findall(r"[1-4]", m[0])) for m in _QUARTER_SUM.finditer(text)}
    return sums | {quarter_value(m) for m in QUARTER.finditer(_QUARTER_SUM.sub(" ", text))}


def date_value(m: re.Match[str]) -> str:
    if m.group("y3"):
        return f"{m.group('y3')}-{m.group('m3')}-{int(m.group('d3')):02d}"
    month_text = (m.group("m1") or m.group("m2")).lower().rstrip(".")
    month = next(i for i, name in enumerate(MONTHS, 1) if name.startswith(month_text[:3]))
    day = int(m.group("d1") or m.group("d2"))
    return f"{m.group('y1') or m.group('y2')}-{month:02d}-{day:02d}"


def iso(date: int) -> str:
    return f"{date // 10000:04d}-{date // 100 % 100:02d}-{date % 100:02d}"


def quarter_value(m: re.Match[str]) -> str:
    if m.group(1) or m.group(2):
        return m.group(1) or m.group(2)
    return str(QUARTER_WORDS[m.group(3).lower()])


_DEFINED = re.compile(r"((?:[A-Z][\w'’-]*\s+(?:(?:of|and|for|the|on)\s+)?){1,8})\(([A-Z][A-Za-z]{1,7})\)")


def spells_out(short: str, text: str) -> bool:
    """Whether `text` writes out the short form `short` as words whose initials, in order, are its
    letters ("initial public offering" for "IPO"); function words spell nothing.

    >>> spells_out("HPA", "the harbour port authority said"), spells_out("IPO", "it produced over")
    (True, False)
    """
    if not 2 <= len(short) <= 5 or not short.isalpha():
        return False
    words = r"[\s-]+".join(rf"({re.escape(ch)}[\w'’]*)" for ch in short)
    return any(
        not any(w.lower() in FUNCTION_WORDS for w in m.groups()) for m in re.finditer(rf"\b{words}\b", text, re.I)
    )


def acronyms(text: str) -> dict[str, str]:
    """The short forms a text defines, each to its long form: a report writes the name out
    once, "(ABBR)" after it, then only the letters.

    >>> acronyms("The Harbour Counter-Terrorism Department (HCTD) said… the North Ridge Port Authority (NRPA).")
    {'HCTD': 'Harbour Counter-Terrorism Department', 'NRPA': 'North Ridge Port Authority'}
    """
    found: dict[str, str] = {}
    for m in _DEFINED.finditer(text):
        words = m.group(1).split()
        short = m.group(2)
        # The long form is the run of words from the one whose initial starts the short form,
        # if every letter of the short form is, in order, an initial of those words (or of
        # their parts: "Counter-Terrorism" gives C and T).
        for i, w in enumerate(words):
            if w[0] != short[0]:
                continue
            initials = "".join(p[0] for x in words[i:] for p in re.split(r"[-–]", x) if p and p[0].isupper())
            letters = iter(initials)
            if all(ch in letters for ch in short.upper()):
                found[short] = " ".join(words[i:])
                break
    return found
