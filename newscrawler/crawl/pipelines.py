"""Item pipelines, each one job, in the order ``ITEM_PIPELINES`` runs them:

1. :class:`StripTrailingWidgets` — remove the site's widget noise from every text field;
2. :class:`ValidateArticle` — drop records that lack a required field, counting each reason;
3. :class:`DeduplicateArticles` — one record per article, within a run and across runs;
4. :class:`AssignStory` — the ``story_id`` of the record's story, across outlets and runs.

Marking an article as seen for later runs happens only after its record is written: see
:class:`newscrawler.crawl.extensions.MarkSeenAfterExport`.
"""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem

from newscrawler.crawl.recent_keys import RecentKeys
from newscrawler.crawl.seen_store import content_hash
from newscrawler.crawl.state import seen_store, story_index
from newscrawler.extraction.noise import GENERIC_WIDGETS, WidgetRules, strip_widget_noise
from newscrawler.publishers import REGISTRY

logger = logging.getLogger(__name__)

STATS_PREFIX = "newscrawler"


class StripTrailingWidgets:
    """Remove widget text («Лента настроения», «N оценили», …, ``eyJpdiI6…`` blobs) from text fields,
    by the widget rules of the record's outlet (generic ones for a site without a profile).

    The page parser already leaves the widget blocks out of the DOM it reads; this is the second line of
    defence for text the site puts where the parser cannot tell it apart (a redesigned page, a fallback
    extraction, a widget line inside the body container).
    """

    TEXT_FIELDS = ("title", "lead", "body", "rubric_name", "photo_credit")
    LIST_FIELDS = ("authors", "tags")

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    @staticmethod
    def rules_for(publisher: str | None) -> WidgetRules:
        profile = REGISTRY.get(publisher) if publisher else None
        return profile.widgets if profile is not None else GENERIC_WIDGETS

    def process_item(self, item):
        adapter = ItemAdapter(item)
        rules = self.rules_for(adapter.get("publisher"))
        for name in self.TEXT_FIELDS:
            value = adapter.get(name)
            if isinstance(value, str):
                cleaned = strip_widget_noise(value, rules)
                if cleaned != value:
                    self.stats.inc_value(f"{STATS_PREFIX}/widget_noise_stripped/{name}")
                    adapter[name] = cleaned or None
        for name in self.LIST_FIELDS:
            values = adapter.get(name)
            if values:
                cleaned = [v for v in (strip_widget_noise(v, rules) for v in values) if v]
                if cleaned != list(values):
                    self.stats.inc_value(f"{STATS_PREFIX}/widget_noise_stripped/{name}")
                    adapter[name] = cleaned
        return item


class ValidateArticle:
    """Drop a record that lacks ``url``, ``title``, ``published_at`` or ``body``; log and count why."""

    REQUIRED = ("url", "title", "published_at", "body")

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        missing = [name for name in self.REQUIRED if not adapter.get(name)]
        if missing:
            reason = f"missing_{missing[0]}"
            self.stats.inc_value(f"{STATS_PREFIX}/dropped/{reason}")
            raise DropItem(f"{reason} ({', '.join(missing)} empty) at {adapter.get('url')}", log_level="WARNING")
        return item


