"""The seen store's contract, held by both backends: the SQLite file (one machine) and Redis (shared crawls)."""

from __future__ import annotations

import pytest

from newscrawler.crawl.seen_store import SeenStore, content_hash
from newscrawler.profile import ArticleRef

KP40_URL = "https://www.kp40.ru/news/invest/80456/"
VEST_URL = "https://www.vest-news.ru/news/80456"


@pytest.fixture(params=["sqlite", "redis"])
def open_store(request, tmp_path):
    """A function opening the store of a new run (the same state every time)."""
    if request.param == "sqlite":
        yield lambda: SeenStore(tmp_path / "seen.sqlite3")
        return
    from newscrawler.crawl.redis_store import RedisSeenStore, connect

    server = request.getfixturevalue("redis_server")
    client = connect(server.url)
    yield lambda: RedisSeenStore(client, prefix="contract")
    client.close()


def test_written_articles_are_known_by_id_url_and_text(open_store):
    store = open_store()
    digest = content_hash("Заголовок", "Текст")
    store.mark("kp40", 80456, KP40_URL, digest)
    store.mark("kp40", 80456, KP40_URL, digest)  # idempotent
    later = open_store()
    assert len(later) == 1
    assert later.has_article("kp40", 80456) and not later.has_article("vest", 80456)
    assert later.has_url(KP40_URL) and not later.has_url(VEST_URL)
    assert later.knows(ArticleRef("kp40", KP40_URL, None))
    assert later.has_content("kp40", digest) and not later.has_content("vest", digest)
    assert later.written_by("kp40", 80456, KP40_URL) is not None
    assert later.written_by("vest", 80456, VEST_URL) is None
    assert later.text_written_by("kp40", digest) is not None
    assert later.claim("vest", 80456, VEST_URL, digest) == "ok"
    assert ("kp40", 80456) in later.article_keys()


def test_failed_articles_come_back_until_written_gone_or_given_up(open_store):
    store = open_store()
    failing, removed, written = (f"https://www.kp40.ru/news/crime/{i}/" for i in (1, 2, 3))
    for url in (failing, removed, written):
        store.note_failure("kp40", url, "http_503")
    store.note_gone("kp40", removed, 404)
    store.mark("kp40", 3, written, None)
    assert store.failed_articles("kp40", max_runs=3) == [failing]
    assert store.is_gone("kp40", removed) and not store.is_gone("kp40", failing)
    assert store.failed_articles("vest", max_runs=3) == []
    store.note_failure("kp40", failing, "http_503")
    store.note_failure("kp40", failing, "http_503")  # the third failed run: given up
    assert store.failed_articles("kp40", max_runs=3) == []


def test_pages_that_are_no_articles_and_articles_without_an_id(open_store):
    store = open_store()
    store.note_not_article("example.org", "https://example.org/tag/x/", "listing")
    assert store.is_not_article("example.org", "https://example.org/tag/x/")
    assert not store.is_not_article("example.org", "https://example.org/about/")
    store.mark("example.org", None, "https://example.org/a-story/", "d1")
    store.mark("example.org", None, "https://example.org/b-story/", "d2")  # null ids never collide
    later = open_store()
    assert later.has_url("https://example.org/a-story/") and later.has_url("https://example.org/b-story/")
    assert later.written_by("example.org", None, "https://example.org/b-story/") is not None
    assert later.written_by("example.org", None, "https://example.org/c-story/") is None
