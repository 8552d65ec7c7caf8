"""The seen store of a shared crawl, in Redis: what every worker on every machine has written.

Same interface as the SQLite :class:`~newscrawler.crawl.seen_store.SeenStore` (chosen in
:mod:`newscrawler.crawl.state`), plus :meth:`RedisSeenStore.claim`: workers running at the same time could
both pass the "already written?" checks for one story (the two ids of a re-published press release parsed
by two workers at once), so the deduplicating pipeline claims an article — its id, URL and text — before
it is written. A claim is exclusive and expires by itself, so a worker killed between claim and mark
blocks nobody for long; :meth:`RedisSeenStore.mark` makes it permanent.

Keys (``<prefix>`` is the ``REDIS_KEY_PREFIX`` setting, ``newscrawler`` by default)::

    <prefix>:seen:ids:<publisher>          set   article ids written
    <prefix>:seen:urls                     set   canonical URLs written (every outlet)
    <prefix>:seen:texts:<publisher>        set   content digests written
    <prefix>:seen:publishers               set   publishers with written articles
    <prefix>:seen:failed:<publisher>       hash  URL → runs that could not write it
    <prefix>:seen:failed_at:<publisher>    zset  URL → time of its last failure (oldest first)
    <prefix>:seen:failed_reason:<publisher> hash URL → last reason
    <prefix>:seen:claim:…                  string, with expiry: the worker writing that article now
"""

from __future__ import annotations

import logging
import time
import uuid

import redis

logger = logging.getLogger(__name__)

# Connection defaults for a Redis that may be on another machine: fail a dead connection in seconds, not
# minutes, and notice a half-open one before using it.
_CONNECTION_DEFAULTS = {
    "socket_connect_timeout": 10,
    "socket_timeout": 30,
    "retry_on_timeout": True,
    "health_check_interval": 30,
}

#: Redis errors that mean "the server is not there" (as opposed to a bug in a command).
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


def connect(url: str, settings=None) -> redis.Redis:
    """A Redis client for ``url``; ``REDIS_PARAMS`` (a dict setting) adds client options, e.g. TLS:
    ``{"ssl_ca_certs": "/etc/ssl/redis-ca.pem"}`` for a ``rediss://`` URL."""
    params = {**_CONNECTION_DEFAULTS, **(settings.getdict("REDIS_PARAMS") if settings is not None else {})}
    return redis.Redis.from_url(url, **params)


