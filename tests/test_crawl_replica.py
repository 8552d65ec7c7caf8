"""End to end: ``scrapy crawl kp40`` against the saved site served on 127.0.0.1."""

from __future__ import annotations

import json
import re

from tests.conftest import comparable, load_expected, run_crawl
from newscrawler.extraction.noise import strip_widget_noise

JS_ONLY_IDS = {83529}  # body rendered by JavaScript: rendered in the browser (see test_rendering)
ARTICLE_PATH = re.compile(r"/(news|narnews)/[a-z_]+/\d+/")
REPUBLISHED = {141220, 141226}  # identical title+body under two ids: a deduplicating crawl emits one


def check_complete(items: list[dict], expected: list[dict], skip_ids=frozenset()):
    got = {item["article_id"]: item for item in items}
    assert len(got) == len(items), "an article was emitted twice"
    wanted = {rec["article_id"]: rec for rec in expected if rec["article_id"] not in skip_ids}
    emitted_republished = REPUBLISHED & got.keys()
    assert len(emitted_republished) == 1, f"republished pair should yield exactly one record: {emitted_republished}"
    for article_id in REPUBLISHED - emitted_republished:
        wanted.pop(article_id, None)
    assert sorted(got) == sorted(wanted)
    for article_id, record in wanted.items():
        assert comparable(got[article_id]) == record, f"article {article_id} differs"


def test_full_crawl_reproduces_expected_records(browser, replica_server, tmp_path):
    result = run_crawl(replica_server.base_url, tmp_path)
    assert result.returncode == 0, result.log[-3000:]
    check_complete(result.items, load_expected())

    for item in result.items:
        assert item["crawled_at"].endswith("+00:00")
        for key in ("title", "lead", "body", "photo_credit"):
            if item[key]:
                assert strip_widget_noise(item[key]) == item[key], f"widget text left in {key} of {item['url']}"
        assert "eyJpdiI6" not in json.dumps(item)
    # Cyrillic is written as text, not \u escapes.
    raw = result.output.read_text(encoding="utf-8")
    assert "\\u04" not in raw and "Калуг" in raw

    stats = result.stats
    assert stats["finish_reason"] == "finished"
    # JS-only pages, and only they, went through the browser: one browser page each, all closed
    assert stats["newscrawler/needs_rendering"] == len(JS_ONLY_IDS)
    assert stats["newscrawler/render/pages"] == len(JS_ONLY_IDS)
    assert stats["playwright/page_count"] == len(JS_ONLY_IDS)
    assert stats["playwright/page_count/closed"] == len(JS_ONLY_IDS)
    assert "newscrawler/render/failures" not in stats
    # the server saw each article page once, the JS-only ones twice (plain fetch, then the browser)
    article_fetches = replica_server.requests_for(lambda t: ARTICLE_PATH.fullmatch(t) is not None)
    assert len(article_fetches) == len(set(article_fetches)) + len(JS_ONLY_IDS)
    twice = {t for t in article_fetches if article_fetches.count(t) == 2}
    assert {int(t.rstrip("/").rsplit("/", 1)[1]) for t in twice} == JS_ONLY_IDS
    assert stats["newscrawler/duplicates/same_text_other_id"] == 1
    assert stats["item_scraped_count"] == len(result.items)
    # the current layout is read by the site's selectors alone: no fallback, no alarm
    assert not [key for key in stats if key.startswith("newscrawler/fallback")]
    assert all(item["extraction"] == "site" for item in result.items)
    assert "Site selectors failed" not in result.log
    # robots.txt was asked for, and the crawl announced itself with its contact User-Agent.
    assert replica_server.requests_for(lambda t: t == "/robots.txt")
    assert all("newscrawler" in r["user_agent"] for r in replica_server.request_log)
    # every listing page was visited, each article page once
    pages = replica_server.requests_for(lambda t: t.startswith("/news/?page=") or t == "/news/")
    assert sorted(pages) == ["/news/", "/news/?page=2", "/news/?page=3"]


def test_repeat_crawl_emits_nothing_and_stops_at_first_page(browser, replica_server, tmp_path):
    # needs the browser: a JS-only page the first run could not render is still wanted by the second (it is
    # listed on page 1, so that run would fetch it and go on to page 2)
    first = run_crawl(replica_server.base_url, tmp_path, output_name="first.jsonl")
    assert first.returncode == 0 and first.items
    before = len(replica_server.request_log)

    second = run_crawl(replica_server.base_url, tmp_path, output_name="second.jsonl")
    assert second.returncode == 0, second.log[-3000:]
    assert second.items == []
    fetched = [r["target"] for r in replica_server.request_log[before:]]
    # robots.txt + /news/, nothing else: every article, the JS-only one included, was written by the first run
    assert sorted(fetched) == ["/news/", "/robots.txt"], fetched
    assert "/news/?page=2" not in fetched


def test_rss_source_crawls_the_newest_articles(replica_server, tmp_path):
    result = run_crawl(replica_server.base_url, tmp_path, "source=rss")
    assert result.returncode == 0, result.log[-3000:]
    expected = {rec["article_id"]: rec for rec in load_expected()}
    assert 20 <= len(result.items) <= 30
    for item in result.items:
        assert item["url"].startswith("https://www.kp40.ru/")
        assert comparable(item) == expected[item["article_id"]]


