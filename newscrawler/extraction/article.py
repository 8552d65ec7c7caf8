"""One article page → :class:`~newscrawler.items.ArticleItem`, for any outlet whose profile is given.

Public API (the spiders and the extract command call exactly these):

* :func:`parse_article` — one article page (static or browser-rendered HTML) to an item with every schema
  key except ``crawled_at`` and ``story_id``; never raises on malformed or partial pages (a page without a
  headline yields ``title`` None and validation downstream drops it);
* :func:`needs_rendering` — True when the static HTML lacks the body because JavaScript renders it.

Identity (publisher, article_id, url) comes from the URL the page was fetched at on the outlet's own
hosts (:meth:`Publisher.article_ref`), or where that URL has no id, from the id the page states about
itself (WordPress shortlink). A ``<link rel=canonical>`` / ``og:url`` may normalise the URL's form only
when it names the same outlet and the same article; anything else is ignored, and the item says so
(``identity_conflicts``, not exported) for the spider to log and count.

Every other field is looked up in layers, strictly in this order, and the first layer that yields a value wins:

a) **site** — the profile's reader for the page's layout era (the first whose marker is on the page);
b) **meta** — what the page says about itself: JSON-LD ``NewsArticle``, OpenGraph / ``article:*`` meta,
   ``<time datetime>``;
c) **generic** — :func:`newscrawler.extraction.generic.extract_generic` (trafilatura's main text for the
   body; JSON-LD, microdata, OpenGraph, ``<time>``, ``<h1>`` for the rest), then markup-agnostic
   heuristics: class-name hints for bylines, dates, leads and tags, the rubric's link.

When a reader recognises the page, an optional field its era does not show (no lead, no photo credit…) is
absent, not a reason to guess from lower layers; only the fields every article has (:data:`ESSENTIAL`)
then fall through. On an unrecognised page every field falls through. ``item["extraction"]`` is
``"site"`` when the site layer produced every field, else ``"fallback"``; ``item["fallback_fields"]``
(not exported) names the fields that needed a lower layer.
"""

from __future__ import annotations

import functools
import html
import logging
import re
from collections.abc import Callable, Iterable
from urllib.parse import urljoin, urlsplit

from lxml import etree
from scrapy.http import HtmlResponse

from newscrawler.extraction.blocks import body_fragments, is_cross_link_line, outer_html
from newscrawler.extraction.dates import year_of
from newscrawler.extraction.document import document_root
from newscrawler.extraction.generic import GenericArticle, extract_generic
from newscrawler.extraction.loaders import ArticleLoader
from newscrawler.extraction.maintext import (
    article_scope,
    first_h1,
    is_byline_block,
    main_text_container,
    scoped_elements,
)
from newscrawler.extraction.page_meta import PageMeta
from newscrawler.extraction.reader import LayoutReader, select
from newscrawler.extraction.text import PARAGRAPH_SEPARATOR, markup_to_text
from newscrawler.items import ArticleItem

logger = logging.getLogger(__name__)

SITE, META, GENERIC = "site", "meta", "generic"

#: Fields every article has: looked up in lower layers even when the site layout is recognised.
ESSENTIAL = ("title", "published_at", "body", "rubric_name")

_DEFAULTS = {
    "url": None, "article_id": None, "rubric": None, "rubric_name": None, "title": None, "lead": None,
    "authors": [], "published_at": None, "comments_count": None, "views": None, "reactions_count": None,
    "photo_credit": None, "image_url": None, "tags": [], "body": None, "top_story": False,
}


def attr_fragment(value: str | None) -> str | None:
    """An attribute / meta / JSON value as an HTML fragment (what the loader's text processors take)."""
    return None if value is None else html.escape(value, quote=False)


def one_fragment(fragments: Iterable[str]) -> list[str]:
    """Body paragraphs as one fragment (joined by U+2029) for a single pass of the loader's text work."""
    joined = PARAGRAPH_SEPARATOR.join(fragments)
    return [joined] if joined else []


