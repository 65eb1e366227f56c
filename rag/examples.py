"""Example questions drawn from the indexed articles, so whatever corpus is loaded gets
examples that it can answer: one question per recent article, asked by its title and date.

Titles that ingest made from a first sentence (ending in "…"), very short ones (a
slug, an outlet's name) and very long ones are passed over: a question built on
them would read badly or match nothing in particular.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.types import Document

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MIN_WORDS, MAX_CHARS = 3, 90


def spoken_date(date: int) -> str:
    """YYYYMMDD as people write it.

    >>> spoken_date(20250119), spoken_date(20250100)
    ('19 January 2025', 'January 2025')
    """
    year, month, day = date // 10000, date // 100 % 100, date % 100
    if not 1 <= month <= 12:
        return str(year)
    return f"{day} {MONTHS[month - 1]} {year}" if day else f"{MONTHS[month - 1]} {year}"


def usable_title(title: str) -> bool:
    """
    >>> usable_title("Ferry service resumes after storm"), usable_title("Interior Minister held talks with…")
    (True, False)
    >>> usable_title("Logo"), usable_title("x" * 100)
    (False, False)
    """
    title = title.strip()
    return (
        len(title.split()) >= MIN_WORDS
        and len(title) <= MAX_CHARS
        and not title.endswith(("…", "..."))
        and any(ch.isalpha() for ch in title)
    )


def example_questions(docs: Sequence[Document], n: int = 4) -> list[str]:
    """Up to `n` questions about the newest articles with usable titles (dated ones first).

    >>> from rag.types import Document
    >>> docs = [Document("a", "Ferry service resumes after storm", 20250119, None, "", "", ""),
    ...         Document("b", "Council freezes tram fares", None, None, "", "", "")]
    >>> for q in example_questions(docs): print(q)
    What is “Ferry service resumes after storm” (19 January 2025) about?
    What is “Council freezes tram fares” about?
    """
    picked = sorted((d for d in docs if usable_title(d.title)), key=lambda d: (d.date or 0, d.doc_id), reverse=True)
    seen: set[str] = set()
    questions: list[str] = []
    for doc in picked:
        title = " ".join(doc.title.split())
        if title.casefold() in seen:
            continue  # the same story from two outlets: one example is enough
        seen.add(title.casefold())
        when = f" ({spoken_date(doc.date)})" if doc.date else ""
        questions.append(f"What is “{title}”{when} about?")
        if len(questions) == n:
            break
    return questions
