"""The shared frontier: one request queue and one dupefilter in Redis for every worker of a crawl.

Built on scrapy-redis's scheduler, queue and dupefilter (request serialisation, fingerprints, the
priority-ordered queue), with what several workers that may die at any moment need on top:

* **Leases.** Taking a request moves it, atomically, from the queue into a lease of the worker that took
  it, with an expiry (``REDIS_LEASE_SECONDS``) that the worker's heartbeat extends while it lives. The lease
  ends only when the request is *processed*: downloaded, its callback run, every request it yielded queued
  and every record it yielded written (Scrapy's engine removes the request from its in-progress set then;
  :meth:`SharedFrontierScheduler.open` hooks that moment). A worker killed with SIGKILL stops renewing;
  any worker's next take puts its expired leases back in the queue. Nothing is lost: every piece of work
  is always either queued or leased.
* **Atomic enqueue.** The dupefilter fingerprint and the queue entry are written by one script, so a
  worker killed between them cannot leave a request "seen" but never queued.
* **One seeding per run.** A run starts when the first worker finds no run in Redis. Workers take turns
  on a seeding lock (with expiry): the first one yields the spider's start requests, the others wait
  until it is done, then only consume. A seeder killed midway is replaced by the next worker once its
  lock expires; re-seeding is harmless, the dupefilter drops what was already queued.
* **Finishing.** A worker stops when the run is seeded, the queue is empty and no worker holds a lease,
  for ``REDIS_IDLE_TIMEOUT`` seconds. It then ends the run (clears the run's dupefilter), so the next
  crawl of the spider starts a fresh, incremental run: listing pages are fetched again, and the seen
  store makes it stop at the first page with nothing new.

Keys, for ``<f>`` = ``<REDIS_KEY_PREFIX>:frontier:<spider name>``::

    <f>:queue         zset   encoded requests by -priority (scrapy-redis's PriorityQueue)
    <f>:dupefilter    set    request fingerprints of this run
    <f>:leases        zset   lease token → expiry (ms, Redis server time: workers' clocks may differ)
    <f>:leased        hash   lease token → encoded request
    <f>:leased_score  hash   lease token → its queue score, to put it back where it was
    <f>:run           hash   id, seeded (0/1), started_at
    <f>:seeding       string the seeding worker (with expiry)
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler as ScrapyRedisScheduler
from twisted.internet.task import LoopingCall

from newscrawler.crawl.redis_store import UNREACHABLE
from newscrawler.crawl.state import redis_client

logger = logging.getLogger(__name__)

#: Request meta key: the lease under which this worker took the request.
LEASE_META = "frontier_lease"
STATS = "newscrawler/frontier"

# Redis server time in ms, inside scripts (one clock for all workers).
_NOW = "local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"

# KEYS: queue, dupefilter. ARGV: fingerprint ('' = do not filter), score, encoded request.
_PUSH = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
return 1
"""

# Put expired leases back in the queue, then lease the first request.
# KEYS: queue, leases, leased, leased_score. ARGV: token, lease ms. Returns {request or false, reclaimed}.
_POP = _NOW + """
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 100)
for _, old in ipairs(expired) do
    local data = redis.call('HGET', KEYS[3], old)
    if data then redis.call('ZADD', KEYS[1], redis.call('HGET', KEYS[4], old) or 0, data) end
    redis.call('ZREM', KEYS[2], old)
    redis.call('HDEL', KEYS[3], old)
    redis.call('HDEL', KEYS[4], old)
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #first == 0 then return {false, #expired} end
redis.call('ZREM', KEYS[1], first[1])
redis.call('HSET', KEYS[3], ARGV[1], first[1])
redis.call('HSET', KEYS[4], ARGV[1], first[2])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
return {first[1], #expired}
"""

# Extend this worker's leases (XX: a lease already taken back stays taken back). KEYS: leases.
# ARGV: lease ms, tokens…
_RENEW = _NOW + """
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i]) end
return 0
"""

# End leases: ARGV[1] = '1' puts their requests back in the queue (a worker stopping before it processed
# them), '0' drops them (processed). KEYS: queue, leases, leased, leased_score. ARGV: requeue, tokens…
_END_LEASES = """
for i = 2, #ARGV do
    local token = ARGV[i]
    if ARGV[1] == '1' and redis.call('ZSCORE', KEYS[2], token) then
        local data = redis.call('HGET', KEYS[3], token)
        if data then redis.call('ZADD', KEYS[1], redis.call('HGET', KEYS[4], token) or 0, data) end
    end
    redis.call('ZREM', KEYS[2], token)
    redis.call('HDEL', KEYS[3], token)
    redis.call('HDEL', KEYS[4], token)
end
return 0
"""

