"""kaluga24.tv («Калуга 24», WordPress): the profile against the saved replica in this directory.

Page replays (every saved article page and its AMP copy through the parser, field by field against
``expected.jsonl``), bad input, and end-to-end crawls of the replica served on 127.0.0.1.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request

from newscrawler.extraction.article import parse_article
from newscrawler.publishers import REGISTRY
from newscrawler.publishers.kaluga24 import Kaluga24
from tests.conftest import CrawlResult, run_crawl
from tests.replica_server import Replica, ReplicaServer

HERE = Path(__file__).resolve().parent
MANIFEST = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
EXPECTED = [json.loads(line) for line in (HERE / "expected.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BY_URL = {record["url"]: record for record in EXPECTED}
BY_ID = {record["article_id"]: record for record in EXPECTED}
NOISE = json.loads((HERE / "noise.json").read_text(encoding="utf-8"))
REPLICA_HOST = "http://127.0.0.1:8080"
IGNORED = ("crawled_at", "extraction", "story_id")
LOCAL = frozenset({"127.0.0.1"})

#: Saved article pages (and AMP copies): the request targets that serve HTML under /news/ or /life/.
ARTICLE_TARGETS = sorted(target for target, entry in MANIFEST.items()
                         if entry.get("file", "").startswith(("news/", "life/")))
AMP_TARGETS = [target for target in ARTICLE_TARGETS if target.endswith("/amp/")]


def page(target: str, body: bytes | None = None) -> HtmlResponse:
    url = REPLICA_HOST + target
    if body is None:
        body = (HERE / "files" / MANIFEST[target]["file"]).read_bytes()
    return HtmlResponse(url, body=body, encoding="utf-8", request=Request(url))


def parsed(target: str, body: bytes | None = None) -> dict:
    return dict(parse_article(page(target, body), Kaluga24, extra_hosts=LOCAL))


def comparable(record: dict) -> dict:
    return {k: v for k, v in record.items() if k in BY_ID[next(iter(BY_ID))] and k not in IGNORED}


def field_diffs(got: dict, want: dict) -> dict:
    return {k: (got.get(k), v) for k, v in want.items() if k not in IGNORED and got.get(k) != v}


def strings_of(record: dict):
    for value in record.values():
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            yield from (v for v in value if isinstance(v, str))


# --- the profile --------------------------------------------------------------------------------------

def test_registered():
    assert REGISTRY.get("kaluga24") is Kaluga24
    assert set(Kaluga24.sources()) == {"listing", "rss", "sitemap"}


@pytest.mark.parametrize("path, url, article_id", [
    ("/news/051980", "https://kaluga24.tv/news/051980", 51980),
    ("/news/51980", "https://kaluga24.tv/news/051980", 51980),
    ("/news/051980/", "https://kaluga24.tv/news/051980", 51980),
    ("/news/051980/amp/", "https://kaluga24.tv/news/051980", 51980),
    ("https://kaluga24.tv/news/051980?utm_source=rss&utm_medium=rss", "https://kaluga24.tv/news/051980", 51980),
    ("/news/1234567", "https://kaluga24.tv/news/1234567", 1234567),
    ("/news/v-kaluge-startovala-akciya-chistyj-bereg", "https://kaluga24.tv/news/v-kaluge-startovala-akciya-chistyj-bereg", None),
    ("/news/v-kaluge-startovala-akciya-chistyj-bereg/amp/", "https://kaluga24.tv/news/v-kaluge-startovala-akciya-chistyj-bereg", None),
    ("/life/kak-vybrat-elku", "https://kaluga24.tv/life/kak-vybrat-elku/", None),
    ("/life/kak-vybrat-elku/amp/", "https://kaluga24.tv/life/kak-vybrat-elku/", None),
])
def test_article_urls(path, url, article_id):
    ref = Kaluga24.article_ref(path, LOCAL)
    assert (ref.url, ref.article_id) == (url, article_id)


@pytest.mark.parametrize("path", ["/home/news", "/home/news/page/2", "/tag/zhkx", "/news/", "/feed/",
                                  "https://kp40.ru/news/051980", "/live"])
def test_not_article_urls(path):
    assert Kaluga24.article_ref(path, LOCAL) is None


# --- page replays -----------------------------------------------------------------------------------

def test_every_expected_article_is_saved():
    found = {parsed(target)["article_id"] for target in ARTICLE_TARGETS}
    assert found == set(BY_ID)


@pytest.mark.parametrize("target", ARTICLE_TARGETS)
def test_replay_matches_expected(target):
    item = parsed(target)
    want = BY_ID[item["article_id"]]
    assert field_diffs(item, want) == {}
    assert item["identity_conflicts"] == [] and item["reader_errors"] == []
    assert item["extraction"] == "site", item["fallback_fields"]


@pytest.mark.parametrize("target", AMP_TARGETS)
def test_amp_copy_gives_the_same_record(target):
    amp, full = parsed(target), parsed(target[: -len("/amp/")])
    assert field_diffs(amp, {k: v for k, v in full.items() if k in BY_ID[full["article_id"]]}) == {}


@pytest.mark.parametrize("target", ARTICLE_TARGETS)
def test_no_widget_text_in_any_field(target):
    item = parsed(target)
    for text in strings_of(item):
        for noise in NOISE:
            assert noise not in text, (target, noise)


# --- identity and bad input -------------------------------------------------------------------------

def _with_canonical(target: str, href: str) -> bytes:
    body = (HERE / "files" / MANIFEST[target]["file"]).read_text(encoding="utf-8")
    body = body.replace('href="https://kaluga24.tv/news/071230"', f'href="{href}"')
    body = body.replace('content="https://kaluga24.tv/news/071230"', f'content="{href}"')
    return body.encode("utf-8")


@pytest.mark.parametrize("claimed", ["https://kaluga24.tv/news/051980", "https://www.kp40.ru/news/society/12345/",
                                     "https://kaluga24.tv/news/v-kaluge-startovala-akciya-chistyj-bereg"])
def test_foreign_canonical_keeps_fetched_identity(claimed):
    item = parsed("/news/071230", _with_canonical("/news/071230", claimed))
    assert (item["url"], item["article_id"]) == ("https://kaluga24.tv/news/071230", 71230)
    assert claimed in item["identity_conflicts"]
    assert field_diffs(item, BY_ID[71230]) == {}


def test_archive_page_names_its_id():
    target = "/news/v-kaluge-startovala-akciya-chistyj-bereg"
    item = parsed(target + "?utm_source=rss", (HERE / "files" / MANIFEST[target]["file"]).read_bytes())
    assert (item["url"], item["article_id"]) == ("https://kaluga24.tv" + target, 1832)
    assert item["identity_conflicts"] == []


def test_amp_page_without_canonical_link():
    body = (HERE / "files" / MANIFEST["/news/071230/amp/"]["file"]).read_text(encoding="utf-8")
    body = "\n".join(line for line in body.splitlines() if 'rel="canonical"' not in line)
    assert "canonical" not in body
    item = parsed("/news/071230/amp/", body.encode("utf-8"))
    assert field_diffs(item, BY_ID[71230]) == {}
    assert item["identity_conflicts"] == []


def test_ten_digit_id_is_an_id_and_a_canonical_naming_another_article_is_not_believed():
    assert Kaluga24.article_ref("/news/1234567890").article_id == 1234567890  # post ids only grow
    body = (HERE / "files" / MANIFEST["/news/071230"]["file"]).read_bytes()
    item = parsed("/news/1234567890", body)  # the page's canonical names /news/071230: another article
    assert (item["article_id"], item["url"]) == (1234567890, "https://kaluga24.tv/news/1234567890")
    assert item["identity_conflicts"]


def test_page_without_article_markup():
    item = parsed("/news/051980", b"<html><head><title>x</title></head><body><p>nothing</p></body></html>")
    assert item["article_id"] == 51980 and item["title"] in ("x", None)


# --- end-to-end crawls of the replica ----------------------------------------------------------------

def run_outlet_crawl(slug: str, base_url: str, workdir: Path, *spider_args: str, settings: dict | None = None,
                     output_name: str = "out.jsonl", timeout: float = 180) -> CrawlResult:
    """``scrapy crawl <slug> -a base_url=… -O out.jsonl`` in a subprocess, the seen store in ``workdir``."""
    return run_crawl(base_url, workdir, *spider_args, settings={"CONCURRENT_REQUESTS_PER_DOMAIN": "2", **(settings or {})},
                     output_name=output_name, timeout=timeout, spider=slug)


@pytest.fixture
def server():
    started = ReplicaServer(Replica(root=HERE)).start()
    yield started
    started.stop()


def _assert_records_expected(items: list[dict]) -> None:
    ids = [item["article_id"] for item in items]
    assert len(ids) == len(set(ids)), "an article was written twice"
    for item in items:
        assert next(iter(item)) == "publisher"
        assert field_diffs(item, BY_ID[item["article_id"]]) == {}
        for text in strings_of(item):
            assert not any(noise in text for noise in NOISE), text


def test_full_crawl_then_repeat(server, tmp_path):
    first = run_outlet_crawl("kaluga24", server.base_url, tmp_path)
    assert first.returncode == 0, first.log[-3000:]
    assert sorted(item["article_id"] for item in first.items) == sorted(BY_ID)
    _assert_records_expected(first.items)
    assert not any(t.endswith("/amp/") for t in server.requests_for())

    server.request_log.clear()
    again = run_outlet_crawl("kaluga24", server.base_url, tmp_path, output_name="again.jsonl")
    assert again.returncode == 0, again.log[-3000:]
    assert again.items == []
    assert len(server.request_log) <= 3, server.requests_for()
    assert set(server.requests_for()) <= {"/robots.txt", "/home/news"}


def test_rss_crawl(server, tmp_path):
    result = run_outlet_crawl("kaluga24", server.base_url, tmp_path, "source=rss")
    assert result.returncode == 0, result.log[-3000:]
    feed = (HERE / "files" / "feed" / "index.xml").read_text(encoding="utf-8")
    assert len(result.items) == feed.count("<item>") > 0
    _assert_records_expected(result.items)


def test_sitemap_crawl(server, tmp_path):
    result = run_outlet_crawl("kaluga24", server.base_url, tmp_path, "source=sitemap")
    assert result.returncode == 0, result.log[-3000:]
    assert sorted(item["article_id"] for item in result.items) == sorted(BY_ID)
    _assert_records_expected(result.items)


def test_rubric_crawl(server, tmp_path):
    result = run_outlet_crawl("kaluga24", server.base_url, tmp_path, "rubrics=zhkx")
    assert result.returncode == 0, result.log[-3000:]
    want = {r["article_id"] for r in EXPECTED if r["rubric"] == "zhkx"}
    assert {item["article_id"] for item in result.items} == want and want
    _assert_records_expected(result.items)
    assert "/home/news" not in server.requests_for()


def test_max_pages(server, tmp_path):
    result = run_outlet_crawl("kaluga24", server.base_url, tmp_path, "max_pages=1")
    assert result.returncode == 0, result.log[-3000:]
    assert 0 < len(result.items) < len(EXPECTED)
    _assert_records_expected(result.items)
    assert not any(t.startswith("/home/news/page/") for t in server.requests_for())


def test_redirect_loop_is_counted_not_fatal(tmp_path):
    replica = Replica(root=HERE, overrides={
        "/news/071230": {"status": 301, "location": "/?p=71230"},
        "/?p=71230": {"status": 301, "location": "/news/071230"},
    })
    looping = ReplicaServer(replica).start()
    try:
        result = run_outlet_crawl("kaluga24", looping.base_url, tmp_path)
    finally:
        looping.stop()
    assert result.returncode == 0, result.log[-3000:]
    assert result.stats.get("newscrawler/request_failed/redirect_loop", 0) >= 1, result.stats
    assert sorted(item["article_id"] for item in result.items) == sorted(set(BY_ID) - {71230})
    assert "Traceback" not in result.log


# --- layout variants the saved pages do not all show --------------------------------------------------

def _archive_variant() -> bytes:
    target = "/news/chast-kalugi-ostanetsya-bez-sveta-15-marta"
    body = (HERE / "files" / MANIFEST[target]["file"]).read_text(encoding="utf-8")
    body = body.replace('<div class="entry-content">\n', '<div class="entry-content">\n'
                        '<p class="lead"><strong>Энергетики отремонтируют подстанции.</strong></p>\n'
                        '<div class="wp-caption aligncenter"><img src="/wp-content/uploads/2016/03/x.jpg" />'
                        '<p class="wp-caption-text">Фото: архив редакции</p></div>\n', 1)
    body = body.replace('<p style="text-align: right;"><em>Источник',
                        '<p><strong>Автор: Иван ПЕТРОВ</strong></p>\n<p style="text-align: right;"><em>Источник', 1)
    return body.encode("utf-8")


def test_archive_standfirst_and_byline_paragraph():
    item = parsed("/news/chast-kalugi-ostanetsya-bez-sveta-15-marta", _archive_variant())
    want = BY_ID[6210]
    assert item["lead"] == "Энергетики отремонтируют подстанции."
    assert item["authors"] == ["Иван Петров"]
    assert item["photo_credit"] is None  # a body image's caption is not the featured image's credit
    assert item["body"] == want["body"]


@pytest.mark.parametrize("byline, authors", [
    ("Автор: Анна Ершова. Оператор: Дмитрий Лукин", ["Анна Ершова"]),
    ("Автор: Анна Ершова, оператор Дмитрий Лукин", ["Анна Ершова"]),
    ("Авторы: Анна Ершова, Павел ГРОМОВ", ["Анна Ершова", "Павел Громов"]),
    ("Текст: Павел ГРОМОВ. Фото: Калуга 24", ["Павел Громов"]),
])
def test_bylines(byline, authors):
    body = (HERE / "files" / MANIFEST["/news/069150"]["file"]).read_text(encoding="utf-8")
    body = body.replace("Автор: Анна Ершова. Оператор: Дмитрий Лукин", byline)
    assert parsed("/news/069150", body.encode("utf-8"))["authors"] == authors
