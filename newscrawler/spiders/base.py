"""What every newscrawler spider shares: the seen store, and what it does with pages it could not write.

:class:`NewsSpider` is the base of the profiled spiders (:mod:`newscrawler.spiders.outlets`) and of the
``site`` spider for sites without a profile (:mod:`newscrawler.spiders.site`): the default dated feed, the
crawl's seen store, "already known" look-ups, and the errback that logs, counts (``newscrawler/…``) and
notes for the next run an article that failed (or remembers one the site removed). Requests that carry an
:class:`~newscrawler.profile.ArticleRef` as ``cb_kwargs["ref"]`` are the ones noted.
"""

from __future__ import annotations

import scrapy
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest

from newscrawler.crawl.integrity import DamagedPage
from newscrawler.crawl.middlewares import RedirectLoop, TooManyRedirects
from newscrawler.crawl.state import seen_store
from newscrawler.profile import ArticleRef

STATS = "newscrawler"
#: An article URL answering these was removed by the outlet: not an error to try again next run.
GONE_STATUSES = (404, 410)


class NewsSpider(scrapy.Spider):
    """Base of the project's spiders (no name: not a spider of its own)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._failed_urls: set[str] = set()  # articles this run noted as failed (each once)

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        if not settings.getdict("FEEDS"):
            settings.set("FEEDS", settings.getdict("DEFAULT_FEEDS"), priority="spider")

    @property
    def store(self):
        return seen_store(self.crawler)

    def _known(self, ref: ArticleRef) -> bool:
        if self.store is None:
            return False
        if self.store.knows(ref):
            self.crawler.stats.inc_value(f"{STATS}/articles/known_from_earlier_runs")
            return True
        if self.store.is_gone(ref.publisher, ref.url):  # removed by the outlet, still listed
            self.crawler.stats.inc_value(f"{STATS}/articles/gone_in_earlier_runs")
            return True
        return False

    def _note_failed(self, request, reason: str) -> None:
        """Remember an article this run could not write, for the next runs to fetch again."""
        ref = request.cb_kwargs.get("ref") if request is not None else None
        if ref is None or self.store is None or ref.url in self._failed_urls:
            return
        self._failed_urls.add(ref.url)
        self.store.note_failure(ref.publisher, ref.url, reason)
        self.crawler.stats.inc_value(f"{STATS}/articles/failed_for_next_run")

    def _note_gone(self, request, status: int) -> None:
        """Remember an article the outlet removed (404 / 410): later runs neither fetch nor count it."""
        ref = request.cb_kwargs.get("ref") if request is not None else None
        if ref is None or self.store is None:
            return
        self.store.note_gone(ref.publisher, ref.url, status)
        self.crawler.stats.inc_value(f"{STATS}/articles/gone")

    # --- what could not be fetched ---------------------------------------------------------------------

    def _bad_response(self, response, reason: str):
        self.crawler.stats.inc_value(f"{STATS}/bad_response/{reason}")
        self._note_failed(response.request, reason)
        self.logger.warning("Skipped %s (%s): status %s, Content-Type %r, %d bytes", response.url, reason,
                            response.status, response.headers.get("Content-Type", b"").decode("latin-1"),
                            len(response.body))

    def request_failed(self, failure):
        request = failure.request
        error = failure.value
        if isinstance(error, DamagedPage):  # counted by the integrity middleware
            self._note_failed(request, error.reason)
            self.logger.warning("Skipped %s (%s): %s", error.response.url, error.reason, error.detail)
            return
        response = getattr(error, "response", None)
        if response is not None:
            reason = f"http_{response.status}"
        elif isinstance(error, RedirectLoop):
            reason = "redirect_loop"
        elif isinstance(error, TooManyRedirects):
            reason = "too_many_redirects"
        elif isinstance(error, DownloadCancelledError) and "max size" in str(error):
            reason = "larger_than_download_maxsize"
        elif isinstance(error, IgnoreRequest) and "DOWNLOAD_MAXSIZE" in str(error):  # a gzip bomb, say
            reason = "decompressed_larger_than_download_maxsize"
        else:
            reason = type(error).__name__
        self.crawler.stats.inc_value(f"{STATS}/request_failed/{reason}")
        if response is not None and response.status in GONE_STATUSES:
            self._note_gone(request, response.status)
        else:
            self._note_failed(request, reason)
        detail = "" if response is not None else f" ({error})"
        first_url = (request.meta.get("redirect_urls") or [request.url])[0]  # the URL the crawl asked for
        self.logger.warning("Request failed for %s: %s%s", first_url, reason, detail)


