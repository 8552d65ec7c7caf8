"""Plain-text normalisation shared by every text field of the record.

Raw values reach the loader as HTML fragments (an element's markup, or an attribute/meta value escaped to
markup by the parser). :func:`markup_to_text` turns one fragment into text the way a reader sees it:
source whitespace collapses, ``<br>`` becomes ``"\\n"``, tags go, entities are decoded; :func:`clean_text`
then applies the record's rules: non-breaking spaces become spaces, soft hyphens (U+00AD) and zero-width
characters vanish, runs of spaces collapse, lines are trimmed.
"""

from __future__ import annotations

import re

from w3lib.html import remove_tags, remove_tags_with_content, replace_entities

#: Elements whose content is never reader-visible text.
INVISIBLE_TAGS = ("script", "style", "noscript", "iframe", "template", "svg", "button", "figcaption")

_WS = re.compile(r"\s+")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_INVISIBLE_CHARS = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_H_SPACE = re.compile(r"[^\S\n]+")  # any whitespace except the newline
_SPACED_NL = re.compile(r" ?\n ?")


def clean_text(text: str | None) -> str | None:
    """Record-normal form of a text; ``None`` when nothing visible is left."""
    if text is None:
        return None
    text = text.translate(_INVISIBLE_CHARS)
    text = _H_SPACE.sub(" ", text)  # nbsp, thin spaces, tabs … -> one space
    text = _SPACED_NL.sub("\n", text).strip()
    return text or None


def markup_to_text(fragment: str | None) -> str | None:
    """Visible text of an HTML fragment (w3lib does the tag and entity work)."""
    if fragment is None:
        return None
    if "<" not in fragment and "&" not in fragment:
        return clean_text(_WS.sub(" ", fragment))
    # Source newlines are plain whitespace in HTML; only <br> is a line break.
    fragment = _WS.sub(" ", fragment)
    fragment = _BR.sub("\n", fragment)
    fragment = remove_tags_with_content(fragment, which_ones=INVISIBLE_TAGS)
    fragment = remove_tags(fragment)
    return clean_text(replace_entities(fragment))