class Page:
    """One response, parsed once: the profile's reader for its era, and lazily computed lower layers."""

    def __init__(self, response: HtmlResponse, readers: Iterable[type[LayoutReader]] = ()):
        self.root = document_root(response)
        self.url = response.url
        self.reader = next((reader for reader in (cls(self.root) for cls in readers) if reader.recognised), None)
        self.meta = PageMeta(self.root)

    @functools.cached_property
    def generic(self) -> GenericArticle:
        """The generic layer's reading of the whole page (computed only when a field falls through to it)."""
        return extract_generic(self.root, self.url)

    @functools.cached_property
    def h1(self):
        return first_h1(self.root)

    @functools.cached_property
    def scope(self):
        return article_scope(self.root, self.h1)

    @functools.cached_property
    def main(self):
        return main_text_container(self.root)

    def scoped(self, pattern: str):
        return scoped_elements(self.scope, re.compile(pattern, re.IGNORECASE))

    # --- the generic layer --------------------------------------------------------------------------
    def generic_title(self):
        """The headline: ``<h1>``, the generic layer's (from page metadata), else ``<title>`` (whose site
        suffix the loader strips by the outlet's profile)."""
        values = [outer_html(self.h1)] if self.h1 is not None else []
        if self.generic.title and self.generic.sources.get("title") != "title":
            values.append(attr_fragment(self.generic.title))
        if self.meta.title_text:
            values.append(attr_fragment(self.meta.title_text))
        return values

    def generic_date(self):
        if self.generic.published_at:
            yield self.generic.published_at
        for element in self.scoped(r"(?:^|[\s_-])(?:date|time|published|pubdate|datetime|datePublished)(?:$|[\s_-])"):
            yield outer_html(element)
        for element in self.scope.iter("time"):
            yield outer_html(element)
        yield from self.printed_dates_after_headline()

    def generic_authors(self):
        """Bylines by class name or by their `Автор:` label; else a labelled name in a short line of the
        article (`Автор:&nbsp;Имя<br>`, `… · Текст: Имя · …`); else the generic layer's names."""
        found = [outer_html(element) for element in self.scoped(r"(?:^|[\s_-])(?:author|authors|byline)(?:$|[\s_-])")]
        if self.main is not None:
            found += [outer_html(element) for element in self.main.iter("p", "div", "span", "section")
                      if is_byline_block(element)]
        if not found:
            found = [attr_fragment(match.group(1)) for text in self._short_texts(self.scope)
                     for match in _LABELLED_BYLINE.finditer(text)][:1]
        return found or [attr_fragment(name) for name in self.generic.authors]

    def _short_texts(self, scope, limit: int = 200):
        """Text nodes of at most ``limit`` characters under ``scope``, outside asides, navigation, footers,
        scripts and forms, in document order."""
        for text in _TEXT_NODES(scope):
            stripped = " ".join(text.split())
            if not stripped or len(stripped) > limit:
                continue
            parent = text.getparent()
            if parent is None or any(node.tag in _NOT_ARTICLE for node in (parent, *parent.iterancestors())):
                continue
            yield stripped

    def printed_dates_after_headline(self, max_texts: int = 40):
        """Short texts right after the ``<h1>``, up to the first long one (where the body starts): the
        meta line a theme prints a date in without a class or element saying so."""
        if self.h1 is None:
            return
        seen = 0
        for text in _FOLLOWING_TEXTS(self.h1):
            stripped = " ".join(text.split())
            if not stripped:
                continue
            if len(stripped) > 200 or seen >= max_texts:
                return
            seen += 1
            parent = text.getparent()
            if parent is None or any(node.tag in _NOT_ARTICLE for node in (parent, *parent.iterancestors())):
                continue
            yield attr_fragment(stripped)

    def generic_lead(self):
        for element in self.scoped(r"(?:^|[\s_-])(?:lead|standfirst|subtitle|summary|description|excerpt)(?:$|[\s_-])"):
            yield outer_html(element)

    def generic_rubric(self, rubric_slug: str | None):
        """The text of a link to the rubric's listing (its path ends in the rubric slug)."""
        if not rubric_slug:
            return
        wanted = re.compile(rf"/{re.escape(rubric_slug)}/?$")
        for scope in (self.scope, self.root):
            for link in scope.iter("a"):
                if wanted.search(urlsplit(link.get("href") or "").path) and "".join(link.itertext()).strip():
                    yield outer_html(link)
                    return

    def generic_tags(self):
        for link in self.scope.iter("a"):
            href = link.get("href") or ""
            if "tag=" in href or "/tag/" in href or "/tags/" in href:
                yield outer_html(link)

    def generic_image(self):
        if self.generic.image_url:
            yield self.generic.image_url
            return
        for img in self.scope.iter("img"):
            if any(a.tag in ("aside", "nav", "footer", "header") for a in img.iterancestors()):
                continue
            src = img.get("src") or img.get("data-src")
            if src:
                yield src
                return

    def generic_body(self):
        """The generic layer's main text, without «Читайте также: …» lines (paragraphs as escaped text)."""
        paragraphs = (self.generic.body or "").split("\n\n")
        return one_fragment(attr_fragment(p) for p in paragraphs if p and not is_cross_link_line(p))


