"""The request dupefilter of a crawl on one machine: Scrapy's, with a memory limit."""

from __future__ import annotations

from scrapy.dupefilters import RFPDupeFilter

from newscrawler.crawl.recent_keys import RecentKeys


class RecentRequestsDupeFilter(RFPDupeFilter):
    """Scrapy's fingerprint dupefilter remembering the last ``DUPEFILTER_MAX_FINGERPRINTS`` requests only.

    Stock Scrapy keeps every fingerprint of the run: a full archive crawl (kp40 alone has ~150,000 articles)
    would hold them all. Duplicates within a run are close together (an article pinned on the first listing
    page, a URL variant on the same page), and articles already written are skipped through the seen store
    before they are requested; an article linked twice far apart would be fetched twice and its second record
    dropped by the deduplication pipeline. With ``JOBDIR`` every fingerprint is kept (on disk and in memory),
    as a resumed crawl needs them.
    """

    @classmethod
    def from_crawler(cls, crawler):
        dupefilter = super().from_crawler(crawler)
        if dupefilter.file is None:
            # RFPDupeFilter keeps its fingerprints in this attribute (Scrapy 2.19, pinned).
            dupefilter._fingerprints = RecentKeys(crawler.settings.getint("DUPEFILTER_MAX_FINGERPRINTS", 20_000))
        return dupefilter
