"""Timing of the article parser's layers (not a test: run it by hand).

    python bench/extraction_layers.py

Prints, for the 47 static saved pages, the median (over pages) of the best-of-N time of
``lxml.html.fromstring(body)`` and of ``parse_article`` on a fresh response (parse included), and of
``parse_article`` again on the same response (extraction only, the parse cached); then, for the redesign
fixtures, the same articles twice — the saved current-layout page (site layer) and its re-rendered
redesign (page metadata + generic layers) — with the median time per page and the body token F1 against
the expected records.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import lxml.html
from scrapy.http import HtmlResponse

TESTS = Path(__file__).resolve().parent.parent / "tests"
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

    by_path = dict(pages)
    layers = {"site layer (saved pages)": [], "fallback layers (redesigned)": []}
    scores = {name: [] for name in layers}
    for entry in INDEX.values():
        if entry["variant"] == "no-date":
            continue
        expected = json.loads((EXPECTED / f"{entry['article_id']}.json").read_text(encoding="utf-8"))
        sources = {"site layer (saved pages)": by_path[entry["path"]],
                   "fallback layers (redesigned)": (REDESIGN / entry["file"]).read_bytes()}
        for name, body in sources.items():
            make = lambda: HtmlResponse(url=SERVED + entry["path"], body=body, encoding="utf-8")  # noqa: E731
            layers[name].append(best(lambda: parse_article(make())))
            scores[name].append(token_f1(parse_article(make())["body"], expected["body"]))
    print(f"the same {len(scores['site layer (saved pages)'])} articles, parse included:")
    for name, times in layers.items():
        print(f"  {name:30} {ms(times):.3f} ms/page; body token F1 min {min(scores[name]):.4f}, "
              f"mean {statistics.mean(scores[name]):.4f}")


if __name__ == "__main__":
    main()
