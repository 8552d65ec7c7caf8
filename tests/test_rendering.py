"""JavaScript-only pages rendered in a real headless Chromium (scrapy-playwright).

The replica's page 83529 ships an empty ``.news-body[data-special]``; its inline script sets the cookie
``kp40_sp``, derives a token from it and fetches ``/api/news/83529/body?t=<token>`` (403 for any other
token). Only a browser running that script gets the body. Browser tests skip with a visible reason where
no Chromium is installed, and fail instead under ``CI=true``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from types import SimpleNamespace

import pytest
from scrapy.settings import Settings

from newscrawler.crawl import rendering
from tests.conftest import comparable, load_expected, run_crawl
from tests.replica_server import Replica, ReplicaServer

JS_PAGE = "/news/education/83529/"
JS_API = "/api/news/83529/body?t=a573e6751bff103b"
EDUCATION = {47680, 56162, 83529, 121605, 145281}  # rubrics=education: four static pages and the JS one


def expected_record(article_id: int) -> dict:
    return next(rec for rec in load_expected() if rec["article_id"] == article_id)


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8")


@pytest.fixture
def broken_api_server():
    """The replica, but the JS page's body API fails: the body never appears in the browser."""
    replica = Replica(overrides={JS_API: {"status": 500, "content_type": "application/json",
                                          "body": '{"error": "upstream timeout"}'}})
    server = ReplicaServer(replica).start()
    yield server
    server.stop()


# --- the page needs a browser -------------------------------------------------------------------------------

def test_plain_http_fetch_of_the_js_page_lacks_the_body(replica_server):
    status, html = fetch(replica_server.base_url + JS_PAGE)
    assert status == 200
    body_start = expected_record(83529)["body"][:60]
    assert '<div class="news-body" data-special="1" data-news-id="83529"></div>' in html
    assert body_start not in html
    # and the body API refuses a request that did not compute the token
    assert fetch(replica_server.base_url + "/api/news/83529/body")[0] == 403
    assert fetch(replica_server.base_url + "/api/news/83529/body?t=0000000000000000")[0] == 403


def test_js_page_is_rendered_into_the_full_expected_record(browser, replica_server, tmp_path):
    result = run_crawl(replica_server.base_url, tmp_path, "rubrics=education")
    assert result.returncode == 0, result.log[-3000:]
    got = {item["article_id"]: item for item in result.items}
    assert set(got) == EDUCATION
    assert comparable(got[83529]) == expected_record(83529)

    stats = result.stats
    assert stats["newscrawler/needs_rendering"] == 1
    assert stats["newscrawler/render/pages"] == 1
    assert stats["newscrawler/render/time_ms"] > 0
    assert "newscrawler/render/failures" not in stats and "newscrawler/render/retries" not in stats
    # one browser page, for the one JS page, and it was closed
    assert stats["playwright/page_count"] == 1
    assert stats["playwright/page_count/closed"] == 1
    assert stats["newscrawler/render/browser_peak_rss_mb"] > 0

    log = replica_server.request_log
    # the browser ran the page's script: it computed the token and got the body (200)
    api_calls = [r for r in log if r["target"].startswith("/api/")]
    assert [(r["target"], r["status"]) for r in api_calls] == [(JS_API, 200)]
    # the JS page was fetched twice (plain, then in the browser), every other article once
    assert sum(r["target"] == JS_PAGE for r in log) == 2
    # images, fonts and media were aborted in the browser (the static client never loads them)
    assert not [r for r in log if r["target"].startswith(("/news_images/", "/images/"))]
    assert stats.get("playwright/request_count/aborted", 0) > 0
    assert all("newscrawler" in r["user_agent"] for r in log)


# --- failures -------------------------------------------------------------------------------------------------

def test_body_that_never_appears_is_retried_once_then_counted(browser, broken_api_server, tmp_path):
    result = run_crawl(broken_api_server.base_url, tmp_path, "rubrics=education",
                       settings={"RENDER_WAIT_TIMEOUT": "2"})
    assert result.returncode == 0, result.log[-3000:]
    assert result.stats["finish_reason"] == "finished"
    # the rest of the crawl is complete
    got = {item["article_id"]: item for item in result.items}
    assert set(got) == EDUCATION - {83529}
    for article_id, item in got.items():
        assert comparable(item) == expected_record(article_id)

    stats = result.stats
    assert stats["newscrawler/render/retries"] == 1
    assert stats["newscrawler/render/failures"] == 1
    assert "newscrawler/render/pages" not in stats
    # two browser pages (render + retry), both closed although both failed
    assert stats["playwright/page_count"] == 2
    assert stats["playwright/page_count/closed"] == 2
    api_calls = [r["target"] for r in broken_api_server.request_log if r["target"].startswith("/api/")]
    assert api_calls == [JS_API, JS_API]
    assert "Render of" in result.log and "retrying" in result.log
    assert "failed after 2 attempts" in result.log


def test_browser_that_cannot_start_is_retried_once_then_counted(replica_server, tmp_path):
    """A browser that dies at launch (here: an executable that exits at once) fails the render, never
    the crawl. Needs no Chromium."""
    result = run_crawl(replica_server.base_url, tmp_path, "rubrics=education",
                       settings={"PLAYWRIGHT_CHROMIUM_EXECUTABLE": "/bin/false"})
    assert result.returncode == 0, result.log[-3000:]
    assert {item["article_id"] for item in result.items} == EDUCATION - {83529}
    assert result.stats["newscrawler/render/retries"] == 1
    assert result.stats["newscrawler/render/failures"] == 1
    assert result.stats["finish_reason"] == "finished"


