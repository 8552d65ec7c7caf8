"""The site's widget noise: what the page prints around an article that is not the article.

kp40 pages follow the body with widgets whose text leaks into naive text extraction («Новости по тегу»,
«Лента настроения», «N оценили», …) and hide Laravel-encrypted payloads (``eyJpdiI6…``: base64 of a JSON
object with ``iv``/``value``/``mac``) in the markup. :func:`strip_widget_noise` removes them from a text
without touching real paragraphs: widgets are recognised only as *whole lines*, so a paragraph that merely
mentions «Лента настроения» mid-sentence stays.

Two kinds of widget line:

* unambiguous ones (``21 оценили``, ``Всего: 4 комментария``, ``Читайте KP40.RU:``, the mood question, the
  login prompt) can never be article text and go wherever they are;
* short generic headings (``Афиша``, ``Популярное``, ``Лента настроения``, ``Обсудить новость``, …) go only
  in the trailing widget run at the end of the text — after the last line of real text — so an article
  sub-heading that happens to read «Афиша» survives. Short tag-name lines right after
  «Новости по тегу» belong to that run too.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

#: Lines that are widget text wherever they appear.
_ALWAYS = [
    r"\d[\d\s\u00a0\u2009\u202f]*\s*оценил[иа]?",
    r"Какое впечатление произвела на вас эта новость\??(?:\s*Поделитесь с нами\.?)?",
    r"Поделитесь с нами",
    r"Всего:\s*\d[\d\s]*\s*комментари(?:й|я|ев)",
    r"Чтобы оставлять комментарии,?\s*(?:Авторизуйтесь|авторизуйтесь)\.?",
    r"Читайте\s+KP40\.RU:?",
]
#: Headings that are widget text only in the trailing run.
_TRAILING = [
    r"Новости по тегу:?",
    r"Лента настроения",
    r"Обсудить новость",
    r"Партн[её]рские новости",
    r"Лента комментариев",
    r"Афиша",
    r"Популярное",
    r"Комментарии",
    r"Поделиться",
]
_ALWAYS_RE = re.compile(r"^(?:%s)$" % "|".join(_ALWAYS), re.IGNORECASE)
_TRAILING_RE = re.compile(r"^(?:%s)$" % "|".join(_TRAILING), re.IGNORECASE)
_TAGS_HEADING_RE = re.compile(r"^Новости по тегу:?$", re.IGNORECASE)

#: A Laravel encrypted payload: base64 of '{"iv":' … (always starts "eyJpdiI6").
_BLOB_RE = re.compile(r"eyJpdiI6[A-Za-z0-9+/]{16,}={0,2}")


def is_laravel_blob(token: str) -> bool:
    """True for a base64 JSON object with Laravel's ``iv``/``value``/``mac`` keys."""
    token = token.strip()
    if not token.startswith("eyJpdiI6"):
        return False
    try:
        data = json.loads(base64.b64decode(token + "=" * (-len(token) % 4), validate=False))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and {"iv", "value", "mac"} <= data.keys()


def _remove_blobs(text: str) -> str:
    return _BLOB_RE.sub(lambda m: "" if is_laravel_blob(m.group()) else m.group(), text)


def is_widget_line(line: str, trailing: bool = True) -> bool:
    """Whether a whole line is widget text (``trailing`` also admits the generic trailing headings)."""
    if len(line) > 120:  # widget lines are short; a paragraph is not one
        return False
    line = " ".join(line.split())
    if not line:
        return False
    if _ALWAYS_RE.match(line):
        return True
    return trailing and bool(_TRAILING_RE.match(line))


def _looks_like_tag(line: str) -> bool:
    """A tag name as the tags block prints it: a few words, no sentence punctuation."""
    return len(line) <= 40 and len(line.split()) <= 4 and not re.search(r"[.!?:;]", line)