def describe(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


def check_reachable(url: str, settings=None) -> None:
    """Raise ``SystemExit`` with one clear line when the Redis at ``url`` does not answer a PING."""
    try:
        client = connect(url, settings)
        try:
            client.ping()
        finally:
            client.close()
    except redis.exceptions.AuthenticationError as exc:
        raise SystemExit(f"newscrawler: Redis at {describe(url)} refused the credentials (REDIS_URL): {exc}")
    except (redis.exceptions.RedisError, OSError, ValueError) as exc:
        raise SystemExit(f"newscrawler: cannot use the Redis at {describe(url)} (REDIS_URL): "
                         f"{type(exc).__name__}: {exc}")


# Claim an article for this worker unless it is written, or claimed by another worker.
_CLAIM = """
for i = 1, 3 do
    if ARGV[i] ~= '' and redis.call('SISMEMBER', KEYS[i], ARGV[i]) == 1 then return 'written' end
end
for i = 4, 6 do
    local holder = redis.call('GET', KEYS[i])
    if holder and holder ~= ARGV[4] then return 'claimed' end
end
for i = 4, 6 do redis.call('SET', KEYS[i], ARGV[4], 'PX', ARGV[5]) end
return 'ok'
"""


class RedisSeenStore:
    """Articles written by any worker of any run, keyed by (publisher, article_id), URL and text."""

    def __init__(self, client: redis.Redis, prefix: str = "newscrawler", claim_seconds: float = 60):
        self.client = client
        self.prefix = f"{prefix}:seen"
        self.claim_ms = int(claim_seconds * 1000)
        #: This worker, as the holder of its claims.
        self.owner = uuid.uuid4().hex
        self._claim = client.register_script(_CLAIM)

    @classmethod
    def from_crawler(cls, crawler, client: redis.Redis) -> "RedisSeenStore":
        settings = crawler.settings
        return cls(client, settings.get("REDIS_KEY_PREFIX") or "newscrawler",
                   claim_seconds=settings.getfloat("REDIS_LEASE_SECONDS", 60))

    def _key(self, *parts) -> str:
        return ":".join((self.prefix, *map(str, parts)))

    def _claim_keys(self, publisher: str, article_id, url: str, digest: str | None) -> list[str]:
        # (an article without an id is claimed by its URL twice over, never under a shared "None")
        return [self._key("claim", "id", publisher, article_id if article_id is not None else url),
                self._key("claim", "url", url),
                self._key("claim", "text", publisher, digest or "-")]

    # --- the SeenStore interface -----------------------------------------------------------------------

    def has_article(self, publisher: str, article_id: int) -> bool:
        return bool(self.client.sismember(self._key("ids", publisher), article_id))

    def has_url(self, url: str) -> bool:
        return bool(self.client.sismember(self._key("urls"), url))

    def knows(self, ref) -> bool:
        """Whether the article an :class:`~newscrawler.profile.ArticleRef` names was written (by id, else URL)."""
        if ref.article_id is not None:
            return self.has_article(ref.publisher, ref.article_id)
        return self.has_url(ref.url)

    def has_content(self, publisher: str, digest: str) -> bool:
        return bool(self.client.sismember(self._key("texts", publisher), digest))

    #: Redis keeps no writer per article: a duplicate is named "written by an earlier run" even within a run.
    run_id = None

    def written_by(self, publisher: str, article_id: int | None, url: str) -> str | None:
        """"" when some run wrote the article (by id or URL), None when none did."""
        known = (article_id is not None and self.has_article(publisher, article_id)) or self.has_url(url)
        return "" if known else None

    def text_written_by(self, publisher: str, digest: str) -> str | None:
        return "" if self.has_content(publisher, digest) else None

    def claim(self, publisher: str, article_id: int | None, url: str, digest: str | None) -> str:
        """``"ok"`` when this worker may write the article now; ``"written"`` when some worker wrote it (by
        id, URL or text); ``"claimed"`` when another worker is writing it (or one that died did, within the
        last ``REDIS_LEASE_SECONDS``: the request then comes back from the frontier and is written)."""
        keys = [self._key("ids", publisher), self._key("urls"), self._key("texts", publisher),
                *self._claim_keys(publisher, article_id, url, digest)]
        answer = self._claim(keys=keys, args=[article_id if article_id is not None else "", url, digest or "",
                                              self.owner, self.claim_ms])
        return answer.decode() if isinstance(answer, bytes) else answer

    def mark(self, publisher: str, article_id: int | None, url: str, digest: str | None) -> None:
        """Record an article as written (atomically: all of its keys or none). Call only after the record
        is flushed to the output."""
        with self.client.pipeline(transaction=True) as pipe:
            if article_id is not None:  # a page of a site without a profile may have no id: known by its URL
                pipe.sadd(self._key("ids", publisher), article_id)
            pipe.sadd(self._key("urls"), url)
            if digest:
                pipe.sadd(self._key("texts", publisher), digest)
            pipe.sadd(self._key("publishers"), publisher)
            pipe.delete(*self._claim_keys(publisher, article_id, url, digest))
            pipe.execute()

    def note_failure(self, publisher: str, url: str, reason: str) -> None:
        """Record that this run could not write the article (each worker counts it once per run)."""
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hincrby(self._key("failed", publisher), url, 1)
            pipe.hset(self._key("failed_reason", publisher), url, reason)
            pipe.zadd(self._key("failed_at", publisher), {url: time.time()})
            pipe.execute()

    def failed_articles(self, publisher: str, max_runs: int) -> list[str]:
        """Canonical URLs of the outlet's articles that failed in fewer than ``max_runs`` runs and were not
        written since, oldest failure first."""
        urls = [u.decode() for u in self.client.zrange(self._key("failed_at", publisher), 0, -1)]
        if not urls:
            return []
        runs = self.client.hmget(self._key("failed", publisher), urls)
        written = self.client.smismember(self._key("urls"), urls)
        gone = self.client.hmget(self._key("gone", publisher), urls)
        return [url for url, count, done, removed in zip(urls, runs, written, gone)
                if not done and removed is None and int(count or 0) < max_runs]

    def note_gone(self, publisher: str, url: str, status: int) -> None:
        """Record that the outlet removed the article: its canonical URL answered ``status`` (404, 410)."""
        self.client.hset(self._key("gone", publisher), url, status)

    def is_gone(self, publisher: str, url: str) -> bool:
        return bool(self.client.hexists(self._key("gone", publisher), url))

    def note_not_article(self, publisher: str, url: str, reason: str) -> None:
        """Record that a page of a site without a profile is no article (the ``site`` spider skips it later)."""
        self.client.hset(self._key("not_article", publisher), url, reason)

    def is_not_article(self, publisher: str, url: str) -> bool:
        return bool(self.client.hexists(self._key("not_article", publisher), url))

    def article_keys(self) -> set[tuple[str, int]]:
        """Every (publisher, article_id) written (for tests and reports; the crawl never loads this)."""
        keys = set()
        for publisher in self.client.smembers(self._key("publishers")):
            publisher = publisher.decode()
            keys |= {(publisher, int(i)) for i in self.client.sscan_iter(self._key("ids", publisher))}
        return keys

    def __len__(self) -> int:
        return self.client.scard(self._key("urls"))

    def close(self) -> None:
        """Nothing to close: the crawl's Redis client is owned by :func:`newscrawler.crawl.state.redis_client`."""
