"""One parse per response, shared by :func:`needs_rendering` and :func:`parse_article`.

If something already parsed the response through Scrapy's selector (``response.selector``), its tree is
reused. Otherwise the body bytes are parsed once with lxml's plain HTML parser — the same libxml2 parse as
``lxml.html.fromstring`` but without decoding the body to ``str`` and re-encoding it first, and with plain
``etree`` elements (no per-element class lookup), which keeps the extraction after it cheap — and the tree
is remembered for the life of the response.
"""

from __future__ import annotations

import threading
import weakref

from lxml import etree

_TREES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_PARSERS = threading.local()  # a parser is reusable but not thread-safe: one per thread and encoding


def _parser(encoding: str) -> etree.HTMLParser:
    cache = getattr(_PARSERS, "by_encoding", None)
    if cache is None:
        cache = _PARSERS.by_encoding = {}
    parser = cache.get(encoding)
    if parser is None:
        parser = cache[encoding] = etree.HTMLParser(
            recover=True, encoding=encoding, huge_tree=True, collect_ids=False, remove_comments=True)
    return parser


def _parse(body: bytes, encoding: str, base_url: str | None):
    try:
        parser = _parser(encoding)
        return etree.fromstring(body, parser=parser, base_url=base_url)
    except (etree.XMLSyntaxError, LookupError, ValueError):
        return None


def document_root(response):
    """The root element of the response's HTML (an empty ``<html>`` for an empty or unparsable body)."""
    cached = getattr(response, "_cached_selector", None)
    if cached is not None:
        return cached.root
    try:
        return _TREES[response]
    except (KeyError, TypeError):
        pass
    body = response.body
    if b"\x00" in body:
        body = body.replace(b"\x00", b"")
    if body.isspace():
        body = b""
    encoding = getattr(response, "encoding", None) or "utf-8"
    root = _parse(body, encoding, response.url) if body else None
    if root is None and body:
        text = getattr(response, "text", None)
        if text:
            root = _parse(text.strip().encode("utf-8"), "utf-8", response.url)
    if root is None:
        root = etree.fromstring(b"<html><head></head><body></body></html>", etree.HTMLParser())
    try:
        _TREES[response] = root
    except TypeError:  # pragma: no cover - an object that cannot be weakly referenced
        pass
    return root
