"""The kp40.ru spider: walks the news listings (or the RSS feed) and hands each article page to the parser.

Navigation only. What a page says is decided in :mod:`newscrawler.parsers.kp40_article` (articles) and
:mod:`newscrawler.parsers.kp40_listing` (listings and RSS).

Arguments (``-a name=value``):

``base_url``   where the site is (default ``https://www.kp40.ru``); a mirror or a local replay server such as
               ``http://127.0.0.1:8080`` works the same, and the allowed domain follows it.
``since``      ``YYYY-MM-DD``: skip older articles and stop paginating once a listing page is entirely older.
``rubrics``    comma-separated rubric slugs (``invest,society``): crawl those rubric listings instead of ``/news/``.
``source``     ``listing`` (default; the full archive) or ``rss`` (``/xml/news.xml``: the 30 newest, for light runs).
``max_pages``  stop each listing after this many pages.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import scrapy
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import DownloadCancelledError, UsageError
from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from newscrawler.crawl.integrity import better_encoding, is_complete_page, looks_binary
from newscrawler.crawl.middlewares import RedirectLoop, TooManyRedirects
from newscrawler.parsers.kp40_article import needs_rendering, parse_article
from newscrawler.parsers.kp40_listing import parse_listing, parse_rss
from newscrawler.crawl.rendering import render_attempt, render_request
from newscrawler.crawl.seen_store import SeenStore
from newscrawler.urls import CANONICAL_ORIGIN, ArticleRef, article_ref

STATS = "newscrawler"

#: Rubric slug → the name the site's menu shows. ``narnews`` (user news) has its own listing at /narnews/.
RUBRICS = {
    "society": "Общество",
    "invest": "Экономика",
    "realty": "Недвижимость и ЖКХ",
    "holidays": "Праздники",
    "education": "Образование",
    "obninsk": "Обнинск",
    "incidents": "Происшествия",
    "crime": "Криминал",
    "sport": "Спорт",
    "weather": "Погода",
    "auto": "Авто",
    "accomp": "Благоустройство",
    "perekrestok": "Калужский перекрёсток",
    "gorod_oblast": "Город и область",
    "narnews": "Народные новости",
}
SOURCES = ("listing", "rss")


def listing_path(rubric: str | None) -> str:
    if rubric is None:
        return "/news/"
    return "/narnews/" if rubric == "narnews" else f"/news/{rubric}/"


class Kp40Spider(scrapy.Spider):
    name = "kp40"

    def __init__(self, base_url: str = CANONICAL_ORIGIN, since: str | None = None, rubrics: str | None = None,
                 source: str = "listing", max_pages: str | int | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.base_url, self.allowed_domains = self._parse_base_url(base_url)
        self.since = self._parse_since(since)
        self.rubrics = self._parse_rubrics(rubrics)
        if source not in SOURCES:
            raise UsageError(f"source must be one of {', '.join(SOURCES)}, got {source!r}")
        self.source = source
        self.max_pages = self._parse_max_pages(max_pages)
        self.seen_store: SeenStore | None = None
        self._failed_ids: set[int] = set()  # articles this run noted as failed (each once)

    # --- argument validation: fail before the first request, with a message that says what to pass ---

    @staticmethod
    def _parse_base_url(value: str) -> tuple[str, list[str]]:
        parts = urlsplit(value or "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"base_url must be an http(s) URL such as https://www.kp40.ru, got {value!r}")
        host = parts.hostname
        domain = host[4:] if host.startswith("www.") else host
        return f"{parts.scheme}://{parts.netloc}".rstrip("/"), [domain]

    @staticmethod
    def _parse_since(value: str | None) -> dt.date | None:
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise UsageError(f"since must be a date YYYY-MM-DD, got {value!r}") from None

    @staticmethod
    def _parse_rubrics(value: str | None) -> list[str] | None:
        if not value:
            return None
        rubrics = [r.strip() for r in value.split(",") if r.strip()]
        unknown = [r for r in rubrics if r not in RUBRICS]
        if unknown:
            raise UsageError(f"unknown rubric(s) {', '.join(unknown)}; valid rubrics: {', '.join(RUBRICS)}")
        return rubrics

    @staticmethod
    def _parse_max_pages(value) -> int | None:
        if value in (None, ""):
            return None
        try:
            pages = int(value)
        except (TypeError, ValueError):
            pages = 0
        if pages < 1:
            raise UsageError(f"max_pages must be a positive integer, got {value!r}")
        return pages

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        if not settings.getdict("FEEDS"):
            settings.set("FEEDS", settings.getdict("DEFAULT_FEEDS"), priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.seen_store = SeenStore.from_settings(crawler.settings)
        crawler.signals.connect(spider._close_store, signal=scrapy.signals.spider_closed)
        return spider

    def _close_store(self):
        if self.seen_store:
            self.seen_store.close()

    # --- navigation -------------------------------------------------------------------------------

    async def start(self):
        for request in self._retry_failed_articles():
            yield request
        if self.source == "rss":
            yield scrapy.Request(f"{self.base_url}/xml/news.xml", callback=self.parse_rss)
            return
        for rubric in self.rubrics or [None]:
            yield scrapy.Request(f"{self.base_url}{listing_path(rubric)}", callback=self.parse_listing,
                                 cb_kwargs={"page_number": 1}, errback=self.request_failed)

    def parse_listing(self, response, page_number: int):
        if not isinstance(response, TextResponse):
            self._bad_response(response, "listing_not_text")
            return
        if isinstance(response, HtmlResponse):
            response = self._readable(response)
            if not is_complete_page(response):
                retry = self._retry_truncated(response, "listing")
                if retry is not None:
                    yield retry
                return
        page = parse_listing(response)
        self.crawler.stats.inc_value(f"{STATS}/listing/pages")
        if not page.site_layout:
            self.crawler.stats.inc_value(f"{STATS}/listing/site_selectors_failed")
            self.logger.warning("Listing %s: the site's listing selectors matched nothing; "
                                "fell back to every article link on the page", response.url)
        if not page.entries:
            self.crawler.stats.inc_value(f"{STATS}/listing/no_articles")
            self.logger.warning("Listing %s holds no article links", response.url)

        wanted = 0
        for entry in page.entries:
            if self.since and entry.date and entry.date < self.since:
                self.crawler.stats.inc_value(f"{STATS}/articles/older_than_since")
                continue
            if self.seen_store and self.seen_store.has_article(entry.ref.article_id):
                self.crawler.stats.inc_value(f"{STATS}/articles/known_from_earlier_runs")
                continue
            wanted += 1
            yield self.article_request(entry.ref)

        if not page.next_url:
            return
        if self.max_pages and page_number >= self.max_pages:
            self.logger.info("Stopping at %s: max_pages=%d reached", response.url, self.max_pages)
        elif page.entries and wanted == 0:
            self.logger.info("Stopping at %s: every article on it is older than since or already written",
                             response.url)
        else:
            yield response.follow(page.next_url, callback=self.parse_listing, errback=self.request_failed,
                                  cb_kwargs={"page_number": page_number + 1})

    def parse_rss(self, response):
        if not isinstance(response, (XmlResponse, TextResponse)):
            self._bad_response(response, "rss_not_text")
            return
        for ref in parse_rss(response):
            if self.seen_store and self.seen_store.has_article(ref.article_id):
                self.crawler.stats.inc_value(f"{STATS}/articles/known_from_earlier_runs")
                continue
            yield self.article_request(ref)

    def _retry_failed_articles(self):
        """Articles earlier runs found but could not write: fetched directly, since an incremental run may
        stop paginating before the listing page that links them."""
        if not self.seen_store:
            return
        max_runs = self.settings.getint("RETRY_FAILED_ARTICLES_RUNS", 3)
        for article_id, path in self.seen_store.failed_articles(max_runs):
            ref = article_ref(path)
            if ref is None or (self.rubrics and ref.rubric not in self.rubrics):
                continue
            self.crawler.stats.inc_value(f"{STATS}/articles/retried_from_earlier_runs")
            self.logger.info("Fetching %s again: an earlier run could not write it", ref.url)
            yield self.article_request(ref)

    def _note_failed(self, request, reason: str) -> None:
        """Remember an article this run could not write, for the next runs to fetch again."""
        ref = request.cb_kwargs.get("ref") if request is not None else None
        if ref is None or self.seen_store is None or ref.article_id in self._failed_ids:
            return
        self._failed_ids.add(ref.article_id)
        self.seen_store.note_failure(ref.article_id, ref.path, reason)
        self.crawler.stats.inc_value(f"{STATS}/articles/failed_for_next_run")

    def article_request(self, ref: ArticleRef) -> scrapy.Request:
        """The article at its canonical path on the crawled host (so variants collapse in the dupefilter)."""
        return scrapy.Request(f"{self.base_url}{ref.path}", callback=self.parse_article,
                              errback=self.request_failed, cb_kwargs={"ref": ref})

    # --- article pages ------------------------------------------------------------------------------

    def parse_article(self, response, ref: ArticleRef | None = None):
        if not isinstance(response, HtmlResponse):
            return self._bad_response(response, "article_not_html")
        if not response.body.strip():
            return self._bad_response(response, "article_empty_body")
        if looks_binary(response.body):
            return self._bad_response(response, "article_binary")
        response = self._readable(response)
        if not is_complete_page(response):
            return self._retry_truncated(response, "article")
        attempt = render_attempt(response)
        if needs_rendering(response):
            return self._needs_rendering(response, ref, attempt)
        item = parse_article(response)
        item["crawled_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        stats = self.crawler.stats
        stats.inc_value(f"{STATS}/articles/parsed")
        # The site's selectors missed these fields on this page: lower layers (page metadata, generic
        # extraction) stood in. Counted per field; SelectorFallbackAlarm turns them into a WARNING.
        for field in item.get("fallback_fields") or ():
            stats.inc_value(f"{STATS}/fallback/{field}")
        if item.get("fallback_fields"):
            self.logger.info("Article %s: site selectors missed %s; used page metadata / generic extraction",
                             response.url, ", ".join(item["fallback_fields"]))
        # download_latency: request sent → response (plain); navigation → DOM read, body wait included (browser)
        latency_ms = round(response.meta.get("download_latency", 0) * 1000)
        if attempt:
            stats.inc_value(f"{STATS}/render/pages")
            stats.inc_value(f"{STATS}/render/time_ms", latency_ms)
            self.logger.info("Rendered %s in %d ms (attempt %d)", response.url, latency_ms, attempt)
        else:
            stats.inc_value(f"{STATS}/articles/static_time_ms", latency_ms)
        return item

    # --- JavaScript-only pages: re-requested through the browser (newscrawler.crawl.rendering) -----------------

    def _needs_rendering(self, response, ref: ArticleRef | None, attempt: int):
        if attempt:  # rendered, and the parser still finds no body
            return self._render_failed(response.request, "body still missing after rendering", ref)
        self.crawler.stats.inc_value(f"{STATS}/needs_rendering")
        if not self.settings.getbool("RENDER_JS_PAGES", True):
            self.logger.warning("Article %s renders its body with JavaScript; not emitted (needs rendering, "
                                "RENDER_JS_PAGES is off)", response.url)
            return None
        self.logger.info("Article %s renders its body with JavaScript; rendering it in the browser", response.url)
        return self._render(response.url, ref, attempt=1)

    def _render(self, url: str, ref: ArticleRef | None, attempt: int) -> scrapy.Request:
        return render_request(url, self.settings, callback=self.parse_article, errback=self.render_errback,
                              cb_kwargs={"ref": ref}, attempt=attempt)

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
            return self._render(request.url, ref, attempt=attempt + 1)
        stats.inc_value(f"{STATS}/render/failures")
        self._note_failed(request, f"render: {reason}")
        self.logger.error("Render of %s failed after %d attempts (%s); article not emitted",
                          request.url, attempt, reason)
        return None

    # --- pages that arrived damaged -----------------------------------------------------------------

    def _readable(self, response: HtmlResponse) -> HtmlResponse:
        """The response decoded with the charset its bytes are really in (pages that declare a wrong one)."""
        actual = better_encoding(response.body, response.encoding)
        if actual is None:
            if response.encoding not in ("utf-8", "utf8"):
                self.crawler.stats.inc_value(f"{STATS}/page_encoding/{response.encoding}")
            return response
        self.crawler.stats.inc_value(f"{STATS}/encoding_repaired/{response.encoding}_to_{actual}")
        self.logger.warning("Page %s declares charset %s but its bytes are %s; decoded as %s",
                            response.url, response.encoding, actual, actual)
        return response.replace(encoding=actual)

    def _retry_truncated(self, response, kind: str):
        """A page cut off before its closing ``</html>``: fetch it again; never parse the half page."""
        self.crawler.stats.inc_value(f"{STATS}/truncated/{kind}")
        retry = get_retry_request(response.request, spider=self, reason="truncated_html")
        if retry is not None:
            # A fresh download: only the retry count carries over (META_COPY_WARN_SKIP_KEYS allows it).
            for key in ("download_latency", "redirect_times", "redirect_ttl", "redirect_urls", "redirect_reasons"):
                retry.meta.pop(key, None)
            self.logger.warning("%s page %s is truncated (%d bytes, no closing </html>); fetching it again",
                                kind.capitalize(), response.url, len(response.body))
            return retry
        return self._bad_response(response, f"{kind}_truncated")

    def _bad_response(self, response, reason: str):
        self.crawler.stats.inc_value(f"{STATS}/bad_response/{reason}")
        self._note_failed(response.request, reason)
        self.logger.warning("Skipped %s (%s): status %s, Content-Type %r, %d bytes", response.url, reason,
                            response.status, response.headers.get("Content-Type", b"").decode("latin-1"),
                            len(response.body))

    def request_failed(self, failure):
        request = failure.request
        error = failure.value
        response = getattr(error, "response", None)
        if response is not None:
            reason = f"http_{response.status}"
        elif isinstance(error, RedirectLoop):
            reason = "redirect_loop"
        elif isinstance(error, TooManyRedirects):
            reason = "too_many_redirects"
        elif isinstance(error, DownloadCancelledError) and "max size" in str(error):
            reason = "larger_than_download_maxsize"
        else:
            reason = type(error).__name__
        self.crawler.stats.inc_value(f"{STATS}/request_failed/{reason}")
        self._note_failed(request, reason)
        detail = "" if response is not None else f" ({error})"
        first_url = (request.meta.get("redirect_urls") or [request.url])[0]  # the URL the crawl asked for
        self.logger.warning("Request failed for %s: %s%s", first_url, reason, detail)
