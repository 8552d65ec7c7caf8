"""The cross-run store of written articles, keyed by (publisher, article_id)."""

import sqlite3

from newscrawler.crawl.seen_store import SeenStore, content_hash
from newscrawler.profile import ArticleRef

URL = "https://www.kp40.ru/news/invest/80456/"


def test_marks_survive_reopening_and_answer_by_id_url_and_text(tmp_path):
    path = tmp_path / "state" / "seen.sqlite3"
    store = SeenStore(path)
    digest = content_hash("Заголовок", "Текст  статьи")
    store.mark("kp40", 80456, URL, digest)
    store.mark("kp40", 80456, URL, digest)  # idempotent
    store.close()

    store = SeenStore(path)
    assert len(store) == 1
    assert store.has_article("kp40", 80456) and not store.has_article("kp40", 1)
    assert not store.has_article("vest", 80456)  # another outlet's id space
    assert store.has_url(URL)
    assert store.knows(ArticleRef("kp40", URL, 80456)) and not store.knows(ArticleRef("vest", "https://www.vest-news.ru/news/80456", 80456))
    assert store.knows(ArticleRef("kp40", URL, None))  # an id-less URL is known by the URL
    assert store.has_content("kp40", content_hash("Заголовок", "Текст статьи"))  # whitespace-insensitive
    assert not store.has_content("vest", content_hash("Заголовок", "Текст статьи"))
    assert not store.has_content("kp40", content_hash("Заголовок", "Другой текст"))
    store.close()
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_failed_articles_are_offered_again_until_written_or_given_up(tmp_path):
    store = SeenStore(tmp_path / "seen.sqlite3")
    crime, gone = "https://www.kp40.ru/news/crime/13330/", "https://www.kp40.ru/news/crime/404/"
    store.note_failure("kp40", crime, "http_503")
    store.note_failure("kp40", gone, "http_404")
    store.note_failure("vest", "https://www.vest-news.ru/news/1", "http_503")
    assert sorted(store.failed_articles("kp40", max_runs=3)) == [crime, gone]

    store.mark("kp40", 13330, crime, "digest")  # written by a later run
    store.note_failure("kp40", gone, "http_404")
    assert store.failed_articles("kp40", max_runs=3) == [gone]
    store.note_failure("kp40", gone, "http_404")  # third failed run: gone for good
    assert store.failed_articles("kp40", max_runs=3) == []
    assert store.failed_articles("vest", max_runs=3) == ["https://www.vest-news.ru/news/1"]
    store.close()


def test_a_store_of_the_single_outlet_version_is_migrated_to_kp40(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE seen_articles (article_id INTEGER PRIMARY KEY, url TEXT NOT NULL, content_hash TEXT,
                                    written_at TEXT NOT NULL);
        CREATE TABLE failed_articles (article_id INTEGER PRIMARY KEY, path TEXT NOT NULL, failed_runs INTEGER NOT NULL,
                                      last_reason TEXT, last_failed_at TEXT NOT NULL);
        INSERT INTO seen_articles VALUES (80456, 'https://www.kp40.ru/news/invest/80456/', 'h', '2026-01-01');
        INSERT INTO failed_articles VALUES (13330, '/news/crime/13330/', 1, 'http_503', '2026-01-01');
    """)
    old.commit()
    old.close()
    store = SeenStore(path)
    assert store.has_article("kp40", 80456) and len(store) == 1
    assert store.failed_articles("kp40", 3) == ["https://www.kp40.ru/news/crime/13330/"]
    store.close()
    assert SeenStore(path).has_article("kp40", 80456)  # reopening does not migrate twice
