"""Is a fetched page whole and readable? Checked in a downloader middleware before a page reaches a spider.

Transport-level faults (a dropped connection, a Content-Length the server did not honour, a timeout) are
failures Scrapy's RetryMiddleware already retries. These checks catch what arrives as a plain 200:

* :func:`is_complete_page` — the HTML stops before its closing ``</html>``: a server that died mid-render,
  a proxy that cut the stream, a close-delimited body. Such a page must be fetched again, never parsed
  into a record with half a body.
* :func:`looks_binary` — bytes that are not text at all (served as ``text/html`` anyway).
* :func:`better_encoding` — the declared charset is wrong (``charset=utf-8`` on windows-1251 bytes or the
  other way round): the text would be mojibake or U+FFFD. Names the encoding that reads the bytes right.

:class:`PageIntegrityMiddleware` applies them to the pages spiders mark. Nothing here knows an outlet's
layout: that is the parser's business.
"""

from __future__ import annotations

import codecs
import logging
import re

from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, TextResponse
from w3lib.encoding import html_body_declared_encoding

logger = logging.getLogger(__name__)

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


class DamagedPage(IgnoreRequest):
    """A page that arrived damaged beyond repair; ``reason`` names how (``article_binary``, …)."""

    def __init__(self, reason: str, response):
        self.reason = reason
        self.response = response
        self.detail = (f"status {response.status}, "
                       f"Content-Type {response.headers.get('Content-Type', b'').decode('latin-1')!r}, "
                       f"{len(response.body)} bytes")
        super().__init__(f"{reason}: {self.detail}")


#: Request meta key the spiders set: "article" or "listing" (listings, feeds, sitemaps, APIs) pages are checked.
PAGE_KIND = "newscrawler_page_kind"
STATS = "newscrawler"


class PageIntegrityMiddleware:
    """Downloader middleware: a page reaches a spider callback whole and readable, or not at all.

    For requests a spider marked with :data:`PAGE_KIND` (browser renders are the browser's business):

    * an article that is not HTML, is empty, or is binary → :class:`DamagedPage` (the request's errback
      logs it, counts ``newscrawler/bad_response/<reason>`` and notes the article for the next run);
    * a listing that is not text → the same;
    * HTML decoded with a charset its bytes are not in → re-decoded with the right one (counted);
    * HTML cut off before ``</html>`` → fetched again (Scrapy's retry budget), then :class:`DamagedPage`.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response, spider=None):
        kind = request.meta.get(PAGE_KIND)
        if kind is None or request.meta.get("playwright"):
            return response
        if kind == "article":
            if not isinstance(response, HtmlResponse):
                return self._damaged("article_not_html", response)
            if not response.body.strip():
                return self._damaged("article_empty_body", response)
            if looks_binary(response.body):
                return self._damaged("article_binary", response)
        elif not isinstance(response, TextResponse):
            return self._damaged(f"{kind}_not_text", response)
        if not isinstance(response, HtmlResponse):
            return response
        response = self._readable(response)
        if is_complete_page(response):
            return response
        return self._retry_truncated(request, response, kind)

    def _damaged(self, reason: str, response):
        self.stats.inc_value(f"{STATS}/bad_response/{reason}")
        raise DamagedPage(reason, response)

    def _readable(self, response: HtmlResponse) -> HtmlResponse:
        """The response decoded with the charset its bytes are really in (pages that declare a wrong one)."""
        actual = better_encoding(response.body, response.encoding)
        if actual is None:
            if response.encoding not in ("utf-8", "utf8"):
                self.stats.inc_value(f"{STATS}/page_encoding/{response.encoding}")
            return response
        self.stats.inc_value(f"{STATS}/encoding_repaired/{response.encoding}_to_{actual}")
        logger.warning("Page %s declares charset %s but its bytes are %s; decoded as %s",
                       response.url, response.encoding, actual, actual)
        return response.replace(encoding=actual)

    def _retry_truncated(self, request, response, kind: str):
        """A page cut off before its closing ``</html>``: fetch it again; never parse the half page."""
        self.stats.inc_value(f"{STATS}/truncated/{kind}")
        retry = get_retry_request(request, spider=self.crawler.spider, reason="truncated_html")
        if retry is None:
            return self._damaged(f"{kind}_truncated", response)
        # A fresh download: only the retry count carries over (META_COPY_WARN_SKIP_KEYS allows it).
        for key in ("download_latency", "redirect_times", "redirect_ttl", "redirect_urls", "redirect_reasons"):
            retry.meta.pop(key, None)
        logger.warning("%s page %s is truncated (%d bytes, no closing </html>); fetching it again",
                       kind.capitalize(), response.url, len(response.body))
        return retry
