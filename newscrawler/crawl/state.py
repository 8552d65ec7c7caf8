"""The crawl's state stores, one connection per crawl.

Spider, pipelines and extensions all need the seen store, and the story step its story index, which lives
in the same SQLite file. :func:`seen_store` opens the store once per crawler (on first use) and closes it
when the engine stops; :func:`story_index` builds the index on that same connection. One component owns
the connection; every other one borrows it.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from scrapy import signals

from newscrawler.crawl.seen_store import SeenStore

_STORE = "_newscrawler_seen_store"
_STORIES = "_newscrawler_story_index"
_UNSET = object()


def _close_when_the_engine_stops(crawler, close) -> None:
    crawler.signals.connect(lambda: close(), signal=signals.engine_stopped, weak=False)


def seen_store(crawler) -> SeenStore | None:
    """The crawl's seen store (None when ``SEEN_STORE_PATH`` is empty: no cross-run state)."""
    store = getattr(crawler, _STORE, _UNSET)
    if store is _UNSET:
        store = SeenStore.from_settings(crawler.settings)
        setattr(crawler, _STORE, store)
        if store is not None:
            _close_when_the_engine_stops(crawler, store.close)
    return store


def story_index(crawler):
    """The crawl's story index: in the seen store's SQLite file, so stories outlive the run; in memory for
    this run alone when there is no seen store."""
    index = getattr(crawler, _STORIES, None)
    if index is None:
        from newscrawler.stories.index import SqliteStoryIndex  # numpy/datasketch: only when a crawl needs it

        store = seen_store(crawler)
        if store is not None:
            connection = store.db
        else:
            connection = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            _close_when_the_engine_stops(crawler, connection.close)
        window = timedelta(days=crawler.settings.getfloat("STORY_WINDOW_DAYS", 3))
        index = SqliteStoryIndex(connection, window=window)
        setattr(crawler, _STORIES, index)
    return index
