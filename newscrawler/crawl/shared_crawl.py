"""The shared-crawl addon: ``REDIS_URL`` set → the crawl's frontier, state and politeness move to Redis.

Registered in ``ADDONS`` (settings.py) and inert without ``REDIS_URL``: the default crawl keeps Scrapy's
scheduler and the SQLite seen store, and never imports ``redis``. With it (``-s REDIS_URL=redis://…`` or
the ``NEWSCRAWLER_REDIS_URL`` environment variable) it installs

* :class:`~newscrawler.crawl.shared_frontier.SharedFrontierScheduler` — the shared, leased request queue
  and dupefilter — and :class:`~newscrawler.crawl.shared_frontier.SharedSeeding` (one seeder per run);
* :class:`~newscrawler.crawl.site_leases.SiteLeases` — concurrency and delay per site across workers;

and :mod:`newscrawler.crawl.state` opens the Redis seen store. See docs/scaling.md.

An unreachable Redis (or a refused password) stops ``scrapy crawl`` before the crawl starts, with one line
on stderr and exit status 1.
"""

from __future__ import annotations

import logging

from newscrawler.crawl.state import redis_url

logger = logging.getLogger(__name__)

SCHEDULER = "newscrawler.crawl.shared_frontier.SharedFrontierScheduler"
SEEDING_MIDDLEWARE = "newscrawler.crawl.shared_frontier.SharedSeeding"
SITE_LEASES_MIDDLEWARE = "newscrawler.crawl.site_leases.SiteLeases"


class SharedCrawl:
    @classmethod
    def update_pre_crawler_settings(cls, settings):
        """Before the reactor starts: check the Redis answers, so a wrong URL is one message, not a crawl
        that fails request by request."""
        url = redis_url(settings)
        if url:
            from newscrawler.crawl.redis_store import check_reachable

            check_reachable(url, settings)

    def update_settings(self, settings):
        if not redis_url(settings):
            return
        settings.set("SCHEDULER", SCHEDULER, priority="addon")
        settings.set_in_component_priority_dict("SPIDER_MIDDLEWARES", SEEDING_MIDDLEWARE, 10)
        # After every other middleware: a response from a cache or a redirect decision takes no lease.
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", SITE_LEASES_MIDDLEWARE, 960)
        # The delay becomes the site's: every worker's requests to a site are spaced by it, together.
        # Kept per process too, it would only add waiting on top.
        # (Set at the priority the values already have: settings.py and -s outrank an addon's.)
        if settings.get("SITE_DOWNLOAD_DELAY") is None:
            settings.set("SITE_DOWNLOAD_DELAY", settings.getfloat("DOWNLOAD_DELAY"),
                         priority=settings.getpriority("SITE_DOWNLOAD_DELAY") or "addon")
        settings.set("DOWNLOAD_DELAY", 0, priority=settings.getpriority("DOWNLOAD_DELAY") or "addon")