#: `Автор: Имя`, `Текст: Имя` inside a line of other facts (`27 апреля 2021, 14:48 · Текст: Имя · 120 просмотров`).
_LABELLED_BYLINE = re.compile(r"(?:^|[·|•])\s*(?:Автор[ыа]?|Текст)\s*:\s*([^·|•:]{3,80}?)\s*(?=$|[·|•])")
_TEXT_NODES = etree.XPath("descendant::text()")
_FOLLOWING_TEXTS = etree.XPath("following::text()")
#: Where a text node is not the article's own line.
_NOT_ARTICLE = frozenset({"aside", "nav", "footer", "script", "style", "noscript", "form", "template", "button"})


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


class _Layers:
    """Feeds the loader field by field, layer by layer, and remembers which layer gave what."""

    def __init__(self, loader: ArticleLoader, page: Page, url: str):
        self.loader = loader
        self.page = page
        self.url = url
        self.used: dict[str, str | None] = {}
        self.looked_lower: set[str] = set()
        self.reader_errors: list[str] = []

    def fill(self, field: str, meta_reader=None, generic_reader=None) -> None:
        reader = self.page.reader
        stack: list[tuple[str, Callable[[], Iterable]]] = []
        if reader is not None and reader.shows(field):
            stack.append((SITE, functools.partial(reader.read, field)))
        if reader is None or field in ESSENTIAL:
            stack += [(name, values) for name, values in ((META, meta_reader), (GENERIC, generic_reader)) if values]
            self.looked_lower.add(field)
        self.used[field] = self._first_layer(field, stack)

    def _first_layer(self, field: str, stack) -> str | None:
        for layer, values in stack:
            try:
                raw = [v for v in values() if v is not None]
            except Exception as exc:  # a broken page must cost a field, never the record
                self._layer_failed(layer, field, exc)
                continue
            if not raw:
                continue
            try:
                self.loader.add_value(field, raw)
            except Exception as exc:
                self._layer_failed(layer, field, exc)
                continue
            if self.loader.get_collected_values(field):
                return layer
        return None

    def _layer_failed(self, layer: str, field: str, exc: Exception) -> None:
        if layer == SITE:  # the profile's reader broke on this page: a bug or a redesign, never silent
            self.reader_errors.append(field)
            logger.warning("Reader %s failed on %s for %s (%s: %s); lower layers stand in",
                           type(self.page.reader).__qualname__, self.url, field, type(exc).__name__, exc)
        else:
            logger.debug("layer %s of %s failed on %s", layer, field, self.url, exc_info=True)

    def fallback_fields(self) -> list[str]:
        """Fields the site layer did not give: taken from (or looked for in) a lower layer."""
        return sorted(field for field, layer in self.used.items()
                      if layer != SITE and (layer is not None or field in self.looked_lower))


def resolve_identity(response: HtmlResponse, page: Page, publisher, extra_hosts: frozenset[str],
                     requested=None):
    """(ArticleRef or None, conflicts): the article the fetched URL names, its form normalised by a canonical
    link / og:url only when that names the same outlet and article. ``requested``: the ref the spider asked
    for (used when the final URL after redirects is not an article URL)."""
    ref = publisher.article_ref(response.url, extra_hosts) or requested
    conflicts: list[str] = []
    if ref is None:
        return None, conflicts
    if ref.article_id is None and publisher.page_id_patterns:
        page_id = publisher.page_article_id(response.text)
        if page_id is not None:
            ref = type(ref)(ref.publisher, ref.url, page_id, ref.rubric)
    for claimed in (page.meta.canonical, page.meta.og_url):
        if not claimed or not claimed.strip():
            continue
        claimed = claimed.strip()
        if claimed == ref.url:  # the very URL the fetched one normalises to (the usual case): nothing to check
            continue
        named = claimed_article(publisher, response.url, claimed)
        if named is None:
            conflicts.append(claimed)
            continue
        same = (named.article_id == ref.article_id) if named.article_id is not None else (named.url == ref.url)
        if not same:
            conflicts.append(claimed)
        elif named.url != ref.url and named.article_id is not None:
            ref = type(ref)(ref.publisher, named.url, ref.article_id, named.rubric or ref.rubric)
    return ref, conflicts


