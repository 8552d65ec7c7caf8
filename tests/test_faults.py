"""A flaky server costs nothing: every article exactly once, the retries visible in the stats.

Real crawls (``scrapy crawl`` subprocesses) against :class:`tests.fault_server.FaultServer` on 127.0.0.1.
"""

from __future__ import annotations

import sqlite3
from urllib.parse import urlsplit

import pytest

from tests.conftest import load_expected, run_crawl
from tests.crawl_helpers import FAST
from tests.fault_server import ARTICLE_PATH, KINDS, FaultPlan, FaultServer, hashed_faults
from tests.test_crawl_replica import JS_ONLY_IDS, check_complete

#: Listing pages fail too: a cut listing would silently lose its articles and its "next" link.
LISTING_FAULTS = {"/news/": ("truncate",), "/news/?page=2": ("503",), "/news/?page=3": ("cut",)}


@pytest.fixture
def flaky_server():
    server = FaultServer(plan=FaultPlan(faults=dict(LISTING_FAULTS), rule=hashed_faults()), slow_seconds=2.5).start()
    yield server
    server.stop()


def test_flaky_server_every_article_exactly_once(flaky_server, tmp_path):
    result = run_crawl(flaky_server.base_url, tmp_path, settings=FAST, cwd=tmp_path)
    assert result.returncode == 0, result.log[-3000:]

    # Every kind of fault was really served, on a good share of the article pages.
    injected = flaky_server.injected_kinds()
    assert set(injected) == set(KINDS), injected
    faulted = {target for target, _ in flaky_server.injected if ARTICLE_PATH.match(urlsplit(target).path)}
    assert len(faulted) >= 30, len(faulted)

    # ... and yet the output is exactly the clean crawl's: no article lost, none twice, none truncated.
    check_complete(result.items, load_expected(), skip_ids=JS_ONLY_IDS)

    stats = result.stats
    reasons = {key.removeprefix("retry/reason_count/"): value for key, value in stats.items()
               if key.startswith("retry/reason_count/")}
    for reason in ("500 Internal Server Error", "503 Service Unavailable", "scrapy.exceptions.DownloadTimeoutError",
                   "scrapy.exceptions.ResponseDataLossError", "scrapy.exceptions.DownloadFailedError",
                   "truncated_html"):
        assert reasons.get(reason), f"no retry counted for {reason}: {reasons}"
    assert stats["retry/count"] >= len(faulted)
    assert "retry/max_reached" not in stats
    cut_articles = sum(1 for target, kind in flaky_server.injected
                       if kind == "cut" and ARTICLE_PATH.match(urlsplit(target).path))
    assert stats["newscrawler/truncated/article"] == cut_articles
    assert stats["newscrawler/truncated/listing"] == 1
    assert "Listing page http" in result.log and "is truncated" in result.log
    # The report says the night was bad but the data is fine.
    assert stats["newscrawler/quality/ok"] is True
    assert stats["newscrawler/quality/retries/truncated_html"] == reasons["truncated_html"]
    assert stats["finish_reason"] == "finished"


def test_page_that_stays_truncated_is_never_emitted(tmp_path):
    """A page the server always cuts is retried, then given up — counted, logged, and never written half."""
    broken = "/news/incidents/130567/"
    server = FaultServer(plan=FaultPlan(faults={broken: ("cut",) * 10})).start()
    try:
        result = run_crawl(server.base_url, tmp_path, settings=FAST, cwd=tmp_path)
    finally:
        server.stop()
    assert result.returncode == 0, result.log[-3000:]
    assert server.attempts[broken] == int(FAST["RETRY_TIMES"]) + 1
    assert 130567 not in {item["article_id"] for item in result.items}
    expected = [rec for rec in load_expected() if rec["article_id"] != 130567]
    check_complete(result.items, expected, skip_ids=JS_ONLY_IDS)
    stats = result.stats
    assert stats["newscrawler/bad_response/article_truncated"] == 1
    assert stats["newscrawler/quality/skipped_pages/article_truncated"] == 1
    assert stats["retry/max_reached"] == 1
    assert f"Skipped http://127.0.0.1:{server.server_address[1]}{broken} (article_truncated)" in result.log
    # Not marked as seen: the next night tries it again.
    with sqlite3.connect(tmp_path / "seen.sqlite3") as db:
        assert db.execute("SELECT 1 FROM written_articles WHERE publisher = 'kp40' AND article_id = 130567").fetchone() is None
