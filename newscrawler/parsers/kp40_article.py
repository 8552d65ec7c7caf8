"""kp40.ru article page -> :class:`~newscrawler.items.ArticleItem`.

Public API (the spider calls exactly these):

* :func:`parse_article` — one article page (static or browser-rendered HTML) to an item with every
  schema key except ``crawled_at``; never raises on malformed or partial pages (a page without a headline
  yields ``title`` None and validation downstream drops it);
* :func:`needs_rendering` — True when the static HTML lacks the body because JavaScript renders it.

Every field is looked up in layers, strictly in this order, and the first layer that yields a value wins:

a) **site** — the site's layout selectors inside ``.news-article-wrapper`` (the ``current`` layout);
b) **meta** — what the page says about itself: ``<link rel=canonical>``, JSON-LD ``NewsArticle``,
   OpenGraph / ``article:*`` meta, ``<time datetime>``;
c) **generic** — markup-agnostic heuristics: the densest paragraph block for the body, ``<h1>`` /
   ``<title>`` for the headline, class-name hints for bylines, dates, leads and tags.

When the site layout is recognised (the wrapper with its ``.news-view-top`` header is there), an optional
field it does not show (no lead, no photo credit, no tags…) is absent, not a reason to guess from lower
layers; only the fields every article has — url, title, published_at, body, rubric_name — then fall
through. On an unrecognised page every field falls through. ``item["extraction"]`` is ``"site"`` when the
site layer produced every field, else ``"fallback"``; ``item["fallback_fields"]`` (not exported) names
the fields that needed a lower layer.

One parse per page: the response's cached parsel selector; the site layer narrows to the wrapper and
reads it in a single pass over its elements.
"""

from __future__ import annotations

import functools
import html
import json
import logging
import re
from collections.abc import Callable, Iterable

from lxml import etree
from scrapy.http import HtmlResponse

from newscrawler.extraction.authors import byline_photo_credit
from newscrawler.extraction.counts import printed_numbers
from newscrawler.extraction.dates import year_of
from newscrawler.items import ArticleItem
from newscrawler.extraction.loaders import ArticleLoader
from newscrawler.extraction.blocks import body_fragments, outer_html, paragraph_fragment
from newscrawler.extraction.document import document_root
from newscrawler.extraction.maintext import (
    article_scope,
    first_h1,
    generic_skip,
    is_byline_block,
    main_text_container,
    scoped_elements,
)
from newscrawler.extraction.page_meta import PageMeta
from newscrawler.extraction.text import PARAGRAPH_SEPARATOR, markup_to_text
from newscrawler.urls import article_ref

logger = logging.getLogger(__name__)

SITE, META, GENERIC = "site", "meta", "generic"

#: Fields every article has: looked up in lower layers even when the site layout is recognised.
ESSENTIAL = ("url", "title", "published_at", "body", "rubric_name")

# --- Site layer: the `current` layout -----------------------------------------------------------------
# The wrapper: the first <div> whose class contains "news-article-wrapper" (under /html/body, else anywhere:
# a fragment without <body>); its class token is then checked exactly. A Python walk over the <div>s that
# stops at the first match: libxml2 evaluated the XPath `descendant::div[contains(@class, …)][1]`'s
# contains() on every <div> of the page before taking the first.
_JS_BODY = etree.XPath(
    "//*[@data-special][contains(concat(' ', normalize-space(@class), ' '), ' news-body ')]"
)
#: The class attribute of every element inside the wrapper, in document order (as "smart" strings).
_CLASS_VALUES = etree.XPath("descendant::*/@class")
#: Class tokens the site layer reads (first element carrying each is kept).
_SITE_CLASSES = frozenset({
    "news-view-top", "news-view-rubric", "news-view-day", "news-view-title", "news-view-lead",
    "news-view-author", "news-view-date", "news-view-counters", "news-view-comments", "news-view-views",
    "news-body-img", "news-view-photo", "news-body", "news-view-tags", "mood-widget__count",
})
#: Blocks inside `.news-body` that are not body text.
_SITE_NON_BODY = frozenset({
    "news-follow", "news-inline-link", "news-view-tags", "news-view-tags__title",
    "news-view-author-newsinfo", "news-view-author", "share-buttons", "adv", "mood-widget",
    "news-noscript", "news-view-photo",
})