def test_rubrics_and_since_limit_the_crawl(replica_server, tmp_path):
    result = run_crawl(replica_server.base_url, tmp_path, "rubrics=invest,narnews", "since=2021-01-01")
    assert result.returncode == 0, result.log[-3000:]
    got = sorted(item["article_id"] for item in result.items)
    expected = sorted(rec["article_id"] for rec in load_expected()
                      if rec["rubric"] in ("invest", "narnews") and rec["published_at"] >= "2021-01-01")
    assert got == expected
    assert not replica_server.requests_for(lambda t: t.startswith("/news/?"))


def test_max_pages_stops_pagination(replica_server, tmp_path):
    result = run_crawl(replica_server.base_url, tmp_path, "max_pages=1", cwd=tmp_path)
    assert result.returncode == 0
    assert not replica_server.requests_for(lambda t: "page=2" in t)
    assert 0 < len(result.items) <= 22
    # -O names the one output: the default dated feed is not written besides it
    assert not (tmp_path / "data").exists()


def test_default_output_is_a_dated_file_under_data(replica_server, tmp_path):
    """Without -O, a crawl writes data/kp40/kp40-<time>.jsonl relative to where it runs."""
    import subprocess
    import sys

    from tests.conftest import crawl_env

    env = crawl_env()
    cmd = [sys.executable, "-m", "scrapy", "crawl", "kp40", "-a", f"base_url={replica_server.base_url}",
           "-a", "rubrics=narnews", "-s", f"SEEN_STORE_PATH={tmp_path / 'seen.sqlite3'}",
           "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    files = list((tmp_path / "data" / "kp40").glob("kp40-*.jsonl"))
    assert len(files) == 1
    records = [json.loads(line) for line in files[0].read_text(encoding="utf-8").splitlines()]
    assert [r["article_id"] for r in records] == [144031]
    assert list(records[0])[:4] == ["publisher", "url", "article_id", "rubric"]


def test_redesigned_pages_still_yield_records_and_raise_the_alarm(tmp_path):
    """Serve the re-rendered pages of tests/fixtures/redesign at their article URLs: the crawl still
    emits their records (from page metadata / generic extraction) and ends with a WARNING naming the
    fields whose site selectors failed."""
    from tests.replica_server import Replica, ReplicaServer
    from tests.test_redesign import INDEX, REDESIGN

    overrides = {entry["path"]: {"body": (REDESIGN / entry["file"]).read_bytes(), "status": 200,
                                 "content_type": "text/html; charset=utf-8"} for entry in INDEX.values()}
    server = ReplicaServer(Replica(overrides=overrides)).start()
    try:
        result = run_crawl(server.base_url, tmp_path)
    finally:
        server.stop()
    assert result.returncode == 0, result.log[-3000:]
    got = {item["article_id"]: item for item in result.items}
    expected = {rec["article_id"]: rec for rec in load_expected()}
    redesigned = {entry["article_id"]: entry for entry in INDEX.values()}

    undated = {article_id for article_id, entry in redesigned.items() if not entry["date_has_time"]}
    for article_id, entry in redesigned.items():
        if article_id in undated:
            assert article_id not in got  # never an invented time: dropped with a reason
            continue
        item = got[article_id]
        assert item["extraction"] == "fallback"
        for key in ("url", "title", "published_at", "rubric"):
            assert item[key] == expected[article_id][key], (article_id, key)
    for article_id, item in got.items():
        if article_id not in redesigned:
            assert item["extraction"] == "site", article_id  # the fallback does not mask working selectors

    assert undated and result.stats["newscrawler/dropped/missing_published_at"] == len(undated)
    assert result.stats["newscrawler/fallback/body"] >= len(redesigned) - len(undated)
    assert "body" in result.stats["newscrawler/fallback_fields"]
    warning = [line for line in result.log.splitlines() if "WARNING" in line and "Site selectors failed" in line]
    assert warning and "title" in warning[0] and "published_at" in warning[0]


def test_article_that_failed_is_fetched_again_by_the_next_run(tmp_path):
    """An incremental run stops at page 1 when everything there is known, so an article on page 3 that
    failed in the first run would never be seen again; the store remembers it and the next run asks for it
    directly."""
    from tests.replica_server import Replica, ReplicaServer

    failing = "/news/crime/13330/"  # linked from /news/?page=3 only
    broken = ReplicaServer(Replica(overrides={failing: {"file": "404.html", "status": 503}})).start()
    try:
        first = run_crawl(broken.base_url, tmp_path, output_name="first.jsonl", settings={"RETRY_TIMES": "1"})
    finally:
        broken.stop()
    assert first.returncode == 0, first.log[-3000:]
    assert 13330 not in {item["article_id"] for item in first.items}
    assert first.stats["newscrawler/articles/failed_for_next_run"] == 1

    healthy = ReplicaServer(Replica()).start()
    try:
        second = run_crawl(healthy.base_url, tmp_path, output_name="second.jsonl")
        fetched = healthy.requests_for()
    finally:
        healthy.stop()
    assert second.returncode == 0, second.log[-3000:]
    assert [item["article_id"] for item in second.items] == [13330]
    assert comparable(second.items[0]) == {r["article_id"]: r for r in load_expected()}[13330]
    assert second.stats["newscrawler/articles/retried_from_earlier_runs"] == 1
    assert sorted(fetched) == sorted(["/robots.txt", "/news/", failing])

    healthy = ReplicaServer(Replica()).start()
    try:
        third = run_crawl(healthy.base_url, tmp_path, output_name="third.jsonl")
    finally:
        healthy.stop()
    assert third.items == [] and "newscrawler/articles/retried_from_earlier_runs" not in third.stats
