"""The generic layer on news pages with hand-checked truth: the three outlet replicas read WITHOUT their
profiles (what a redesign, or a site without a profile, would get), field by field against expected.jsonl.

    python bench/generic_on_outlets.py

Title: equal after case/space/punctuation folding; publication time: the same instant to the minute;
authors: the same names (when the page names any); body: the benchmark's token-shingle F1 (as
bench/generic_eval.py). Prints a markdown table per outlet.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scrapy.http import HtmlResponse  # noqa: E402

from bench.generic_eval import benchmark_f1, shingle_tp_fp_fn, time_right, title_right  # noqa: E402
from newscrawler.extraction.article import needs_rendering, parse_unprofiled_article  # noqa: E402
from newscrawler.publishers import get  # noqa: E402
from tests.conftest import OUTLET_REPLICAS  # noqa: E402


def pages(slug: str, root: Path):
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    for line in (root / "expected.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        entry = manifest.get(urlsplit(record["url"]).path) or {}
        if "file" in entry:
            response = HtmlResponse(record["url"], body=(root / "files" / entry["file"]).read_bytes(), encoding="utf-8")
            if not needs_rendering(response, get(slug)):
                yield record, response


def main() -> None:
    print("| outlet (no profile) | pages | title | published_at | authors (pages naming any) | body F1 | ms/page |")
    print("|---|---|---|---|---|---|---|")
    for slug, root in OUTLET_REPLICAS.items():
        rows, times = [], []
        for record, response in pages(slug, root):
            started = time.perf_counter()
            item = parse_unprofiled_article(response, get(slug).origin)
            times.append((time.perf_counter() - started) * 1000)
            rows.append((record, item))
        named = [(r, i) for r, i in rows if r["authors"]]
        title = sum(title_right(r["title"], i["title"]) for r, i in rows) / len(rows)
        moment = sum(time_right(r["published_at"], i["published_at"]) for r, i in rows) / len(rows)
        authors = sum(set(r["authors"]) == set(i["authors"]) for r, i in named) / max(1, len(named))
        _, _, f1 = benchmark_f1([shingle_tp_fp_fn(r["body"], i["body"]) for r, i in rows])
        print(f"| {slug} | {len(rows)} | {title:.2f} | {moment:.2f} | {authors:.2f} ({len(named)}) | {f1:.3f} | "
              f"{statistics.median(times):.1f} |")


if __name__ == "__main__":
    main()
