"""The outlet-agnostic article layer: any news page -> title, publication time, authors, lead, image, body.

Fields come from what any page says about itself, best source first: JSON-LD (``NewsArticle`` & co.),
microdata (``itemprop``), OpenGraph / ``article:*`` meta, ``<time datetime>``, then the visible page
(``<h1>``, ``<title>``). The body is trafilatura's main-text extraction (the field's reference: about 0.96
shingle F1 on the Zyte article-extraction benchmark, see ``bench/generic_eval.py``) with comments left
out, falling back to the page's JSON-LD ``articleBody`` and then to the project's densest-paragraph layer
(:mod:`maintext`). ``GenericArticle.sources`` says which source gave each field.

Nothing here raises on bad input: an unreadable page gives a ``GenericArticle`` with None fields and
``error`` saying why.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree
from lxml.html import HtmlElement

from . import dates
from .page_meta import ARTICLE_TYPES, PageMeta, _json_objects, _names, _types, _urls

logger = logging.getLogger(__name__)


@functools.cache
def _trafilatura():
    """trafilatura, imported on first use: a crawl whose profiles read every page never needs it, and the
    import costs ~35 MB of memory and ~0.5 s (measured with ru_maxrss)."""
    import trafilatura
    import trafilatura.utils

    return trafilatura

#: Pages above this are cut before parsing: no article is that long, and libxml2's time grows with it.
MAX_PAGE_CHARS = 8_000_000
#: JSON-LD scripts above this are not decoded (a page's real JSON-LD is a few kB).
MAX_LD_CHARS = 1_000_000
#: A name longer than this is a sentence or a bio, not an author.
MAX_AUTHOR_CHARS = 80

_MICRODATA_DATE = etree.XPath("//*[@itemprop='datePublished']")
_MICRODATA_HEADLINE = etree.XPath("//*[@itemprop='headline']")
_MICRODATA_AUTHOR = etree.XPath("//*[@itemprop='author']")
_H1 = etree.XPath("//h1")
_LD_SCRIPTS = etree.XPath("//script[@type='application/ld+json']")
#: Date meta names used by CMSs beyond OpenGraph (Dublin Core, Parse.ly, Sailthru, …).
_OTHER_DATE_META = ("og:published_time", "dc.date.issued", "dc.date", "dcterms.created", "parsely-pub-date",
                    "sailthru.date", "publish-date", "publish_date", "date")
_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—•·:]\s+")
_SPACE = re.compile(r"\s+")


@dataclass
class GenericArticle:
    title: str | None = None
    published_at: str | None = None  # ISO 8601 with offset (dates.isoformat); a date alone is None
    authors: list[str] = field(default_factory=list)
    lead: str | None = None
    image_url: str | None = None
    body: str | None = None  # paragraphs joined by a blank line
    #: field name -> where it came from ("json-ld", "microdata", "opengraph", "meta", "time", "h1",
    #: "title", "trafilatura", "json-ld articleBody", "maintext")
    sources: dict[str, str] = field(default_factory=dict)
    #: why fields are missing when the page itself could not be read; None otherwise
    error: str | None = None


# --- Reading the input ----------------------------------------------------------------------------------
def _to_html_tree(root_or_html) -> tuple[HtmlElement | None, str | None]:
    """An ``lxml.html`` tree for any input (HTML text or bytes, an lxml element), or (None, reason).

    Trafilatura wants ``lxml.html`` elements; a plain ``etree`` root (``document.document_root``) is
    serialised and re-parsed once, which costs less than a percent of the extraction.
    """
    if isinstance(root_or_html, HtmlElement):
        return root_or_html, None
    if isinstance(root_or_html, etree._Element):
        root_or_html = etree.tostring(root_or_html, method="html", encoding="unicode")
    if isinstance(root_or_html, (bytes, bytearray)):
        root_or_html = bytes(root_or_html[:MAX_PAGE_CHARS]).replace(b"\x00", b"")
    elif isinstance(root_or_html, str):
        root_or_html = root_or_html[:MAX_PAGE_CHARS].replace("\x00", "")
    else:
        return None, f"unsupported input type {type(root_or_html).__name__}"
    if not root_or_html.strip():
        return None, "empty document"
    try:
        tree = _trafilatura().utils.load_html(root_or_html)
    except (ValueError, TypeError, etree.LxmlError) as exc:
        return None, f"unparsable document: {exc}"
    if tree is None:
        return None, "not an HTML document"
    return tree, None


# --- Metadata ---------------------------------------------------------------------------------------------
def _clean(text) -> str | None:
    if not isinstance(text, str):
        return None
    text = _SPACE.sub(" ", text).strip()
    return text or None


def _article_ld_objects(root) -> list[dict]:
    """Every JSON-LD object typed as an article, in page order; garbage scripts are skipped."""
    found = []
    for script in _LD_SCRIPTS(root):
        text = script.text or ""
        if len(text) > MAX_LD_CHARS:
            continue
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            continue
        try:
            for obj in _json_objects(data):
                if _types(obj) & ARTICLE_TYPES:
                    found.append(obj)
        except (TypeError, RecursionError):  # unhashable "@type" values and the like
            continue
    return found


def _ld_string(objects: list[dict], key: str) -> str | None:
    for obj in objects:
        value = obj.get(key)
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str)), None)
        value = _clean(value)
        if value:
            return value
    return None


def _itemprop_value(element) -> str | None:
    return _clean(element.get("content") or element.get("datetime") or "".join(element.itertext()))


def _pick_title(meta: PageMeta, ld: list[dict], root) -> tuple[str | None, str | None]:
    """Headline: JSON-LD, microdata, OpenGraph, the page's only ``<h1>``, then ``<title>`` minus site name."""
    headline = _ld_string(ld, "headline") or _ld_string(ld, "name")
    if headline:
        return headline, "json-ld"
    for element in _MICRODATA_HEADLINE(root):
        value = _itemprop_value(element)
        if value:
            return value, "microdata"
    og_title = _clean(meta.meta.get("og:title")) or _clean(meta.meta.get("twitter:title"))
    if og_title:
        return og_title, "opengraph"
    h1s = [_clean("".join(h.itertext())) for h in _H1(root)]
    h1s = [h for h in h1s if h]
    if len(h1s) == 1:
        return h1s[0], "h1"
    title = _clean(meta.title_text)
    if title:
        # "Headline | Site": the longest part is the headline
        return max(_TITLE_SEPARATORS.split(title), key=len).strip(), "title"
    return None, None


