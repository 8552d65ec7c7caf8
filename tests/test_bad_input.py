"""Bad pages at article URLs: each one logged and counted, none crashes the crawl, the rest is unaffected.

One real crawl of the replica server, with bad responses served in place of thirteen articles.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_DIR, load_expected, run_crawl
from tests.replica_server import SITE_DIR, Replica, ReplicaServer
from tests.test_crawl_replica import JS_ONLY_IDS, check_complete

MAXSIZE = 250_000  # DOWNLOAD_MAXSIZE for the crawl; every real page is under 100 kB


def article_path(article_id: int) -> str:
    for rec in load_expected():
        if rec["article_id"] == article_id:
            return rec["url"].removeprefix("https://www.kp40.ru")
    raise KeyError(article_id)


def page(article_id: int) -> str:
    return (SITE_DIR / "files" / article_path(article_id).strip("/") / "index.html").read_text(encoding="utf-8")


def cp1251(html: str) -> bytes:
    # Characters windows-1251 lacks (thin spaces, …) become character references: the same text once parsed.
    return html.encode("cp1251", errors="xmlcharrefreplace")


def no_meta_charset(html: str) -> str:
    out, n = re.subn(r'<meta charset="utf-8">', "", html, flags=re.I)
    assert n == 1
    return out


def meta_charset(html: str, charset: str) -> str:
    out, n = re.subn(r'<meta charset="utf-8">', f'<meta charset="{charset}">', html, flags=re.I)
    assert n == 1
    return out


def unreadable_date(html: str) -> str:
    html = re.sub(r'<meta property="article:published_time"[^>]*>', "", html)
    html, n = re.subn(r'(<div class="news-view-date">)[^<]*(</div>)', r"\1вчера вечером\2", html)
    assert n == 1
    return html


def without_title(html: str) -> str:
    html, n = re.subn(r'<h1 class="news-view-title">.*?</h1>', "", html, flags=re.S)
    assert n == 1
    html = re.sub(r"<title>.*?</title>", "<title></title>", html, flags=re.S)
    return re.sub(r'<meta property="og:title"[^>]*>', "", html)


def oversized(html: str) -> str:
    return html.replace("</body>", "<!-- " + "x" * (MAXSIZE + 10_000) + " --></body>")


HTML = "text/html; charset=utf-8"

#: article id → (what is wrong, the response served at its URL). Pages that must still be read right
#: are in READ_RIGHT; the others must be skipped with a log line and a stat.
BAD = {
    10460: ("not_html", {"body": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n", "content_type": "application/pdf"}),
    12461: ("empty_body", {"body": b"", "content_type": HTML}),
    13330: ("random_bytes", {"body": random.Random(40).randbytes(30_000), "content_type": HTML}),
    21426: ("cp1251_in_header", {"body": cp1251(no_meta_charset(page(21426))),
                                 "content_type": "text/html; charset=windows-1251"}),
    23381: ("cp1251_in_meta_only", {"body": cp1251(meta_charset(page(23381), "windows-1251")),
                                    "content_type": "text/html"}),
    34913: ("says_utf8_is_cp1251", {"body": cp1251(page(34913)), "content_type": HTML}),
    36491: ("says_cp1251_is_utf8", {"body": page(36491).encode("utf-8"),
                                    "content_type": "text/html; charset=windows-1251"}),
    39490: ("too_large", {"body": oversized(page(39490)), "content_type": HTML}),
    40327: ("redirect_loop", {"status": 302, "location": article_path(40327) + "?from=loop"}),
    42556: ("http_404", {"file": "404.html", "status": 404, "content_type": HTML}),
    43755: ("http_410", {"file": "404.html", "status": 410, "content_type": HTML}),
    43812: ("unreadable_date", {"body": unreadable_date(page(43812)), "content_type": HTML}),
    47680: ("no_title", {"body": without_title(page(47680)), "content_type": HTML}),
}
READ_RIGHT = {21426, 23381, 34913, 36491}


@pytest.fixture(scope="module")
def bad_crawl(tmp_path_factory):
    overrides = {article_path(article_id): response for article_id, (_, response) in BAD.items()}
    # the second hop of the redirect loop points back at the article
    overrides[article_path(40327) + "?from=loop"] = {"status": 302, "location": article_path(40327)}
    server = ReplicaServer(Replica(overrides=overrides)).start()
    workdir = tmp_path_factory.mktemp("bad_input")
    try:
        result = run_crawl(server.base_url, workdir, settings={"DOWNLOAD_MAXSIZE": str(MAXSIZE),
                                                                      "RENDER_JS_PAGES": "False"}, cwd=workdir)
    finally:
        server.stop()
    result.base_url = server.base_url
    return result


def test_crawl_survives_and_the_rest_is_unaffected(bad_crawl):
    assert bad_crawl.returncode == 0, bad_crawl.log[-3000:]
    assert bad_crawl.stats["finish_reason"] == "finished"
    assert "Traceback" not in bad_crawl.log
    assert "spider_exceptions/count" not in bad_crawl.stats
    skipped = set(BAD) - READ_RIGHT
    expected = [rec for rec in load_expected() if rec["article_id"] not in skipped]
    # Every other article — and every page whose charset was odd or wrong — exactly as in the clean crawl.
    check_complete(bad_crawl.items, expected, skip_ids=JS_ONLY_IDS)


@pytest.mark.parametrize("article_id, stat, log_line", [
    (10460, "newscrawler/bad_response/article_not_html", "Skipped {url} (article_not_html)"),
    (12461, "newscrawler/bad_response/article_empty_body", "Skipped {url} (article_empty_body)"),
    (13330, "newscrawler/bad_response/article_binary", "Skipped {url} (article_binary)"),
    (39490, "newscrawler/request_failed/larger_than_download_maxsize",
     "Request failed for {url}: larger_than_download_maxsize"),
    (40327, "newscrawler/request_failed/redirect_loop", "Request failed for {url}: redirect_loop (redirect loop: "),
    (42556, "newscrawler/request_failed/http_404", "Request failed for {url}: http_404"),
    (43755, "newscrawler/request_failed/http_410", "Request failed for {url}: http_410"),
    (43812, "newscrawler/dropped/missing_published_at", "Dropped: missing_published_at"),
    (47680, "newscrawler/dropped/missing_title", "Dropped: missing_title"),
])
def test_each_bad_page_is_logged_and_counted(bad_crawl, article_id, stat, log_line):
    url = bad_crawl.base_url + article_path(article_id)
    assert bad_crawl.stats.get(stat) == 1, (stat, {k: v for k, v in bad_crawl.stats.items() if "newscrawler/" in k})
    line = log_line.format(url=url)
    if "{url}" in log_line:
        assert line in bad_crawl.log
    else:
        assert line in bad_crawl.log and article_path(article_id) in bad_crawl.log
    assert article_id not in {item["article_id"] for item in bad_crawl.items}


def test_wrong_declared_charset_is_detected_and_repaired(bad_crawl):
    stats, log = bad_crawl.stats, bad_crawl.log
    assert stats["newscrawler/encoding_repaired/utf-8_to_cp1251"] == 1
    assert stats["newscrawler/encoding_repaired/cp1251_to_utf-8"] == 1
    assert f"Page {bad_crawl.base_url}{article_path(34913)} declares charset utf-8 but its bytes are cp1251" in log
    assert f"Page {bad_crawl.base_url}{article_path(36491)} declares charset cp1251 but its bytes are utf-8" in log
    # correctly declared windows-1251 pages (header, or <meta> only) are simply read, and counted
    assert stats["newscrawler/page_encoding/cp1251"] == 2
    by_id = {item["article_id"]: item for item in bad_crawl.items}
    for article_id in READ_RIGHT:
        assert "\ufffd" not in json.dumps(by_id[article_id], ensure_ascii=False)


def test_quality_report_lists_what_went_wrong(bad_crawl):
    stats = bad_crawl.stats
    assert stats["newscrawler/quality/dropped/missing_title"] == 1
    assert stats["newscrawler/quality/dropped/missing_published_at"] == 1
    assert stats["newscrawler/quality/http_errors/404"] == 1
    assert stats["newscrawler/quality/http_errors/410"] == 1
    assert stats["newscrawler/quality/skipped_pages/article_binary"] == 1
    assert stats["newscrawler/quality/request_failed/redirect_loop"] == 1
    assert "records dropped:      missing_published_at 1, missing_title 1" in bad_crawl.log


@pytest.mark.parametrize("arg, message", [
    ("base_url=ftp://example.org", "base_url must be an http(s) URL such as https://www.kp40.ru, got 'ftp://example.org'"),
    ("base_url=www.kp40.ru", "base_url must be an http(s) URL"),
    ("rubrics=society,sports", "unknown rubric(s) sports; valid rubrics: society, invest,"),
    ("since=yesterday", "since must be a date YYYY-MM-DD, got 'yesterday'"),
    ("since=2024-13-01", "since must be a date YYYY-MM-DD, got '2024-13-01'"),
])
def test_spider_arguments_are_validated_up_front(replica_server, tmp_path, arg, message):
    cmd = [sys.executable, "-m", "scrapy", "crawl", "kp40", "-a", f"base_url={replica_server.base_url}", "-a", arg,
           "-O", str(tmp_path / "out.jsonl"), "-s", f"SEEN_STORE_PATH={tmp_path / 'seen.sqlite3'}"]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_DIR),
                               "SCRAPY_SETTINGS_MODULE": "newscrawler.settings"})
    assert proc.returncode != 0
    assert message in proc.stderr
    assert replica_server.request_log == []  # failed before the first request
