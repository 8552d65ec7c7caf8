"""Spiders: one per registered outlet (``scrapy crawl kp40``, ``vest``, …) and the region (``scrapy crawl kaluga``).

Navigation only, driven by each outlet's profile (:mod:`newscrawler.publishers`): entry points → article
pages → :func:`newscrawler.extraction.article.parse_article`. Page integrity is checked before a
callback sees a page (:class:`newscrawler.crawl.integrity.PageIntegrityMiddleware`).

Arguments (``-a name=value``) of an outlet's spider:

``base_url``   where the outlet is served (default: its real origin); a mirror or a local replay server such
               as ``http://127.0.0.1:8080`` works the same. Record URLs stay on the real origin.
``since``      ``YYYY-MM-DD``: skip older articles and stop paginating once a listing page is entirely older.
``rubrics``    comma-separated rubric slugs: crawl those rubric listings instead (outlets with rubric listings).
``source``     ``listing`` (default: the full archive), or what the outlet also has: ``rss`` (its feed, for
               light runs), ``sitemap``, ``api``.
``max_pages``  stop each listing after this many pages.

The region spider ``kaluga`` crawls every registered outlet in one process, each in its own download
slot (its own concurrency and delay); ``publishers=kp40,vest`` chooses, ``base_urls=kp40=http://…,vest=…``
says where each is served; ``since``, ``source`` and ``max_pages`` apply to all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import UsageError
from scrapy.http import HtmlResponse

from newscrawler.crawl.entry_points import BadApiResponse, parse_api, parse_feed, parse_listing, parse_sitemap
from newscrawler.crawl.integrity import PAGE_KIND
from newscrawler.crawl.rendering import render_attempt, render_request
from newscrawler.extraction.article import needs_rendering, parse_article
from newscrawler.profile import ArticleRef, Listing, Publisher
from newscrawler.publishers import REGISTRY
from newscrawler.spiders.base import STATS, NewsSpider



@dataclass(frozen=True)
class Outlet:
    """One outlet in this crawl: its profile and where it is served."""

    publisher: type[Publisher]
    base_url: str

    @property
    def slug(self) -> str:
        return self.publisher.slug

    @property
    def extra_hosts(self) -> frozenset[str]:
        """The serving host, when it is not one of the outlet's own (a mirror, a local replica)."""
        host = urlsplit(self.base_url).hostname or ""
        return frozenset() if host in self.publisher.hosts else frozenset({host})

    def local(self, path_or_url: str) -> str:
        """A path, or a URL on the outlet's real hosts, as a URL on the serving host."""
        parts = urlsplit(path_or_url)
        if parts.netloc and not self.publisher.is_own_host(parts.hostname, self.extra_hosts):
            return path_or_url
        return self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")


def parse_base_url(value: str, example: str) -> str:
    parts = urlsplit(value or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"base_url must be an http(s) URL such as {example}, got {value!r}")
    return f"{parts.scheme}://{parts.netloc}".rstrip("/")


def parse_since(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"since must be a date YYYY-MM-DD, got {value!r}") from None


