"""The region: `scrapy crawl kaluga` crawls every registered outlet in one process, each in its own slot."""

from __future__ import annotations

import json
import pytest
from scrapy.exceptions import UsageError
from scrapy.utils.test import get_crawler

from newscrawler.publishers import REGISTRY
from newscrawler.spiders.outlets import KalugaRegionSpider
from tests.conftest import OUTLET_REPLICAS as REPLICAS
from tests.conftest import run_crawl
#: kp40's re-published pair (same title and body under two ids): either copy is the story's one record.
KP40_TWINS = {("kp40", 141220), ("kp40", 141226)}


def expected_keys() -> set[tuple[str, int]]:
    keys = set()
    for slug, root in REPLICAS.items():
        for line in (root / "expected.jsonl").read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            keys.add((slug, record["article_id"]))
    return keys - KP40_TWINS


@pytest.fixture
def servers(outlet_servers):
    return outlet_servers


def base_urls(servers) -> str:
    return ",".join(f"{slug}={server.base_url}" for slug, server in servers.items())


def test_every_outlet_is_registered_and_the_region_spider_takes_them_all():
    assert {"kp40", "vest", "kaluga24"} <= set(REGISTRY.slugs())
    assert set(KalugaRegionSpider.publishers) == set(REGISTRY)


def test_region_crawl_of_all_three_then_repeat(servers, tmp_path, browser):
    """Complete (kp40's JavaScript-only page rendered in Chromium), nothing doubled; the repeat crawl asks
    each outlet for robots.txt and its entry listings only."""
    first = run_crawl(None, tmp_path, f"base_urls={base_urls(servers)}", spider="kaluga")
    assert first.returncode == 0, first.log[-3000:]
    keys = [(item["publisher"], item["article_id"]) for item in first.items]
    assert len(keys) == len(set(keys)), "an article was written twice"
    assert len(set(keys) & KP40_TWINS) == 1
    assert set(keys) - KP40_TWINS == expected_keys()
    assert all(next(iter(item)) == "publisher" for item in first.items)
    for slug in REPLICAS:  # each outlet went through its own download slot (its own concurrency and delay)
        assert first.stats[f"newscrawler/articles/parsed/{slug}"] > 0

    for server in servers.values():
        server.request_log.clear()
    again = run_crawl(None, tmp_path, f"base_urls={base_urls(servers)}", spider="kaluga", output_name="again.jsonl")
    assert again.returncode == 0 and again.items == []
    for slug, server in servers.items():
        assert len(server.request_log) <= 3, (slug, server.requests_for())


def test_region_crawl_of_chosen_outlets(servers, tmp_path):
    result = run_crawl(None, tmp_path, "publishers=vest,kaluga24", f"base_urls={base_urls(servers)}",
                       spider="kaluga", settings={"RENDER_JS_PAGES": "False"})
    assert result.returncode == 0, result.log[-3000:]
    assert {item["publisher"] for item in result.items} == {"vest", "kaluga24"}
    assert servers["kp40"].request_log == []


def test_each_outlet_has_its_own_download_slot():
    spider = KalugaRegionSpider.from_crawler(get_crawler(KalugaRegionSpider),
                                             base_urls="kp40=http://127.0.0.1:1,vest=http://127.0.0.1:2")
    requests = [request for outlet in spider.outlets.values() for request in spider._start_requests(outlet)]
    assert {request.meta["download_slot"] for request in requests} == set(REGISTRY.slugs())
    assert spider.outlets["vest"].base_url == "http://127.0.0.1:2"
    assert spider.outlets["kaluga24"].base_url == "https://kaluga24.tv"  # not named: its real origin


@pytest.mark.parametrize("arguments, message", [
    ({"publishers": "kp40,nosuch"}, "unknown publisher"),
    ({"base_urls": "nosuch=http://x"}, "unknown publisher"),
    ({"base_urls": "kp40=ftp://x"}, r"http\(s\) URL"),
    ({"base_url": "http://127.0.0.1:1"}, "base_urls"),
    ({"rubrics": "invest"}, "one outlet"),
    ({"source": "api"}, "not offered"),
])
def test_bad_region_arguments_are_refused_before_the_first_request(arguments, message):
    with pytest.raises(UsageError, match=message):
        KalugaRegionSpider(**arguments)