def _date_candidates(meta: PageMeta, ld: list[dict], root):
    """(raw value, source) pairs for the publication time, best source first."""
    yield _ld_string(ld, "datePublished"), "json-ld"
    for element in _MICRODATA_DATE(root):
        yield element.get("content") or element.get("datetime"), "microdata"
    yield meta.meta.get("article:published_time"), "opengraph"
    for name in ("datepublished", "pubdate", *_OTHER_DATE_META):
        yield meta.meta.get(name), "meta"
    for value in meta.time_elements():
        yield value, "time"
    yield _ld_string(ld, "dateCreated"), "json-ld"


_HAS_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})\s*$")


def _pick_published_at(meta: PageMeta, ld: list[dict], root) -> tuple[str | None, str | None]:
    """The best candidate that is a time (not a bare date), as ISO 8601 with offset.

    A time with its UTC offset is an instant and wins over any naive one; a naive time is read as Moscow
    wall-clock time (as :func:`dates.parse_iso` does for the project's sites), so it is used only when no
    candidate states its offset.
    """
    naive = None
    for raw, source in _date_candidates(meta, ld, root):
        if not (isinstance(raw, str) and raw.strip()):
            continue
        moment = dates.parse_iso(raw.strip())
        if moment is None:
            continue
        if _HAS_OFFSET.search(raw):
            return dates.isoformat(moment), source
        naive = naive or (dates.isoformat(moment), source)
    return naive or (None, None)


def _clean_authors(names) -> list[str]:
    authors: list[str] = []
    for name in names:
        name = _clean(name)
        if (name and len(name) <= MAX_AUTHOR_CHARS and not name.startswith(("http://", "https://", "@"))
                and name not in authors):
            authors.append(name)
    return authors


def _microdata_authors(root) -> list[str]:
    names = []
    for element in _MICRODATA_AUTHOR(root):
        named = element.find(".//*[@itemprop='name']")
        names.append(_itemprop_value(named if named is not None else element))
    return names


def _pick_authors(meta: PageMeta, ld: list[dict], root, extracted) -> tuple[list[str], str | None]:
    for obj in ld:
        try:
            authors = _clean_authors(_names(obj.get("author")))
        except RecursionError:
            authors = []
        if authors:
            return authors, "json-ld"
    authors = _clean_authors(_microdata_authors(root))
    if authors:
        return authors, "microdata"
    authors = _clean_authors(meta.meta_lists.get("article:author", []))
    if authors:
        return authors, "opengraph"
    # trafilatura reads visible bylines; it comes before <meta name=author>, which often names the site
    authors = _clean_authors((getattr(extracted, "author", None) or "").split(";"))
    if authors:
        return authors, "trafilatura"
    authors = _clean_authors([meta.meta.get("author"), meta.meta.get("dc.creator"), meta.meta.get("byl")])
    if authors:
        return authors, "meta"
    return [], None


