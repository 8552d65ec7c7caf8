"""Downloader middlewares."""

from __future__ import annotations

from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest


class RedirectLoop(IgnoreRequest):
    """A redirect leads back to a URL already on the request's redirect chain."""


class TooManyRedirects(IgnoreRequest):
    """More than ``REDIRECT_MAX_TIMES`` redirects."""


class LoopAwareRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirect handling, but a loop is an error the request's errback hears about.

    Stock Scrapy sends the looping request back to the scheduler, whose dupefilter drops it in silence
    (``A → B → A``: the article simply vanishes), or gives up after ``REDIRECT_MAX_TIMES`` with a DEBUG line.
    Here both end in the errback with :class:`RedirectLoop` / :class:`TooManyRedirects`, where the spider
    logs and counts them.
    """

    def _redirect(self, redirected, request, reason):
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if redirected.url in chain:
            raise RedirectLoop(f"redirect loop: {' -> '.join([*chain, redirected.url])}")
        try:
            return super()._redirect(redirected, request, reason)
        except IgnoreRequest as exc:
            raise TooManyRedirects(f"{exc}: {' -> '.join([*chain, redirected.url])}") from None
