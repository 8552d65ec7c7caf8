"""Replay every saved article page through ``parse_article`` and compare with the expected records.

Each page is built as the crawler would receive it from the replica server (``http://127.0.0.1:8080`` +
manifest path), so absolute URLs in the record must come from the page's canonical link, not the host.
The expected record of each page is ``tests/fixtures/expected/<article_id>.json`` (split from
``tests/site/expected.jsonl`` by ``tests/fixtures/make_expected.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import html as lxml_html
from scrapy.http import HtmlResponse

from newscrawler.extraction import article
from newscrawler.items import ARTICLE_FIELDS
from newscrawler.publishers.kp40 import Kp40

TESTS = Path(__file__).resolve().parent
SITE = TESTS / "site"
EXPECTED_DIR = TESTS / "fixtures" / "expected"
SERVED = "http://127.0.0.1:8080"
JS_ONLY = {83529}
#: Keys a crawl or the extraction bookkeeping adds, not in the saved expectations.
IGNORED = {"crawled_at", "extraction", "fallback_fields"}

MANIFEST = json.loads((SITE / "manifest.json").read_text(encoding="utf-8"))
EXPECTED_LINES = [json.loads(line) for line in (SITE / "expected.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
RECORDS = {record["article_id"]: record for record in EXPECTED_LINES}


def canonical_path(record: dict) -> str:
    return record["url"].removeprefix("https://www.kp40.ru")


def page_bytes(record: dict) -> bytes:
    return (SITE / "files" / MANIFEST[canonical_path(record)]["file"]).read_bytes()


def response_for(record: dict, body: bytes | None = None, target: str | None = None) -> HtmlResponse:
    target = target or canonical_path(record)
    return HtmlResponse(url=SERVED + target, body=body if body is not None else page_bytes(record), encoding="utf-8")


def expected_for(article_id: int) -> dict:
    return json.loads((EXPECTED_DIR / f"{article_id}.json").read_text(encoding="utf-8"))


def assert_matches(item, expected: dict) -> None:
    for key, value in expected.items():
        if key in IGNORED:
            continue
        assert item.get(key) == value, f"{expected['article_id']}: {key}"


def rendered_page(record: dict) -> bytes:
    """The JS-only page as a browser leaves it: /api/news/<id>/body's html inside `.news-body`."""
    data = json.loads((SITE / "files" / "api" / "news" / str(record["article_id"]) / "body.json").read_text(encoding="utf-8"))
    doc = lxml_html.fromstring(page_bytes(record))
    box = doc.xpath("//div[contains(@class,'news-article-wrapper')]//div[contains(@class,'news-body')][@data-special]")[0]
    for node in lxml_html.fragments_fromstring(data["html"]):
        if isinstance(node, str):
            box.text = (box.text or "") + node
        else:
            box.append(node)
    box.set("data-loaded", "1")
    return lxml_html.tostring(doc, encoding="utf-8", doctype="<!DOCTYPE html>")


STATIC_IDS = sorted(set(RECORDS) - JS_ONLY)
#: The replay server's host serves kp40 here, as a local replica does in a crawl.
LOCAL = frozenset({"127.0.0.1"})


def parse_article(response):
    return article.parse_article(response, Kp40, extra_hosts=LOCAL)


def needs_rendering(response):
    return article.needs_rendering(response, Kp40)


def test_one_expected_file_per_page_matching_expected_jsonl():
    files = {int(p.stem) for p in EXPECTED_DIR.glob("*.json")}
    assert files == set(RECORDS) and len(files) == 48
    for article_id, record in RECORDS.items():
        assert expected_for(article_id) == record


@pytest.mark.parametrize("article_id", STATIC_IDS)
def test_static_page_matches_expected(article_id):
    response = response_for(RECORDS[article_id])
    assert needs_rendering(response) is False
    item = parse_article(response)
    assert_matches(item, expected_for(article_id))
    assert item["extraction"] == "site", item["fallback_fields"]
    assert item["fallback_fields"] == []
    assert set(ARTICLE_FIELDS) - {"crawled_at", "story_id"} <= set(item.keys())
    assert item["publisher"] == "kp40"
    assert "crawled_at" not in item
    assert "fallback_fields" not in ARTICLE_FIELDS  # bookkeeping, not exported


@pytest.mark.parametrize("article_id", [83529])
def test_js_only_page_needs_rendering_then_parses(article_id):
    record = RECORDS[article_id]
    static = response_for(record)
    assert needs_rendering(static) is True
    partial = parse_article(static)  # never raises; the body simply is not there
    assert partial["body"] is None and partial["title"] == record["title"]

    rendered = response_for(record, body=rendered_page(record))
    assert needs_rendering(rendered) is False
    item = parse_article(rendered)
    assert_matches(item, expected_for(article_id))
    assert item["extraction"] == "site"


@pytest.mark.parametrize("target", [
    "/news/invest/80456/?utm_source=rss",
    "/index.php/news/invest/80456",
    "/narnews/kaluga/144031/?utm_source=rss",
])
def test_url_variants_give_the_canonical_record(target):
    article_id = int(target.rstrip("/").split("?")[0].rstrip("/").split("/")[-1])
    record = RECORDS[article_id]
    item = parse_article(response_for(record, target=target))
    assert_matches(item, expected_for(article_id))