def _pick_lead(meta: PageMeta, ld: list[dict]) -> tuple[str | None, str | None]:
    lead = _ld_string(ld, "description")
    if lead:
        return lead, "json-ld"
    for key, source in (("og:description", "opengraph"), ("description", "meta")):
        lead = _clean(meta.meta.get(key))
        if lead:
            return lead, source
    return None, None


def _pick_image(meta: PageMeta, ld: list[dict], url: str | None) -> tuple[str | None, str | None]:
    for obj in ld:
        images = [u for u in _urls(obj.get("image")) if isinstance(u, str)]
        if images:
            return urljoin(url or "", images[0].strip()), "json-ld"
    images = meta.meta_lists.get("og:image", [])
    if images and images[0].strip():
        return urljoin(url or "", images[0].strip()), "opengraph"
    return None, None


# --- Body ---------------------------------------------------------------------------------------------------
def _paragraphs(text: str | None) -> str | None:
    """Lines of an extractor's plain text as paragraphs joined by a blank line."""
    if not text:
        return None
    lines = [_SPACE.sub(" ", line).strip() for line in text.splitlines()]
    return "\n\n".join(line for line in lines if line) or None


def _run_trafilatura(tree, url: str | None):
    """Trafilatura's document (main text plus its own metadata guesses), or None."""
    try:
        # favor_precision: measured +0.004 F1 on the benchmark (less boilerplate, a little less recall).
        # with_metadata: its visible-byline author finder is the fallback when the metadata names nobody.
        return _trafilatura().bare_extraction(
            tree, url=url, favor_precision=True, include_comments=False, include_tables=True,
            with_metadata=True)
    except Exception as exc:  # a third-party parser on hostile input: never let it kill the crawl
        logger.warning("trafilatura failed on %s: %r", url, exc)
        return None


def _maintext_body(root) -> str | None:
    from . import maintext
    container = maintext.main_text_container(root)
    if container is None:
        return None
    texts = [_clean("".join(p.itertext())) for p in container.iterchildren("p")]
    return "\n\n".join(t for t in texts if t) or None


def _pick_body(tree, ld: list[dict], extracted) -> tuple[str | None, str | None]:
    body = _paragraphs(getattr(extracted, "text", None))
    if body:
        return body, "trafilatura"
    body = _paragraphs(_ld_string(ld, "articleBody"))
    if body:
        return body, "json-ld articleBody"
    body = _maintext_body(tree)
    if body:
        return body, "maintext"
    return None, None


def _without_headline(body: str | None, title: str | None) -> str | None:
    """The body minus a first paragraph that repeats the headline (extractors keep an ``<h1>`` inside
    ``<article>``; the record has the title in its own field)."""
    if not body or not title:
        return body
    first, _, rest = body.partition("\n\n")
    if _SPACE.sub(" ", first).strip().casefold() == title.casefold():
        return rest or None
    return body


# --- The layer ---------------------------------------------------------------------------------------------
def extract_generic(root_or_html, url: str | None = None) -> GenericArticle:
    """Everything a page offers without knowing its site. Never raises on bad input."""
    tree, error = _to_html_tree(root_or_html)
    if tree is None:
        return GenericArticle(error=error)
    try:
        return _extract(tree, url)
    except RecursionError:  # absurdly deep markup or JSON
        return GenericArticle(error="document too deeply nested")


def _extract(tree, url: str | None) -> GenericArticle:
    meta = PageMeta(tree)
    ld = _article_ld_objects(tree)
    extracted = _run_trafilatura(tree, url)
    article = GenericArticle()
    picks = {
        "title": _pick_title(meta, ld, tree),
        "published_at": _pick_published_at(meta, ld, tree),
        "authors": _pick_authors(meta, ld, tree, extracted),
        "lead": _pick_lead(meta, ld),
        "image_url": _pick_image(meta, ld, url),
        "body": _pick_body(tree, ld, extracted),
    }
    body, source = picks["body"]
    picks["body"] = (_without_headline(body, picks["title"][0]), source)
    for name, (value, source) in picks.items():
        if value:
            setattr(article, name, value)
            article.sources[name] = source
    if not article.body:
        article.error = "no main text found"
    return article
