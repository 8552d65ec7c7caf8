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
from scrapy.exceptions import DropItem

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

    Within a run: by (publisher, article_id) and canonical URL, and by identical title+body under another
    id of the same outlet (outlets re-publish press releases in two rubrics; the first one seen is kept).
    Across runs: the same checks against the crawl's seen store (none when ``SEEN_STORE_PATH`` is empty).
    Near-identical articles of different outlets are all kept: they share a story, not an identity.
    """

    def __init__(self, stats, store):
        self.stats = stats
        self.store = store
        self.keys: set[tuple[str, int]] = set()
        self.urls: set[str] = set()
        self.digests: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, seen_store(crawler))

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
        if (publisher, digest) in self.digests:
            self._drop("same_text_other_id", adapter, digest)
        if self.store is not None:
            if (article_id is not None and self.store.has_article(publisher, article_id)) or self.store.has_url(url):
                self._drop("written_by_earlier_run", adapter)
            if self.store.has_content(publisher, digest):
                self._drop("same_text_written_by_earlier_run", adapter, digest)
        if article_id is not None:  # articles of a site without a profile may have no id: one per URL
            self.keys.add((publisher, article_id))
        self.urls.add(url)
        self.digests.add((publisher, digest))
        return item


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