def claimed_article(publisher, page_url: str, claimed: str):
    """The article of ``publisher`` that a canonical link / og:url names (resolved against the page's
    URL), else None: another site, another shape of path, or no host at all."""
    absolute = urljoin(page_url, claimed)
    return publisher.article_ref(absolute) if urlsplit(absolute).netloc else None


def parse_article(response: HtmlResponse, publisher, *, extra_hosts: frozenset[str] = frozenset(),
                  requested=None, now=None) -> ArticleItem:
    """The article record of one page of ``publisher`` (every schema key but ``crawled_at``, ``story_id``).

    ``extra_hosts``: hosts serving the outlet in this crawl besides its own (a mirror, a local replica);
    ``now`` pins the crawl clock used for year-less dates when the page states no year anywhere.
    """
    try:
        return _parse(response, publisher, extra_hosts, requested, now)
    except Exception:  # pragma: no cover - last resort: an item validation will drop, not a crash
        logger.exception("cannot parse %s", getattr(response, "url", response))
        item = ArticleItem(publisher=publisher.slug, **_DEFAULTS)
        item["extraction"], item["fallback_fields"] = "fallback", sorted(_DEFAULTS)
        return item


def needs_rendering(response: HtmlResponse, publisher) -> bool:
    """True when the static HTML lacks the article body because a script renders it: the profile's
    rendering placeholder is on the page with no body text in it."""
    rendering = publisher.rendering
    if rendering is None:
        return False
    try:
        for container in select(document_root(response), rendering.placeholder):
            if not body_fragments(container, lambda element: False):
                return True
    except Exception:  # pragma: no cover - not HTML at all: nothing a browser would fix
        logger.debug("needs_rendering failed on %s", getattr(response, "url", response), exc_info=True)
    return False


def _parse(response: HtmlResponse, publisher, extra_hosts, requested, now) -> ArticleItem:
    page = Page(response, publisher.readers)
    meta = page.meta
    loader = ArticleLoader()
    loader.context.update(publisher=publisher, now=now)

    ref, conflicts = resolve_identity(response, page, publisher, extra_hosts, requested)
    identity = {"publisher": publisher.slug}
    if ref is not None:
        identity.update(url=ref.url, article_id=ref.article_id)
        if ref.rubric:
            identity["rubric"] = ref.rubric
    loader.add_value(None, identity)  # field name None: a dict of fields, each through its processor
    loader.context["base_url"] = ref.url if ref else response.url

    @functools.cache
    def year_hint() -> int | None:  # for year-less dates (`29.09, 10:17`): looked up only when one is met
        return _first_date_year(meta.head_dates()) or _first_date_year(meta.dates() + meta.time_elements())

    loader.context["year_hint"] = year_hint

    def escaped(values: Iterable[str]) -> list[str]:
        return [attr_fragment(v) for v in values]

    layers = _Layers(loader, page, response.url)
    fill = layers.fill
    if not (ref and ref.rubric):
        fill("rubric")
    fill("title", lambda: escaped(meta.titles()), page.generic_title)
    fill("rubric_name", lambda: escaped(meta.sections()),
         lambda: page.generic_rubric(loader.get_output_value("rubric")))
    fill("published_at", lambda: escaped(meta.dates() + meta.time_elements()), page.generic_date)

    def generic_body_unless_rendered():
        # A JavaScript placeholder (looked for only when the reader found no body): rendering, not
        # guessing, recovers this body.
        if page.reader is not None and needs_rendering(response, publisher):
            return []
        return page.generic_body()

    fill("body", None, generic_body_unless_rendered)

    def meta_leads():
        body = loader.get_output_value("body")
        return escaped(v for v in meta.leads() if not _is_excerpt(markup_to_text(attr_fragment(v)), body))

    fill("lead", meta_leads, page.generic_lead)
    fill("authors", lambda: escaped(meta.authors()), page.generic_authors)
    fill("tags", lambda: escaped(meta.tags()), page.generic_tags)
    fill("image_url", meta.images, page.generic_image)
    for field in ("comments_count", "views", "reactions_count", "top_story", "photo_credit"):
        fill(field)

    item = loader.load_item()
    for field, default in _DEFAULTS.items():
        if item.get(field) is None:
            item[field] = list(default) if isinstance(default, list) else default
    item["fallback_fields"] = layers.fallback_fields()
    item["extraction"] = "fallback" if item["fallback_fields"] else "site"
    item["identity_conflicts"] = conflicts
    item["reader_errors"] = layers.reader_errors
    return item