# Join the current run, or start one. KEYS: run. ARGV: new run id, start time. Returns {run id, started}.
_JOIN = """
local current = redis.call('HGET', KEYS[1], 'id')
if current then return {current, 0} end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'seeded', '0', 'started_at', ARGV[2])
return {ARGV[1], 1}
"""

# Whose turn to seed. KEYS: run, seeding. ARGV: run id, worker, lock ms.
_SEEDING_TURN = """
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 'run_over' end
if redis.call('HGET', KEYS[1], 'seeded') == '1' then return 'seeded' end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return 'mine' end
if redis.call('GET', KEYS[2]) == ARGV[2] then return 'mine' end
return 'wait'
"""

# KEYS: run, seeding. ARGV: run id, worker.
_SEEDED = """
if redis.call('HGET', KEYS[1], 'id') == ARGV[1] then redis.call('HSET', KEYS[1], 'seeded', '1') end
if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
return 0
"""

# End the run if it is done: seeded, nothing queued, nothing leased. KEYS: run, queue, leases, dupefilter,
# seeding, leased, leased_score. ARGV: run id. Returns 1 ended, 0 another run, -1 not done.
_FINISH = """
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
if redis.call('HGET', KEYS[1], 'seeded') ~= '1' or redis.call('ZCARD', KEYS[2]) > 0
        or redis.call('ZCARD', KEYS[3]) > 0 or redis.call('EXISTS', KEYS[5]) == 1 then return -1 end
redis.call('DEL', KEYS[1], KEYS[4], KEYS[6], KEYS[7])
return 1
"""


@dataclass(frozen=True)
class FrontierKeys:
    base: str

    def __getattr__(self, name: str) -> str:  # queue, dupefilter, leases, leased, leased_score, run, seeding
        if name.startswith("_"):
            raise AttributeError(name)
        return f"{self.base}:{name}"


@dataclass(frozen=True)
class RunStatus:
    run_id: str | None
    seeded: bool
    queued: int
    leased: int
    seeding: bool


class FrontierDupeFilter(RFPDupeFilter):
    """scrapy-redis's fingerprints in the run's set. The shared frontier adds fingerprints atomically with
    the queue entry; this class gives it the fingerprint, and never clears the set on close (the base class
    does: that would empty it under the workers still running)."""

    def close(self, reason=""):
        pass


class LeasedPriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue, whose pop leases a request instead of removing it."""

    def __init__(self, server, spider, key, serializer=None, keys: FrontierKeys | None = None,
                 lease_seconds: float = 60):
        super().__init__(server, spider, key, serializer)
        self.keys = keys
        self.lease_ms = int(lease_seconds * 1000)
        self._push = server.register_script(_PUSH)
        self._pop = server.register_script(_POP)
        self._renew = server.register_script(_RENEW)
        self._end = server.register_script(_END_LEASES)
        #: Expired leases of other workers this worker put back in the queue.
        self.reclaimed = 0

    def push(self, request, fingerprint: str = "") -> bool:
        """Queue ``request``, unless ``fingerprint`` (when given) was seen in this run."""
        request.meta.pop(LEASE_META, None)  # a copy of a leased request (retry, redirect) is a new piece of work
        return bool(self._push(keys=[self.keys.queue, self.keys.dupefilter],
                               args=[fingerprint, -request.priority, self._encode_request(request)]))

    def pop(self, timeout=0):
        """The first request, leased under a new token (in ``request.meta[LEASE_META]``), or None."""
        token = uuid.uuid4().hex
        data, reclaimed = self._pop(keys=[self.keys.queue, self.keys.leases, self.keys.leased,
                                          self.keys.leased_score], args=[token, self.lease_ms])
        if reclaimed:
            self.reclaimed += reclaimed
            logger.warning("Took back %d request(s) whose worker stopped renewing its lease (killed?)", reclaimed)
        if not data:
            return None
        request = self._decode_request(data)
        request.meta[LEASE_META] = token
        return request

    def renew(self, tokens) -> None:
        if tokens:
            self._renew(keys=[self.keys.leases], args=[self.lease_ms, *tokens])

    def end(self, tokens, requeue: bool) -> None:
        if tokens:
            self._end(keys=[self.keys.queue, self.keys.leases, self.keys.leased, self.keys.leased_score],
                      args=["1" if requeue else "0", *tokens])

    def __len__(self):
        return self.server.zcard(self.keys.queue)


class SharedFrontierScheduler(ScrapyRedisScheduler):
    """The scheduler of a shared crawl (``SCHEDULER`` when ``REDIS_URL`` is set; see the module doc)."""

    #: How often an idle worker looks for work other workers queued (Scrapy's own heartbeat is 5 s).
    POLL_SECONDS = 0.2

    def __init__(self, crawler, server, keys: FrontierKeys, lease_seconds: float, idle_timeout: float):
        super().__init__(server, persist=True, queue_key=keys.queue,
                         queue_cls="newscrawler.crawl.shared_frontier.LeasedPriorityQueue",
                         dupefilter=FrontierDupeFilter(server, keys.dupefilter,
                                                       debug=crawler.settings.getbool("DUPEFILTER_DEBUG")))
        self.crawler = crawler
        self.stats = crawler.stats
        self.keys = keys
        self.lease_seconds = lease_seconds
        self.idle_timeout = idle_timeout
        self.worker = uuid.uuid4().hex
        self.run_id: str | None = None
        self._held: set[str] = set()  # lease tokens of the requests this worker is processing
        self._seeding = False
        self._stopping = False
        self._idle_since: float | None = None
        self._loops: list[LoopingCall] = []
        self._lost_redis = False
        s = server
        self._join, self._turn = s.register_script(_JOIN), s.register_script(_SEEDING_TURN)
        self._seeded, self._finish = s.register_script(_SEEDED), s.register_script(_FINISH)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        prefix = settings.get("REDIS_KEY_PREFIX") or "newscrawler"
        keys = FrontierKeys(f"{prefix}:frontier:{crawler.spidercls.name}")
        return cls(crawler, redis_client(crawler), keys, lease_seconds=settings.getfloat("REDIS_LEASE_SECONDS", 60),
                   idle_timeout=settings.getfloat("REDIS_IDLE_TIMEOUT", 5))

    # --- lifecycle ----------------------------------------------------------------------------------------

    def open(self, spider):
        self.spider = spider
        self.queue = LeasedPriorityQueue(self.server, spider, self.keys.queue, self.serializer, keys=self.keys,
                                         lease_seconds=self.lease_seconds)
        run_id, started = self._join(keys=[self.keys.run], args=[uuid.uuid4().hex, int(time.time())])
        self.run_id = run_id.decode() if isinstance(run_id, bytes) else run_id
        status = self.status()
        logger.info("Shared frontier %s: %s run %s (%d requests queued, %d leased)", self.keys.base,
                    "started" if started else "joined", self.run_id, status.queued, status.leased)
        self._hook_processed(self.crawler.engine)
        self.crawler.signals.connect(self._spider_idle, signal=signals.spider_idle)
        for call, interval in ((self._renew_leases, self.lease_seconds / 4), (self._wake_engine, self.POLL_SECONDS)):
            loop = LoopingCall(call)
            loop.start(interval, now=False)
            self._loops.append(loop)

    def close(self, reason):
        self._stopping = True
        for loop in self._loops:
            if loop.running:
                loop.stop()
        if self._held and not self._lost_redis:
            # Stopped before processing them (Ctrl-C, shutdown): back to the queue now, not at lease expiry.
            logger.info("Returning %d unprocessed request(s) to the shared queue", len(self._held))
            self.queue.end(sorted(self._held), requeue=True)
        self._held.clear()
        self.stats.set_value(f"{STATS}/leases_reclaimed", self.queue.reclaimed)

    def _hook_processed(self, engine) -> None:
        """Call :meth:`_processed` when the engine is done with a request it took from this scheduler.

        Scrapy has no public signal for "callback output fully handled"; the engine's ``_remove_request``
        runs exactly then (after the scraper has queued every request and written every item the callback
        yielded, or handled the failure). Scrapy is pinned (requirements.txt): a rename fails loudly here.
        """
        finish = engine._remove_request

        def remove_request(result, request):
            try:
                return finish(result, request=request)
            finally:
                self._processed(request)

        engine._remove_request = remove_request

    def _processed(self, request) -> None:
        token = request.meta.get(LEASE_META)
        if token not in self._held or self._stopping:
            return
        self._held.discard(token)
        self._redis_call(self.queue.end, [token], requeue=False)

    # --- the scheduler interface ------------------------------------------------------------------------

    def enqueue_request(self, request):
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        queued = self._redis_call(self.queue.push, request, fingerprint)
        if not queued:
            if queued is False and fingerprint:
                self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self):
        if self._stopping:
            return None
        request = self._redis_call(self.queue.pop)
        if request is None:
            return None
        self._held.add(request.meta[LEASE_META])
        self._idle_since = None
        self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self):
        return bool(self._redis_call(len, self.queue))

    # --- runs, seeding and the end of a run -----------------------------------------------------------

    def status(self) -> RunStatus:
        with self.server.pipeline(transaction=False) as pipe:
            pipe.hmget(self.keys.run, "id", "seeded")
            pipe.zcard(self.keys.queue)
            pipe.zcard(self.keys.leases)
            pipe.exists(self.keys.seeding)
            (run_id, seeded), queued, leased, seeding = pipe.execute()
        return RunStatus(run_id.decode() if run_id else None, seeded == b"1", queued, leased, bool(seeding))

    def seeding_turn(self) -> str:
        """``"mine"`` (seed now), ``"wait"`` (another worker is seeding), ``"seeded"`` or ``"run_over"``."""
        answer = self._turn(keys=[self.keys.run, self.keys.seeding],
                            args=[self.run_id, self.worker, int(self.lease_seconds * 1000)])
        answer = answer.decode() if isinstance(answer, bytes) else answer
        self._seeding = answer == "mine"
        return answer

    def seeding_done(self) -> None:
        self._seeded(keys=[self.keys.run, self.keys.seeding], args=[self.run_id, self.worker])
        self._seeding = False
        logger.info("Seeded run %s of the shared frontier", self.run_id)

    def _spider_idle(self):
        """Keep the worker while the run may still produce work; end the run when it cannot."""
        if self._lost_redis:
            return
        try:
            status = self.status()
        except UNREACHABLE as exc:
            self._redis_lost(exc)
            return
        if status.run_id != self.run_id:
            logger.info("Run %s of the shared frontier was ended by another worker", self.run_id)
            return
        if not status.seeded or status.queued or status.leased or status.seeding:
            self._idle_since = None
            raise DontCloseSpider
        now = time.monotonic()
        if self._idle_since is None:
            self._idle_since = now
        if now - self._idle_since < self.idle_timeout:
            raise DontCloseSpider
        ended = self._finish(keys=[self.keys.run, self.keys.queue, self.keys.leases, self.keys.dupefilter,
                                   self.keys.seeding, self.keys.leased, self.keys.leased_score], args=[self.run_id])
        if ended == -1:  # work appeared since the status was read
            self._idle_since = None
            raise DontCloseSpider
        if ended == 1:
            logger.info("Run %s of the shared frontier is complete: nothing queued or leased for %.1f s",
                        self.run_id, self.idle_timeout)

    # --- timers -------------------------------------------------------------------------------------------

    def _renew_leases(self) -> None:
        if self._held:
            self._redis_call(self.queue.renew, sorted(self._held))
        if self._seeding:
            self._redis_call(self.server.set, self.keys.seeding, self.worker, xx=True,
                             px=int(self.lease_seconds * 1000))

    def _wake_engine(self) -> None:
        """Let an idle engine ask for requests now: other workers may have queued some. (Scrapy's engine
        otherwise asks only when a request of its own finishes, or every 5 s.)"""
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None and not self._stopping:
            slot.nextcall.schedule()

    # --- Redis going away -------------------------------------------------------------------------------

    def _redis_call(self, method, *args, **kwargs):
        if self._lost_redis:
            return None
        try:
            return method(*args, **kwargs)
        except UNREACHABLE as exc:
            self._redis_lost(exc)
            return None

    def _redis_lost(self, exc) -> None:
        """One clear error and a clean stop, not a traceback per request: leases this worker holds expire
        and come back to the other workers (or the next run)."""
        if self._lost_redis:
            return
        self._lost_redis = True
        self._stopping = True
        logger.error("Lost the shared frontier's Redis (%s: %s); stopping this worker. Its requests return "
                     "to the queue when their leases expire.", type(exc).__name__, exc)
        self.crawler.stats.set_value(f"{STATS}/redis_lost", str(exc))
        asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="redis_unreachable"))


class SharedSeeding:
    """Spider middleware: the spider's start requests are yielded by one worker per run.

    The others wait (without blocking: the engine keeps processing requests from the shared queue) until
    the run is seeded, then yield nothing. A worker's start stays open while it waits, so Scrapy does not
    consider it idle before the run has any requests.
    """

    WAIT_SECONDS = 0.5

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_start(self, start):
        frontier = self.crawler.engine.scheduler
        if not isinstance(frontier, SharedFrontierScheduler):  # SCHEDULER overridden: seed as usual
            async for item_or_request in start:
                yield item_or_request
            return
        while True:
            turn = frontier.seeding_turn()
            if turn == "mine":
                break
            if turn in ("seeded", "run_over"):
                logger.info("Not seeding: run %s %s", frontier.run_id,
                            "is seeded by another worker" if turn == "seeded" else "has ended")
                return
            await asyncio.sleep(self.WAIT_SECONDS)
        async for item_or_request in start:
            yield item_or_request
        frontier.seeding_done()
