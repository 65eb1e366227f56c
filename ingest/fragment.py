"""HTML that is all article (a feed item's content, an e-mail's HTML body) to plain text lines.

No boilerplate removal here: a fragment has no page around it. Scripts, styles and forms are
dropped, each block element starts a new line, and source line breaks inside a block are
spaces, so the plain-text rules (`ingest.clean`) see one line per paragraph.

    >>> fragment_text("<p>Ships <b>queued</b>\\n overnight.</p><ul><li>One</li><li>Two</li></ul>")
    'Ships queued overnight.\\nOne\\nTwo'
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from bs4.element import PreformattedString

# bs4 searches tag names with re.search, hence the anchors
_HIDDEN = re.compile(r"^(?:head|script|style|noscript|template|svg|iframe|form|button|object|embed)$")
_BLOCKS = re.compile(
    r"^(?:p|div|section|article|main|header|footer|aside|nav|h[1-6]|li|[uo]l|d[ldt]|blockquote|figure"
    r"|figcaption|pre|t[rdh]|table|hr|address)$"
)


def fragment_text(raw: str) -> str:
    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup(_HIDDEN):
        tag.decompose()
    for special in soup.find_all(string=lambda s: isinstance(s, PreformattedString)):
        special.extract()  # comments, doctype, CDATA, processing instructions
    for node in soup.find_all(string=True):
        node.replace_with(re.sub(r"\s+", " ", str(node)))
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(_BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    lines = (line.strip() for line in soup.get_text().splitlines())
    return "\n".join(line for line in lines if line)
