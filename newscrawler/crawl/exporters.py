"""Feed exporters."""

from scrapy.exporters import JsonLinesItemExporter


class FlushingJsonLinesItemExporter(JsonLinesItemExporter):
    """JSON Lines, one whole line per ``write`` and flushed after every record.

    A crawl killed at any moment leaves only complete lines on disk, and once ``item_scraped`` has
    returned the record is in the file: :class:`newscrawler.crawl.extensions.MarkSeenAfterExport` relies on
    that to mark an article as seen only after it was written.
    """

    #: What :class:`newscrawler.crawl.extensions.MarkSeenAfterExport` checks every feed's exporter for.
    flushes_each_record = True

    def export_item(self, item):
        super().export_item(item)
        self.file.flush()