def _site_skip(element) -> bool:
    value = element.get("class")
    return bool(value) and not _SITE_NON_BODY.isdisjoint(value.split())


def _one_fragment(fragments: Iterable[str]) -> list[str]:
    """Body paragraphs as one fragment (joined by U+2029) for a single pass of the loader's text work."""
    joined = PARAGRAPH_SEPARATOR.join(fragments)
    return [joined] if joined else []


def attr_fragment(value: str | None) -> str | None:
    """An attribute / meta / JSON value as an HTML fragment (what the loader's text processors take)."""
    return None if value is None else html.escape(value, quote=False)


def text_of(element) -> str:
    """``"".join(element.itertext())``; for a childless element (counters, mostly) just its text, which
    skips setting up an itertext iterator."""
    if len(element) == 0:
        return element.text or ""
    return "".join(element.itertext())


def element_fragment(element) -> str:
    """An element as an HTML fragment: its markup, or just its escaped text when it has no children
    (the common case for header lines; saves serialising and tag-stripping)."""
    if len(element) == 0:
        return html.escape(element.text or "", quote=False)
    return outer_html(element)


class SiteLayout:
    """The `current` layout's elements, found in one pass over the wrapper."""

    def __init__(self, wrapper):
        self.wrapper = wrapper
        self.el: dict = {}
        self.tag_links: list = []
        self.tags_boxes: list = []
        # The class strings of the wrapper's elements (a few dozen), filtered on the substrings in Python;
        # only the matches get an element proxy (getparent of the "smart" attribute string). About three
        # times as fast as the `.//*[contains(@class, …)]` XPath this replaced (libxml2's contains() is
        # slow) and faster than walking every element.
        for value in _CLASS_VALUES(wrapper):
            if not ("news-" in value or "mood-widget__count" in value):
                continue
            element = value.getparent()
            for token in value.split():
                if token in _SITE_CLASSES:
                    self.el.setdefault(token, element)
                    if token == "news-view-tags":
                        self.tags_boxes.append(element)
                elif token == "news-view-tag":
                    self.tag_links.append(element)
        self.recognised = "news-view-top" in self.el

    def get(self, name):
        return self.el.get(name)

    def fragment(self, name) -> list[str]:
        element = self.el.get(name)
        return [element_fragment(element)] if element is not None else []

    # field readers
    def title(self):
        return self.fragment("news-view-title")

    def rubric_name(self):
        rubric = self.get("news-view-rubric")
        if rubric is None:
            return []
        link = next(rubric.iterdescendants("a"), None)  # find(".//a") without ElementPath's Python layer
        return [element_fragment(link)] if link is not None else []

    def top_story(self):
        if self.get("news-view-rubric") is None and self.get("news-view-top") is None:
            return []
        return [self.get("news-view-day") is not None]

    def lead(self):
        return self.fragment("news-view-lead")

    def authors(self):
        return self.fragment("news-view-author")

    def published_at(self):
        return self.fragment("news-view-date")

    def _counter(self, span_class: str, position: int):
        span = self.get(span_class)
        if span is not None:
            return [text_of(span)]
        box = self.get("news-view-counters")
        if box is None:
            return []
        numbers = printed_numbers("".join(box.itertext()))
        return [numbers[position]] if len(numbers) > position else []

    def comments_count(self):
        return self._counter("news-view-comments", 0)

    def views(self):
        return self._counter("news-view-views", 1)

    def reactions_count(self):
        count = self.get("mood-widget__count")
        return [text_of(count)] if count is not None else []

    def photo_credit(self):
        """The credit line, else the credit the byline carries (`Софья Фирсова, фото читателя`)."""
        if self.get("news-view-photo") is not None:
            return self.fragment("news-view-photo")
        byline = self.get("news-view-author")
        if byline is None:
            return []
        # paragraph_fragment: the byline's text without serialising it when it has no child elements (the
        # same text after markup_to_text, see blocks.paragraph_fragment).
        credit = byline_photo_credit(markup_to_text(paragraph_fragment(byline)))
        return [attr_fragment(credit)] if credit else []

    def image_url(self):
        box = self.get("news-body-img")
        if box is None:
            return []
        img = box if box.tag == "img" else next(box.iterdescendants("img"), None)
        if img is None:
            return []
        return [v for v in (img.get("src"), img.get("data-src")) if v]

    def tags(self):
        if self.tag_links:
            return [element_fragment(link) for link in self.tag_links]
        for box in self.tags_boxes:
            raw = box.get("data-tags")
            if raw:
                try:
                    names = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(names, list):
                    return [attr_fragment(str(n)) for n in names if n is not None]
        return []

    def body(self):
        container = self.get("news-body")
        if container is None:
            return []
        return _one_fragment(body_fragments(container, _site_skip))

    def js_only_body(self) -> bool:
        container = self.get("news-body")
        return (container is not None and container.get("data-special") is not None
                and not body_fragments(container, _site_skip))


