"""The cross-run store of written articles."""

import sqlite3

from newscrawler.crawl.seen_store import SeenStore, content_hash


def test_marks_survive_reopening_and_answer_by_id_url_and_text(tmp_path):
    path = tmp_path / "state" / "seen.sqlite3"
    store = SeenStore(path)
    digest = content_hash("Заголовок", "Текст  статьи")
    store.mark(80456, "https://www.kp40.ru/news/invest/80456/", digest)
    store.mark(80456, "https://www.kp40.ru/news/invest/80456/", digest)  # idempotent
    store.close()

    store = SeenStore(path)
    assert len(store) == 1
    assert store.has_article(80456) and not store.has_article(1)
    assert store.has_url("https://www.kp40.ru/news/invest/80456/")
    assert store.has_content(content_hash("Заголовок", "Текст статьи"))  # whitespace-insensitive
    assert not store.has_content(content_hash("Заголовок", "Другой текст"))
    store.close()
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_failed_articles_are_offered_again_until_written_or_given_up(tmp_path):
    store = SeenStore(tmp_path / "seen.sqlite3")
    store.note_failure(13330, "/news/crime/13330/", "http_503")
    store.note_failure(404, "/news/crime/404/", "http_404")
    assert sorted(store.failed_articles(max_runs=3)) == [(404, "/news/crime/404/"), (13330, "/news/crime/13330/")]

    store.mark(13330, "https://www.kp40.ru/news/crime/13330/", "digest")  # written by a later run
    store.note_failure(404, "/news/crime/404/", "http_404")
    assert store.failed_articles(max_runs=3) == [(404, "/news/crime/404/")]
    store.note_failure(404, "/news/crime/404/", "http_404")  # third failed run: gone for good
    assert store.failed_articles(max_runs=3) == []
    store.close()
