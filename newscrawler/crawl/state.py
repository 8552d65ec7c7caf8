"""The crawl's state stores, one connection per crawl.

Spider, pipelines and extensions all need the seen store; :func:`seen_store` opens it once per crawler
(on first use) and closes it when the engine stops, so one component owns the connection and every other
one borrows it.

Where the state lives is chosen here and only here:

* no ``REDIS_URL`` (the default): the embedded SQLite file of ``SEEN_STORE_PATH``, one machine. Nothing on
  this path imports ``redis``: the package is needed only by shared crawls.
* ``REDIS_URL`` (setting, or the ``NEWSCRAWLER_REDIS_URL`` environment variable): one Redis shared by every
  worker of the crawl, on any number of machines (docs/scaling.md). The crawl's single Redis client is
  :func:`redis_client`; the seen store, the shared frontier (:mod:`newscrawler.crawl.shared_frontier`) and
  the site politeness leases (:mod:`newscrawler.crawl.site_leases`) all borrow it.

The story index (clusters of articles about one story, built on SQLite by its own storage interface) plugs
in at :func:`story_index_backend`: a Redis implementation is the missing piece of a shared crawl's state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy import signals

from newscrawler.crawl.seen_store import SeenStore

if TYPE_CHECKING:  # only for annotations: importing redis here would make it a dependency of every crawl
    from newscrawler.crawl.redis_store import RedisSeenStore

_SEEN_STORE = "_newscrawler_seen_store"
_REDIS_CLIENT = "_newscrawler_redis_client"
_UNSET = object()


def redis_url(settings) -> str:
    """The shared crawl's Redis (``redis://[user:pass@]host:port/db`` or ``rediss://…``), or "" for none."""
    return (settings.get("REDIS_URL") or "").strip()


def redis_client(crawler):
    """The crawl's one Redis client (a connection pool), closed when the engine stops.

    Raises RuntimeError when the crawl has no ``REDIS_URL``: only shared-crawl components ask for it.
    """
    client = getattr(crawler, _REDIS_CLIENT, None)
    if client is None:
        url = redis_url(crawler.settings)
        if not url:
            raise RuntimeError("redis_client() needs REDIS_URL: this crawl keeps its state in SQLite")
        from newscrawler.crawl.redis_store import connect

        client = connect(url, crawler.settings)
        setattr(crawler, _REDIS_CLIENT, client)
        crawler.signals.connect(lambda: client.close(), signal=signals.engine_stopped, weak=False)
    return client


def seen_store(crawler) -> SeenStore | RedisSeenStore | None:
    """The crawl's seen store: in Redis for a shared crawl, else the SQLite file of ``SEEN_STORE_PATH``
    (None when that is empty: no cross-run state)."""
    store = getattr(crawler, _SEEN_STORE, _UNSET)
    if store is _UNSET:
        if redis_url(crawler.settings):
            from newscrawler.crawl.redis_store import RedisSeenStore

            store = RedisSeenStore.from_crawler(crawler, redis_client(crawler))
        else:
            store = SeenStore.from_settings(crawler.settings)
        setattr(crawler, _SEEN_STORE, store)
        if store is not None:
            crawler.signals.connect(lambda: store.close(), signal=signals.engine_stopped, weak=False)
    return store


def story_index_backend(crawler) -> str:
    """Which storage the story index must open for this crawl: ``"sqlite"`` or ``"redis"``.

    The seam for the story index: its opener (to live here, next to :func:`seen_store`, one per crawler)
    picks its SQLite storage for ``"sqlite"``; for ``"redis"`` a Redis storage with the same interface is
    needed (keys under ``REDIS_KEY_PREFIX``, client from :func:`redis_client`) — until it exists, a shared
    crawl must run without the story index rather than keep one private index per worker.
    """
    return "redis" if redis_url(crawler.settings) else "sqlite"
