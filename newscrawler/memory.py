"""Keep a crawl's memory flat: free parsed pages promptly instead of in bursts.

Scrapy's ``TextResponse`` caches its ``Selector`` and the ``Selector`` points back at the response, so every
page a callback has read is a reference cycle holding the body, the decoded text and the lxml tree (about
1 MB for a kp40 article page). Only CPython's cyclic garbage collector frees such cycles, and responses wait in
Scrapy's queues long enough to be promoted to its oldest generation, which it scans rarely: about a hundred
finished pages (≈ 100 MB) piled up between full collections in the benchmark (``bench/``), putting the crawl's
peak RSS at ~175 MB whatever the archive size.

:class:`CollectParsedPages` freezes the objects that exist when the spider opens (imported modules, settings:
they live for the whole crawl) so that a full collection only scans what the crawl allocated since, and runs
one every ``GC_COLLECT_EVERY`` responses. That bounds the garbage to about that many pages; measured on the
benchmark it lowered peak RSS from ~175 MB to ~115 MB with no measurable CPU cost (``0`` turns it off).
"""

from __future__ import annotations

import gc

from scrapy import signals
from scrapy.exceptions import NotConfigured


class CollectParsedPages:
    def __init__(self, every: int, stats):
        self.every = every
        self.stats = stats
        self.responses = 0

    @classmethod
    def from_crawler(cls, crawler):
        every = crawler.settings.getint("GC_COLLECT_EVERY", 16)
        if every <= 0:
            raise NotConfigured("GC_COLLECT_EVERY is 0: leave collection to CPython's own thresholds")
        ext = cls(every, crawler.stats)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider):
        gc.collect()
        gc.freeze()

    def response_received(self, response, request, spider):
        self.responses += 1
        if self.responses % self.every == 0:
            gc.collect()

    def spider_closed(self, spider):
        self.stats.set_value("newscrawler/gc/collections", self.responses // self.every)
        gc.unfreeze()
