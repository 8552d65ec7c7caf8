"""The data-quality report every crawl ends with.

At ``spider_closed`` :class:`DataQualityReport` logs a short readable summary and puts the same numbers in
the crawl's stats under ``newscrawler/quality/…`` (so they are in the stats dump at the end of every log —
scrapyd's job log included — and in ``STATS_FILE``):

* field coverage: the share of emitted records with each field non-empty (``newscrawler/quality/coverage/<field>``);
* records dropped, by reason; pages that need rendering; fields the site's selectors missed (filled by a
  fallback layer); pages skipped as damaged, by reason;
* HTTP error counts, requests that failed for good, retries by reason; the finish reason.

It ends with a WARNING naming what failed when the crawl emitted no records, when title, published_at or
body is empty in any emitted record, when a record breaks the schema's types, or when the crawl did not
finish normally. ``newscrawler/quality/ok`` is False then, and ``newscrawler/quality/problems`` lists them.

Counters only: no record is kept in memory.
"""

from __future__ import annotations

import logging
from collections import Counter

from itemadapter import ItemAdapter
from scrapy import signals

from newscrawler.items import ARTICLE_FIELDS

logger = logging.getLogger(__name__)

PREFIX = "newscrawler/quality"

#: Fields that every emitted record must have (ARTICLE_SCHEMA.md): coverage below 100 % is a failure.
REQUIRED_FIELDS = ("title", "published_at", "body")

#: The record's types (ARTICLE_SCHEMA.md). ``None`` allowed where the schema says "or null".
_STR, _INT, _NULL = (str,), (int,), (type(None),)
FIELD_TYPES = {
    "url": _STR, "article_id": _INT, "rubric": _STR, "rubric_name": _STR + _NULL, "title": _STR,
    "lead": _STR + _NULL, "authors": (list,), "published_at": _STR, "comments_count": _INT + _NULL,
    "views": _INT + _NULL, "reactions_count": _INT + _NULL, "photo_credit": _STR + _NULL,
    "image_url": _STR + _NULL, "tags": (list,), "body": _STR, "top_story": (bool,), "crawled_at": _STR,
}


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _type_ok(field: str, value) -> bool:
    types = FIELD_TYPES.get(field)
    if types is None:
        return True
    if isinstance(value, bool) and bool not in types:
        return False  # bool is an int subclass; a count must not be True
    if not isinstance(value, types):
        return False
    if isinstance(value, list):
        return all(isinstance(v, str) for v in value)
    return True


def counters_under(stats: dict, prefix: str) -> dict[str, int]:
    """The integer stats whose key starts with ``prefix``, keyed by the rest of the key, sorted."""
    return {key[len(prefix):]: value for key, value in sorted(stats.items())
            if key.startswith(prefix) and isinstance(value, int)}


def _fmt_counts(counts: dict) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items()) or "none"


