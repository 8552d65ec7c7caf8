"""The listing and RSS parsers on saved pages (no engine)."""

import datetime as dt
from pathlib import Path

from scrapy.http import HtmlResponse, XmlResponse

from newscrawler.crawl import entry_points
from newscrawler.crawl.entry_points import listing_date
from newscrawler.publishers.kp40 import Kp40

FILES = Path(__file__).parent / "site" / "files"


LOCAL = frozenset({"127.0.0.1"})


def parse_listing(response):
    return entry_points.parse_listing(response, Kp40, Kp40.listings[0], LOCAL)


def parse_rss(response):
    return entry_points.parse_feed(response, Kp40, LOCAL)


def html(path: str, url: str) -> HtmlResponse:
    return HtmlResponse(url=url, body=(FILES / path).read_bytes(), encoding="utf-8")


def test_news_page_one_lists_pinned_items_once_and_links_page_two():
    page = parse_listing(html("news/index.html", "http://127.0.0.1:8080/news/"))
    ids = [e.ref.article_id for e in page.entries]
    assert ids[:3] == [109270, 95811, 146195]  # pinned «Новость дня» first
    assert len(ids) == len(set(ids)) == 20
    assert page.site_layout
    assert page.next_url == "http://127.0.0.1:8080/news/?page=2"
    first = page.entries[0]
    assert first.ref.url == "https://www.kp40.ru/news/auto/109270/"
    assert first.date == dt.date(2024, 1, 30)
    # relative hrefs on /news/ resolve against the listing URL; user news keeps its /narnews/ path
    assert any(e.ref.path == "/narnews/kaluga/144031/" and e.ref.rubric == "narnews" for e in page.entries)


def test_last_page_has_no_next():
    page = parse_listing(html("news/index.page-3.html", "http://127.0.0.1:8080/news/?page=3"))
    assert page.next_url is None
    assert len(page.entries) == 8


def test_listing_without_site_markup_falls_back_to_article_links():
    body = b"""<html><body><main><ul>
      <li><a href="/news/invest/1/">A</a> 01.02.2020</li><li><a href="/news/invest/1/?utm_source=x">A again</a></li>
      <li><a href="/about/">about</a></li><li><a href="https://kp40.ru/index.php/news/crime/2">B</a></li>
    </ul><a rel="next" href="/news/?page=2">next</a></main></body></html>"""
    page = parse_listing(HtmlResponse(url="https://www.kp40.ru/news/", body=body, encoding="utf-8"))
    assert not page.site_layout
    assert [e.ref.path for e in page.entries] == ["/news/invest/1/", "/news/crime/2/"]
    assert page.next_url == "https://www.kp40.ru/news/?page=2"


def test_listing_date_formats():
    today = dt.date(2026, 11, 28)
    assert listing_date("30.01.2024, 09:20", today) == dt.date(2024, 1, 30)
    assert listing_date("09:20 30.01.2024", today) == dt.date(2024, 1, 30)
    assert listing_date("29.09, 10:17", today) == dt.date(2026, 9, 29)
    assert listing_date("31.02.2024", today) is None
    assert listing_date("", today) is None


def test_rss_items_become_canonical_refs():
    body = (FILES / "xml/news.xml").read_bytes().replace(b"{{BASE}}", b"http://127.0.0.1:8080")
    refs = parse_rss(XmlResponse(url="http://127.0.0.1:8080/xml/news.xml", body=body))
    assert len(refs) == 30
    assert refs[0].url == "https://www.kp40.ru/news/weather/146195/"
    assert refs[2].path == "/narnews/kaluga/144031/"
