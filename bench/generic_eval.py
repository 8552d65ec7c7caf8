"""Evaluate the generic extraction layer on the real pages of ``tests/generic_pages/``.

Body: the article-extraction-benchmark's token-shingle matching (4-grams of ``\\w+`` tokens; per page
TP/FP/FN normalised to sum 1; precision and recall averaged over pages; F1 their harmonic mean), plus the
mean per-page F1 and the count of empty bodies where the ground truth has text. Pages whose reference is
only snippets (trafilatura's evaluation set) count as passed when every "with" snippet is in the body and
no "without" snippet is. Title: equal after case/space/punctuation folding. Publication time: the same
instant to the minute (only pages whose reference is a time). Authors: some extracted name matches the
reference byline (one contains the other).

Compares ``extract_generic`` with trafilatura alone (``bare_extraction`` with its own metadata, comments
off) on the same pages, per language, and prints a markdown table.

    python bench/generic_eval.py [--limit N] [--source scrapinghub|readability|trafilatura]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newscrawler.extraction import dates  # noqa: E402
from newscrawler.extraction.generic import extract_generic  # noqa: E402

PAGES = Path(__file__).resolve().parent.parent / "tests" / "generic_pages"
_TOKEN = re.compile(r"\w+")
_FOLD = re.compile(r"[\W_]+")


# --- Loading ------------------------------------------------------------------------------------------------
def load_manifest(source: str | None = None, limit: int | None = None) -> list[dict]:
    rows = [json.loads(line) for line in (PAGES / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    if source:
        rows = [row for row in rows if row["source"] == source]
    return rows[:limit] if limit else rows


def page_bytes(row: dict) -> bytes:
    return gzip.decompress((PAGES / row["file"]).read_bytes())


# --- Scores -------------------------------------------------------------------------------------------------
def shingles(text: str | None, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])


def shingle_tp_fp_fn(true: str | None, pred: str | None) -> tuple[float, float, float]:
    """As the benchmark's ``string_shingle_matching``: counts normalised so that every page weighs the same."""
    expected, got = shingles(true), shingles(pred)
    tp = sum((expected & got).values())
    fp = sum((got - expected).values())
    fn = sum((expected - got).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _precision(tp, fp, fn) -> float:
    return 1.0 if fp == fn == 0 else (0.0 if tp == fp == 0 else tp / (tp + fp))


def _recall(tp, fp, fn) -> float:
    return 1.0 if fp == fn == 0 else (0.0 if tp == fn == 0 else tp / (tp + fn))


def page_f1(true: str | None, pred: str | None) -> float:
    tp, fp, fn = shingle_tp_fp_fn(true, pred)
    p, r = _precision(tp, fp, fn), _recall(tp, fp, fn)
    return 2 * p * r / (p + r) if p + r else 0.0


def benchmark_f1(triples: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """(F1, precision, recall) as the benchmark aggregates them: means over pages, then the harmonic mean."""
    precisions = [_precision(*t) for t in triples if t[0] + t[1] > 0]
    recalls = [_recall(*t) for t in triples if t[0] + t[2] > 0]
    p = statistics.mean(precisions) if precisions else 0.0
    r = statistics.mean(recalls) if recalls else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def fold(text: str | None) -> str:
    return _FOLD.sub(" ", (text or "").casefold()).strip()


def title_right(expected: str, got: str | None) -> bool:
    return bool(got) and fold(expected) == fold(got)


def time_right(expected: str, got: str | None) -> bool:
    want, have = dates.parse_iso(expected), dates.parse_iso(got) if got else None
    return have is not None and want is not None and abs((want - have).total_seconds()) < 60


def authors_right(expected: list[str], got: list[str]) -> bool:
    reference = fold(" ".join(expected))
    return any(fold(name) and (fold(name) in reference or reference in fold(name)) for name in got or [])


def snippets_right(row: dict, body: str | None) -> bool:
    body = body or ""
    return all(s in body for s in row.get("body_with", [])) and not any(s in body for s in row.get("body_without", []))


# --- Extractors ---------------------------------------------------------------------------------------------
@dataclass
class Result:
    title: str | None
    published_at: str | None
    authors: list[str]
    body: str | None
    ms: float


def run_layer(row: dict, page: bytes) -> Result:
    start = time.perf_counter()
    article = extract_generic(page, row["url"])
    ms = (time.perf_counter() - start) * 1000
    return Result(article.title, article.published_at, article.authors, article.body, ms)


def run_trafilatura(row: dict, page: bytes) -> Result:
    import trafilatura
    start = time.perf_counter()
    doc = trafilatura.bare_extraction(page, url=row["url"], include_comments=False, with_metadata=True)
    ms = (time.perf_counter() - start) * 1000
    if doc is None:
        return Result(None, None, [], None, ms)
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    # trafilatura gives a date without time: normalised like ours, it is rightly no publication time
    return Result(doc.title, dates.parse_date(doc.date) if doc.date else None, authors, doc.text, ms)


EXTRACTORS = {"generic layer": run_layer, "trafilatura alone": run_trafilatura}


# --- Report -------------------------------------------------------------------------------------------------
def score(rows: list[dict], results: list[Result]) -> dict:
    with_body = [(r, res) for r, res in zip(rows, results) if r.get("body")]
    triples = [shingle_tp_fp_fn(r["body"], res.body) for r, res in with_body]
    f1, p, rc = benchmark_f1(triples) if triples else (float("nan"),) * 3
    snippet_rows = [(r, res) for r, res in zip(rows, results) if r.get("body_with")]
    titled = [(r, res) for r, res in zip(rows, results) if r.get("title")]
    timed = [(r, res) for r, res in zip(rows, results) if r.get("published_at") and dates.parse_iso(r["published_at"])]
    bylined = [(r, res) for r, res in zip(rows, results) if r.get("authors")]

    def rate(pairs, right) -> str:
        return f"{sum(right(r, res) for r, res in pairs) / len(pairs):.2f} ({len(pairs)})" if pairs else "–"

    return {
        "pages": str(len(rows)),
        "body F1": f"{f1:.3f}" if triples else "–",
        "P / R": f"{p:.3f} / {rc:.3f}" if triples else "–",
        "mean page F1": f"{statistics.mean(page_f1(r['body'], res.body) for r, res in with_body):.3f}" if with_body else "–",
        "empty bodies": str(sum(1 for _, res in with_body if not res.body)),
        "snippets": rate(snippet_rows, lambda r, res: snippets_right(r, res.body)),
        "title": rate(titled, lambda r, res: title_right(r["title"], res.title)),
        "time": rate(timed, lambda r, res: time_right(r["published_at"], res.published_at)),
        "authors": rate(bylined, lambda r, res: authors_right(r["authors"], res.authors)),
        "ms/page": f"{statistics.median(res.ms for res in results):.0f}",
    }


def group_of(row: dict) -> str:
    return row["language"] if row["language"] in ("en", "ru") else "other"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int)
    parser.add_argument("--source")
    parser.add_argument("--json", type=Path, help="also write per-page results here")
    args = parser.parse_args()
    rows = load_manifest(args.source, args.limit)
    results: dict[str, list[Result]] = defaultdict(list)
    for row in rows:
        page = page_bytes(row)
        for name, run in EXTRACTORS.items():
            results[name].append(run(row, page))
    columns = ["pages", "body F1", "P / R", "mean page F1", "empty bodies", "snippets", "title", "time", "authors",
               "ms/page"]
    print("| extractor | set | " + " | ".join(columns) + " |")
    print("|---|---|" + "---|" * len(columns))
    groups = [("all", None)] + [(f"source={s}", ("source", s)) for s in sorted({r["source"] for r in rows})] + \
             [(f"lang={g}", ("lang", g)) for g in ("en", "ru", "other")]
    for name in EXTRACTORS:
        for label, selector in groups:
            if selector is None:
                picked = list(range(len(rows)))
            elif selector[0] == "source":
                picked = [i for i, r in enumerate(rows) if r["source"] == selector[1]]
            else:
                picked = [i for i, r in enumerate(rows) if group_of(r) == selector[1]]
            if not picked:
                continue
            cells = score([rows[i] for i in picked], [results[name][i] for i in picked])
            print(f"| {name} | {label} | " + " | ".join(cells[c] for c in columns) + " |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            for i, row in enumerate(rows):
                out.write(json.dumps({"file": row["file"], **{name: {
                    "f1": page_f1(row.get("body"), results[name][i].body) if row.get("body") else None,
                    "title": results[name][i].title, "published_at": results[name][i].published_at,
                    "authors": results[name][i].authors} for name in EXTRACTORS}}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