# --- sites without a profile --------------------------------------------------------------------------

#: Query parameters that only track where a reader came from: never part of an article's URL.
TRACKING_PARAMETERS = re.compile(r"^(?:utm_\w+|fbclid|gclid|yclid|ysclid|mc_cid|mc_eid|_ga|from|ref|source|"
                                 r"relatedposts_\w+|amp|output|share)$", re.IGNORECASE)
#: The URL's trailing number (`/news/12345`, `/2024/05/slug-12345.html`): the site's article id, if any.
_TRAILING_NUMBER = re.compile(r"(?<![0-9])(\d+)(?:\.s?html?|\.php)?/?$")


def site_host(origin: str) -> str:
    """``publisher`` of a site without a profile: its host without ``www.``."""
    host = (urlsplit(origin).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def unprofiled_identity(fetched: str, canonical: str | None, origin: str) -> tuple[str, int | None]:
    """(url, article_id) of a page of a site without a profile: the canonical link when it names the origin's
    host (with or without ``www.``), else the fetched path on the origin; tracking parameters and fragment
    removed. Never another site's URL."""
    host = site_host(origin)
    chosen = urlsplit(fetched)
    if canonical:
        claimed = urlsplit(urljoin(fetched, canonical.strip()))
        if claimed.scheme in ("http", "https") and site_host(f"{claimed.scheme}://{claimed.netloc}") == host:
            chosen = claimed
    query = "&".join(pair for pair in chosen.query.split("&")
                     if pair and not TRACKING_PARAMETERS.match(pair.partition("=")[0]))
    path = chosen.path or "/"
    url = f"{origin.rstrip('/')}{path}" + (f"?{query}" if query else "")
    number = _TRAILING_NUMBER.search(path)
    return url, int(number.group(1)) if number and len(number.group(1)) <= 18 else None


def parse_unprofiled_article(response: HtmlResponse, origin: str, now=None) -> ArticleItem:
    """The record of an article page of a site without a profile (``extraction: "generic"``): every field
    from what the page says about itself and the generic layer. Never raises."""
    try:
        return _parse_unprofiled(response, origin, now)
    except Exception:  # pragma: no cover - last resort: validation will drop it, not a crash
        logger.exception("cannot parse %s", getattr(response, "url", response))
        item = ArticleItem(publisher=site_host(origin), **_DEFAULTS)
        item["extraction"] = "generic"
        return item


def _parse_unprofiled(response: HtmlResponse, origin: str, now) -> ArticleItem:
    page = Page(response)
    meta, generic = page.meta, page.generic
    url, article_id = unprofiled_identity(response.url, meta.canonical, origin)
    loader = ArticleLoader()
    loader.context.update(publisher=None, now=now, base_url=url)
    loader.add_value(None, {"publisher": site_host(origin), "url": url, "article_id": article_id})

    def first(field: str, *sources: Callable[[], Iterable]) -> None:
        for values in sources:
            raw = [v for v in values() if v]
            if raw:
                loader.add_value(field, raw)
                if loader.get_collected_values(field):
                    return

    def text(value: str | None) -> list[str]:
        return [attr_fragment(value)] if value else []

    first("title", lambda: text(generic.title), page.generic_title)
    first("published_at", lambda: [generic.published_at], lambda: meta.dates() + meta.time_elements(),
          lambda: list(page.generic_date()))
    first("body", page.generic_body)
    body = loader.get_output_value("body")
    first("lead", lambda: [attr_fragment(v) for v in meta.leads()
                           if not _is_excerpt(markup_to_text(attr_fragment(v)), body)])
    first("authors", lambda: [attr_fragment(name) for name in generic.authors], page.generic_authors)
    first("rubric_name", lambda: [attr_fragment(v) for v in meta.sections()])
    first("tags", lambda: [attr_fragment(v) for v in meta.tags()])
    first("image_url", lambda: [generic.image_url], meta.images)
    item = loader.load_item()
    for field, default in _DEFAULTS.items():
        if item.get(field) is None:
            item[field] = list(default) if isinstance(default, list) else default
    item["extraction"] = "generic"
    item["fallback_fields"] = []
    return item