def _first_wrapper_div(elements):
    for div in elements:
        value = div.get("class")
        if value and "news-article-wrapper" in value:
            return div
    return None


def _wrapper_candidates(root) -> list:
    """What `/html/body/descendant::div[contains(@class, 'news-article-wrapper')][1]` returned (the first
    such <div> of each <body>), else `/descendant::div[…][1]` (the first in the whole document)."""
    found = []
    if root.tag == "html":
        for body in root.iterchildren("body"):
            div = _first_wrapper_div(body.iterdescendants("div"))
            if div is not None:
                found.append(div)
    if not found:
        div = _first_wrapper_div(root.iter("div"))
        if div is not None:
            found.append(div)
    return found


_UNSET = object()


class _Page:
    """One response, parsed once, with lazily computed lower layers."""

    def __init__(self, response: HtmlResponse):
        self.response = response
        self.root = document_root(response)
        found = _wrapper_candidates(self.root)
        wrapper = next((w for w in found if "news-article-wrapper" in w.get("class").split()), None)
        self.site = SiteLayout(wrapper) if wrapper is not None else None
        self.meta = PageMeta(self.root)
        self._h1 = _UNSET
        self._scope = None
        self._main = _UNSET

    # --- generic layer helpers ----------------------------------------------------------------------------
    @property
    def h1(self):
        if self._h1 is _UNSET:
            self._h1 = first_h1(self.root) if self.root is not None else None
        return self._h1

    @property
    def scope(self):
        if self._scope is None:
            self._scope = article_scope(self.root, self.h1)
        return self._scope

    @property
    def main(self):
        if self._main is _UNSET:
            self._main = main_text_container(self.root) if self.root is not None else None
        return self._main

    def scoped(self, pattern: str):
        return scoped_elements(self.scope, re.compile(pattern, re.IGNORECASE))

    def generic_title(self):
        values = []
        if self.h1 is not None:
            values.append(outer_html(self.h1))
        if self.meta.title_text:
            values.append(attr_fragment(self.meta.title_text))
        return values

    def generic_date(self):
        for element in self.scoped(r"(?:^|[\s_-])(?:date|time|published|pubdate|datetime|datePublished)(?:$|[\s_-])"):
            yield outer_html(element)
        for element in self.scope.iter("time"):
            yield outer_html(element)

    def generic_authors(self):
        for element in self.scoped(r"(?:^|[\s_-])(?:author|authors|byline)(?:$|[\s_-])"):
            yield outer_html(element)
        if self.main is not None:
            for element in self.main.iter("p", "div", "span", "section"):
                if is_byline_block(element):
                    yield outer_html(element)

    def generic_lead(self):
        for element in self.scoped(r"(?:^|[\s_-])(?:lead|standfirst|subtitle|summary|description|excerpt)(?:$|[\s_-])"):
            yield outer_html(element)

    def generic_rubric(self, rubric_slug: str | None):
        if not rubric_slug:
            return
        wanted = re.compile(rf"^(?:https?://[^/]+)?/(?:index\.php/)?news/{re.escape(rubric_slug)}/?$")
        for scope in (self.scope, self.root):
            for link in scope.iter("a"):
                if wanted.match(link.get("href") or "") and "".join(link.itertext()).strip():
                    yield outer_html(link)
                    return

    def generic_tags(self):
        for link in self.scope.iter("a"):
            href = link.get("href") or ""
            if "tag=" in href or "/tag/" in href or "/tags/" in href:
                yield outer_html(link)

    def generic_image(self):
        for img in self.scope.iter("img"):
            if any(a.tag in ("aside", "nav", "footer", "header") for a in img.iterancestors()):
                continue
            src = img.get("src") or img.get("data-src")
            if src:
                yield src
                return

    def generic_body(self):
        if self.site is not None and self.site.js_only_body():
            return []  # a JS placeholder: rendering, not guessing, recovers this body
        if self.main is None:
            return []
        return _one_fragment(body_fragments(self.main, generic_skip))

    def meta_body(self):
        text = self.meta.article_body()
        if not text:
            return []
        if re.search(r"<(?:p|br|div|h\d|ul|li)\b", text, re.IGNORECASE):
            try:
                fragment = etree.HTML(f"<div>{text}</div>").find(".//div")
            except (etree.ParserError, ValueError):
                return []
            return _one_fragment(body_fragments(fragment, generic_skip)) if fragment is not None else []
        return _one_fragment(attr_fragment(p) for p in re.split(r"\n\s*\n|\n", text) if p.strip())


