"""Timing of the article parser (not a test: run it by hand).

    python tests/bench_parser.py

Prints, for the 47 static saved pages, the median (over pages) of the best-of-N time of
``lxml.html.fromstring(body)`` and of ``parse_article`` on a fresh response (parse included), and of
``parse_article`` again on the same response (extraction only, the parse cached); then, for the redesign
fixtures (fallback layers), the median time per page and the body token F1 against the expected records.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import lxml.html
from scrapy.http import HtmlResponse

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS.parent))

from newscrawler.parsers.kp40_article import parse_article  # noqa: E402
from tests.test_redesign import EXPECTED, INDEX, REDESIGN, token_f1  # noqa: E402

SITE = TESTS / "site"
SERVED = "http://127.0.0.1:8080"
ROUNDS = 25


def best(fn) -> float:
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    manifest = json.loads((SITE / "manifest.json").read_text(encoding="utf-8"))
    records = [json.loads(line) for line in (SITE / "expected.jsonl").read_text(encoding="utf-8").splitlines()]
    pages = []
    for record in records:
        if record["article_id"] == 83529:  # JS-only: not a static page
            continue
        path = record["url"].removeprefix("https://www.kp40.ru")
        pages.append((path, (SITE / "files" / manifest[path]["file"]).read_bytes()))

    lx, full, extract = [], [], []
    for path, body in pages:
        lx.append(best(lambda: lxml.html.fromstring(body)))
        full.append(best(lambda: parse_article(HtmlResponse(url=SERVED + path, body=body, encoding="utf-8"))))
        response = HtmlResponse(url=SERVED + path, body=body, encoding="utf-8")
        parse_article(response)
        extract.append(best(lambda: parse_article(response)))
    ms = lambda values: statistics.median(values) * 1000  # noqa: E731
    print(f"static pages: {len(pages)}")
    print(f"  lxml.html.fromstring           {ms(lx):.3f} ms/page")
    print(f"  parse_article (parse included) {ms(full):.3f} ms/page  = {ms(full) / ms(lx):.2f}x")
    print(f"  parse_article (parse cached)   {ms(extract):.3f} ms/page  = {ms(extract) / ms(lx):.2f}x")

    times, scores = [], []
    for entry in INDEX.values():
        body = (REDESIGN / entry["file"]).read_bytes()
        times.append(best(lambda: parse_article(HtmlResponse(url=SERVED + entry["path"], body=body, encoding="utf-8"))))
        item = parse_article(HtmlResponse(url=SERVED + entry["path"], body=body, encoding="utf-8"))
        expected = json.loads((EXPECTED / f"{entry['article_id']}.json").read_text(encoding="utf-8"))
        scores.append(token_f1(item["body"], expected["body"]))
    print(f"redesign pages (fallback layers): {len(times)}")
    print(f"  parse_article (parse included) {ms(times):.3f} ms/page")
    print(f"  body token F1: min {min(scores):.4f}, mean {statistics.mean(scores):.4f}")


if __name__ == "__main__":
    main()
