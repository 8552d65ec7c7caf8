"""Reading an outlet's entry points: HTML listings, RSS/Atom feeds, sitemaps and JSON APIs.

Navigation only: which articles a page links to (with the date it shows for each, so the spider can stop
at ``since``) and where the next page is. What an article says is the article parser's job. Every
function takes the outlet's profile as data and knows no outlet.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from parsel import Selector
from scrapy.http import TextResponse

from newscrawler.profile import ArticleRef, Listing, Publisher

_LISTING_DATE = re.compile(r"(?P<day>\d{1,2})\.(?P<month>\d{1,2})(?:\.(?P<year>\d{4}))?")
_MONTHS = ("январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август", "сентябр", "октябр", "ноябр", "декабр")
_WORD_DATE = re.compile(r"(?P<day>\d{1,2})\s+(?P<month>[а-я]+)\s+(?P<year>\d{4})", re.IGNORECASE)


@dataclass
class ListingEntry:
    ref: ArticleRef
    #: The calendar date the listing shows next to the link, when it can be read.
    date: dt.date | None = None


@dataclass
class ListingPage:
    entries: list[ListingEntry] = field(default_factory=list)
    next_url: str | None = None
    #: True when the profile's listing markup was found; False means every article link was taken.
    site_layout: bool = True


def listing_date(text: str | None, today: dt.date | None = None) -> dt.date | None:
    """The date part of ``30.01.2024, 09:20`` / ``09:20 30.01.2024`` / ``12:00, 17 февраля 2026``;
    year-less numeric dates are this year's."""
    if not text:
        return None
    words = _WORD_DATE.search(text)
    if words:
        month = words["month"].lower()
        number = next((i for i, stem in enumerate(_MONTHS, 1) if month.startswith(stem)), None)
        if number:
            try:
                return dt.date(int(words["year"]), number, int(words["day"]))
            except ValueError:
                return None
    match = _LISTING_DATE.search(text)
    if not match:
        return None
    today = today or dt.date.today()
    year = int(match["year"]) if match["year"] else today.year
    try:
        return dt.date(year, int(match["month"]), int(match["day"]))
    except ValueError:
        return None


class _Refs:
    """Article refs in page order, each article once (by id, else by canonical URL)."""

    def __init__(self, publisher: type[Publisher], extra_hosts: frozenset[str]):
        self.publisher = publisher
        self.extra_hosts = extra_hosts
        self.seen: set = set()

    def ref(self, url: str | None) -> ArticleRef | None:
        if not url:
            return None
        ref = self.publisher.article_ref(url, self.extra_hosts)
        if ref is None:
            return None
        key = ref.article_id if ref.article_id is not None else ref.url
        if key in self.seen:
            return None
        self.seen.add(key)
        return ref


def parse_listing(response: TextResponse, publisher: type[Publisher], listing: Listing,
                  extra_hosts: frozenset[str] = frozenset()) -> ListingPage:
    """Article links (in page order, each once) and the next page of a listing response."""
    refs = _Refs(publisher, extra_hosts)
    page = ListingPage()
    items = response.css(listing.item)
    if items:
        for item in items:
            ref = refs.ref(_absolute(response, item.css(listing.link).get()))
            if ref:
                date_text = " ".join(item.css(listing.date).getall()) if listing.date else None
                page.entries.append(ListingEntry(ref, listing_date(date_text)))
    else:
        # The listing markup changed: fall back to every article link on the page.
        page.site_layout = False
        for href in response.css("a::attr(href)").getall():
            ref = refs.ref(_absolute(response, href))
            if ref:
                page.entries.append(ListingEntry(ref))
    next_href = (response.css(listing.next_page).get() if listing.next_page else None) or response.css(
        "a[rel=next]::attr(href), link[rel=next]::attr(href)").get()
    page.next_url = _absolute(response, next_href)
    return page


def _absolute(response: TextResponse, href: str | None) -> str | None:
    return response.urljoin(href.strip()) if href and href.strip() else None


def parse_feed(response: TextResponse, publisher: type[Publisher],
               extra_hosts: frozenset[str] = frozenset()) -> list[ArticleRef]:
    """Article refs of an RSS 2.0 / Atom feed's items, in feed order, each once. A WordPress ``guid``
    (``/?p=ID``) gives the id when the link has none."""
    refs = _Refs(publisher, extra_hosts)
    selector = Selector(text=response.text, type="xml")
    selector.remove_namespaces()
    found = []
    for item in selector.xpath("//item | //entry"):
        link = (item.xpath("link/text()").get() or item.xpath("link/@href").get() or "").strip()
        ref = refs.ref(link)
        if ref is None:
            continue
        if ref.article_id is None:
            guid = re.search(r"[?&]p=(\d+)", item.xpath("guid/text()").get() or "")
            if guid:
                ref = ArticleRef(ref.publisher, ref.url, int(guid.group(1)), ref.rubric)
        found.append(ref)
    return found


def parse_sitemap(response: TextResponse, publisher: type[Publisher],
                  extra_hosts: frozenset[str] = frozenset()) -> tuple[list[ArticleRef], list[str]]:
    """(article refs, child sitemap URLs) of a sitemap or sitemap index."""
    refs = _Refs(publisher, extra_hosts)
    selector = Selector(text=response.text, type="xml")
    selector.remove_namespaces()
    children = [loc.strip() for loc in selector.xpath("//sitemap/loc/text()").getall() if loc.strip()]
    articles = [ref for loc in selector.xpath("//url/loc/text()").getall() if (ref := refs.ref(loc.strip()))]
    return articles, children


class BadApiResponse(ValueError):
    """The API answered something that is not its JSON (HTML, garbage, another shape)."""


