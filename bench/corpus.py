"""Distractor articles generated from templates, to grow a corpus around the seeds.

They are written in the seeds' register (ministers, delegations, security
talks, corridors, attacks, figures) with other names, places and numbers, so a
question about a seed must beat many passages that look alike. Deterministic
for a given seed number.

    >>> a = distractor_article(0); a.splitlines()[0] == distractor_article(0).splitlines()[0]
    True
"""

from __future__ import annotations

import random

_FIRST = "Amir Lena Tomas Ruslan Aiko Farid Nadia Oskar Mei Kofi Ines Yuri Leila Pavel Sanjay Olga Sara Ana".split()
_LAST = "Karimov Haddad Novak Sato Okafor Rahman Lindqvist Moreau Petrov Costa Mensah Tanaka Varga Brandt".split()
_COUNTRIES = [
    "Kazakhstan",
    "Turkey",
    "Egypt",
    "Vietnam",
    "Kenya",
    "Peru",
    "Poland",
    "Nigeria",
    "Uzbekistan",
    "Chile",
    "Morocco",
    "Indonesia",
    "Norway",
    "Ghana",
]
_CITIES = [
    "Almaty",
    "Izmir",
    "Alexandria",
    "Haiphong",
    "Mombasa",
    "Cusco",
    "Gdansk",
    "Lagos",
    "Samarkand",
    "Valparaiso",
    "Tangier",
    "Surabaya",
    "Bergen",
]
_ROLES = [
    "Interior Minister",
    "Foreign Minister",
    "Defence Secretary",
    "Trade Minister",
    "National Security Adviser",
    "Army Chief",
    "Deputy Prime Minister",
    "Police Commissioner",
    "Energy Minister",
    "Finance Secretary",
]
_TOPICS = [
    "border security",
    "port development",
    "counter-narcotics operations",
    "rail links",
    "police training",
    "cyber defence",
    "energy pipelines",
    "customs cooperation",
    "disaster relief",
    "maritime patrols",
]
_EVENTS = ["a bombing", "an ambush", "a landslide", "a ferry accident", "a pipeline fire", "a stampede"]
_MONTHS = "January February March April May June July August September October November December".split()


def _name(r: random.Random) -> str:
    return f"{r.choice(_FIRST)} {r.choice(_LAST)}"


def distractor_article(n: int) -> str:
    """One article of about eight sentences (a headline, a date line, then paragraphs)."""
    r = random.Random(n)
    a, b = r.sample(_COUNTRIES, 2)
    city = r.choice(_CITIES)
    topic, topic2 = r.sample(_TOPICS, 2)
    leader, host = _name(r), _name(r)
    role, role2 = r.sample(_ROLES, 2)
    year = r.choice([2022, 2023, 2024, 2025])
    month = r.choice(_MONTHS)
    sentences = [
        f"{a} and {b} agree to expand {topic}",
        f"{month} {r.randint(1, 28)}, {year}",
        f"{a} and {b} have agreed to strengthen cooperation on {topic} and {topic2}.",
        f"The agreement was reached in {city} during a meeting between {role} {host} and a delegation "
        f"from {b} led by {role2} {leader}.",
        f"Officials said {r.randint(2, 40)} joint projects worth about USD {r.randint(1, 90)} billion "
        "were under review.",
        f"{leader} said {b} would send {r.randint(50, 900)} experts to help train local staff over the next year.",
        f"Both sides discussed a {r.randint(100, 2500)}-kilometre transport link and new customs posts.",
        f"In {r.choice(_MONTHS)} {year - 1}, {r.randint(3, 60)} people were killed in {r.choice(_EVENTS)} near {city}, "
        f"which officials said had delayed work on the project.",
        f"{host} invited {leader} to visit {r.choice(_CITIES)} later in the year.",
        f"Analysts expect the talks on {topic2} to continue at a summit in {r.choice(_CITIES)}.",
    ]
    return sentences[0] + "\n\n" + sentences[1] + "\n\n" + "\n\n".join(sentences[2:]) + "\n"
