"""Rendering JavaScript-only article pages with a headless Chromium (scrapy-playwright).

Most article pages carry their text in the static HTML and never touch the browser. A few (kp40's
"special projects") ship an empty body container that an inline script fills after load; the outlet's
profile names it (``Publisher.rendering``). The spider fetches every article with Scrapy's plain HTTP
client first; when the parser says the page needs rendering
(:func:`newscrawler.extraction.article.needs_rendering`), the spider re-requests it with
:func:`render_request`, and the same parser reads the DOM once the body has appeared.

What lives here:

* :class:`RenderingDownloadHandler` — scrapy-playwright's download handler (for ``http``/``https``) with
  three additions: nothing browser-related starts before the first request that asks for the browser
  (stock scrapy-playwright starts the Playwright driver at engine start and only defers Chromium);
  launch options completed from settings/env (the system Chromium by default); the memory of the
  browser process tree is sampled into stats. Requests without ``meta["playwright"]`` go through
  Scrapy's normal HTTP/1.1 handler.
* :func:`should_abort_request` — ``PLAYWRIGHT_ABORT_REQUEST``: no images, fonts, media, analytics, ads.
* :func:`render_request` — the request that renders one article page.
* :func:`chromium_executable`, :func:`launch_options` — which browser to start, and how.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import time
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.page import PageMethod

logger = logging.getLogger(__name__)

#: Request meta key: how many times this request has been through the browser (1 = first render).
RENDER_ATTEMPT = "newscrawler_render_attempt"
#: Name of the browser context the spider's renders use.
CONTEXT_NAME = "render"

#: Tried in order when neither the setting nor the environment names a browser.
SYSTEM_CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium")

#: Chromium flags for a long headless crawl as root on a machine with a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--mute-audio",
]

#: Resource types a rendered article never needs.
ABORTED_RESOURCE_TYPES = frozenset({"image", "font", "media"})
#: Third-party analytics, counters, ads and social widgets seen on Russian news pages (a host or any subdomain).
ABORTED_HOSTS = (
    "mc.yandex.ru", "metrika.yandex.ru", "informer.yandex.ru", "an.yandex.ru", "yandex.ru", "yastatic.net",
    "adfox.ru", "ads.adfox.ru", "googletagmanager.com", "google-analytics.com", "googlesyndication.com",
    "doubleclick.net", "googleadservices.com", "liveinternet.ru", "counter.yadro.ru", "top-fwz1.mail.ru",
    "top.mail.ru", "vk.com", "userapi.com", "ok.ru", "connect.ok.ru", "dzen.ru", "t.me", "telegram.org",
    "facebook.net", "facebook.com", "twitter.com", "youtube.com", "ytimg.com", "mediametrics.ru",
    "smi2.ru", "24smi.org", "relap.io", "adriver.ru", "buzzoola.com", "sape.ru",
)


# --- which browser, launched how -----------------------------------------------------------------------

def chromium_executable(configured: str | None = None) -> str | None:
    """The Chromium to launch: ``configured`` (the ``PLAYWRIGHT_CHROMIUM_EXECUTABLE`` setting), else the
    environment variable of that name, else the system Chromium when installed, else ``None`` — then
    Playwright starts its own downloaded browser (``playwright install chromium``)."""
    for candidate in (configured, os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE")):
        if candidate:
            return shutil.which(candidate) or candidate
    for path in SYSTEM_CHROMIUM:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def launch_options(settings) -> dict:
    """``PLAYWRIGHT_LAUNCH_OPTIONS`` completed with defaults: headless, the flags above, and the
    executable chosen by :func:`chromium_executable` unless the options already name one."""
    options = dict(settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS") or {})
    options.setdefault("headless", True)
    options.setdefault("args", list(CHROMIUM_ARGS))
    if not options.get("executable_path"):
        executable = chromium_executable(settings.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE"))
        if executable:
            options["executable_path"] = executable
        else:
            options.pop("executable_path", None)
    return options


# --- what the browser may load -------------------------------------------------------------------------

def _host_matches(host: str, domains) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def should_abort_request(request) -> bool:
    """``PLAYWRIGHT_ABORT_REQUEST``: drop images, fonts, media and third-party analytics/ads/widgets.

    The page itself, its scripts, styles and XHR/fetch calls (the body API) are let through."""
    if request.resource_type in ABORTED_RESOURCE_TYPES:
        return True
    host = (urlsplit(request.url).hostname or "").lower()
    return _host_matches(host, ABORTED_HOSTS)


# --- the request that renders an article -----------------------------------------------------------------

def render_attempt(request_or_response) -> int:
    """0 for a plain HTTP request/response, 1 for the first render, 2 for its retry, ..."""
    return int(request_or_response.meta.get(RENDER_ATTEMPT, 0) or 0)


def render_request(url: str, settings, *, wait_for: str, callback, errback, cb_kwargs: dict | None = None,
                   meta: dict | None = None, attempt: int = 1) -> scrapy.Request:
    """Re-request ``url`` through Chromium and hand the DOM to ``callback`` once the body is in it.

    The page waits for ``wait_for`` (the profile's CSS selector of a rendered body) for at most
    ``RENDER_WAIT_TIMEOUT`` seconds; when the
    body never appears, the download fails with Playwright's ``TimeoutError`` (→ ``errback``). The page
    is not handed to the callback (no ``playwright_include_page``), so scrapy-playwright closes it in
    every case, error or not.
    """
    timeout_ms = settings.getfloat("RENDER_WAIT_TIMEOUT", 15) * 1000
    return scrapy.Request(
        url,
        callback=callback,
        errback=errback,
        cb_kwargs=dict(cb_kwargs or {}),
        dont_filter=True,  # the same URL was just fetched without the browser
        meta={
            "playwright": True,
            "playwright_context": CONTEXT_NAME,
            "playwright_page_methods": [
                PageMethod("wait_for_selector", wait_for, state="attached", timeout=timeout_ms),
            ],
            **(meta or {}),
            RENDER_ATTEMPT: attempt,
            # one retry policy for renders, the spider's (see OutletSpider._render_failed)
            "dont_retry": True,
        },
    )


# --- the download handler ----------------------------------------------------------------------------------

def _children_by_parent() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ... — comm may contain spaces and parentheses
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def descendant_memory(root_pid: int | None = None) -> tuple[int, int, int]:
    """(RSS sum, PSS sum, process count) in bytes of every descendant of ``root_pid`` (default: this
    process) — for a crawl, the Playwright driver and the browser it launched. Linux only; zeros elsewhere.
    RSS counts shared pages once per process (an upper bound); PSS shares them out (closer to the truth)."""
    if not os.path.isdir("/proc"):
        return 0, 0, 0
    tree = _children_by_parent()
    todo, pids = [root_pid or os.getpid()], []
    while todo:
        for child in tree.get(todo.pop(), ()):
            pids.append(child)
            todo.append(child)
    rss = pss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
        except (OSError, ValueError):
            continue
    return rss, pss, len(pids)


class RenderingDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler, started lazily, with the system Chromium and memory stats.

    * Stock scrapy-playwright starts the Playwright driver (a Node.js process) when the engine starts and
      launches Chromium at the first ``playwright=True`` request. Here the driver too waits for that first
      request: a crawl without JS-only pages starts no extra process at all.
    * ``PLAYWRIGHT_LAUNCH_OPTIONS`` is completed by :func:`launch_options` (system Chromium, flags).
    * While the browser runs, the RSS/PSS of the process tree is sampled every
      ``RENDER_MEMORY_SAMPLE_INTERVAL`` seconds (in a thread); the peaks go to the stats
      ``newscrawler/render/browser_peak_rss_mb`` and ``…_pss_mb``.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self.config.launch_options = launch_options(crawler.settings)
        self.memory_interval = crawler.settings.getfloat("RENDER_MEMORY_SAMPLE_INTERVAL", 0.5)
        self._start_lock = asyncio.Lock()
        self._started = False
        self._memory_task: asyncio.Task | None = None
        self._peak_rss = self._peak_pss = 0

    # lazy start: the engine_started hook does nothing, the first browser request starts everything
    async def _maybe_launch_in_thread(self) -> None:  # scrapy >= 2.14
        return None

    async def _ensure_started(self) -> None:
        async with self._start_lock:
            if self._started:
                return
            started = time.monotonic()
            await self._launch()
            self._started = True
            self.stats.set_value("newscrawler/render/driver_start_ms", round((time.monotonic() - started) * 1000))
            if self.memory_interval > 0 and os.path.isdir("/proc"):
                self._memory_task = asyncio.ensure_future(self._sample_memory_forever())

    async def _download_request(self, request, spider=None):
        await self._ensure_started()
        if not hasattr(self, "browser"):
            started = time.monotonic()
            await self._maybe_launch_browser()
            self.stats.set_value("newscrawler/render/browser_launch_ms", round((time.monotonic() - started) * 1000))
            logger.info("Chromium launched: %s", self.config.launch_options.get("executable_path")
                        or "Playwright's own build")
        try:
            return await super()._download_request(request, spider)
        finally:
            if self._memory_task is not None:  # one more sample at the end of each page, without waiting
                asyncio.ensure_future(self._sample_memory_once())

    def _record_memory(self, sample: tuple[int, int, int]) -> None:
        rss, pss, _ = sample
        if rss > self._peak_rss:
            self._peak_rss = rss
            self.stats.set_value("newscrawler/render/browser_peak_rss_mb", round(rss / 2**20, 1))
        if pss > self._peak_pss:
            self._peak_pss = pss
            self.stats.set_value("newscrawler/render/browser_peak_pss_mb", round(pss / 2**20, 1))

    async def _sample_memory_once(self) -> None:
        try:
            # reading /proc/*/smaps_rollup of a dozen Chromium processes takes ~25 ms: off the event loop
            self._record_memory(await asyncio.to_thread(descendant_memory))
        except Exception as exc:  # noqa: BLE001 - monitoring must never break the crawl
            logger.debug("Memory sampling failed: %r", exc)

    async def _sample_memory_forever(self) -> None:
        while True:
            await self._sample_memory_once()
            await asyncio.sleep(self.memory_interval)

    async def _close(self) -> None:
        if self._memory_task is not None:
            self._memory_task.cancel()
            self._memory_task = None
        await super()._close()


def rendering_available(settings=None) -> bool:
    """True when a browser can be launched: a configured/system Chromium, or Playwright's own build."""
    executable = chromium_executable(settings.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE") if settings else None)
    if executable:
        return os.path.isfile(executable) and os.access(executable, os.X_OK)
    cache = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache" / "ms-playwright")
    return any(cache.glob("chromium*"))
