"""``scrapy crawl site``: a news site without a profile, crawled from what it announces.

The three outlet replicas are crawled as if they had no profile (``origin=`` their real origin): only their
real articles come out. The WordPress-like site under ``tests/wordpress_site`` (written for this test) is
crawled completely: every post with the exact title, date and author written there, nothing else, no
widget or comment text; a repeat crawl writes nothing. Hostile pages cost a counted stat, never the crawl.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.conftest import run_crawl
from tests.replica_server import SITE_DIR, Replica, ReplicaServer

TESTS = Path(__file__).resolve().parent
WORDPRESS = TESTS / "wordpress_site"
WP_ORIGIN = "https://oka-vestnik.example"


def expected(root: Path) -> dict[str, dict]:
    with open(root / "expected.jsonl", encoding="utf-8") as f:
        return {rec["url"]: rec for rec in map(json.loads, f)}


def served(root: Path, overrides: dict | None = None) -> ReplicaServer:
    return ReplicaServer(Replica(root=root, overrides=overrides or {})).start()


# Measured share of each replica's expected articles the site spider finds with no profile (kp40: 47 of 48,
# the 48th is the re-published copy the pipeline drops by its text; vest 12/12; kaluga24 12/12).
REPLICAS = [
    pytest.param(SITE_DIR, "https://www.kp40.ru", 0.95, id="kp40"),
    pytest.param(TESTS / "publishers" / "vest", "https://www.vest-news.ru", 1.0, id="vest"),
    pytest.param(TESTS / "publishers" / "kaluga24", "https://kaluga24.tv", 1.0, id="kaluga24"),
]


@pytest.mark.parametrize("root, origin, floor", REPLICAS)
def test_replica_without_profile_gives_its_articles_only(tmp_path, root, origin, floor):
    truth = expected(root)
    server = served(root)
    try:
        result = run_crawl(server.base_url, tmp_path, f"origin={origin}", spider="site")
    finally:
        server.stop()
    assert result.returncode == 0, result.log[-3000:]
    urls = [item["url"] for item in result.items]
    assert len(urls) == len(set(urls))
    for item in result.items:
        assert item["url"] in truth, f"not an article of the replica: {item['url']}"
        assert item["title"] == truth[item["url"]]["title"]
        assert item["body"] and item["published_at"]
        assert item["extraction"] == "generic"
        assert item["publisher"] == origin.split("//")[1].removeprefix("www.")
    assert len(set(urls)) >= floor * len(truth), f"found {len(set(urls))} of {len(truth)}"
    skipped = {k: v for k, v in result.stats.items() if k.startswith("newscrawler/site/skipped/")}
    assert skipped, "the non-article pages it met are counted"


def test_wordpress_site_complete_exact_and_incremental(tmp_path):
    truth = expected(WORDPRESS)
    server = served(WORDPRESS)
    try:
        first = run_crawl(server.base_url, tmp_path, f"origin={WP_ORIGIN}", spider="site", output_name="first.jsonl")
        before = len(server.request_log)
        second = run_crawl(server.base_url, tmp_path, f"origin={WP_ORIGIN}", spider="site", output_name="second.jsonl")
        repeat_requests = server.request_log[before:]
    finally:
        server.stop()
    assert first.returncode == 0, first.log[-3000:]
    assert sorted(item["url"] for item in first.items) == sorted(truth)
    for item in first.items:
        want = truth[item["url"]]
        assert (item["title"], item["published_at"], item["authors"]) == (
            want["title"], want["published_at"], want["authors"])
        assert item["body"] == want["body"]
        assert item["publisher"] == "oka-vestnik.example" and item["article_id"] is None
        for noise in ("ВИДЖЕТ", "КОММЕНТАРИЙ", "Свежие записи", "Добавить комментарий", "Метки"):
            assert noise not in item["body"]
    stats = first.stats
    for reason, count in (("category", 2), ("tag", 2), ("author", 2), ("static", 1)):
        assert stats.get(f"newscrawler/site/skipped/{reason}") == count, reason
    assert stats.get("newscrawler/site/feeds_found") == 1

    assert second.returncode == 0, second.log[-3000:]
    assert second.items == []
    targets = [r["target"] for r in repeat_requests]
    assert not [t for t in targets if t.startswith("/2024/")], "no article fetched again"
    assert not [t for t in targets if t.startswith(("/tag/", "/author/", "/about/"))], "no known non-article again"
    assert len(targets) <= 15, targets


def _bad_pages() -> dict:
    """Hostile pages at article-shaped URLs of the WordPress site, listed by its post sitemap."""
    good = (WORDPRESS / "files" / "2024/03/04/v-kaluge-otkryli-most/index.html").read_text(encoding="utf-8")
    html = "text/html; charset=UTF-8"
    nested = "<html><head><title>Глубоко</title></head><body>" + "<div>" * 100_000 + "текст" + "</div>" * 100_000
    ld_garbage = good.replace('<script type="application/ld+json" class="yoast-schema-graph">',
                              '<script type="application/ld+json">' + "[" * 50_000 + "</script>"
                              '<script type="application/ld+json">{"@type": [[1]], "headline": {"x": 1}}</script>'
                              '<script type="application/ld+json" class="yoast-schema-graph">')
    ld_garbage = ld_garbage.replace("/2024/03/04/v-kaluge-otkryli-most/", "/2024/07/01/ld-garbage/")
    bomb = gzip.compress(b"<html><body>" + b"<p>aaaa</p>" * 3_000_000 + b"</body></html>")
    return {
        "/2024/07/01/nested/": {"body": nested + "</body></html>", "content_type": html},
        "/2024/07/01/nul-bytes/": {"body": good.replace("<body", "\x00\x00<body"), "content_type": html},
        "/2024/07/01/binary/": {"body": bytes(range(256)) * 64, "content_type": html},
        "/2024/07/01/huge/": {"body": "<html><body>" + "<p>много текста</p>" * 200_000 + "</body></html>",
                              "content_type": html},
        "/2024/07/01/gzip-bomb/": {"body": bomb, "content_type": html, "headers": {"Content-Encoding": "gzip"}},
        "/2024/07/01/ld-garbage/": {"body": ld_garbage, "content_type": html},
    }


def test_hostile_pages_are_counted_and_the_crawl_goes_on(tmp_path):
    bad = _bad_pages()
    sitemap = (WORDPRESS / "files" / "wp-sitemap-posts-post-1.xml").read_text(encoding="utf-8")
    extra = "".join(f"<url><loc>{{{{BASE}}}}{path}</loc></url>" for path in bad)
    overrides = {**bad, "/wp-sitemap-posts-post-1.xml": {
        "body": sitemap.replace("</urlset>", extra + "</urlset>"), "content_type": "application/xml"}}
    server = served(WORDPRESS, overrides)
    try:
        result = run_crawl(server.base_url, tmp_path, f"origin={WP_ORIGIN}", spider="site",
                           settings={"DOWNLOAD_MAXSIZE": str(2_000_000)})
    finally:
        server.stop()
    assert result.returncode == 0, result.log[-3000:]
    assert "Traceback" not in result.log
    urls = {item["url"] for item in result.items}
    assert set(expected(WORDPRESS)) <= urls
    assert urls == set(expected(WORDPRESS))
    stats = result.stats
    # The page with garbage JSON-LD is still read as an article (its theme markup says so), and dropped as a
    # copy of the post whose text it carries.
    assert stats.get("newscrawler/articles/parsed") == len(expected(WORDPRESS)) + 1
    assert stats.get("newscrawler/duplicates/same_text_other_id") == 1
    assert stats.get("newscrawler/bad_response/article_binary") == 2  # bytes, and a page with NULs
    assert stats.get("newscrawler/request_failed/larger_than_download_maxsize") == 1  # huge page
    assert stats.get("newscrawler/request_failed/decompressed_larger_than_download_maxsize") == 1  # gzip bomb
    skipped = sum(v for k, v in stats.items() if k.startswith("newscrawler/site/skipped/"))
    assert skipped >= 8  # 7 pages of the site + the nested page at least
