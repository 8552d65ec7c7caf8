"""Plain-text normalisation shared by every text field of the record.

Raw values reach the loader as HTML fragments (an element's markup, or an attribute/meta value escaped to
markup by the parser). :func:`markup_to_text` turns one fragment into text the way a reader sees it:
source whitespace collapses, ``<br>`` becomes ``"\\n"``, tags go (w3lib), entities are decoded (w3lib);
:func:`clean_text` applies the record's rules to any text: non-breaking and other spaces become one
space, soft hyphens (U+00AD) and zero-width characters vanish, lines are trimmed.

The regexes only match where something changes (a single space between words is left alone), which keeps
the per-page cost small: most of a body's characters are never touched by Python code.
"""

from __future__ import annotations

import re

from w3lib.html import remove_tags, remove_tags_with_content, replace_entities

#: Separates paragraphs inside one fragment (U+2029 PARAGRAPH SEPARATOR): the parser hands the body over
#: as one fragment, paragraphs joined by it, so the text work runs once per body, not once per paragraph.
PARAGRAPH_SEPARATOR = "\u2029"

#: Elements whose content is never reader-visible text.
INVISIBLE_TAGS = ("script", "style", "noscript", "iframe", "template", "svg", "button", "figcaption")

# Whitespace other than the plain space (and other than U+2029, which is structure, not space).
_OTHER_SPACE = "\\t\\n\\r\\f\\v\\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u202f\\u205f\\u3000"
_OTHER_H_SPACE = _OTHER_SPACE.replace("\\n", "")
# A run of whitespace that needs rewriting: it starts with a non-plain space, or is 2+ characters long.
_WS_RUN = re.compile(f"(?:[{_OTHER_SPACE}]|[ ](?=[ {_OTHER_SPACE}]))[ {_OTHER_SPACE}]*")
_H_SPACE_RUN = re.compile(f"(?:[{_OTHER_H_SPACE}]|[ ](?=[ {_OTHER_H_SPACE}]))[ {_OTHER_H_SPACE}]*")
_INVISIBLE = "\\u00ad\\u200b\\u200c\\u200d\\u2060\\ufeff"
_INVISIBLE_CHARS = re.compile(f"[{_INVISIBLE}]")
# Whether clean_text has any character-level work at all: one cheap single-class scan (plus a "  " test)
# instead of two full regex passes over text that, coming from markup_to_text, is nearly always clean.
_INVISIBLE_OR_OTHER_H_SPACE = re.compile(f"[{_INVISIBLE}{_OTHER_H_SPACE}]")
# The same question for markup_to_text, asked once per fragment: _WS_RUN can only match at an other-space
# character or at a plain space before a space, and clean_text has work only at those or at an invisible
# character. Without any (and without "  "), neither pass would change the fragment.
_INVISIBLE_OR_OTHER_SPACE = re.compile(f"[{_INVISIBLE}{_OTHER_SPACE}]")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_INVISIBLE_OPEN = re.compile(r"<(?:%s)\b" % "|".join(INVISIBLE_TAGS), re.IGNORECASE)


def clean_text(text: str | None) -> str | None:
    """Record-normal form of a text; ``None`` when nothing visible is left."""
    if text is None:
        return None
    # _H_SPACE_RUN only matches at an other-space character or at a space before a space, so without
    # either (and without invisible characters) both substitutions below would leave the text unchanged.
    if "  " in text or _INVISIBLE_OR_OTHER_H_SPACE.search(text):
        if _INVISIBLE_CHARS.search(text):
            text = _INVISIBLE_CHARS.sub("", text)
        text = _H_SPACE_RUN.sub(" ", text)  # nbsp, thin spaces, tabs, runs … -> one space
    return _trim_breaks(text)


def _trim_breaks(text: str) -> str | None:
    """The end of clean_text, for a text whose horizontal space runs are already single plain spaces."""
    # Every run of horizontal space is a single plain space, so trimming the spaces around line and
    # paragraph breaks (what `[ ]*\n[ ]*` did) is two plain replaces per break character, much cheaper
    # than a regex that tries to match at every position of the text.
    if "\n" in text:
        text = text.replace(" \n", "\n").replace("\n ", "\n")
    if PARAGRAPH_SEPARATOR in text:
        text = text.replace(" " + PARAGRAPH_SEPARATOR, PARAGRAPH_SEPARATOR).replace(
            PARAGRAPH_SEPARATOR + " ", PARAGRAPH_SEPARATOR)
    return text.strip() or None


def markup_to_text(fragment: str | None) -> str | None:
    """Visible text of an HTML fragment (w3lib does the tag and entity work)."""
    if fragment is None:
        return None
    # Source newlines are plain whitespace in HTML; only <br> is a line break.
    if "\xa0" in fragment:  # the commonest case (Russian typography), done by a plain replace
        fragment = fragment.replace("\xa0", " ")
    spaced = "  " in fragment or _INVISIBLE_OR_OTHER_SPACE.search(fragment) is not None
    if spaced:
        fragment = _WS_RUN.sub(" ", fragment)
    if "<" in fragment:
        fragment = _BR.sub("\n", fragment)
        if _INVISIBLE_OPEN.search(fragment):
            fragment = remove_tags_with_content(fragment, which_ones=INVISIBLE_TAGS)
        fragment = remove_tags(fragment)
    elif "&" not in fragment and not spaced:
        # Plain text with no whitespace to collapse and no invisible characters (an escaped paragraph,
        # usually): clean_text's character pass has nothing to do, only the trimming is left.
        return _trim_breaks(fragment)
    if "&" in fragment:
        fragment = replace_entities(fragment)
    return clean_text(fragment)


def paragraphs(fragment: str | None) -> list[str]:
    """The visible text of a fragment split at :data:`PARAGRAPH_SEPARATOR`, empty paragraphs dropped."""
    text = markup_to_text(fragment)
    if not text:
        return []
    return [p for p in (part.strip() for part in text.split(PARAGRAPH_SEPARATOR)) if p]