def parse_max_pages(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        pages = int(value)
    except (TypeError, ValueError):
        pages = 0
    if pages < 1:
        raise UsageError(f"max_pages must be a positive integer, got {value!r}")
    return pages


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class OutletSpider(NewsSpider):
    """Crawls the outlets in :attr:`publishers` (one for an outlet's spider, all for the region's)."""

    publishers: tuple[type[Publisher], ...] = ()

    def __init__(self, base_url: str | None = None, since: str | None = None, rubrics: str | None = None,
                 source: str = "listing", max_pages: str | int | None = None, publishers: str | None = None,
                 base_urls: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        chosen = self._choose(publishers)
        served = self._served_at(base_url, base_urls, chosen)
        self.outlets = {p.slug: Outlet(p, served.get(p.slug) or p.origin) for p in chosen}
        self.allowed_domains = sorted({host for outlet in self.outlets.values()
                                       for host in (*outlet.publisher.hosts, *outlet.extra_hosts)})
        self.since = parse_since(since)
        self.max_pages = parse_max_pages(max_pages)
        unsupported = [o.slug for o in self.outlets.values() if source not in o.publisher.sources()]
        if unsupported:
            offered = {o.slug: o.publisher.sources() for o in self.outlets.values()}
            raise UsageError(f"source={source!r} is not offered by {', '.join(unsupported)}; offered: {offered}")
        self.source = source
        self.rubrics = self._parse_rubrics(rubrics)

    # --- argument validation: fail before the first request, with a message that says what to pass ---

    def _choose(self, value: str | None) -> list[type[Publisher]]:
        if not value:
            return list(self.publishers)
        offered = {p.slug: p for p in self.publishers}
        unknown = [slug for slug in _split(value) if slug not in offered]
        if unknown:
            raise UsageError(f"unknown publisher(s) {', '.join(unknown)}; known: {', '.join(offered)}")
        return [offered[slug] for slug in _split(value)]

    def _served_at(self, base_url, base_urls, chosen) -> dict[str, str]:
        if base_url and len(self.publishers) > 1:
            raise UsageError("the region spider takes base_urls=slug=URL,…, not base_url")
        if base_url:
            return {chosen[0].slug: parse_base_url(base_url, chosen[0].origin)}
        served = {}
        for pair in _split(base_urls):
            slug, _, url = pair.partition("=")
            if slug.strip() not in {p.slug for p in self.publishers}:
                raise UsageError(f"base_urls names an unknown publisher {slug!r}; write slug=URL,slug=URL")
            served[slug.strip()] = parse_base_url(url.strip(), "http://127.0.0.1:8080")
        return served

    def _parse_rubrics(self, value: str | None) -> list[str] | None:
        rubrics = _split(value)
        if not rubrics:
            return None
        if len(self.outlets) != 1:
            raise UsageError("rubrics is an argument of one outlet's spider (scrapy crawl <slug> -a rubrics=…)")
        publisher = next(iter(self.outlets.values())).publisher
        if not publisher.has_rubric_listings():
            raise UsageError(f"{publisher.slug} has no rubric listings")
        unknown = [r for r in rubrics if r not in publisher.rubrics]
        if unknown:
            raise UsageError(f"unknown rubric(s) {', '.join(unknown)}; valid rubrics: {', '.join(publisher.rubrics)}")
        return rubrics

    # --- requests ---------------------------------------------------------------------------------------

    #: Articles go before the next listing page: the frontier then holds about one listing page of article
    #: requests, not the whole archive's (a full kp40 crawl is ~150,000 articles), and memory stays flat.
    PRIORITY = {"article": 0, "listing": -1}

    def _request(self, outlet: Outlet, url: str, callback, kind: str, **cb_kwargs) -> scrapy.Request:
        """A request of one outlet: in its own download slot (its own politeness), checked for integrity."""
        return scrapy.Request(url, callback=callback, errback=self.request_failed, priority=self.PRIORITY[kind],
                              cb_kwargs={"slug": outlet.slug, **cb_kwargs},
                              meta={"download_slot": outlet.slug, PAGE_KIND: kind})

    def article_request(self, outlet: Outlet, ref: ArticleRef) -> scrapy.Request:
        """The article at its canonical path on the serving host (so variants collapse in the dupefilter)."""
        return self._request(outlet, outlet.local(ref.path), self.parse_article, "article", ref=ref)

    def listing_request(self, outlet: Outlet, url: str, listing: Listing, page_number: int) -> scrapy.Request:
        return self._request(outlet, url, self.parse_listing, "listing", listing=listing, page_number=page_number)

    # --- navigation -------------------------------------------------------------------------------

    async def start(self):
        for outlet in self.outlets.values():
            for request in self._start_requests(outlet):
                yield request

    def _start_requests(self, outlet: Outlet):
        yield from self._retry_failed_articles(outlet)
        publisher = outlet.publisher
        if self.source == "rss":
            for path in publisher.feeds:
                yield self._request(outlet, outlet.local(path), self.parse_feed, "listing")
        elif self.source == "sitemap":
            for path in publisher.sitemaps:
                yield self._request(outlet, outlet.local(path), self.parse_sitemap, "listing")
        elif self.source == "api":
            yield self._request(outlet, outlet.local(publisher.api.path), self.parse_api, "listing")
        else:
            listings = [publisher.rubric_listing(r) for r in self.rubrics] if self.rubrics else publisher.listings
            for listing in listings:
                yield self.listing_request(outlet, outlet.local(listing.path), listing, 1)

    def parse_listing(self, response, slug: str, listing: Listing, page_number: int):
        outlet = self.outlets[slug]
        page = parse_listing(response, outlet.publisher, listing, outlet.extra_hosts)
        stats = self.crawler.stats
        stats.inc_value(f"{STATS}/listing/pages")
        if not page.site_layout:
            stats.inc_value(f"{STATS}/listing/fallback_links")
            self.logger.warning("Listing %s: the profile's listing selectors matched nothing; "
                                "fell back to every article link on the page", response.url)
        if not page.entries:
            stats.inc_value(f"{STATS}/listing/no_articles")
            self.logger.warning("Listing %s holds no article links", response.url)

        wanted = 0
        for entry in page.entries:
            if self.since and entry.date and entry.date < self.since:
                stats.inc_value(f"{STATS}/articles/older_than_since")
                continue
            if self._known(entry.ref):
                continue
            wanted += 1
            yield self.article_request(outlet, entry.ref)

        if not page.next_url:
            return
        if self.max_pages and page_number >= self.max_pages:
            self.logger.info("Stopping at %s: max_pages=%d reached", response.url, self.max_pages)
        elif page.entries and wanted == 0:
            self.logger.info("Stopping at %s: every article on it is older than since or already written",
                             response.url)
        else:
            yield self.listing_request(outlet, outlet.local(page.next_url), listing, page_number + 1)

    def parse_feed(self, response, slug: str):
        outlet = self.outlets[slug]
        for ref in parse_feed(response, outlet.publisher, outlet.extra_hosts):
            if not self._known(ref):
                yield self.article_request(outlet, ref)

    def parse_sitemap(self, response, slug: str):
        outlet = self.outlets[slug]
        articles, children = parse_sitemap(response, outlet.publisher, outlet.extra_hosts)
        for child in children:
            yield self._request(outlet, outlet.local(child), self.parse_sitemap, "listing")
        for ref in articles:
            if not self._known(ref):
                yield self.article_request(outlet, ref)

    def parse_api(self, response, slug: str):
        outlet = self.outlets[slug]
        try:
            refs = parse_api(response, outlet.publisher)
        except BadApiResponse as exc:
            self.crawler.stats.inc_value(f"{STATS}/bad_response/api_not_json")
            self.logger.warning("API answer %s is unusable (%s): %d bytes of %r", response.url, exc,
                                len(response.body), response.headers.get("Content-Type", b"").decode("latin-1"))
            return
        for ref in refs:
            if not self._known(ref):
                yield self.article_request(outlet, ref)

    def _retry_failed_articles(self, outlet: Outlet):
        """Articles earlier runs found but could not write: fetched directly, since an incremental run may
        stop paginating before the listing page that links them."""
        if self.store is None:
            return
        max_runs = self.settings.getint("RETRY_FAILED_ARTICLES_RUNS", 3)
        for url in self.store.failed_articles(outlet.slug, max_runs):
            ref = outlet.publisher.article_ref(url)
            if ref is None or (self.rubrics and ref.rubric and ref.rubric not in self.rubrics):
                continue
            self.crawler.stats.inc_value(f"{STATS}/articles/retried_from_earlier_runs")
            self.logger.info("Fetching %s again: an earlier run could not write it", ref.url)
            yield self.article_request(outlet, ref)

    # --- article pages ------------------------------------------------------------------------------

    def parse_article(self, response, slug: str, ref: ArticleRef | None = None):
        outlet = self.outlets[slug]
        attempt = render_attempt(response)
        if not isinstance(response, HtmlResponse):  # a browser render is not checked by the middleware
            return self._bad_response(response, "article_not_html")
        item = parse_article(response, outlet.publisher, extra_hosts=outlet.extra_hosts, requested=ref)
        # Only a page whose reader found no body can be a JavaScript placeholder: the look costs nothing else.
        if not item.get("body") and needs_rendering(response, outlet.publisher):
            return self._needs_rendering(response, outlet, ref, attempt)
        item["crawled_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        self._count_parse(response, item, attempt)
        return item

    def _count_parse(self, response, item, attempt: int) -> None:
        stats = self.crawler.stats
        stats.inc_value(f"{STATS}/articles/parsed")
        stats.inc_value(f"{STATS}/articles/parsed/{item['publisher']}")
        # The profile's reader missed these fields on this page: lower layers (page metadata, generic
        # extraction) stood in. Counted per field; SelectorFallbackAlarm turns them into a WARNING.
        for field in item.get("fallback_fields") or ():
            stats.inc_value(f"{STATS}/fallback/{field}")
        if item.get("fallback_fields"):
            self.logger.info("Article %s: site selectors missed %s; used page metadata / generic extraction",
                             response.url, ", ".join(item["fallback_fields"]))
        for field in item.get("reader_errors") or ():
            stats.inc_value(f"{STATS}/reader_errors/{field}")
        for claimed in item.get("identity_conflicts") or ():
            stats.inc_value(f"{STATS}/identity/foreign_canonical_ignored")
            self.logger.warning("Article %s names %s as its canonical URL: another site or article; ignored, "
                                "the record keeps the fetched URL's identity (%s)", response.url, claimed, item.get("url"))
        # download_latency: request sent → response (plain); navigation → DOM read, body wait included (browser)
        latency_ms = round(response.meta.get("download_latency", 0) * 1000)
        if attempt:
            stats.inc_value(f"{STATS}/render/pages")
            stats.inc_value(f"{STATS}/render/time_ms", latency_ms)
            self.logger.info("Rendered %s in %d ms (attempt %d)", response.url, latency_ms, attempt)
        else:
            stats.inc_value(f"{STATS}/articles/static_time_ms", latency_ms)

    # --- JavaScript-only pages: re-requested through the browser (newscrawler.crawl.rendering) -------------

    def _needs_rendering(self, response, outlet: Outlet, ref: ArticleRef | None, attempt: int):
        if attempt:  # rendered, and the parser still finds no body
            return self._render_failed(response.request, "body still missing after rendering", ref)
        self.crawler.stats.inc_value(f"{STATS}/needs_rendering")
        if not self.settings.getbool("RENDER_JS_PAGES", True):
            self.logger.warning("Article %s renders its body with JavaScript; not emitted (needs rendering, "
                                "RENDER_JS_PAGES is off)", response.url)
            return None
        self.logger.info("Article %s renders its body with JavaScript; rendering it in the browser", response.url)
        return self._render(response.url, outlet, ref, attempt=1)

    def _render(self, url: str, outlet: Outlet, ref: ArticleRef | None, attempt: int) -> scrapy.Request:
        return render_request(url, self.settings, wait_for=outlet.publisher.rendering.wait_for,
                              callback=self.parse_article, errback=self.render_errback,
                              cb_kwargs={"slug": outlet.slug, "ref": ref}, meta={"download_slot": outlet.slug},
                              attempt=attempt)

    def render_errback(self, failure):
        """A render failed in the browser: timeout waiting for the body, navigation error, crashed page."""
        request = failure.request
        error = failure.value
        reason = f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"
        return self._render_failed(request, reason, request.cb_kwargs.get("ref"))

    def _render_failed(self, request, reason: str, ref: ArticleRef | None):
        attempt = render_attempt(request)
        stats = self.crawler.stats
        if attempt <= self.settings.getint("RENDER_RETRY_TIMES", 1):
            stats.inc_value(f"{STATS}/render/retries")
            self.logger.warning("Render of %s failed (attempt %d: %s); retrying", request.url, attempt, reason)
            return self._render(request.url, self.outlets[request.cb_kwargs["slug"]], ref, attempt=attempt + 1)
        stats.inc_value(f"{STATS}/render/failures")
        self._note_failed(request, f"render: {reason}")
        self.logger.error("Render of %s failed after %d attempts (%s); article not emitted",
                          request.url, attempt, reason)
        return None

def _outlet_spider(publisher: type[Publisher]) -> type[OutletSpider]:
    return type(f"{publisher.__name__}Spider", (OutletSpider,), {
        "name": publisher.slug, "publishers": (publisher,), "__module__": __name__,
        "__doc__": f"Crawls {publisher.name} ({publisher.origin}).",
    })


# One spider per registered outlet; Scrapy's spider loader finds them as classes of this module.
for _publisher in REGISTRY:
    globals()[f"{_publisher.__name__}Spider"] = _outlet_spider(_publisher)


class KalugaRegionSpider(OutletSpider):
    """Every registered outlet of the Kaluga region in one crawl, each under its own politeness."""

    name = "kaluga"
    publishers = tuple(REGISTRY)
