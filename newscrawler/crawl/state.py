"""The crawl's state stores, one connection per crawl.

Spider, pipelines and extensions all need the seen store; :func:`seen_store` opens it once per crawler
(on first use) and closes it when the engine stops, so one component owns the connection and every other
one borrows it.
"""

from __future__ import annotations

from scrapy import signals

from newscrawler.crawl.seen_store import SeenStore

_ATTRIBUTE = "_newscrawler_seen_store"
_UNSET = object()


def seen_store(crawler) -> SeenStore | None:
    """The crawl's seen store (None when ``SEEN_STORE_PATH`` is empty: no cross-run state)."""
    store = getattr(crawler, _ATTRIBUTE, _UNSET)
    if store is _UNSET:
        store = SeenStore.from_settings(crawler.settings)
        setattr(crawler, _ATTRIBUTE, store)
        if store is not None:
            crawler.signals.connect(lambda: store.close(), signal=signals.engine_stopped, weak=False)
    return store