def _first_date_year(values: Iterable[str]) -> int | None:
    for value in values:
        year = year_of(value)
        if year:
            return year
    return None


def _is_excerpt(lead: str | None, body: str | None) -> bool:
    """A meta description that is the body's opening cut short (``…``), not a standfirst."""
    if not lead or not body:
        return False
    stem = lead.rstrip("…. ").strip()
    return len(stem) >= 20 and body.startswith(stem)


def _fill(loader: ArticleLoader, field: str, layers: list[tuple[str, Callable[[], Iterable]]]) -> str | None:
    """Feed ``field`` layer by layer until one yields a value; return that layer's name (None: none did)."""
    for layer, values in layers:
        try:
            raw = [v for v in values() if v is not None]
        except Exception:  # a broken page must cost a field, never the record
            logger.debug("layer %s of %s failed", layer, field, exc_info=True)
            continue
        if not raw:
            continue
        try:
            loader.add_value(field, raw)
        except Exception:
            logger.debug("normalising %s from %s failed", field, layer, exc_info=True)
            continue
        if loader.get_collected_values(field):
            return layer
    return None


_DEFAULTS = {
    "url": None, "article_id": None, "rubric": None, "rubric_name": None, "title": None, "lead": None,
    "authors": [], "published_at": None, "comments_count": None, "views": None, "reactions_count": None,
    "photo_credit": None, "image_url": None, "tags": [], "body": None, "top_story": False,
}
_YEAR = re.compile(r"(?:19|20)\d\d")


def parse_article(response: HtmlResponse, now=None) -> ArticleItem:
    """The article record of one kp40 page (every schema key but ``crawled_at``).

    ``now`` pins the crawl clock used for year-less dates when the page states no year anywhere.
    """
    try:
        return _parse(response, now)
    except Exception:  # pragma: no cover - last resort: an item validation will drop, not a crash
        logger.exception("cannot parse %s", getattr(response, "url", response))
        item = ArticleItem(**_DEFAULTS)
        item["extraction"], item["fallback_fields"] = "fallback", [f for f in _DEFAULTS if f not in ("article_id", "rubric")]
        return item


def needs_rendering(response: HtmlResponse) -> bool:
    """True when the static HTML lacks the article body because a script renders it (``.news-body[data-special]``
    with no body text: the replica's page 83529). Uses the response's cached parse."""
    try:
        if b"data-special" not in response.body:  # the placeholder's marker: no parse needed without it
            return False
        root = document_root(response)
        for container in _JS_BODY(root):
            if not body_fragments(container, _site_skip):
                return True
    except Exception:  # pragma: no cover - not HTML at all: nothing a browser would fix
        logger.debug("needs_rendering failed on %s", getattr(response, "url", response), exc_info=True)
    return False


