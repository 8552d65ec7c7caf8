"""``scrapy crawl site -a base_url=https://any-news-site/``: the articles of a news site that has no profile.

Navigation only. Entry points are found, not configured (:mod:`newscrawler.crawl.entry_points`): the feeds the
home page announces (``<link rel=alternate type=application/rss+xml|atom+xml>``), the sitemaps robots.txt
names (else ``/sitemap.xml``, ``/wp-sitemap.xml``, ``/sitemap_index.xml``; indexes and news sitemaps
followed), and the home page with its ``rel=next`` pagination. Links of the home page are the site's hubs
(sections, archives): each is fetched, and one that is no article is read as a listing in turn (its links
and its pagination), one level deep. Every page fetched is read by the generic layer
(:func:`newscrawler.extraction.article.parse_unprofiled_article`) and emitted only when it is an article
(:func:`newscrawler.extraction.page_kind.page_kind`); every other page is counted under
``newscrawler/site/skipped/<reason>``.

Arguments (``-a name=value``):

``base_url``   where the site is served (required): the site itself, a mirror, or a local copy.
``origin``     the site's real origin when ``base_url`` is a mirror or a local copy (default: the origin of
               ``base_url``): requests go to ``base_url``, records name ``origin`` (``publisher`` is its host
               without ``www.``; ``url`` is on it).
``since``      ``YYYY-MM-DD``: skip feed / sitemap entries dated earlier, sitemaps last modified earlier, and
               articles published earlier.
``max_pages``  stop each listing (the home page's, a hub's) after this many pages.

Incremental like the profiled spiders, through the same seen store: an article written by an earlier run is
not fetched again (by its URL's trailing number when it has one, else by URL), nor is a page an earlier run
found to be no article (a tag or author archive, a static page: ``not_articles`` in the store); a listing
stops paginating at its first page with nothing unknown on it. A repeat crawl of an unchanged site fetches
robots.txt, the home page, its feeds and sitemaps and the hub pages, and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import UsageError
from scrapy.http import HtmlResponse, TextResponse

from newscrawler.crawl.entry_points import (
    SITEMAP_GUESSES,
    feed_entries,
    feed_links,
    next_page,
    page_links,
    robots_sitemaps,
    sitemap_entries,
)
from newscrawler.crawl.integrity import PAGE_KIND, DamagedPage
from newscrawler.extraction.article import parse_unprofiled_article, site_host, unprofiled_identity
from newscrawler.extraction.document import document_root
from newscrawler.extraction.page_kind import ARTICLE, page_kind, url_hint
from newscrawler.extraction.page_meta import PageMeta
from newscrawler.profile import ArticleRef
from newscrawler.spiders.base import STATS, NewsSpider
from newscrawler.spiders.outlets import parse_base_url, parse_max_pages, parse_since

SITE = f"{STATS}/site"
#: Pages no article links point to as articles: never followed (pagination is followed by rel=next).
_UNFOLLOWED_HINTS = ("listing", "search")
#: Reasons a page is remembered as no article (not fetched by later runs). Listings and sections are not:
#: they are where new articles appear.
_REMEMBERED = {"tag", "author", "search", "static", "not_found", "undated", "short_text", "no_title", "not_html"}
#: Links of the home page are depth 1 (hubs); the links of a hub that is no article, depth 2; pages of
#: feeds and sitemaps, depth 2 too. Pages deeper than 1 are not read as listings.
_HUB_DEPTH = 1
_LEAF_DEPTH = 2


def _hosts(*urls: str) -> frozenset[str]:
    hosts = set()
    for url in urls:
        host = (urlsplit(url).hostname or "").lower()
        bare = host[4:] if host.startswith("www.") else host
        hosts |= {host, bare} if host in ("localhost",) or bare.replace(".", "").isdigit() else {bare, f"www.{bare}"}
    return frozenset(h for h in hosts if h)


class SiteSpider(NewsSpider):
    """The articles of one news site without a profile."""

    name = "site"

    def __init__(self, base_url: str | None = None, origin: str | None = None, since: str | None = None,
                 max_pages: str | int | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not base_url:
            raise UsageError("the site spider needs -a base_url=https://news-site.example/")
        self.base_url = parse_base_url(base_url, "https://news-site.example")
        self.origin = parse_base_url(origin, "https://news-site.example") if origin else self.base_url
        self.publisher = site_host(self.origin)
        self.hosts = _hosts(self.base_url, self.origin)
        self.allowed_domains = sorted(self.hosts)
        self.since = parse_since(since)
        self.max_pages = parse_max_pages(max_pages)
        self.hubs: set[str] = set()

    # --- URLs and identities ----------------------------------------------------------------------------

    def local(self, url: str) -> str:
        """A URL of the site (on the origin's or the serving host) as a URL on the serving host."""
        parts = urlsplit(url)
        return self.base_url + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    def ref(self, url: str) -> ArticleRef:
        """The article a link would be, named as its record would name it (tracking parameters dropped)."""
        record_url, article_id = unprofiled_identity(url, None, self.origin)
        return ArticleRef(self.publisher, record_url, article_id)

    def _known(self, ref: ArticleRef) -> bool:
        if self.store is None:
            return False
        if super()._known(ref):
            return True
        variants = {ref.url, ref.url.rstrip("/") if ref.url.endswith("/") else ref.url + "/"}
        if ref.article_id is None and any(self.store.has_url(url) for url in variants):
            self.crawler.stats.inc_value(f"{STATS}/articles/known_from_earlier_runs")
            return True
        if any(self.store.is_not_article(self.publisher, url) for url in variants):
            self.crawler.stats.inc_value(f"{SITE}/not_article_in_earlier_runs")
            return True
        return False

    # --- requests ------------------------------------------------------------------------------------------

    def _request(self, url: str, callback, kind: str, errback=None, **cb_kwargs) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, errback=errback or self.request_failed, cb_kwargs=cb_kwargs,
                              meta={PAGE_KIND: kind})

    def page_request(self, ref: ArticleRef, depth: int) -> scrapy.Request:
        """A page that may be an article, at its record URL's path on the serving host."""
        return self._request(self.local(ref.url), self.parse_page, "article", ref=ref, depth=depth)

    def listing_request(self, url: str, depth: int, page_number: int) -> scrapy.Request:
        return self._request(self.local(url), self.parse_listing, "listing", depth=depth, page_number=page_number)

    def _entry_request(self, url: str, callback, what: str) -> scrapy.Request:
        return self._request(self.local(url), callback, "listing", errback=self.entry_missing, what=what)

    # --- navigation -------------------------------------------------------------------------------------------

    async def start(self):
        for request in self._retry_failed_articles():
            yield request
        yield self.listing_request(self.base_url + "/", 0, 1)
        yield self._entry_request(self.base_url + "/robots.txt", self.parse_robots, "robots")

    def _retry_failed_articles(self):
        if self.store is None:
            return
        for url in self.store.failed_articles(self.publisher, self.settings.getint("RETRY_FAILED_ARTICLES_RUNS", 3)):
            self.crawler.stats.inc_value(f"{STATS}/articles/retried_from_earlier_runs")
            yield self.page_request(self.ref(url), _LEAF_DEPTH)

    def parse_robots(self, response, what: str):
        sitemaps = robots_sitemaps(response.text, self.base_url) if isinstance(response, TextResponse) else []
        yield from self._sitemap_requests(sitemaps)

    def _sitemap_requests(self, sitemaps: list[str]):
        if not sitemaps:
            sitemaps = [self.base_url + path for path in SITEMAP_GUESSES]
        for url in sitemaps:
            if (urlsplit(url).hostname or "").lower() in self.hosts:
                yield self._entry_request(url, self.parse_sitemap, "sitemap")

    def entry_missing(self, failure):
        """robots.txt or a guessed sitemap that is not there: not an error of the site."""
        what = failure.request.cb_kwargs.get("what")
        self.crawler.stats.inc_value(f"{SITE}/{what}_missing")
        self.logger.info("No %s at %s (%s)", what, failure.request.url, type(failure.value).__name__)
        if what == "robots":
            return list(self._sitemap_requests([]))
        return None

    def parse_listing(self, response, depth: int, page_number: int):
        self.crawler.stats.inc_value(f"{SITE}/listing_pages")
        if depth == 0 and page_number == 1 and isinstance(response, TextResponse):
            for url in feed_links(response):
                self.crawler.stats.inc_value(f"{SITE}/feeds_found")
                yield self._entry_request(url, self.parse_feed, "feed")
        yield from self._follow_listing(response, depth, page_number)

    def _follow_listing(self, response, depth: int, page_number: int):
        """The unknown links of a listing page (a hub's: depth + 1), then its next page unless nothing on it
        was new."""
        if not isinstance(response, HtmlResponse):
            return
        wanted = considered = 0
        for url in page_links(response, self.hosts):
            url = self.local(url)
            if url_hint(url) in _UNFOLLOWED_HINTS or url.rstrip("/") == self.base_url:
                continue
            if url in self.hubs:
                continue
            if depth == 0:
                self.hubs.add(url)
            considered += 1
            ref = self.ref(url)
            if self._known(ref):
                continue
            wanted += 1
            yield self.page_request(ref, depth + 1)

        following = next_page(response)
        if not following or (urlsplit(following).hostname or "").lower() not in self.hosts:
            return
        if self.max_pages and page_number >= self.max_pages:
            self.logger.info("Stopping at %s: max_pages=%d reached", response.url, self.max_pages)
        elif considered and wanted == 0:
            self.logger.info("Stopping at %s: every page it links was seen before", response.url)
        else:
            yield self.listing_request(following, depth, page_number + 1)

    def _entries(self, entries, what: str):
        for entry in entries:
            if (urlsplit(entry.url).hostname or "").lower() not in self.hosts:
                continue
            if self.since and entry.date and entry.date < self.since:
                self.crawler.stats.inc_value(f"{STATS}/articles/older_than_since")
                continue
            ref = self.ref(entry.url)
            if not self._known(ref):
                yield self.page_request(ref, _LEAF_DEPTH)

    def parse_feed(self, response, what: str):
        entries = feed_entries(response)
        self.crawler.stats.inc_value(f"{SITE}/feed_entries", len(entries))
        yield from self._entries(entries, what)

    def parse_sitemap(self, response, what: str):
        pages, children = sitemap_entries(response)
        self.crawler.stats.inc_value(f"{SITE}/sitemaps")
        if not pages and not children:
            self.crawler.stats.inc_value(f"{SITE}/sitemap_not_a_sitemap")
            self.logger.info("%s is no sitemap", response.url)
        for child in children:
            if self.since and child.date and child.date < self.since:
                self.crawler.stats.inc_value(f"{SITE}/sitemaps_older_than_since")
                continue
            if (urlsplit(child.url).hostname or "").lower() in self.hosts:
                yield self._entry_request(child.url, self.parse_sitemap, "sitemap")
        yield from self._entries(pages, what)

    # --- pages ---------------------------------------------------------------------------------------------------

    def parse_page(self, response, ref: ArticleRef, depth: int):
        if not isinstance(response, HtmlResponse):
            return self._not_article(ref, "not_html", response.url)
        item = parse_unprofiled_article(response, self.origin)
        root = document_root(response)
        try:
            kind = page_kind(root, response.url, PageMeta(root), item)
        except Exception as exc:  # pragma: no cover - a hostile page must cost the page, not the crawl
            self.logger.warning("Cannot classify %s (%s: %s)", response.url, type(exc).__name__, exc)
            kind = "unreadable"
        if kind != ARTICLE:
            self._not_article(ref, kind, response.url)
            if depth <= _HUB_DEPTH:
                return self._follow_listing(response, depth, 1)
            return None
        published = item.get("published_at")
        if self.since and published and dt.date.fromisoformat(published[:10]) < self.since:
            self.crawler.stats.inc_value(f"{STATS}/articles/older_than_since")
            return None
        item["crawled_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        stats = self.crawler.stats
        stats.inc_value(f"{STATS}/articles/parsed")
        stats.inc_value(f"{STATS}/articles/parsed/{self.publisher}")
        stats.inc_value(f"{STATS}/articles/static_time_ms", round(response.meta.get("download_latency", 0) * 1000))
        return item

    def _not_article(self, ref: ArticleRef, reason: str, url: str) -> None:
        self.crawler.stats.inc_value(f"{SITE}/skipped/{reason}")
        self.logger.debug("Not an article (%s): %s", reason, url)
        if self.store is not None and reason in _REMEMBERED:
            self.store.note_not_article(self.publisher, ref.url, reason)

    def request_failed(self, failure):
        error = failure.value
        if isinstance(error, DamagedPage) and error.reason == "article_not_html":  # a file behind a page link
            ref = failure.request.cb_kwargs.get("ref")
            if ref is not None:
                self._not_article(ref, "not_html", failure.request.url)
                return None
        return super().request_failed(failure)
