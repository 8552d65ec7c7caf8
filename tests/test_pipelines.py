"""Validation and deduplication pipelines, driven directly with items (no engine)."""

import pytest
from scrapy.exceptions import DropItem
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from newscrawler.items import ArticleItem
from newscrawler.crawl.pipelines import DeduplicateArticles, StripTrailingWidgets, ValidateArticle
from newscrawler.crawl.seen_store import SeenStore, content_hash


def article(article_id=1, rubric="invest", title="Заголовок", body="Первый абзац.\n\nВторой абзац.", **extra):
    return ArticleItem(publisher="kp40", url=f"https://www.kp40.ru/news/{rubric}/{article_id}/", article_id=article_id,
                       rubric=rubric, title=title, body=body, published_at="2021-04-27T14:48:00+03:00",
                       authors=[], tags=[], **extra)


@pytest.fixture
def stats():
    return MemoryStatsCollector(get_crawler())


def test_validation_drops_and_counts_each_missing_field(stats):
    pipeline = ValidateArticle(stats)
    assert pipeline.process_item(article()) is not None
    for field in ("title", "body", "published_at", "url"):
        item = article()
        item[field] = None
        with pytest.raises(DropItem, match=f"missing_{field}"):
            pipeline.process_item(item)
        assert stats.get_value(f"newscrawler/dropped/missing_{field}") == 1


def test_dedup_within_a_run(stats):
    pipeline = DeduplicateArticles(stats, store=None)
    pipeline.process_item(article(1))
    with pytest.raises(DropItem):
        pipeline.process_item(article(1))
    with pytest.raises(DropItem):  # re-published under another id in another rubric: same story
        pipeline.process_item(article(2, rubric="society"))
    pipeline.process_item(article(3, body="Другой текст."))
    assert stats.get_value("newscrawler/duplicates/same_article") == 1
    assert stats.get_value("newscrawler/duplicates/same_text_other_id") == 1


def test_dedup_across_runs_uses_the_store(stats, tmp_path):
    earlier = SeenStore(tmp_path / "seen.sqlite3")
    earlier.mark("kp40", 1, "https://www.kp40.ru/news/invest/1/", content_hash("Заголовок", "Первый абзац.\n\nВторой абзац."))
    earlier.close()
    store = SeenStore(tmp_path / "seen.sqlite3")
    pipeline = DeduplicateArticles(stats, store=store)
    with pytest.raises(DropItem):
        pipeline.process_item(article(1))
    with pytest.raises(DropItem):
        pipeline.process_item(article(7, rubric="society"))
    assert pipeline.process_item(article(8, body="Новое.")) is not None
    assert stats.get_value("newscrawler/duplicates/written_by_earlier_run") == 1
    assert stats.get_value("newscrawler/duplicates/same_text_written_by_earlier_run") == 1


def test_strip_trailing_widgets_cleans_text_fields_and_counts(stats):
    item = article(body="Абзац статьи.\n\nЛента настроения\n\n21 оценили\n\nОбсудить новость")
    StripTrailingWidgets(stats).process_item(item)
    assert item["body"] == "Абзац статьи."
    assert stats.get_value("newscrawler/widget_noise_stripped/body") == 1


def test_dedup_keeps_near_identical_articles_of_different_outlets(stats):
    pipeline = DeduplicateArticles(stats, store=None)
    pipeline.process_item(article(1))
    other = article(1)
    other["publisher"], other["url"] = "vest", "https://www.vest-news.ru/news/1"
    assert pipeline.process_item(other) is other  # same id number and text, another outlet: its own record


def test_with_a_store_the_run_keeps_only_records_in_flight_in_memory(stats, tmp_path):
    """The store answers within-run duplicates too (each record is marked right after it is written), so a
    full-archive crawl holds only the keys of records in flight; the stats still tell this run from earlier ones."""
    store = SeenStore(tmp_path / "seen.sqlite3")
    pipeline = DeduplicateArticles(stats, store=store)
    first = pipeline.process_item(article(1))
    store.mark("kp40", 1, first["url"], content_hash(first["title"], first["body"]))  # as MarkSeenAfterExport does
    with pytest.raises(DropItem):
        pipeline.process_item(article(1))
    with pytest.raises(DropItem):
        pipeline.process_item(article(2, rubric="society"))
    assert len(pipeline.keys) == 1 and pipeline.keys.limit == DeduplicateArticles.IN_FLIGHT  # bounded
    assert stats.get_value("newscrawler/duplicates/same_article") == 1
    assert stats.get_value("newscrawler/duplicates/same_text_other_id") == 1
    assert store.written_by("kp40", 2, "https://www.kp40.ru/news/society/2/") == store.run_id  # the copy is known


def test_recent_keys_forget_the_oldest():
    from newscrawler.crawl.recent_keys import RecentKeys

    keys = RecentKeys(limit=2)
    for key in ("a", "b", "c"):
        keys.add(key)
    assert "a" not in keys and "b" in keys and "c" in keys and len(keys) == 2


def test_a_copy_of_an_article_not_yet_written_is_not_remembered(stats, tmp_path):
    """A crawl killed between the twin's pipelines and its line must not leave the copy marked as written:
    the next run would then drop the twin as the copy's duplicate and neither would ever be written."""
    store = SeenStore(tmp_path / "seen.sqlite3")
    pipeline = DeduplicateArticles(stats, store=store)
    pipeline.process_item(article(1))  # passed, not yet written (not marked)
    with pytest.raises(DropItem):
        pipeline.process_item(article(2, rubric="society"))
    assert store.written_by("kp40", 2, "https://www.kp40.ru/news/society/2/") is None
    store.close()
    next_run = DeduplicateArticles(stats, store=SeenStore(tmp_path / "seen.sqlite3"))
    assert next_run.process_item(article(1)) is not None  # the twin is written by the next run
    with pytest.raises(DropItem):
        next_run.process_item(article(2, rubric="society"))
    next_run.item_scraped(article(1))  # the twin's line is written: now the copy is remembered
    assert next_run.store.written_by("kp40", 2, "https://www.kp40.ru/news/society/2/") is not None


def test_the_dupefilter_remembers_recent_requests_only(tmp_path):
    from scrapy import Request

    from newscrawler.crawl.dupefilter import RecentRequestsDupeFilter

    crawler = get_crawler(settings_dict={"DUPEFILTER_MAX_FINGERPRINTS": 3,
                                         "DUPEFILTER_CLASS": "newscrawler.crawl.dupefilter.RecentRequestsDupeFilter"})
    dupefilter = RecentRequestsDupeFilter.from_crawler(crawler)
    urls = [f"https://www.kp40.ru/news/society/{n}/" for n in range(5)]
    assert not any(dupefilter.request_seen(Request(url)) for url in urls)
    assert dupefilter.request_seen(Request(urls[-1]))  # recent: filtered
    assert not dupefilter.request_seen(Request(urls[0]))  # forgotten: memory stays bounded
    assert len(dupefilter._fingerprints) == 3
    with_jobdir = RecentRequestsDupeFilter.from_crawler(get_crawler(settings_dict={"JOBDIR": str(tmp_path)}))
    assert isinstance(with_jobdir._fingerprints, set)  # a resumable crawl keeps every fingerprint
    with_jobdir.close("finished")