def _parse(response: HtmlResponse, now=None) -> ArticleItem:
    page = _Page(response)
    site, meta = page.site, page.meta
    recognised = site is not None and site.recognised
    loader = ArticleLoader()  # builds its default_item_class, ArticleItem (no initial values to copy)
    loader.context["now"] = now
    used: dict[str, str | None] = {}
    looked_lower: set[str] = set()

    def fill(field: str, site_reader=None, meta_reader=None, generic_reader=None) -> None:
        stack = []
        if site_reader is not None:
            stack.append((SITE, site_reader))
        if not recognised or field in ESSENTIAL:
            stack += [(name, reader) for name, reader in ((META, meta_reader), (GENERIC, generic_reader)) if reader]
            looked_lower.add(field)
        used[field] = _fill(loader, field, stack)

    def escaped(values: Iterable[str]) -> list[str]:
        return [attr_fragment(v) for v in values]

    # Identity: the canonical link wins (schema) and counts as the site's own answer; then og:url, then
    # the URL fetched.
    used["url"] = _fill(loader, "url", [
        (SITE, lambda: [meta.canonical]),
        (META, lambda: [meta.meta.get("og:url")]),
        (GENERIC, lambda: [response.url]),
    ])
    if used["url"] != SITE:
        looked_lower.add("url")
    url = loader.get_output_value("url")
    ref = article_ref(url) if url else None
    if ref:  # one add_value for both (field name None: a dict of fields), each through its processor
        loader.add_value(None, {"article_id": ref.article_id, "rubric": ref.rubric})
    loader.context["base_url"] = url or response.url

    # Year for year-less dates (`29.09, 10:17`): the page's own ISO date, cheapest source first. Looked up
    # only if a year-less date is met (parse_site_date calls it then; functools.cache: at most once).
    @functools.cache
    def year_hint() -> int | None:
        hint = _first_date_year(meta.head_dates())
        if hint is None and site is not None and site.get("news-view-date") is not None:
            if not _YEAR.search("".join(site.get("news-view-date").itertext())):
                hint = _first_date_year(meta.dates() + meta.time_elements())
        return hint

    loader.context["year_hint"] = year_hint

    s = site
    fill("title", s and s.title, lambda: escaped(meta.titles()), page.generic_title)
    fill("rubric_name", s and s.rubric_name, lambda: escaped(meta.sections()),
         lambda: page.generic_rubric(ref and ref.rubric))
    fill("published_at", s and s.published_at, lambda: escaped(meta.dates() + meta.time_elements()),
         page.generic_date)
    fill("body", s and s.body, page.meta_body, page.generic_body)

    def meta_leads():
        body = loader.get_output_value("body")
        return escaped(v for v in meta.leads() if not _is_excerpt(markup_to_text(attr_fragment(v)), body))

    fill("lead", s and s.lead, meta_leads, page.generic_lead)
    fill("authors", s and s.authors, lambda: escaped(meta.authors()), page.generic_authors)
    fill("tags", s and s.tags, lambda: escaped(meta.tags()), page.generic_tags)
    fill("image_url", s and s.image_url, meta.images, page.generic_image)
    fill("comments_count", s and s.comments_count)
    fill("views", s and s.views)
    fill("reactions_count", s and s.reactions_count)
    fill("top_story", s and s.top_story)
    fill("photo_credit", s and s.photo_credit)

    item = loader.load_item()
    for field, default in _DEFAULTS.items():
        if item.get(field) is None:
            item[field] = list(default) if isinstance(default, list) else default
    # Fields the site layer did not give: taken from (or looked for in) a lower layer.
    item["fallback_fields"] = sorted(
        field for field in used if used[field] != SITE and (used[field] is not None or field in looked_lower)
    )
    item["extraction"] = "fallback" if item["fallback_fields"] else "site"
    return item