#: One keyword per widget pattern above, in casefolded form, each a literal run that every line the
#: pattern matches must contain (the patterns match case-insensitively, after whitespace is collapsed; no
#: keyword has whitespace in it, so collapsing cannot create or hide one). A text that contains none of
#: them, and no ``eyJpdiI6`` payload, has no widget line, so :func:`strip_widget_noise` can skip the
#: per-line scan, which would cost far more than these substring searches on the text fields of a record
#: (nearly always clean already: the parser leaves the widget blocks out). ``tests/test_noise.py`` checks
#: that each pattern carries one of these and that the fast path gives byte-identical results.
#: Add a keyword here whenever a pattern is added to ``_ALWAYS`` or ``_TRAILING``.
_KEYWORDS = (
    "оценил",  # "N оценили"
    "впечатление",  # the mood question
    "подели",  # "Поделитесь с нами", "Поделиться"
    "всего",  # "Всего: N комментариев"
    "комментари",  # the login prompt, "Лента комментариев", "Комментарии"
    "читайте",  # "Читайте KP40.RU"
    "тегу",  # "Новости по тегу"
    "настроения",  # "Лента настроения"
    "обсудить",  # "Обсудить новость"
    "партн",  # "Партнёрские новости" / "Партнерские новости"
    "афиша",
    "популярное",
)

# The final tidy-up, precompiled (the same expressions the per-line path always applied).
_SPACES_BEFORE_NEWLINE = re.compile(r"[ \t]+\n")
_BLANK_RUN = re.compile(r"\n{3,}")


def _may_hold_widgets(text: str) -> bool:
    """False only when ``text`` cannot contain a widget line or a Laravel payload.

    ``casefold`` and not ``lower``: for the Cyrillic keyword letters it agrees with the regexes'
    ``IGNORECASE`` matching (it also folds variants such as U+1C80 ROUNDED VE to "в", which ``lower`` keeps),
    so a line the patterns match always shows its keyword here. Plain substring searches are several times
    cheaper than a case-insensitive alternation regex over a whole body.
    """
    if "eyJpdiI6" in text:
        return True
    folded = text.casefold()
    for keyword in _KEYWORDS:
        if keyword in folded:
            return True
    return False


def _tidy(text: str) -> str:
    """At most one empty line between paragraphs, no trailing spaces on a line, none at the ends."""
    # Each expression runs only when a plain substring test shows it has a match: scanning a whole body
    # with them costs far more than these tests, and a clean text (the usual case) has none.
    if " \n" in text or "\t\n" in text:  # a run of spaces/tabs before a newline ends in one of these
        text = _SPACES_BEFORE_NEWLINE.sub("\n", text)
    if "\n\n\n" in text:
        text = _BLANK_RUN.sub("\n\n", text)
    return text.strip()


def strip_widget_noise(text: str | None) -> str | None:
    """``text`` without widget lines and Laravel blobs; real paragraphs untouched."""
    if not text:
        return text
    if not _may_hold_widgets(text):
        # No line can match: the per-line pass would keep every line and only tidy up the whitespace.
        return _tidy(text)
    return _strip_widget_lines(text)


def _strip_widget_lines(text: str) -> str:
    """The per-line pass of :func:`strip_widget_noise` (also its reference implementation in the tests)."""
    if "eyJpdiI6" in text:
        text = _remove_blobs(text)
    lines = [line for line in text.split("\n") if not is_widget_line(line, trailing=False)]

    # The trailing run: from the first generic widget heading after which nothing but widget lines,
    # blank lines and (after «Новости по тегу») tag names follow. Never the whole text.
    last_real = None
    in_tags = False
    run_start = None
    for index, line in enumerate(lines):
        stripped = " ".join(line.split())
        if not stripped:
            continue
        if is_widget_line(stripped):
            if run_start is None:
                run_start = index
            in_tags = bool(_TAGS_HEADING_RE.match(stripped))
            continue
        if in_tags and _looks_like_tag(stripped):
            continue
        run_start, in_tags, last_real = None, False, index
    if run_start is not None and last_real is not None:
        lines = lines[:run_start]

    # Blank lines left where widget lines were: at most one empty line between paragraphs, none at the ends.
    return _tidy("\n".join(lines))
