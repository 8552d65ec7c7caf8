"""Crawler extensions."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import load_object

from newscrawler.crawl.quality import counters_under
from newscrawler.crawl.seen_store import SeenStore, content_hash
from newscrawler.crawl.state import seen_store

logger = logging.getLogger(__name__)


class MarkSeenAfterExport:
    """Mark each written article in the cross-run :class:`SeenStore` — after it was written.

    Connected to ``item_scraped`` after Scrapy's FeedExporter (extensions connect in order, and
    FeedExporter is a base extension), whose flushing exporter has put the line on disk by then. So an
    article the store calls seen is always in some output file: a crash between the two loses nothing, it
    can at worst let the next run write the article once more.
    """

    def __init__(self, store: SeenStore, stats):
        self.store = store
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        store = seen_store(crawler)
        if store is None:
            raise NotConfigured("SEEN_STORE_PATH is empty: no cross-run deduplication")
        ext = cls(store, crawler.stats)
        ext.check_feeds_flush(crawler.settings)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    @staticmethod
    def check_feeds_flush(settings) -> list[str]:
        """Warn about every feed whose exporter may hold a record in a buffer after ``item_scraped``."""
        exporters = settings.getwithbase("FEED_EXPORTERS")
        buffered = []
        for uri, options in settings.getdict("FEEDS").items():
            name = exporters.get((options or {}).get("format") or settings.get("FEED_FORMAT"))
            if name and not getattr(load_object(name), "flushes_each_record", False):
                buffered.append(str(uri))
                logger.warning("Feed %s is written by %s, which does not flush each record: a crawl killed now "
                               "may leave articles marked as seen that are not in the file", uri, name)
        return buffered

    def item_scraped(self, item, spider):
        adapter = ItemAdapter(item)
        self.store.mark(adapter["publisher"], adapter["article_id"], adapter["url"],
                        content_hash(adapter.get("title"), adapter.get("body")))
        self.stats.inc_value("newscrawler/seen_store/marked")

    def spider_closed(self, spider):
        self.stats.set_value("newscrawler/seen_store/size", len(self.store))


class StatsFile:
    """Write the crawl's final stats as JSON to the ``STATS_FILE`` setting (off when empty).

    For tests, schedulers and monitoring that want the numbers without parsing the log.
    """

    def __init__(self, path: str, stats):
        self.path = path
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("STATS_FILE")
        if not path:
            raise NotConfigured
        ext = cls(path, crawler.stats)
        # spider_closed handlers run before the stats collector's final dump; finish_reason is set by then.
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider, reason):
        stats = {key: (value.isoformat() if hasattr(value, "isoformat") else value)
                 for key, value in self.stats.get_stats().items()}
        stats.setdefault("finish_reason", reason)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        Path(self.path).write_text(json.dumps(stats, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")


class SelectorFallbackAlarm:
    """End a crawl with a WARNING when the site's own selectors stopped finding fields.

    The spider counts, per field, the pages where a lower extraction layer had to stand in
    (``newscrawler/fallback/<field>``). On a healthy crawl of the current layout those counters do not
    exist; when they do, the site has probably changed its templates and the selectors need attention,
    even though the records still came out.
    """

    PREFIX = "newscrawler/fallback/"

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler.stats)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider):
        fields = counters_under(self.stats.get_stats(), self.PREFIX)
        if not fields:
            return
        parsed = self.stats.get_value("newscrawler/articles/parsed", 0)
        summary = ", ".join(f"{name} ({count}/{parsed} pages)" for name, count in fields.items())
        self.stats.set_value("newscrawler/fallback_fields", sorted(fields))
        spider.logger.warning("Site selectors failed for: %s. Those fields came from page metadata or generic "
                              "extraction; the site layout may have changed.", summary)
