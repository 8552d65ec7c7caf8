"""Scrapy settings for newscrawler.

Defaults are fit for the live outlets: polite (robots.txt, AutoThrottle, a contact User-Agent, modest
concurrency) and incremental (a persistent store of seen articles). Every value can be overridden with ``-s``.
"""

import os
from pathlib import Path

from newscrawler.items import ARTICLE_FIELDS

BOT_NAME = "newscrawler"
SPIDER_MODULES = ["newscrawler.spiders"]
NEWSPIDER_MODULE = "newscrawler.spiders"

# --- Politeness -----------------------------------------------------------------------------------
USER_AGENT = (
    "newscrawler/1.0 (regional news archive for research; "
    "+https://github.com/newscrawler/newscrawler#contact)"
)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.5
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 3
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# --- Output ---------------------------------------------------------------------------------------
# Without -o/-O every crawl writes its own dated JSON Lines file; Cyrillic stays text, not \u escapes.
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORT_FIELDS = ARTICLE_FIELDS
# Scrapy merges dict settings key by key, so a FEEDS entry here would be written *in addition to* a
# -o/-O file. The spider adds this default feed only when no other feed is configured (-o/-O, scrapyd).
DEFAULT_FEEDS = {
    "data/%(name)s/%(name)s-%(time)s.jsonl": {"format": "jsonlines", "encoding": "utf-8"},
}

# --- Memory: flat however large the archive (see BENCHMARKS.md) ------------------------------------------
# The request dupefilter remembers the last this many requests (about 2 MB), not every request of the run.
DUPEFILTER_CLASS = "newscrawler.crawl.dupefilter.RecentRequestsDupeFilter"
DUPEFILTER_MAX_FINGERPRINTS = 20_000

# --- Damaged responses ------------------------------------------------------------------------------
# A redirect loop is an error the spider logs and counts (stock Scrapy drops the request silently).
# Page integrity (cut-off, binary, mis-declared charset) is checked after redirects and decompression
# (process_response runs from high numbers to low: 600 redirect, 590 decompression, then 580).
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "newscrawler.crawl.middlewares.LoopAwareRedirectMiddleware": 600,
    "newscrawler.crawl.integrity.PageIntegrityMiddleware": 580,
}
# No article page is anywhere near this; a response that is must be something else. Scrapy cancels it.
# The spider retries a page that arrived cut off (get_retry_request): the retry count must carry over.
META_COPY_WARN_SKIP_KEYS = ["retry_times"]
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024

# --- Pipelines: clean, validate, deduplicate (each one job) ------------------------------------------
# Every name of the JSON Lines format (``-O out.jsonl`` picks "jsonl" from the extension): a record is on
# disk before the seen store marks it, so a killed crawl never leaves a "seen" article unwritten.
FEED_EXPORTERS = {
    "jsonlines": "newscrawler.crawl.exporters.FlushingJsonLinesItemExporter",
    "jsonl": "newscrawler.crawl.exporters.FlushingJsonLinesItemExporter",
    "jl": "newscrawler.crawl.exporters.FlushingJsonLinesItemExporter",
}
LOG_FORMATTER = "newscrawler.crawl.logformatter.ConciseLogFormatter"

ITEM_PIPELINES = {
    "newscrawler.crawl.pipelines.StripTrailingWidgets": 100,
    "newscrawler.crawl.pipelines.ValidateArticle": 200,
    "newscrawler.crawl.pipelines.DeduplicateArticles": 300,
    "newscrawler.crawl.pipelines.AssignStory": 400,
}
# Articles of one story are published at most this many days apart (candidates for the story step).
STORY_WINDOW_DAYS = 3

