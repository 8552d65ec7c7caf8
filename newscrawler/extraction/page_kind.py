"""Is a page of a site without a profile an article? Decided from what the page says about itself.

Used by the ``site`` spider (:mod:`newscrawler.spiders.site`), which follows every link of a site's home page,
feeds, sitemaps and listings and must emit articles only — not listings, rubric / tag / author archives,
search results or static pages ("About", "Contacts").

Evidence, strongest first:

1. the page's declared type: JSON-LD ``@type`` (``NewsArticle``, ``BlogPosting``… versus ``CollectionPage``,
   ``ProfilePage``, ``SearchResultsPage``), ``og:type`` (``article`` versus ``website`` / ``profile``), the
   body classes CMSs print (WordPress: ``single`` / ``single-post`` versus ``archive``, ``category``,
   ``tag``, ``author``, ``search``, ``home``, ``blog``, ``page``);
2. ``article:published_time`` in the head;
3. the record the generic layer reads: a title, a publication time and a main text of enough length
   (:data:`MIN_BODY_CHARS`) that is not mostly link text;
4. the URL's shape (``/tag/``, ``/author/``, ``/page/2/``, ``?s=`` versus a trailing number or a dated path),
   only to break a tie when the page declares nothing.

:func:`page_kind` returns ``"article"`` or the reason a page is not one (the spider counts each reason).
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from lxml import etree

from newscrawler.extraction.page_meta import ARTICLE_TYPES, _json_objects, _types

ARTICLE = "article"
#: A main text shorter than this is not an article on its own (a page that declares itself one may be shorter).
MIN_BODY_CHARS = 400
#: …and when the URL has an article's shape (a trailing number, a dated path), at least this.
MIN_HINTED_BODY_CHARS = 200
#: …and with a declared article type / publication time, at least this.
MIN_DECLARED_BODY_CHARS = 80
#: Teasers (``<article>`` elements, WordPress ``post-N`` entries) from this many on: a listing.
MIN_LISTING_TEASERS = 3

_LISTING_TYPES = {"CollectionPage": "listing", "ItemList": "listing", "ProfilePage": "author",
                  "SearchResultsPage": "search", "AboutPage": "static", "ContactPage": "static"}
#: WordPress (and many themes copying it) body classes → the kind of page.
_BODY_CLASS_KINDS = {"category": "category", "tag": "tag", "tax": "listing", "author": "author", "search": "search",
                     "search-results": "search", "archive": "listing", "date": "listing", "blog": "listing",
                     "home": "home", "error404": "not_found", "page": "static", "page-template-default": "static"}
_ARTICLE_BODY_CLASSES = {"single", "single-post", "single-format-standard", "postid"}
_URL_KINDS = (
    (re.compile(r"/(?:tag|tags|topic|topics|theme|themes)/", re.I), "tag"),
    (re.compile(r"/(?:author|authors|avtor|people|user|users)/", re.I), "author"),
    (re.compile(r"/(?:category|categories|rubric|rubrics|section|sections)/", re.I), "category"),
    (re.compile(r"/(?:search|poisk)(?:/|$)|[?&](?:s|q|query)=", re.I), "search"),
    (re.compile(r"/page/\d+/?$|[?&]page=\d+", re.I), "listing"),
    (re.compile(r"/(?:about|contacts?|advert|advertising|reklama|rules|privacy|policy|terms|o-nas|kontakty)(?:/|$)",
                re.I), "static"),
)
_ARTICLE_URL = re.compile(r"/\d{4}/\d{1,2}/(?:\d{1,2}/)?[^/]+|(?<![0-9])\d{3,}(?:\.s?html?|\.php)?/?$")
_LD_SCRIPTS = etree.XPath("//script[@type='application/ld+json']")
_TEASERS = etree.XPath("//article | //*[contains(concat(' ', normalize-space(@class), ' '), ' type-post ')]")


def url_hint(url: str) -> str | None:
    """What the URL's shape suggests: ``"article"``, a non-article kind, or None."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    if parts.path in ("", "/") and not parts.query:
        return "home"
    for pattern, kind in _URL_KINDS:
        if pattern.search(target):
            return kind
    return ARTICLE if _ARTICLE_URL.search(parts.path) else None


def declared_types(root) -> set[str]:
    """Every JSON-LD ``@type`` the page declares (garbage scripts skipped)."""
    found: set[str] = set()
    for script in _LD_SCRIPTS(root):
        text = script.text or ""
        if len(text) > 1_000_000:
            continue
        try:
            for obj in _json_objects(json.loads(text)):
                found |= {t for t in _types(obj) if isinstance(t, str)}
        except (ValueError, TypeError, RecursionError):
            continue
    return found


def _body_classes(root) -> set[str]:
    body = root.find("body")
    classes = set((body.get("class") or "").split()) if body is not None else set()
    return {"postid" if c.startswith("postid-") else c for c in classes}


def page_kind(root, url: str, meta, item) -> str:
    """``"article"``, else why not: ``listing``, ``category``, ``tag``, ``author``, ``search``, ``home``,
    ``static``, ``not_found``, ``no_title``, ``no_main_text``, ``short_text``, ``undated``.

    ``root``: the parsed page; ``meta``: its :class:`~newscrawler.extraction.page_meta.PageMeta`; ``item``: the
    record :func:`~newscrawler.extraction.article.parse_unprofiled_article` made of it.
    """
    types = declared_types(root)
    classes = _body_classes(root)
    og_type = (meta.meta.get("og:type") or "").strip().lower()
    published_meta = bool(meta.meta.get("article:published_time"))

    declared_article = bool(types & ARTICLE_TYPES) or og_type == "article" or bool(classes & _ARTICLE_BODY_CLASSES)
    declared_other = next((_LISTING_TYPES[t] for t in sorted(types) if t in _LISTING_TYPES), None)
    if declared_other is None and not classes & _ARTICLE_BODY_CLASSES:
        declared_other = next((kind for cls, kind in _BODY_CLASS_KINDS.items() if cls in classes), None)
    if declared_other is None and og_type == "profile":
        declared_other = "author"
    if declared_other and not (types & ARTICLE_TYPES or classes & _ARTICLE_BODY_CLASSES):
        return declared_other

    hint = url_hint(url)
    if not item.get("title"):
        return "no_title"
    body = item.get("body") or ""
    if not body:
        return "no_main_text"
    if not item.get("published_at"):
        return "undated"
    declared = declared_article or published_meta
    if not declared:
        if hint in ("home", "listing", "category", "tag", "author", "search", "static"):
            return hint
        if len(_TEASERS(root)) >= MIN_LISTING_TEASERS:
            return "listing"
        if og_type in ("website", "profile") and hint != ARTICLE:
            return "static" if og_type == "website" else "author"
    least = MIN_DECLARED_BODY_CHARS if declared else MIN_HINTED_BODY_CHARS if hint == ARTICLE else MIN_BODY_CHARS
    if len(body) < least:
        return "short_text"
    return ARTICLE