class DeduplicateArticles:
    """One record per article.

    By (publisher, article_id) and canonical URL, and by identical title+body under another id of the same
    outlet (outlets re-publish press releases in two rubrics; the first one seen is kept), within the run
    and across runs. With a seen store, the store answers both (an article is marked right after its line
    is written), so nothing about the archive is held in memory; without one, this run's keys are.
    Near-identical articles of different outlets are all kept: they share a story, not an identity.
    """

    #: Records passed but maybe not yet marked in the store: Scrapy writes (and so marks) a record a little
    #: after it leaves the pipelines, while other records pass. Far more than can be in flight at once.
    IN_FLIGHT = 2000

    def __init__(self, stats, store):
        self.stats = stats
        self.store = store
        #: Without a store: every key of the run. With one: only the most recent IN_FLIGHT records' keys.
        limit = None if store is None else self.IN_FLIGHT
        self.keys: RecentKeys = RecentKeys(limit)
        self.urls: RecentKeys = RecentKeys(limit)
        self.digests: RecentKeys = RecentKeys(limit)
        #: Copies dropped while their twin was in flight, by (publisher, digest): in-flight only, so small.
        self.copies_waiting: dict[tuple[str, str], list[tuple]] = {}

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler.stats, seen_store(crawler))
        crawler.signals.connect(pipeline.item_scraped, signal=signals.item_scraped)
        return pipeline

    def item_scraped(self, item):
        """The record's line is written: remember the copies of it that were dropped meanwhile."""
        if not self.copies_waiting or self.store is None:
            return
        adapter = ItemAdapter(item)
        digest = content_hash(adapter.get("title"), adapter.get("body"))
        for publisher, article_id, url in self.copies_waiting.pop((adapter.get("publisher"), digest), ()):
            self.store.mark(publisher, article_id, url, digest)

    def _drop(self, reason: str, adapter: ItemAdapter, digest: str | None = None):
        self.stats.inc_value(f"{STATS_PREFIX}/duplicates/{reason}")
        if digest and self.store is not None:
            # A re-published copy: its story is already written under the first id. Remember this id
            # too, so later runs know it and do not fetch it (or keep paginating for it) again.
            self.store.mark(adapter.get("publisher"), adapter.get("article_id"), adapter.get("url"), digest)
        raise DropItem(f"duplicate ({reason}): {adapter.get('url')}", log_level="INFO")

    def process_item(self, item):
        adapter = ItemAdapter(item)
        publisher, article_id, url = adapter.get("publisher"), adapter.get("article_id"), adapter.get("url")
        digest = content_hash(adapter.get("title"), adapter.get("body"))
        if (article_id is not None and (publisher, article_id) in self.keys) or url in self.urls:
            self._drop("same_article", adapter)
        if self.store is not None:
            self._check_store(adapter, digest)
        if (publisher, digest) in self.digests:
            # Its twin passed but is not written yet: the copy is remembered once the twin's line is written
            # (item_scraped). Remembered now, a crawl killed before that would lose both for good.
            self.copies_waiting.setdefault((publisher, digest), []).append((publisher, article_id, url))
            self._drop("same_text_other_id", adapter)
        if article_id is not None:  # articles of a site without a profile may have no id: one per URL
            self.keys.add((publisher, article_id))
        self.urls.add(url)
        self.digests.add((publisher, digest))
        return item

    def _check_store(self, adapter: ItemAdapter, digest: str) -> None:
        publisher, article_id, url = adapter.get("publisher"), adapter.get("article_id"), adapter.get("url")
        run = self.store.written_by(publisher, article_id, url)
        if run is not None:
            self._drop("same_article" if run == self.store.run_id else "written_by_earlier_run", adapter)
        run = self.store.text_written_by(publisher, digest)
        if run is not None:
            self._drop("same_text_other_id" if run == self.store.run_id else "same_text_written_by_earlier_run",
                       adapter, digest)
        # Workers of a shared crawl write at the same time: the store hands each article to one of them.
        claim = self.store.claim(publisher, article_id, url, digest)
        if claim == "written":
            self._drop("written_by_other_worker", adapter)
        elif claim == "claimed":
            self._drop("being_written_by_other_worker", adapter)


class AssignStory:
    """Give each record the ``story_id`` of its story: the same on every article of one story, within an
    outlet and across outlets and runs (:mod:`newscrawler.stories`). Runs last, on records that will be
    written. A record the story step cannot read (no body, no dated publication time) is a story of its own."""

    def __init__(self, stats, index):
        self.stats = stats
        self.index = index

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, story_index(crawler))

    def process_item(self, item):
        adapter = ItemAdapter(item)
        key = f"{adapter.get('publisher')}:{adapter.get('article_id')}"
        try:
            story_id = self.index.assign(adapter.asdict())
        except Exception as exc:  # the story index must never cost a record
            logger.warning("Story step failed for %s (%s: %s); the record is its own story",
                           adapter.get("url"), type(exc).__name__, exc)
            self.stats.inc_value(f"{STATS_PREFIX}/stories/errors")
            story_id = key
        adapter["story_id"] = story_id
        self.stats.inc_value(f"{STATS_PREFIX}/stories/{'opened' if story_id == key else 'joined'}")
        return item
