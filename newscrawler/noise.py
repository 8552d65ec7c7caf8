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


def strip_widget_noise(text: str | None) -> str | None:
    """``text`` without widget lines and Laravel blobs; real paragraphs untouched."""
    if not text:
        return text
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
    out = "\n".join(lines)
    out = re.sub(r"[ \t]+\n", "\n", out)
    out = re.sub(r"\n{3,}", "\n\n", out)
    return out.strip()
