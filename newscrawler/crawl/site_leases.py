"""Politeness per site across every worker of a shared crawl: leases on the site's download slot in Redis.

Scrapy enforces ``CONCURRENT_REQUESTS_PER_DOMAIN`` and ``DOWNLOAD_DELAY`` per process; four workers would
be four times as heavy on an outlet. :class:`SiteLeases` (a downloader middleware, the last before the
download) makes them limits on the site: before each download it takes a lease on the request's download
slot (the outlet's slug; for a request without one, such as robots.txt, the slot of the outlet served at its
host; else the host) in Redis — granted only while fewer than the slot's concurrency
are held by all workers together and at least the slot's delay has passed since the last one was granted
to anyone — and gives it back when the response or error arrives.

A lease expires ``SITE_LEASE_SECONDS`` after it was last renewed; each worker renews the ones it holds, so
a download of any length keeps its lease, and a killed worker's leases free the site within that time.

Limits: ``DOWNLOAD_SLOTS[slot]["concurrency"|"delay"]``, else ``CONCURRENT_REQUESTS_PER_DOMAIN`` and
``SITE_DOWNLOAD_DELAY`` (the :class:`~newscrawler.crawl.shared_crawl.SharedCrawl` addon moves the crawl's
``DOWNLOAD_DELAY`` there and sets the per-process delay to 0: the site-wide delay already spaces every
worker's requests). Keys: ``<REDIS_KEY_PREFIX>:site:<slot>:inflight`` (zset token → expiry) and
``…:next_start`` (ms, Redis server time).
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid

from scrapy import Request, signals
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.task import LoopingCall

from newscrawler.crawl.redis_store import UNREACHABLE
from newscrawler.crawl.state import redis_client

logger = logging.getLogger(__name__)

LEASE_META = "site_lease"
STATS = "newscrawler/site_leases"

# KEYS: inflight, next_start. ARGV: token, concurrency, delay ms, lease ms.
# Returns 0 (granted), -1 (the site is at its concurrency) or the ms until the delay allows the next start.
_ACQUIRE = """
local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
local next_start = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < next_start then return next_start - now end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[1])
local delay = tonumber(ARGV[3])
if delay > 0 then redis.call('SET', KEYS[2], now + delay, 'PX', delay + 1000) end
return 0
"""

# KEYS: inflight zsets, one per token. ARGV: lease ms, tokens (same order).
_RENEW = """
local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #KEYS do redis.call('ZADD', KEYS[i], 'XX', now + tonumber(ARGV[1]), ARGV[i + 1]) end
return 0
"""


class SiteLeases:
    """Downloader middleware: a site-wide lease per download (see the module doc)."""

    #: While the site is at its concurrency, how often to ask again (randomised so workers do not pulse).
    BUSY_POLL_SECONDS = 0.03

    def __init__(self, crawler, client):
        settings = crawler.settings
        self.client = client
        self.stats = crawler.stats
        self.prefix = f"{settings.get('REDIS_KEY_PREFIX') or 'newscrawler'}:site"
        self.concurrency = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        self.delay = settings.getfloat("SITE_DOWNLOAD_DELAY")
        self.per_slot = settings.getdict("DOWNLOAD_SLOTS")
        self.lease_ms = int(settings.getfloat("SITE_LEASE_SECONDS", 15) * 1000)
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)
        self._held: dict[str, str] = {}  # token → slot
        self._slot_of_host: dict[str, str] = {}  # host[:port] → the download slot of the outlet served there
        self._renewal = LoopingCall(self._renew_held)

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls(crawler, redis_client(crawler))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider):
        self._renewal.start(self.lease_ms / 3000, now=False)
        # Requests Scrapy makes itself (robots.txt) carry no download slot: give them their outlet's, or they
        # would be a second, unlimited stream to the same site.
        for slug, outlet in getattr(spider, "outlets", {}).items():
            self._slot_of_host[urlparse_cached(Request(outlet.base_url)).netloc] = slug
            for host in outlet.publisher.hosts:
                self._slot_of_host.setdefault(host, slug)

    def spider_closed(self):
        if self._renewal.running:
            self._renewal.stop()
        self._release_all()

    def limits(self, slot: str) -> tuple[int, float]:
        """(concurrency, delay in seconds) of a download slot, for all workers together."""
        own = self.per_slot.get(slot, {})
        return int(own.get("concurrency", self.concurrency)), float(own.get("delay", self.delay))

    def _inflight(self, slot: str) -> str:
        return f"{self.prefix}:{slot}:inflight"

    async def process_request(self, request):
        slot = request.meta.get("download_slot") or self._slot_of_host.get(urlparse_cached(request).netloc) \
            or urlparse_cached(request).hostname or ""
        concurrency, delay = self.limits(slot)
        token = uuid.uuid4().hex
        waited = False
        while True:
            answer = self._acquire(keys=[self._inflight(slot), f"{self.prefix}:{slot}:next_start"],
                                   args=[token, concurrency, int(delay * 1000), self.lease_ms])
            if answer == 0:
                break
            waited = True
            pause = self.BUSY_POLL_SECONDS * random.uniform(0.5, 1.5) if answer < 0 else answer / 1000
            await asyncio.sleep(pause)
        if waited:
            self.stats.inc_value(f"{STATS}/waited")
        self._held[token] = slot
        request.meta[LEASE_META] = token
        return None

    def process_response(self, request, response):
        self._release(request)
        return response

    def process_exception(self, request, exception):
        self._release(request)
        return None

    def _release(self, request) -> None:
        token = request.meta.pop(LEASE_META, None)
        slot = self._held.pop(token, None)
        if slot is not None:
            try:
                self.client.zrem(self._inflight(slot), token)
            except UNREACHABLE:  # the lease expires by itself; the frontier reports the lost Redis
                pass

    def _release_all(self) -> None:
        held, self._held = self._held, {}
        try:
            for token, slot in held.items():
                self.client.zrem(self._inflight(slot), token)
        except UNREACHABLE:
            pass

    def _renew_held(self) -> None:
        if not self._held:
            return
        tokens = list(self._held)
        try:
            self._renew(keys=[self._inflight(self._held[t]) for t in tokens], args=[self.lease_ms, *tokens])
        except UNREACHABLE:
            pass
