"""Feed exporters that SIGKILL their own crawl at an exact moment (for tests/test_interruption.py).

``NEWSCRAWLER_TEST_KILL_AT=N``: the crawl dies when the exporter is handed record N (1-based) —
:class:`KillBeforeWrite` before that record is written, :class:`KillAfterWrite` right after it was
written and flushed (before anything else hears of it). A real ``kill -9`` of the process, nothing
softer: no finally blocks, no spider_closed, no flushing of Python buffers.
"""

import os
import signal

from newscrawler.crawl.exporters import FlushingJsonLinesItemExporter


def _kill_at() -> int:
    return int(os.environ["NEWSCRAWLER_TEST_KILL_AT"])


class KillBeforeWrite(FlushingJsonLinesItemExporter):
    def export_item(self, item):
        self.handed = getattr(self, "handed", 0) + 1
        if self.handed == _kill_at():
            os.kill(os.getpid(), signal.SIGKILL)
        super().export_item(item)


class KillAfterWrite(FlushingJsonLinesItemExporter):
    def export_item(self, item):
        super().export_item(item)
        self.handed = getattr(self, "handed", 0) + 1
        if self.handed == _kill_at():
            os.kill(os.getpid(), signal.SIGKILL)
