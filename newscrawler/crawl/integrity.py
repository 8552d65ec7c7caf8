"""Is a fetched page whole and readable? Checks the spider runs before a page reaches a parser.

Transport-level faults (a dropped connection, a Content-Length the server did not honour, a timeout) are
failures Scrapy's RetryMiddleware already retries. These checks catch what arrives as a plain 200:

* :func:`is_complete_page` — the HTML stops before its closing ``</html>``: a server that died mid-render,
  a proxy that cut the stream, a close-delimited body. Such a page must be fetched again, never parsed
  into a record with half a body.
* :func:`looks_binary` — bytes that are not text at all (served as ``text/html`` anyway).
* :func:`better_encoding` — the declared charset is wrong (``charset=utf-8`` on windows-1251 bytes or the
  other way round): the text would be mojibake or U+FFFD. Names the encoding that reads the bytes right.

Nothing here knows the site's layout: that is the parser's business.
"""

from __future__ import annotations

import codecs
import re

from w3lib.encoding import html_body_declared_encoding

#: ``</html>`` at the very end, optionally followed by whitespace and HTML comments (some servers append
#: ``<!-- generated in 0.1 s -->``). Looked for in the last few KiB only: an inline script mentioning
#: ``</html>`` earlier in a cut page must not make it look whole.
_CLOSING = re.compile(rb"</html\s*>(?:\s|<!--.*?-->)*\Z", re.IGNORECASE | re.DOTALL)
_TAIL_BYTES = 4096

#: Control bytes that never occur in HTML text (tab, LF, FF, CR are fine).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
_SAMPLE = 8192

#: Single-byte charsets a Russian page may really be in when its declaration lies.
_CYRILLIC_CANDIDATES = ("cp1251",)


def is_complete_page(response) -> bool:
    """True when the HTML ends with its closing ``</html>`` and arrived whole.

    ``dataloss`` is Scrapy's flag for a body shorter than its Content-Length (kept only when
    ``DOWNLOAD_FAIL_ON_DATALOSS`` is off; otherwise that is a download error, retried as such).
    """
    if "dataloss" in (response.flags or ()):
        return False
    return bool(_CLOSING.search(response.body[-_TAIL_BYTES:]))


def looks_binary(body: bytes) -> bool:
    """True for bytes that are not text: a NUL, or more than 2 % control bytes in the first 8 KiB."""
    sample = body[:_SAMPLE]
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL))
    return controls > 0.02 * len(sample)


def _canonical(encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return None


def _cyrillic_share(text: str) -> float | None:
    """Share of Cyrillic letters among the non-ASCII letters (U+FFFD counts as a non-Cyrillic letter)."""
    letters = cyrillic = 0
    for char in text:
        if char < "\x80":
            continue
        if char == "\ufffd":
            letters += 1
        elif char.isalpha():
            letters += 1
            if "\u0400" <= char <= "\u04ff":
                cyrillic += 1
    return cyrillic / letters if letters >= 20 else None


def better_encoding(body: bytes, used: str) -> str | None:
    """The encoding that really decodes ``body`` when ``used`` (what the page declared) is wrong, else None.

    * Bytes that are valid UTF-8 with non-ASCII in them are UTF-8 (windows-1251 Russian text is never
      valid UTF-8 by accident), whatever the page declared.
    * Otherwise, if the declared decoding gives mostly non-Cyrillic letters or U+FFFD while windows-1251
      (or the charset the ``<meta>`` names, when the header overrode it) gives Cyrillic text, that one.
    """
    if body.isascii():
        return None
    used = _canonical(used) or "utf-8"
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return None if used == "utf-8" else "utf-8"

    current = _cyrillic_share(body.decode(used, "replace"))
    if current is None or current >= 0.5:
        return None
    candidates = [_canonical(html_body_declared_encoding(body)), *_CYRILLIC_CANDIDATES]
    for candidate in dict.fromkeys(c for c in candidates if c and c not in (used, "utf-8")):
        share = _cyrillic_share(body.decode(candidate, "replace"))
        if share is not None and share >= 0.9:
            return candidate
    return None