def test_page_without_anything_never_raises():
    for body in (b"", b"<html><body><p>x</p></body></html>", b"\x00\xff<div class='news-article-wrapper'><h1",
                 "<html><head><title>Only a title - Новости Калуги - KP40.RU</title></head></html>".encode()):
        item = parse_article(HtmlResponse(url=SERVED + "/news/society/1/", body=body, encoding="utf-8"))
        assert item["published_at"] is None
        assert item["authors"] == [] and item["tags"] == []
        assert item["extraction"] == "fallback"
        assert item["url"] == "https://www.kp40.ru/news/society/1/"
    item = parse_article(HtmlResponse(url=SERVED + "/news/society/1/", body=b"<html><body></body></html>", encoding="utf-8"))
    assert item["title"] is None and item["url"] == "https://www.kp40.ru/news/society/1/" and item["article_id"] == 1
    title_only = "<html><head><title>Only a title - Новости Калуги - KP40.RU</title></head></html>".encode()
    item = parse_article(HtmlResponse(url=SERVED + "/news/society/1/", body=title_only, encoding="utf-8"))
    assert item["title"] == "Only a title" and item["fallback_fields"][:2] == ["authors", "body"]


def _blocks_of_every_saved_page():
    """Every element of the saved pages with a tag body_fragments can hand to paragraph_fragment."""
    from lxml import etree

    from newscrawler.extraction.blocks import CONTAINER_TAGS, PARAGRAPH_TAGS

    tags = PARAGRAPH_TAGS | CONTAINER_TAGS | {"blockquote", "li"}
    parser = etree.HTMLParser(remove_comments=True)
    for path in sorted((SITE / "files").rglob("*.html")) + sorted((TESTS / "fixtures").rglob("*.html")):
        root = etree.fromstring(path.read_bytes(), parser)
        if root is not None:
            yield from (element for element in root.iter(*tags))


def test_escaped_text_of_a_childless_block_reads_as_its_markup():
    """body_fragments hands a childless block over as its escaped text (see blocks.paragraph_fragment):
    after markup_to_text that must equal what the block's serialised markup gives, for every element of
    every saved page, and for attributes and text made to trip the tag and entity handling."""
    import html

    from lxml import etree

    from newscrawler.extraction.blocks import outer_html, paragraph_fragment
    from newscrawler.extraction.text import markup_to_text, paragraphs

    checked = 0
    for element in _blocks_of_every_saved_page():
        fragment = paragraph_fragment(element)
        assert markup_to_text(fragment) == markup_to_text(outer_html(element))
        checked += len(element) == 0
    assert checked > 2000

    values = ['a<br>b', 'x>y', '"q"', "'s'", '<script>x</script>', 'a&amp;b', '<p>', 'a\nb  c', '\xa0', '></p><p>',
              "=\"'>", 'a\u2029b', '&nbsp;', '<!--', "<br/>", "'\">", ""]
    texts = ["Текст", " a  b ", "a&b<c>d", "&nbsp; x", "x\u2029y", "\u200b", "", "line\nnext", "a\tb", "x &amp; y",
             "AT&T", "&amp", "a\r\nb", "\xa0a\xa0"]
    parser = etree.HTMLParser()
    for value, text in [(v, t) for v in values for t in texts]:
        markup = (f'<p class="{html.escape(value)}" data-x=\'{html.escape(value)}\' hidden>'
                  f'{html.escape(text, quote=False)}</p>')
        block = etree.fromstring(f"<html><body>{markup}</body></html>", parser).find(".//p")
        for tag, direct in (("p", False), ("li", False), ("h3", True)):
            block.tag = tag
            if direct:  # text as set by code, not normalised by the parser (keeps "\r", for one)
                block.text = text
            pair = (paragraph_fragment(block), outer_html(block))
            assert markup_to_text(pair[0]) == markup_to_text(pair[1]), markup
            # …and joined with other blocks, as the body is.
            assert paragraphs("\u2029".join(["<p>x</p>", pair[0], "y"])) == paragraphs("\u2029".join(["<p>x</p>", pair[1], "y"]))


def test_a_reader_that_raises_is_a_warning_and_a_counted_field_not_a_silent_fallback(caplog):
    """A profile reader's exception costs the field its site layer (lower layers stand in), and says so: a
    WARNING naming reader, page and field, and the field in ``reader_errors`` (the spider counts
    ``newscrawler/reader_errors/<field>``)."""
    from newscrawler.publishers.kp40 import Current

    class Broken(Current):
        def read_title(self):
            raise ValueError("selector gone")

    class BrokenKp40(Kp40):
        readers = (Broken,)

    record = RECORDS[80456]
    with caplog.at_level("WARNING"):
        item = article.parse_article(response_for(record), BrokenKp40, extra_hosts=LOCAL)
    assert item["reader_errors"] == ["title"]
    assert item["title"] == record["title"]  # page metadata stood in
    assert "title" in item["fallback_fields"] and item["extraction"] == "fallback"
    assert any("Reader" in r.message and "Broken" in r.message and "title" in r.message for r in caplog.records
               if r.levelname == "WARNING")
