"""The crawl's state stores, one connection per crawl.

Spider, pipelines and extensions all need the seen store, and the story step its story index, which lives
beside it. :func:`seen_store` opens the store once per crawler (on first use) and closes it when the
engine stops; :func:`story_index` builds the index on the same storage. One component owns each
connection; every other one borrows it.

Where the state lives is chosen here and only here:

* no ``REDIS_URL`` (the default): the embedded SQLite file of ``SEEN_STORE_PATH``, one machine; the story
  index in the same file. Nothing on this path imports ``redis``: the package is needed only by shared crawls.
* ``REDIS_URL`` (setting, or the ``NEWSCRAWLER_REDIS_URL`` environment variable): one Redis shared by every
  worker of the crawl, on any number of machines (docs/scaling.md). The crawl's single Redis client is
  :func:`redis_client`; the seen store, the story index, the shared frontier
  (:mod:`newscrawler.crawl.shared_frontier`) and the site politeness leases
  (:mod:`newscrawler.crawl.site_leases`) all borrow it.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import TYPE_CHECKING

from scrapy import signals

from newscrawler.crawl.seen_store import SeenStore

if TYPE_CHECKING:  # only for annotations: importing redis here would make it a dependency of every crawl
    from newscrawler.crawl.redis_store import RedisSeenStore

_SEEN_STORE = "_newscrawler_seen_store"
_REDIS_CLIENT = "_newscrawler_redis_client"
_STORIES = "_newscrawler_story_index"
_UNSET = object()


def _close_when_the_engine_stops(crawler, close) -> None:
    crawler.signals.connect(lambda: close(), signal=signals.engine_stopped, weak=False)


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
        _close_when_the_engine_stops(crawler, client.close)
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
            _close_when_the_engine_stops(crawler, store.close)
    return store


def story_index(crawler):
    """The crawl's story index: in Redis for a shared crawl; else in the seen store's SQLite file, so stories
    outlive the run; in memory for this run alone when there is no seen store."""
    index = getattr(crawler, _STORIES, None)
    if index is None:
        # numpy: imported only when a crawl needs the story step
        from newscrawler.stories.index import SqliteStoryIndex, StoryIndex

        window = timedelta(days=crawler.settings.getfloat("STORY_WINDOW_DAYS", 3))
        if redis_url(crawler.settings):
            from newscrawler.stories.redis_store import RedisStoryStore

            index = StoryIndex(RedisStoryStore.from_crawler(crawler, redis_client(crawler)), window=window)
        else:
            store = seen_store(crawler)
            if store is not None:
                connection = store.db
            else:
                connection = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
                _close_when_the_engine_stops(crawler, connection.close)
            index = SqliteStoryIndex(connection, window=window)
        setattr(crawler, _STORIES, index)
    return index