# --- rendering off, and no browser for crawls that need none ---------------------------------------------------

def test_switch_off_counts_js_pages_without_a_browser(replica_server, tmp_path):
    result = run_crawl(replica_server.base_url, tmp_path, "rubrics=education",
                       settings={"RENDER_JS_PAGES": "False"})
    assert result.returncode == 0, result.log[-3000:]
    assert {item["article_id"] for item in result.items} == EDUCATION - {83529}
    assert result.stats["newscrawler/needs_rendering"] == 1
    assert not [key for key in result.stats if key.startswith(("playwright/", "newscrawler/render/"))]
    assert "needs rendering" in result.log
    assert sum(r["target"] == JS_PAGE for r in replica_server.request_log) == 1


def test_crawl_without_js_pages_starts_no_browser(replica_server, tmp_path):
    result = run_crawl(replica_server.base_url, tmp_path, "rubrics=narnews")
    assert result.returncode == 0, result.log[-3000:]
    assert [item["article_id"] for item in result.items] == [144031]
    # neither the Playwright driver nor Chromium was started
    assert not [key for key in result.stats if key.startswith(("playwright/", "newscrawler/render/"))]
    assert "Starting download handler" not in result.log and "Launching browser" not in result.log


# --- configuration -----------------------------------------------------------------------------------------------

def test_launch_options_use_the_configured_or_system_chromium(monkeypatch, tmp_path):
    fake = tmp_path / "my-chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.delenv("PLAYWRIGHT_CHROMIUM_EXECUTABLE", raising=False)

    options = rendering.launch_options(Settings({"PLAYWRIGHT_CHROMIUM_EXECUTABLE": str(fake)}))
    assert options["executable_path"] == str(fake)
    assert options["headless"] is True
    assert "--no-sandbox" in options["args"] and "--disable-dev-shm-usage" in options["args"]

    monkeypatch.setenv("PLAYWRIGHT_CHROMIUM_EXECUTABLE", str(fake))
    assert rendering.launch_options(Settings())["executable_path"] == str(fake)

    # explicit launch options win
    explicit = Settings({"PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": "/opt/x", "headless": False,
                                                       "args": ["--foo"]}})
    assert rendering.launch_options(explicit) == {"executable_path": "/opt/x", "headless": False, "args": ["--foo"]}

    # nothing configured: the system Chromium when installed, else Playwright's own (no executable_path)
    monkeypatch.delenv("PLAYWRIGHT_CHROMIUM_EXECUTABLE")
    monkeypatch.setattr(rendering, "SYSTEM_CHROMIUM", (str(fake),))
    assert rendering.launch_options(Settings())["executable_path"] == str(fake)
    monkeypatch.setattr(rendering, "SYSTEM_CHROMIUM", (str(tmp_path / "missing"),))
    assert "executable_path" not in rendering.launch_options(Settings())


@pytest.mark.parametrize(("resource_type", "url", "aborted"), [
    ("document", "https://www.kp40.ru/news/education/83529/", False),
    ("script", "https://www.kp40.ru/js/app.js", False),
    ("stylesheet", "https://www.kp40.ru/css/app.css", False),
    ("fetch", "https://www.kp40.ru/api/news/83529/body?t=x", False),
    ("image", "https://www.kp40.ru/news_images/full/83529.jpg", True),
    ("font", "https://www.kp40.ru/fonts/roboto.woff2", True),
    ("media", "https://www.kp40.ru/video.mp4", True),
    ("script", "https://mc.yandex.ru/metrika/tag.js", True),
    ("script", "https://www.googletagmanager.com/gtag/js?id=G-1", True),
    ("script", "https://yandex.ru/ads/system/context.js", True),
    ("script", "https://counter.yadro.ru/hit", True),
    ("script", "https://vk.com/js/api/openapi.js", True),
    ("script", "https://notyandex.ru/x.js", False),
])
def test_abort_predicate(resource_type, url, aborted):
    request = SimpleNamespace(resource_type=resource_type, url=url)
    assert rendering.should_abort_request(request) is aborted


def test_render_request_waits_for_the_body_and_skips_the_dupefilter():
    def callback(response):
        return None

    request = rendering.render_request("http://127.0.0.1/news/education/83529/",
                                       Settings({"RENDER_WAIT_TIMEOUT": 7}), wait_for=".news-body p",
                                       callback=callback, errback=callback, cb_kwargs={"ref": None},
                                       meta={"download_slot": "kp40"})
    assert request.dont_filter
    assert request.meta["playwright"] is True
    assert not request.meta.get("playwright_include_page")  # scrapy-playwright closes every page itself
    (method,) = request.meta["playwright_page_methods"]
    assert method.method == "wait_for_selector"
    assert method.args == (".news-body p",)
    assert method.kwargs["timeout"] == 7000
    assert rendering.render_attempt(request) == 1
    assert request.meta["download_slot"] == "kp40"  # the outlet's politeness holds for renders too
    assert json.dumps(request.cb_kwargs) == '{"ref": null}'