# --- Cross-run state --------------------------------------------------------------------------------
# Where the store of already-emitted articles lives. An absolute path, so a crawl started from another
# working directory (scrapyd runs jobs from its own) still sees what earlier runs wrote.
# Set it to "" to crawl without cross-run deduplication.
NEWSCRAWLER_STATE_DIR = os.environ.get(
    "NEWSCRAWLER_STATE_DIR",
    str(Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "newscrawler"),
)
SEEN_STORE_PATH = str(Path(NEWSCRAWLER_STATE_DIR) / "seen-articles.sqlite3")
# Articles a run could not write (server errors after every retry, pages cut off, failed renders) are
# fetched directly by the next runs, until written or failed in this many runs (then left alone: gone for good).
RETRY_FAILED_ARTICLES_RUNS = 3
EXTENSIONS = {
    "newscrawler.crawl.extensions.MarkSeenAfterExport": 500,
    "newscrawler.crawl.extensions.SelectorFallbackAlarm": 800,
    # Before StatsFile: its numbers go into the stats file too.
    "newscrawler.crawl.quality.DataQualityReport": 850,
    "newscrawler.crawl.extensions.StatsFile": 900,
}
# Write the final stats of every crawl as JSON here (empty: off).
STATS_FILE = ""

# --- A crawl shared by several workers (docs/scaling.md) -------------------------------------------------
# redis://[user:password@]host:port/db (rediss:// for TLS): the request frontier, the seen store and
# politeness per site move to that Redis, and any number of workers on any number of machines with the same
# URL share the crawl. Empty (the default): one process, SQLite state, no Redis needed or imported.
REDIS_URL = os.environ.get("NEWSCRAWLER_REDIS_URL", "")
# Extra redis-py client options, e.g. {"ssl_ca_certs": "/etc/ssl/redis-ca.pem"} for a rediss:// URL.
REDIS_PARAMS = {}
REDIS_KEY_PREFIX = "newscrawler"
# A worker's hold on a request it took (renewed while it lives): a killed worker's requests return to the
# queue after at most this long.
REDIS_LEASE_SECONDS = 60
# A worker stops once the run is seeded and no request is queued or held by any worker, for this long.
REDIS_IDLE_TIMEOUT = 5
# Site politeness leases (renewed while a download lasts): a killed worker frees the site after this long.
SITE_LEASE_SECONDS = 15
# Site-wide delay between request starts; by default the crawl's DOWNLOAD_DELAY (the addon moves it here).
SITE_DOWNLOAD_DELAY = None
ADDONS = {"newscrawler.crawl.shared_crawl.SharedCrawl": 0}

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"

# --- Rendering JavaScript-only pages (see docs/rendering.md) ---------------------------------------------
# Pages whose body a script loads after page load are re-requested through a headless Chromium
# (scrapy-playwright); every other request goes through Scrapy's plain HTTP client. Off:
# -s RENDER_JS_PAGES=False (such pages are then logged and counted as newscrawler/needs_rendering).
RENDER_JS_PAGES = True
RENDER_WAIT_TIMEOUT = 15  # seconds to wait for it
RENDER_RETRY_TIMES = 1  # a failed render (timeout, crash, body still missing) is retried this often
RENDER_MEMORY_SAMPLE_INTERVAL = 0.5  # seconds; peak browser memory goes to the stats (0: off)
DOWNLOAD_HANDLERS = {
    "http": "newscrawler.crawl.rendering.RenderingDownloadHandler",
    "https": "newscrawler.crawl.rendering.RenderingDownloadHandler",
}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
# Empty: $PLAYWRIGHT_CHROMIUM_EXECUTABLE, else the system Chromium (/usr/bin/chromium) when installed,
# else Playwright's own build. Headless and the flags in newscrawler.crawl.rendering.CHROMIUM_ARGS are added to
# PLAYWRIGHT_LAUNCH_OPTIONS unless it sets them.
PLAYWRIGHT_CHROMIUM_EXECUTABLE = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE", "")
PLAYWRIGHT_LAUNCH_OPTIONS = {"headless": True}
PLAYWRIGHT_ABORT_REQUEST = "newscrawler.crawl.rendering.should_abort_request"  # no images/fonts/media/ads
PLAYWRIGHT_MAX_CONTEXTS = 1
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 2  # open pages at once, at most
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000  # ms
