"""The data-quality report: counted right, kept in the stats, and loud when a required field fails."""

from __future__ import annotations

import logging

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from newscrawler.crawl.quality import DataQualityReport
from tests.conftest import run_crawl
from tests.replica_server import Replica, ReplicaServer
from tests.test_bad_input import article_path, page, unreadable_date, without_title


def record(**overrides) -> dict:
    base = {"url": "https://www.kp40.ru/news/society/1/", "article_id": 1, "rubric": "society",
            "rubric_name": "Общество", "title": "Заголовок", "lead": None, "authors": [],
            "published_at": "2024-01-01T10:00:00+03:00", "comments_count": 0, "views": 10, "reactions_count": None,
            "photo_credit": None, "image_url": None, "tags": [], "body": "Текст.", "top_story": False,
            "crawled_at": "2024-01-02T00:00:00+00:00", "extraction": "site"}
    return {**base, **overrides}


@pytest.fixture
def report():
    crawler = get_crawler(Spider)
    crawler.stats.open_spider()
    ext = DataQualityReport(crawler.stats)
    spider = Spider(name="kp40")
    return ext, spider, crawler.stats


def test_coverage_is_counted_per_field(report, caplog):
    ext, spider, stats = report
    for i in range(4):
        ext.item_scraped(record(article_id=i, lead="Лид" if i % 2 else None, tags=["a"] if i == 0 else []), spider)
    stats.set_value("newscrawler/dropped/missing_title", 2)
    stats.set_value("newscrawler/needs_rendering", 1)
    stats.set_value("downloader/response_status_count/200", 50)
    stats.set_value("downloader/response_status_count/503", 3)
    stats.set_value("retry/reason_count/503 Service Unavailable", 3)
    with caplog.at_level(logging.INFO, logger="newscrawler.crawl.quality"):
        ext.spider_closed(spider, "finished")
    assert stats.get_value("newscrawler/quality/records") == 4
    assert stats.get_value("newscrawler/quality/coverage/title") == 1.0
    assert stats.get_value("newscrawler/quality/coverage/lead") == 0.5
    assert stats.get_value("newscrawler/quality/coverage/tags") == 0.25
    assert stats.get_value("newscrawler/quality/coverage/comments_count") == 1.0  # 0 comments is a value
    assert stats.get_value("newscrawler/quality/coverage/top_story") == 1.0  # so is False
    assert stats.get_value("newscrawler/quality/dropped/missing_title") == 2
    assert stats.get_value("newscrawler/quality/needs_rendering") == 1
    assert stats.get_value("newscrawler/quality/http_errors/503") == 3
    assert stats.get_value("newscrawler/quality/http_errors/200") is None
    assert stats.get_value("newscrawler/quality/retries/503 Service Unavailable") == 3
    assert stats.get_value("newscrawler/quality/finish_reason") == "finished"
    assert stats.get_value("newscrawler/quality/ok") is True
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    summary = caplog.records[0].getMessage()
    assert "records emitted:      4" in summary and "lead 50%" in summary and "HTTP errors:          503 3" in summary


def test_zero_records_is_a_warning(report, caplog):
    ext, spider, stats = report
    with caplog.at_level(logging.INFO, logger="newscrawler.crawl.quality"):
        ext.spider_closed(spider, "finished")
    assert stats.get_value("newscrawler/quality/ok") is False
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["Data quality check failed: the crawl emitted no records"]


@pytest.mark.parametrize("field", ["title", "published_at", "body"])
def test_required_field_below_full_coverage_names_the_field(report, caplog, field):
    ext, spider, stats = report
    for i in range(3):
        ext.item_scraped(record(article_id=i, **({field: None} if i == 2 else {})), spider)
    with caplog.at_level(logging.WARNING, logger="newscrawler.crawl.quality"):
        ext.spider_closed(spider, "finished")
    assert stats.get_value(f"newscrawler/quality/coverage/{field}") == 0.6667
    assert stats.get_value("newscrawler/quality/ok") is False
    assert [r.getMessage() for r in caplog.records] == [
        f"Data quality check failed: {field} is empty in 1 of 3 records (coverage 66.7%, required 100%)"]


def test_wrong_types_and_unfinished_crawl_are_warnings(report, caplog):
    ext, spider, stats = report
    ext.item_scraped(record(views="12 345", top_story="yes", tags="a, b"), spider)
    with caplog.at_level(logging.WARNING, logger="newscrawler.crawl.quality"):
        ext.spider_closed(spider, "shutdown")
    messages = [r.getMessage() for r in caplog.records]
    assert "Data quality check failed: views has the wrong type in 1 records" in messages
    assert "Data quality check failed: tags has the wrong type in 1 records" in messages
    assert "Data quality check failed: top_story has the wrong type in 1 records" in messages
    assert "Data quality check failed: the crawl did not finish normally (finish reason: shutdown)" in messages
    assert stats.get_value("newscrawler/quality/type_errors/views") == 1


# --- in real crawls ---------------------------------------------------------------------------------------

def test_every_crawl_ends_with_the_report_in_its_log_and_stats(replica_server, tmp_path):
    result = run_crawl(replica_server.base_url, tmp_path, "rubrics=narnews", cwd=tmp_path)
    assert result.returncode == 0
    assert "Data quality report for kp40 (finish reason: finished)" in result.log
    assert "records emitted:      1" in result.log
    stats = result.stats
    assert stats["newscrawler/quality/records"] == 1
    assert stats["newscrawler/quality/coverage/body"] == 1.0
    assert stats["newscrawler/quality/ok"] is True
    # and it is in Scrapy's own stats dump at the end of the log (what scrapyd keeps)
    dump = result.log[result.log.index("Dumping Scrapy stats"):]
    assert "'newscrawler/quality/coverage/title': 1.0" in dump


def test_crawl_that_emits_nothing_ends_with_a_warning(tmp_path):
    overrides = {"/narnews/": {"body": "<html><body><p>Технические работы</p></body></html>"}}
    server = ReplicaServer(Replica(overrides=overrides)).start()
    try:
        result = run_crawl(server.base_url, tmp_path, "rubrics=narnews", cwd=tmp_path)
    finally:
        server.stop()
    assert result.returncode == 0
    assert result.items == []
    assert "WARNING: Data quality check failed: the crawl emitted no records" in result.log
    assert result.stats["newscrawler/quality/ok"] is False


def test_missing_required_fields_in_emitted_records_are_named(tmp_path):
    """With validation switched off, records lacking title/date go out — and the report names both fields."""
    overrides = {article_path(43812): {"body": unreadable_date(page(43812))},
                 article_path(47680): {"body": without_title(page(47680))}}
    server = ReplicaServer(Replica(overrides=overrides)).start()
    try:
        result = run_crawl(server.base_url, tmp_path, cwd=tmp_path,
                           settings={"ITEM_PIPELINES": '{"newscrawler.crawl.pipelines.ValidateArticle": null}'})
    finally:
        server.stop()
    assert result.returncode == 0, result.log[-2000:]
    n = len(result.items)
    assert n > 40
    assert (f"WARNING: Data quality check failed: title is empty in 1 of {n} records" in result.log)
    assert (f"WARNING: Data quality check failed: published_at is empty in 1 of {n} records" in result.log)
    assert result.stats["newscrawler/quality/coverage/title"] == round((n - 1) / n, 4)
    assert result.stats["newscrawler/quality/problems"]
