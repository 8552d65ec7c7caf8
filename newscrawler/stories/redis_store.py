"""The story index's storage in Redis, for a crawl shared by several workers (``REDIS_URL``).

The same :class:`~newscrawler.stories.store.StoryStore` operations as the SQLite storage, so every worker of
a shared crawl assigns story ids from one index (the story logic stays in
:class:`~newscrawler.stories.index.StoryIndex`). Keys, under ``<REDIS_KEY_PREFIX>:story:``:

* ``assignment`` — hash: article key → story id (kept for good, like the SQLite table);
* ``article`` — hash: article key → the evidence as JSON (publication time, signature, facts, band keys);
* ``band:<key>`` — sorted set per LSH band key: article keys scored by publication time, so candidates are
  looked up by band within the time window;
* ``published`` — sorted set of every stored article by publication time (what :meth:`prune` walks);
* ``signature_scheme`` — the :data:`~newscrawler.stories.similarity.SIGNATURE_SCHEME` of the stored signatures:
  evidence of another scheme is dropped when a store opens (assignments stay), as in the SQLite store;
* ``lock`` — the lock one assignment holds (read, decide, write): two workers never open two stories for one
  event at the same moment.

Imported only when the crawl has a ``REDIS_URL`` (the client is the crawl's one, from
:func:`newscrawler.crawl.state.redis_client`).
"""

from __future__ import annotations

import base64
import json
from contextlib import contextmanager
from datetime import datetime
from typing import Iterator

from newscrawler.stories.facts import Facts
from newscrawler.stories.similarity import SIGNATURE_SCHEME, band_keys, signature_from_bytes, signature_to_bytes
from newscrawler.stories.store import StoredArticle, StoryStore, timestamp, warn_evidence_dropped
from newscrawler.stories.verification import ArticleEvidence


class RedisStoryStore(StoryStore):
    """The story index's assignments and recent evidence in Redis (see the module's key layout)."""

    def __init__(self, client, prefix: str = "newscrawler", lock_seconds: float = 30):
        self.client = client
        self.prefix = f"{prefix}:story"
        # A worker killed while holding the lock releases it when it expires; an assignment takes milliseconds.
        self.lock = client.lock(self._key("lock"), timeout=lock_seconds, blocking_timeout=4 * lock_seconds)
        with self.exclusive():
            self._drop_evidence_of_another_scheme()

    @classmethod
    def from_crawler(cls, crawler, client) -> "RedisStoryStore":
        return cls(client, crawler.settings.get("REDIS_KEY_PREFIX") or "newscrawler")

    def _key(self, *parts) -> str:
        return ":".join((self.prefix, *map(str, parts)))

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        if not self.lock.acquire():
            raise TimeoutError(f"story index lock {self._key('lock')} not acquired")
        try:
            yield
        finally:
            self.lock.release()

    def _drop_evidence_of_another_scheme(self) -> None:
        """Signatures of another scheme cannot be compared with new ones: drop that evidence, keep assignments."""
        scheme = self.client.get(self._key("signature_scheme"))
        if scheme is not None and scheme.decode() == SIGNATURE_SCHEME:
            return
        dropped = self.client.hlen(self._key("article"))
        if dropped:
            evidence_keys = [self._key("article"), self._key("published"),
                             *self.client.scan_iter(self._key("band", "*"), count=1000)]
            self.client.delete(*evidence_keys)
            warn_evidence_dropped(dropped, scheme.decode() if scheme else "unrecorded")
        self.client.set(self._key("signature_scheme"), SIGNATURE_SCHEME)

    def story_of(self, article_key: str) -> str | None:
        value = self.client.hget(self._key("assignment"), article_key)
        return value.decode() if value is not None else None

    def candidates(self, signature, since: datetime, until: datetime) -> list[StoredArticle]:
        with self.client.pipeline(transaction=False) as pipe:
            for key in band_keys(signature):
                pipe.zrangebyscore(self._key("band", key), timestamp(since), timestamp(until))
            found = sorted({member.decode() for members in pipe.execute() for member in members})
        if not found:
            return []
        stored = self.client.hmget(self._key("article"), found)
        return [_stored_article(key, json.loads(value)) for key, value in zip(found, stored) if value is not None]

    def add(self, article_key: str, story_id: str, evidence: ArticleEvidence | None) -> None:
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(self._key("assignment"), article_key, story_id)
            if evidence is not None:
                published_ts = timestamp(evidence.published_at)
                keys = band_keys(evidence.signature)
                pipe.hset(self._key("article"), article_key, json.dumps({
                    "story_id": story_id,
                    "published_at": evidence.published_at.isoformat(),
                    "signature": base64.b64encode(signature_to_bytes(evidence.signature)).decode("ascii"),
                    "facts": evidence.facts.to_json(),
                    "band_keys": keys,
                }, ensure_ascii=False))
                for key in keys:
                    pipe.zadd(self._key("band", key), {article_key: published_ts})
                pipe.zadd(self._key("published"), {article_key: published_ts})
            pipe.execute()

    def prune(self, before: datetime) -> int:
        with self.exclusive():
            old = [key.decode() for key in self.client.zrangebyscore(self._key("published"), "-inf",
                                                                     f"({timestamp(before)}")]
            if not old:
                return 0
            stored = self.client.hmget(self._key("article"), old)
            with self.client.pipeline(transaction=True) as pipe:
                for article_key, value in zip(old, stored):
                    for band_key in (json.loads(value)["band_keys"] if value is not None else ()):
                        pipe.zrem(self._key("band", band_key), article_key)
                pipe.hdel(self._key("article"), *old)
                pipe.zrem(self._key("published"), *old)
                pipe.execute()
            return len(old)


def _stored_article(article_key: str, data: dict) -> StoredArticle:
    return StoredArticle(article_key, data["story_id"], ArticleEvidence(
        published_at=datetime.fromisoformat(data["published_at"]),
        signature=signature_from_bytes(base64.b64decode(data["signature"])),
        facts=Facts.from_json(data["facts"])))