def parse_api(response: TextResponse, publisher: type[Publisher]) -> list[ArticleRef]:
    """Article refs of a JSON API answer (``publisher.api``), newest first."""
    api = publisher.api
    try:
        data = json.loads(response.text)
    except ValueError as exc:
        raise BadApiResponse(f"not JSON ({exc})") from None
    for key in api.items.split("."):
        data = data.get(key) if isinstance(data, dict) else None
    if not isinstance(data, list):
        raise BadApiResponse(f"no list at {api.items!r}")
    refs = _Refs(publisher, frozenset())
    found = []
    for row in data:
        value = row.get(api.id) if isinstance(row, dict) else None
        if isinstance(value, (int, str)) and str(value).isdigit():
            ref = refs.ref(api.article_path.format(id=int(value)))
            if ref:
                found.append(ref)
    return found


# --- sites without a profile: entry points found, not configured ---------------------------------------------

#: Where sitemaps usually are when robots.txt names none (plain, WordPress core, Yoast / Rank Math indexes).
SITEMAP_GUESSES = ("/sitemap.xml", "/wp-sitemap.xml", "/sitemap_index.xml")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml")
#: Links never worth fetching as pages: files, WordPress machinery, comment/share/print/login variants.
_NOT_PAGES = re.compile(
    r"\.(?:jpe?g|png|gif|webp|svg|ico|css|js|json|xml|rss|pdf|docx?|xlsx?|pptx?|zip|rar|7z|gz|mp[34]|avi|mov|"
    r"webm|ogg|wav|woff2?|ttf|eot)$|/(?:wp-admin|wp-content|wp-includes|wp-json|wp-login\.php|xmlrpc\.php|feed|"
    r"rss|amp|print|login|logout|register|cart|comment-page-\d+)(?:/|$)|[?&](?:replytocom|share|print|amp|"
    r"format|output)=", re.IGNORECASE)


@dataclass
class Discovered:
    """A URL an entry point names, with the date it gives for it (feed ``pubDate``, sitemap ``lastmod``)."""

    url: str
    date: dt.date | None = None


def feed_links(response: TextResponse) -> list[str]:
    """RSS / Atom feeds a page announces (``<link rel=alternate type=application/rss+xml|atom+xml>``)."""
    found = []
    for link in response.css("link[rel~=alternate]"):
        kind = (link.attrib.get("type") or "").strip().lower()
        href = _absolute(response, link.attrib.get("href"))
        if kind in _FEED_TYPES and href and href not in found and "/comments/" not in href:
            found.append(href)
    return found


def robots_sitemaps(text: str, base: str) -> list[str]:
    """The ``Sitemap:`` lines of a robots.txt, as absolute URLs."""
    from urllib.parse import urljoin

    found = []
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() == "sitemap" and value.strip():
            url = urljoin(base, value.strip())
            if url not in found:
                found.append(url)
    return found


def _iso_date(value: str | None) -> dt.date | None:
    match = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value or "")
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        return None


def _rfc822_date(value: str | None) -> dt.date | None:
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(value.strip()).date() if value and value.strip() else None
    except (TypeError, ValueError, IndexError):
        return _iso_date(value)


def _xml(response: TextResponse) -> Selector | None:
    try:
        selector = Selector(text=response.text, type="xml")
        selector.remove_namespaces()
    except (ValueError, TypeError):  # not XML at all
        return None
    return selector


def feed_entries(response: TextResponse) -> list[Discovered]:
    """Item links of any RSS 2.0 / Atom feed, in feed order, each once, with the item's date."""
    selector = _xml(response)
    if selector is None:
        return []
    found: dict[str, Discovered] = {}
    for item in selector.xpath("//item | //entry"):
        link = _absolute(response, item.xpath("link/text()").get() or item.xpath(
            "link[not(@rel) or @rel='alternate']/@href").get())
        if link and link not in found:
            date = item.xpath("pubDate/text() | published/text() | updated/text() | date/text()").get()
            found[link] = Discovered(link, _rfc822_date(date))
    return list(found.values())


def sitemap_entries(response: TextResponse) -> tuple[list[Discovered], list[Discovered]]:
    """(page entries, child sitemaps) of any sitemap, news sitemap or sitemap index, each with its date:
    ``news:publication_date`` when given, else ``lastmod``."""
    selector = _xml(response)
    if selector is None:
        return [], []
    children = [Discovered(loc.strip(), _iso_date(node.xpath("lastmod/text()").get()))
                for node in selector.xpath("//sitemap") if (loc := node.xpath("loc/text()").get() or "").strip()]
    pages = []
    for node in selector.xpath("//url"):
        loc = (node.xpath("loc/text()").get() or "").strip()
        if loc:
            date = node.xpath("news/publication_date/text()").get() or node.xpath("lastmod/text()").get()
            pages.append(Discovered(loc, _iso_date(date)))
    return pages, children


def page_links(response: TextResponse, hosts: frozenset[str]) -> list[str]:
    """Links of an HTML page to other pages of the site (``hosts``), in page order, each once, without
    fragments; files, WordPress machinery and comment / print / share variants left out."""
    from urllib.parse import urlsplit, urlunsplit

    found: dict[str, None] = {}
    for href in response.css("a::attr(href)").getall():
        url = _absolute(response, href)
        if not url:
            continue
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() not in hosts:
            continue
        url = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))
        if not _NOT_PAGES.search(parts.path + (f"?{parts.query}" if parts.query else "")):
            found.setdefault(url, None)
    return list(found)


def next_page(response: TextResponse) -> str | None:
    """The page after this one of a paginated listing (``rel=next``, the WordPress ``a.next`` too)."""
    return _absolute(response, response.css(
        "link[rel~=next]::attr(href), a[rel~=next]::attr(href), a.next.page-numbers::attr(href)").get())