class DataQualityReport:
    def __init__(self, stats):
        self.stats = stats
        self.records = 0
        self.filled: Counter[str] = Counter()
        self.type_errors: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler.stats)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def item_scraped(self, item, spider):
        self.records += 1
        adapter = ItemAdapter(item)
        for field in ARTICLE_FIELDS:
            value = adapter.get(field)
            if _empty(value):
                continue  # coverage tells about those
            self.filled[field] += 1
            if not _type_ok(field, value):
                self.type_errors[field] += 1

    # --- the report -------------------------------------------------------------------------------

    def spider_closed(self, spider, reason):
        stats = self.stats.get_stats()
        coverage = {field: (self.filled[field] / self.records if self.records else 0.0) for field in ARTICLE_FIELDS}
        dropped = {**counters_under(stats, "newscrawler/dropped/"),
                   **{f"duplicate/{k}": v for k, v in counters_under(stats, "newscrawler/duplicates/").items()}}
        skipped = counters_under(stats, "newscrawler/bad_response/")
        failed = counters_under(stats, "newscrawler/request_failed/")
        http_errors = {code: count for code, count in counters_under(stats, "downloader/response_status_count/").items()
                       if code.isdigit() and int(code) >= 400}
        retries = counters_under(stats, "retry/reason_count/")
        repaired = counters_under(stats, "newscrawler/encoding_repaired/")
        needs_rendering = stats.get("newscrawler/needs_rendering", 0)
        spider_errors = counters_under(stats, "spider_exceptions/")
        fallbacks = counters_under(stats, "newscrawler/fallback/")
        reader_errors = counters_under(stats, "newscrawler/reader_errors/")
        listing_fallbacks = stats.get("newscrawler/listing/fallback_links", 0)
        foreign_canonicals = stats.get("newscrawler/identity/foreign_canonical_ignored", 0)
        per_publisher = counters_under(stats, "newscrawler/articles/parsed/")

        problems = []
        if self.records == 0:
            problems.append("the crawl emitted no records")
        for field in REQUIRED_FIELDS:
            if self.records and coverage[field] < 1.0:
                problems.append(f"{field} is empty in {self.records - self.filled[field]} of {self.records} records "
                                f"(coverage {coverage[field]:.1%}, required 100%)")
        for field, count in sorted(self.type_errors.items()):
            problems.append(f"{field} has the wrong type in {count} records")
        if reason != "finished":
            problems.append(f"the crawl did not finish normally (finish reason: {reason})")

        set_value = self.stats.set_value
        set_value(f"{PREFIX}/records", self.records)
        for field, share in coverage.items():
            set_value(f"{PREFIX}/coverage/{field}", round(share, 4))
        for group, counts in (("dropped", dropped), ("skipped_pages", skipped), ("request_failed", failed),
                              ("http_errors", http_errors), ("retries", retries), ("type_errors", self.type_errors)):
            for name, count in counts.items():
                set_value(f"{PREFIX}/{group}/{name}", count)
        set_value(f"{PREFIX}/needs_rendering", needs_rendering)
        set_value(f"{PREFIX}/listing_fallbacks", listing_fallbacks)
        set_value(f"{PREFIX}/foreign_canonicals_ignored", foreign_canonicals)
        for field, count in reader_errors.items():
            set_value(f"{PREFIX}/reader_errors/{field}", count)
        set_value(f"{PREFIX}/finish_reason", reason)
        set_value(f"{PREFIX}/ok", not problems)
        set_value(f"{PREFIX}/problems", problems)

        covered = ", ".join(f"{field} {share:.0%}" for field, share in coverage.items())
        lines = [
            f"Data quality report for {spider.name} (finish reason: {reason})",
            f"  records emitted:      {self.records}",
            f"  field coverage:       {covered if self.records else 'n/a'}",
            f"  records dropped:      {_fmt_counts(dropped)}",
            f"  need rendering:       {needs_rendering}",
            f"  parsed per outlet:    {_fmt_counts(per_publisher)}",
            f"  selector fallbacks:   {_fmt_counts(fallbacks)}",
            f"  reader errors:        {_fmt_counts(reader_errors)}",
            f"  listing fallbacks:    {listing_fallbacks} pages (the profile's listing selectors matched nothing)",
            f"  foreign canonicals:   {foreign_canonicals} (ignored: identity stays the fetched URL's)",
            f"  pages skipped:        {_fmt_counts(skipped)}",
            f"  charset repaired:     {_fmt_counts(repaired)}",
            f"  HTTP errors:          {_fmt_counts(http_errors)}",
            f"  requests failed:      {_fmt_counts(failed)}",
            f"  retries:              {stats.get('retry/count', 0)} ({_fmt_counts(retries)}), "
            f"gave up on {stats.get('retry/max_reached', 0)}",
            f"  spider errors:        {_fmt_counts(spider_errors)}",
        ]
        logger.info("\n".join(lines))
        for problem in problems:
            logger.warning("Data quality check failed: %s", problem)
