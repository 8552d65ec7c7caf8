"""vest-news.ru («Весть»): its profile against the saved replica in this directory.

The replica (``files/`` + ``manifest.json``), the truth (``expected.jsonl``), the widget texts that must
never reach a record (``noise.json``) and the story labels (``syndication.json``) are copies of the shared
outlet replica, so the tests run in a plain clone. See ``README.md`` here for the site's facts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, TextResponse

from newscrawler.crawl.entry_points import BadApiResponse, parse_api, parse_listing
from newscrawler.extraction.article import parse_article
from newscrawler.publishers import REGISTRY
from newscrawler.publishers.vest import LongRead, News, Vest
from tests.conftest import run_crawl
from tests.replica_server import Replica, ReplicaServer

HERE = Path(__file__).resolve().parent
LOCAL = "http://127.0.0.1:8080"
EXTRA_HOSTS = frozenset({"127.0.0.1"})
#: Keys a record carries that the saved truth cannot know (or does not state).
NOT_COMPARED = ("crawled_at", "extraction", "story_id")
#: What a crawl item carries besides the exported record.
INTERNAL = ("fallback_fields", "identity_conflicts", "reader_errors")

MANIFEST = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
NOISE = json.loads((HERE / "noise.json").read_text(encoding="utf-8"))
REMOVED = "/news/118902"  # still listed, answers 404


def load_expected() -> list[dict]:
    with open(HERE / "expected.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


EXPECTED = {rec["article_id"]: rec for rec in load_expected()}


def comparable(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in NOT_COMPARED + INTERNAL}


def path_of(record: dict) -> str:
    return record["url"].removeprefix(Vest.origin)


def page_bytes(path: str) -> bytes:
    return (HERE / "files" / MANIFEST[path]["file"]).read_bytes()


def response_at(target: str, body: bytes | None = None) -> HtmlResponse:
    """A page as the local replica serves it at ``target`` (path + query)."""
    path = target.split("?", 1)[0]
    path = {"/index.php/news/118940": "/news/118940"}.get(path, path.rstrip("/") or "/")
    return HtmlResponse(LOCAL + target, body=body if body is not None else page_bytes(path), encoding="utf-8")


def parse(target: str, body: bytes | None = None) -> dict:
    return dict(parse_article(response_at(target, body), Vest, extra_hosts=EXTRA_HOSTS))


def noise_in(record: dict) -> list[tuple[str, str]]:
    found = []
    for key, value in record.items():
        if key in INTERNAL:
            continue
        text = json.dumps(value, ensure_ascii=False).lower()
        found += [(key, phrase) for phrase in NOISE if phrase.lower() in text]
    return found


# --- the profile ----------------------------------------------------------------------------------------

def test_profile_is_registered_with_its_spider():
    assert REGISTRY.get("vest") is Vest
    assert REGISTRY.for_host("www.vest-news.ru") is Vest and REGISTRY.for_host("vest-news.ru") is Vest
    assert Vest.sources() == ("listing", "api")
    assert Vest.has_rubric_listings()
    from newscrawler.spiders import outlets

    assert outlets.VestSpider.name == "vest"


# --- every saved article, field by field ---------------------------------------------------------------

@pytest.mark.parametrize("article_id", sorted(EXPECTED))
def test_saved_page_reads_as_expected(article_id):
    expected = EXPECTED[article_id]
    item = parse(path_of(expected))
    assert comparable(item) == comparable(expected)
    assert item["extraction"] == "site", item["fallback_fields"]
    assert item["identity_conflicts"] == [] and item["reader_errors"] == []


@pytest.mark.parametrize("article_id", sorted(EXPECTED))
def test_no_widget_text_in_any_field(article_id):
    item = parse(path_of(EXPECTED[article_id]))
    assert noise_in(item) == []


def test_each_page_type_has_its_reader():
    from newscrawler.extraction.document import document_root

    news = document_root(response_at("/news/118940"))
    long_read = document_root(response_at("/article/139318"))
    assert News.recognises(news) and not LongRead.recognises(news)
    assert LongRead.recognises(long_read) and not News.recognises(long_read)


def test_body_leaves_out_byline_issue_line_captions_embeds_and_read_also():
    long_read = parse("/article/139318")
    body = long_read["body"]
    assert "Опубликовано в номере" not in body
    assert "Куклы из спектаклей разных лет в фойе театра." not in body  # figcaption
    assert "Письма, которые шли семьдесят лет" not in body  # «Читайте также» box
    assert "youtube" not in body.lower()
    assert long_read["authors"] == ["Павел Громов", "Анна Лебедева"]
    news = parse("/news/118940")
    assert "МОРОЗОВА" not in news["body"] and "Морозова" not in news["body"]
    assert news["authors"] == ["Елена Морозова"]
    assert "Жителя Сухиничского района осудили" not in news["body"]


# --- identity ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("target", [
    "/news/118940", "/news/118940?utm_source=vk", "/news/118940?from=tg", "/news/118940/",
    "/index.php/news/118940",
])
def test_url_variants_are_one_identity(target):
    item = parse(target)
    assert (item["url"], item["article_id"]) == ("https://www.vest-news.ru/news/118940", 118940)
    assert item["identity_conflicts"] == []


@pytest.mark.parametrize("url, expected", [
    ("https://vest-news.ru/news/63004/", ("https://www.vest-news.ru/news/63004", 63004)),
    ("http://www.vest-news.ru/article/139318?utm_source=vk", ("https://www.vest-news.ru/article/139318", 139318)),
    ("/index.php/news/1000531406", ("https://www.vest-news.ru/news/1000531406", 1000531406)),
    ("https://www.vest-news.ru/news/9999999999", ("https://www.vest-news.ru/news/9999999999", 9999999999)),
])
def test_article_refs(url, expected):
    ref = Vest.article_ref(url)
    assert (ref.url, ref.article_id) == expected
    assert ref.publisher == "vest" and ref.rubric is None  # the page names the rubric, the URL does not


@pytest.mark.parametrize("url", [
    "https://www.kp40.ru/news/society/118940/", "https://www.vest-news.ru/rubric/8", "https://www.vest-news.ru/news",
    "https://www.vest-news.ru/news/abc", "https://www.vest-news.ru/memdate/04-22", "mailto:contact@vest-news.ru",
])
def test_not_article_urls(url):
    assert Vest.article_ref(url) is None


def _with_claims(body: bytes, claimed: str) -> bytes:
    text = body.decode("utf-8")
    text = re.sub(r'(<link rel="canonical" href=")[^"]*', lambda m: m.group(1) + claimed, text)
    text = re.sub(r'(<meta property="og:url" content=")[^"]*', lambda m: m.group(1) + claimed, text)
    return text.encode("utf-8")


@pytest.mark.parametrize("claimed", [
    "https://www.kp40.ru/news/society/80456/",  # another site
    "https://www.vest-news.ru/news/129012",  # another article of this site
    "https://www.vest-news.ru/article/63004",
])
def test_foreign_canonical_keeps_the_fetched_identity(claimed):
    item = parse("/news/137061", _with_claims(page_bytes("/news/137061"), claimed))
    assert (item["url"], item["article_id"]) == ("https://www.vest-news.ru/news/137061", 137061)
    assert item["identity_conflicts"] == [claimed, claimed]
    assert comparable(item) == comparable(EXPECTED[137061])


def test_ten_digit_ids_are_read_whole():
    item = parse("/news/1000402217?utm_source=vk")
    assert item["article_id"] == 1000402217 and isinstance(item["article_id"], int)
    assert item["url"] == "https://www.vest-news.ru/news/1000402217"


def test_page_without_the_layout_still_yields_a_record_from_lower_layers():
    body = page_bytes("/news/118940").decode("utf-8").replace('class="news_full"', 'class="material"')
    item = parse("/news/118940", body.encode("utf-8"))
    assert item["article_id"] == 118940 and item["extraction"] == "fallback"
    assert item["title"] == EXPECTED[118940]["title"]


# --- entry points ---------------------------------------------------------------------------------------

def _listing_response(target: str) -> HtmlResponse:
    entry = MANIFEST[target]
    return HtmlResponse(LOCAL + target, body=(HERE / "files" / entry["file"]).read_bytes(), encoding="utf-8")


def test_news_feed_lists_news_and_paginates():
    page = parse_listing(_listing_response("/news"), Vest, Vest.listings[0], EXTRA_HOSTS)
    assert page.site_layout
    ids = [entry.ref.article_id for entry in page.entries]
    assert 118902 in ids and all("/news/" in entry.ref.url for entry in page.entries)
    assert len(ids) == len(set(ids)) >= 10
    assert page.entries[0].date.isoformat() == "2026-04-08"
    assert page.next_url == LOCAL + "/news?page=2"
    last = parse_listing(_listing_response("/news?page=2"), Vest, Vest.listings[0], EXTRA_HOSTS)
    assert last.next_url is None


def test_homepage_links_the_long_reads():
    page = parse_listing(_listing_response("/"), Vest, Vest.listings[1], EXTRA_HOSTS)
    urls = {entry.ref.url for entry in page.entries}
    assert {"https://www.vest-news.ru/article/139318", "https://www.vest-news.ru/article/63004"} <= urls
    assert all(entry.date is not None for entry in page.entries)


def test_rubric_listing():
    listing = Vest.rubric_listing("23")
    assert listing.path == "/rubric/23"
    page = parse_listing(_listing_response("/rubric/23"), Vest, listing, EXTRA_HOSTS)
    assert page.site_layout and page.entries
    assert all(entry.date is not None for entry in page.entries)
    assert "https://www.vest-news.ru/article/63004" in {entry.ref.url for entry in page.entries}


def test_api_lists_news():
    api_file = HERE / "files" / MANIFEST["/api/news?limit=50"]["file"]
    response = TextResponse(LOCAL + "/api/news?limit=50", body=api_file.read_bytes(), encoding="utf-8")
    refs = parse_api(response, Vest)
    news = {rec["article_id"] for rec in EXPECTED.values() if "/news/" in rec["url"]}
    assert {ref.article_id for ref in refs} == news
    assert all(ref.url == f"https://www.vest-news.ru/news/{ref.article_id}" for ref in refs)


@pytest.mark.parametrize("body", ["<!DOCTYPE html><html><body>Ошибка</body></html>".encode(), b"\x1f\x8b garbage {",
                                  b'{"rows": "none"}', b"[]"])
def test_api_answers_that_are_not_its_json(body):
    response = TextResponse(LOCAL + "/api/news?limit=50", body=body, encoding="utf-8")
    with pytest.raises(BadApiResponse):
        parse_api(response, Vest)


# --- end to end: `scrapy crawl vest` of the replica, as a subprocess ----------------------------------------

@dataclass
class Crawl:
    returncode: int
    items: list[dict]
    stats: dict
    log: str
    requests: list[str]


def run_outlet_crawl(slug: str, server: ReplicaServer, workdir: Path, *spider_args: str,
                     settings: dict | None = None, name: str = "out") -> Crawl:
    """``scrapy crawl <slug> -a base_url=<server>`` into ``workdir/<name>.jsonl``, the seen store in
    ``workdir`` (runs sharing it are incremental); what the server was asked during the run."""
    before = len(server.request_log)
    result = run_crawl(server.base_url, workdir, *spider_args, settings={"CONCURRENT_REQUESTS_PER_DOMAIN": "2", **(settings or {})},
                       output_name=f"{name}.jsonl", spider=slug)
    return Crawl(result.returncode, result.items, result.stats, result.log,
                 [r["target"] for r in server.request_log[before:]])


@pytest.fixture
def vest_server():
    server = ReplicaServer(Replica(root=HERE)).start()
    yield server
    server.stop()


def by_id(items: list[dict]) -> dict[int, dict]:
    return {item["article_id"]: item for item in items}


def test_full_crawl_then_repeat_crawl(vest_server, tmp_path):
    first = run_outlet_crawl("vest", vest_server, tmp_path, name="first")
    assert first.returncode == 0, first.log[-3000:]
    assert "Traceback" not in first.log
    ids = [item["article_id"] for item in first.items]
    assert len(ids) == len(set(ids)), "an article written twice"
    assert sorted((comparable(i) for i in first.items), key=lambda r: r["article_id"]) == \
        [comparable(rec) for rec in load_expected()]
    assert all(next(iter(item)) == "publisher" for item in first.items)
    assert all(noise_in(item) == [] for item in first.items)
    assert all(item["extraction"] == "site" for item in first.items)
    assert "/robots.txt" in first.requests and "/news?page=2" in first.requests
    assert first.stats["newscrawler/request_failed/http_404"] == 1  # the removed /news/118902
    assert first.stats["newscrawler/articles/gone"] == 1

    second = run_outlet_crawl("vest", vest_server, tmp_path, name="second")
    assert second.returncode == 0, second.log[-3000:]
    assert second.items == []
    assert len(second.requests) <= 3, second.requests
    assert sorted(second.requests) == ["/", "/news", "/robots.txt"]


def test_api_source_finds_the_news(vest_server, tmp_path):
    result = run_outlet_crawl("vest", vest_server, tmp_path, "source=api")
    assert result.returncode == 0, result.log[-3000:]
    assert "/api/news?limit=50" in result.requests
    news = [rec for rec in load_expected() if "/news/" in rec["url"]]
    assert sorted((comparable(i) for i in result.items), key=lambda r: r["article_id"]) == \
        [comparable(rec) for rec in news]


@pytest.mark.parametrize("answer", [
    {"body": "<!DOCTYPE html><html><head><title>Ошибка</title></head><body>503</body></html>",
     "content_type": "text/html; charset=UTF-8"},
    {"body": "Service temporarily unavailable {{{", "content_type": "application/json"},
])
def test_api_answering_html_or_garbage_is_counted_not_a_crash(tmp_path, answer):
    server = ReplicaServer(Replica(root=HERE, overrides={"/api/news?limit=50": {"status": 200, **answer}})).start()
    try:
        result = run_outlet_crawl("vest", server, tmp_path, "source=api")
    finally:
        server.stop()
    assert result.returncode == 0, result.log[-3000:]
    assert "Traceback" not in result.log
    assert result.items == []
    assert result.stats["newscrawler/bad_response/api_not_json"] == 1
    assert "is unusable" in result.log


def test_rubric_crawl(vest_server, tmp_path):
    result = run_outlet_crawl("vest", vest_server, tmp_path, "rubrics=8")
    assert result.returncode == 0, result.log[-3000:]
    wanted = {aid for aid, rec in EXPECTED.items() if rec["rubric"] == "8"}
    assert set(by_id(result.items)) == wanted
    assert all(comparable(item) == comparable(EXPECTED[item["article_id"]]) for item in result.items)
    assert "/news" not in result.requests and "/" not in result.requests


def test_max_pages_stops_pagination(vest_server, tmp_path):
    result = run_outlet_crawl("vest", vest_server, tmp_path, "max_pages=1")
    assert result.returncode == 0, result.log[-3000:]
    assert not [t for t in result.requests if "page=2" in t]
    assert result.items and all(comparable(i) == comparable(EXPECTED[i["article_id"]]) for i in result.items)


def test_removed_articles_are_remembered_as_gone(tmp_path):
    from newscrawler.crawl.seen_store import SeenStore

    store = SeenStore(tmp_path / "seen.sqlite3")
    url = Vest.origin + REMOVED
    store.note_failure("vest", url, "http_503")
    assert store.failed_articles("vest", 3) == [url]
    store.note_gone("vest", url, 404)
    assert store.is_gone("vest", url) and not store.is_gone("kp40", url)
    assert store.failed_articles("vest", 3) == []  # gone: not fetched again
    store.close()
