"""The newscrawler benchmark: extraction cost, crawl throughput and memory, scaling, incremental re-crawls.

Prints one table (Markdown, so it pastes into BENCHMARKS.md) and writes the raw numbers to
``bench/build/results.json``. Not a test: nothing here asserts on time. Run it with ``make bench`` or::

    python bench/run_bench.py                 # everything: N=1000 and N=5000, scrapy bench, trafilatura
    python bench/run_bench.py --sizes 300 --scrapy-bench-seconds 10 --skip-trafilatura   # a quick look

Sections:

1. Extraction — per outlet (kp40, vest, kaluga24 replicas), median ms per saved article page: this project's
   page parser (``HtmlResponse`` → :func:`parse_article` with the outlet's profile → the widget-noise
   pipeline), ``lxml.html.fromstring`` alone (the floor: parsing the HTML at all) and ``trafilatura.extract``.
2. Crawl — ``scrapy crawl kp40`` (a subprocess, politeness off) over a generated replica of N articles served
   on 127.0.0.1 by ``bench/serve.py`` (another process); pages/min from the crawl's stats, peak RSS from
   ``wait4`` (see ``bench/measure.py``); and ``scrapy bench`` on the same machine in the same run.
3. Scaling — the same crawl at every size of ``--sizes``: time and CPU per article, peak RSS.
4. Incremental — requests the server saw for a repeat crawl of the unchanged site, then after 10 new
   articles appeared (the cross-run store of the largest crawl is reused).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from bench.generate_site import generate  # noqa: E402
from tests.conftest import OUTLET_REPLICAS  # noqa: E402  (each outlet's saved replica)

BUILD_DIR = PROJECT_DIR / "bench" / "build"
NEW_ARTICLES = 10

TARGETS = {
    "extraction_vs_lxml": 2.0,         # parser ≤ 2× lxml.html.fromstring
    "crawl_vs_scrapy_bench": 0.70,      # crawl pages/min ≥ 70% of scrapy bench's
    "peak_rss_mb": 150.0,               # at the largest N
    "repeat_requests": 3,               # repeat crawl of an unchanged site
}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- machine ------------------------------------------------------------------------------------------

def machine() -> dict:
    info = {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    try:
        meminfo = Path("/proc/meminfo").read_text()
        info["ram_gb"] = round(int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1)) / 1024 / 1024, 1)
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
        info["cpu"] = model.group(1).strip() if model else platform.processor()
    except OSError:
        pass
    versions = {}
    for name in ("scrapy", "lxml", "parsel", "trafilatura"):
        try:
            from importlib.metadata import version
            versions[name] = version(name)
        except Exception:  # noqa: BLE001 - absent is fine
            versions[name] = None
    info["versions"] = versions
    return info


# --- 1. extraction ------------------------------------------------------------------------------------



def saved_article_pages() -> dict[str, list[tuple[str, bytes]]]:
    """Per outlet, (url, body) of every saved article page its profile reads without a browser."""
    from urllib.parse import urlsplit

    from scrapy.http import HtmlResponse

    from newscrawler.extraction.article import needs_rendering
    from newscrawler.publishers import get

    pages: dict[str, list[tuple[str, bytes]]] = {}
    for slug, root in OUTLET_REPLICAS.items():
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        for line in (root / "expected.jsonl").read_text(encoding="utf-8").splitlines():
            path = urlsplit(json.loads(line)["url"]).path
            entry = manifest.get(path) or {}
            if "file" not in entry:
                continue
            url, body = f"http://127.0.0.1:8080{path}", (root / "files" / entry["file"]).read_bytes()
            if not needs_rendering(HtmlResponse(url, body=body, encoding="utf-8"), get(slug)):
                pages.setdefault(slug, []).append((url, body))
    return pages


def _per_page_median(fn, arg, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(arg)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def bench_extraction(repeat: int, skip_trafilatura: bool) -> dict:
    """Per outlet: the project's parser (its profile, then the widget-noise pipeline), parse_article alone,
    the lxml parse floor and trafilatura, ms per page (median over pages of per-page medians)."""
    import lxml.html
    from scrapy.http import HtmlResponse

    from newscrawler.crawl.pipelines import StripTrailingWidgets
    from newscrawler.extraction.article import parse_article
    from newscrawler.publishers import get

    class _Stats:
        def inc_value(self, *args, **kwargs):
            pass

    cleaner = StripTrailingWidgets(_Stats())
    local = frozenset({"127.0.0.1"})
    results = {}
    for slug, pages in saved_article_pages().items():
        publisher = get(slug)

        def parser_only(page, publisher=publisher):
            url, body = page
            response = HtmlResponse(url, body=body, headers={"Content-Type": "text/html; charset=utf-8"})
            return parse_article(response, publisher, extra_hosts=local)

        extractors = {"parser": lambda page, parse=parser_only: cleaner.process_item(parse(page)),
                      "parse_article": parser_only, "lxml": lambda page: lxml.html.fromstring(page[1])}
        if not skip_trafilatura:
            import trafilatura

            extractors["trafilatura"] = lambda page: trafilatura.extract(page[1])
        for fn in extractors.values():  # warm up: imports, selector caches, first-call costs
            for page in pages[:3]:
                fn(page)
        per_page = {name: [] for name in extractors}
        for page in pages:  # interleaved, so every extractor sees the same machine state
            for name, fn in extractors.items():
                per_page[name].append(_per_page_median(fn, page, repeat if name != "trafilatura" else max(3, repeat // 3)))
        result = {"pages": len(pages), "repeat": repeat,
                  "median_ms": {name: statistics.median(values) for name, values in per_page.items()},
                  "mean_ms": {name: statistics.fmean(values) for name, values in per_page.items()}}
        med = result["median_ms"]
        result["parser_vs_lxml"] = med["parser"] / med["lxml"]
        if "trafilatura" in med:
            result["trafilatura_vs_parser"] = med["trafilatura"] / med["parser"]
        results[slug] = result
    return results


# --- 2. crawl -----------------------------------------------------------------------------------------

CRAWL_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "LOG_LEVEL": "INFO",
    "LOGSTATS_INTERVAL": "5",
}


def run_crawl(base_url: str, workdir: Path, name: str, extra_settings: dict | None = None,
              profile: Path | None = None) -> dict:
    """``scrapy crawl kp40`` as a subprocess; wall time, CPU time and peak RSS (``wait4``), plus its stats."""
    workdir.mkdir(parents=True, exist_ok=True)
    output, stats_file, log_file = (workdir / f"{name}.jsonl", workdir / f"{name}.stats.json",
                                    workdir / f"{name}.log")
    settings = {**CRAWL_SETTINGS, "SEEN_STORE_PATH": str(workdir / "seen.sqlite3"), "STATS_FILE": str(stats_file),
                "LOG_FILE": str(log_file), **(extra_settings or {})}
    cmd = [sys.executable]
    if profile:
        cmd += ["-m", "cProfile", "-o", str(profile)]
    cmd += ["-m", "scrapy", "crawl", "kp40", "-a", f"base_url={base_url}", "-O", str(output)]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR), "SCRAPY_SETTINGS_MODULE": "newscrawler.settings"}
    # Started through bench/measure.py, so the peak RSS is the crawl's own (see that file).
    proc = subprocess.run([sys.executable, str(PROJECT_DIR / "bench" / "measure.py"), "--", *cmd], cwd=PROJECT_DIR,
                          env=env, capture_output=True, text=True)
    measured = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.stdout.strip() else {}
    if proc.returncode != 0 or measured.get("returncode") != 0:
        tail = (log_file.read_text(encoding="utf-8")[-3000:] if log_file.exists() else "") + proc.stderr[-2000:]
        raise RuntimeError(f"crawl {name} failed ({measured or proc.returncode}):\n{tail}")
    wall = measured["wall_s"]
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    items = sum(1 for line in output.open(encoding="utf-8") if line.strip()) if output.exists() else 0
    responses = stats.get("downloader/response_count", 0)
    elapsed = stats.get("elapsed_time_seconds") or wall
    rates = [int(m) for m in re.findall(r"Crawled \d+ pages \(at (\d+) pages/min\)",
                                        log_file.read_text(encoding="utf-8"))]
    return {
        "wall_s": wall, "elapsed_s": elapsed, "cpu_s": measured["utime_s"] + measured["stime_s"],
        "peak_rss_mb": measured["maxrss_kb"] / 1024, "polled_hwm_mb": measured["polled_hwm_kb"] / 1024,
        "responses": responses,
        "requests": stats.get("downloader/request_count", 0), "items": items,
        "pages_per_min": responses / (elapsed / 60) if elapsed else 0.0,
        "steady_pages_per_min": _steady(rates), "finish_reason": stats.get("finish_reason"),
        "seen_store_size": stats.get("newscrawler/seen_store/size"),
        "dropped": {k: v for k, v in stats.items() if k.startswith("newscrawler/dropped/")},
    }


def _steady(rates: list[int]) -> float | None:
    """The median of the periodic rate samples without ramp-up (first two) and wind-down (last one)."""
    core = rates[2:-1] if len(rates) > 4 else rates
    core = [r for r in core if r > 0]
    return float(statistics.median(core)) if core else None


class SiteServer:
    """``bench/serve.py`` in its own process: the generated site on 127.0.0.1, with a request counter."""

    def __init__(self, site: Path):
        self.site = site
        self.proc = subprocess.Popen([sys.executable, str(PROJECT_DIR / "bench" / "serve.py"), str(site)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()
        if not line or line[0] != "READY":
            raise RuntimeError(f"site server did not start: {line}")
        self.base_url = line[1]

    def _ask(self, command: str) -> str:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def requests_since_last_count(self) -> list[str]:
        _, _, rest = self._ask("count").partition(" ")
        _, _, targets = rest.partition(" ")
        return json.loads(targets)

    def use_manifest(self, path: Path) -> None:
        if self._ask(f"manifest {path}") != "OK":
            raise RuntimeError("site server refused the manifest")

    def stop(self) -> None:
        try:
            self._ask("quit")
        except (BrokenPipeError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def bench_crawl_sizes(sizes: list[int], seed: int, profile_dir: Path | None,
                      extra_settings: dict | None = None) -> tuple[dict, dict]:
    """Crawl each size once (cold store); then, on the largest, the two incremental re-crawls."""
    results, incremental = {}, {}
    largest = max(sizes)
    for n in sizes:
        log(f"generate N={n}")
        site = generate(n, BUILD_DIR / f"site-{n}", extra=NEW_ARTICLES if n == largest else 0, seed=seed)
        server = SiteServer(site)
        try:
            workdir = Path(tempfile.mkdtemp(prefix=f"crawl-{n}-", dir=BUILD_DIR))
            log(f"crawl N={n} from {server.base_url}")
            profile = profile_dir / f"crawl-{n}.prof" if profile_dir else None
            results[n] = r = run_crawl(server.base_url, workdir, "full", extra_settings, profile=profile)
            r["server_requests"] = len(server.requests_since_last_count())
            log(f"  {r['responses']} responses, {r['items']} items in {r['elapsed_s']:.1f}s "
                f"({r['pages_per_min']:.0f} pages/min), peak RSS {r['peak_rss_mb']:.1f} MB")
            if n == largest:
                log(f"repeat crawl N={n}, nothing changed")
                unchanged = run_crawl(server.base_url, workdir, "repeat", extra_settings)
                unchanged["targets"] = server.requests_since_last_count()
                unchanged["server_requests"] = len(unchanged["targets"])
                server.use_manifest(site / f"manifest.plus{NEW_ARTICLES}.json")
                log(f"repeat crawl N={n} after {NEW_ARTICLES} new articles")
                grown = run_crawl(server.base_url, workdir, "new", extra_settings)
                grown["targets"] = server.requests_since_last_count()
                grown["server_requests"] = len(grown["targets"])
                incremental = {"n": n, "unchanged": unchanged, "new": grown}
        finally:
            server.stop()
    return results, incremental


# --- scrapy bench -------------------------------------------------------------------------------------

def bench_scrapy_bench(seconds: int) -> dict:
    """``scrapy bench`` outside the project (Scrapy's defaults, not this project's polite settings)."""
    env = {k: v for k, v in os.environ.items() if k not in ("SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT")}
    with tempfile.TemporaryDirectory() as cwd:
        proc = subprocess.run([sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}"],
                              cwd=cwd, env=env, capture_output=True, text=True, timeout=seconds + 120)
    rates = [int(m) for m in re.findall(r"Crawled \d+ pages \(at (\d+) pages/min\)", proc.stderr)]
    responses = re.search(r"'downloader/response_count': (\d+)", proc.stderr)
    elapsed = re.search(r"'elapsed_time_seconds': ([\d.]+)", proc.stderr)
    if not rates:
        raise RuntimeError(f"scrapy bench printed no rate:\n{proc.stderr[-3000:]}")
    average = (int(responses.group(1)) / (float(elapsed.group(1)) / 60)) if responses and elapsed else None
    return {"seconds": seconds, "steady_pages_per_min": _steady(rates), "pages_per_min": average,
            "samples": len(rates)}


# --- the table ----------------------------------------------------------------------------------------

def _mark(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**missed**")


def render(results: dict) -> str:
    rows: list[tuple[str, str, str, str]] = []
    for slug, ext in (results.get("extraction") or {}).items():
        med = ext["median_ms"]
        rows.append((f"1. Extraction {slug}: project parser, ms/page (median)", f"{med['parser']:.2f}",
                     f"{ext['pages']} saved pages; HTML → cleaned item", ""))
        rows.append((f"1. Extraction {slug}: of which parse_article alone", f"{med['parse_article']:.2f}",
                     "without the widget-noise pipeline", ""))
        rows.append((f"1. Extraction {slug}: lxml.html.fromstring, ms/page (floor)", f"{med['lxml']:.2f}", "", ""))
        ratio = ext["parser_vs_lxml"]
        rows.append((f"1. Extraction {slug}: parser / lxml floor", f"{ratio:.2f}×", "≤ 2×",
                     _mark(ratio <= TARGETS["extraction_vs_lxml"])))
        if "trafilatura" in med:
            rows.append((f"1. Extraction {slug}: trafilatura.extract, ms/page", f"{med['trafilatura']:.2f}", "", ""))
    crawls = results.get("crawl", {})
    sb = results.get("scrapy_bench")
    if crawls:
        largest = max(crawls, key=int)
        big = crawls[largest]
        rows.append((f"2. Crawl N={largest}: pages/min (responses / elapsed)", f"{big['pages_per_min']:.0f}",
                     f"{big['responses']} responses, {big['items']} items, {big['elapsed_s']:.1f} s", ""))
        if big.get("steady_pages_per_min"):
            rows.append((f"2. Crawl N={largest}: pages/min (steady state)", f"{big['steady_pages_per_min']:.0f}",
                         "median of 5 s samples", ""))
        if sb:
            rows.append(("2. scrapy bench: pages/min (steady state)", f"{sb['steady_pages_per_min']:.0f}",
                         f"{sb['seconds']} s run, 1 s samples", ""))
            ratio = big["pages_per_min"] / sb["steady_pages_per_min"]
            rows.append(("2. Crawl / scrapy bench", f"{ratio:.0%}", "≥ 70%",
                         _mark(ratio >= TARGETS["crawl_vs_scrapy_bench"])))
        rows.append((f"2. Crawl N={largest}: peak RSS, MB", f"{big['peak_rss_mb']:.1f}", "≤ 150 MB",
                     _mark(big["peak_rss_mb"] <= TARGETS["peak_rss_mb"])))
        for n in sorted(crawls, key=int):
            c = crawls[n]
            rows.append((f"3. Scaling N={n}: ms/article (wall; CPU) · peak RSS MB",
                         f"{1000 * c['elapsed_s'] / int(n):.1f}; {1000 * c['cpu_s'] / int(n):.1f} · "
                         f"{c['peak_rss_mb']:.1f}", f"wall {c['wall_s']:.1f} s incl. start-up", ""))
        if len(crawls) > 1:
            small = crawls[min(crawls, key=int)]
            t_ratio = (big["elapsed_s"] / int(largest)) / (small["elapsed_s"] / int(min(crawls, key=int)))
            m_ratio = big["peak_rss_mb"] / small["peak_rss_mb"]
            rows.append(("3. Scaling: largest / smallest (ms/article · RSS)", f"{t_ratio:.2f}× · {m_ratio:.2f}×",
                         "flat (≈ 1×)", _mark(t_ratio <= 1.25 and m_ratio <= 1.25)))
    inc = results.get("incremental")
    if inc:
        un, new = inc["unchanged"], inc["new"]
        rows.append((f"4. Repeat crawl, unchanged (N={inc['n']}): requests", str(un["server_requests"]),
                     ", ".join(un["targets"][:4]), _mark(un["server_requests"] <= TARGETS["repeat_requests"])))
        rows.append((f"4. Repeat crawl, +{NEW_ARTICLES} new articles: requests", str(new["server_requests"]),
                     f"{new['items']} new records written", ""))
    widths = [max(len(r[i]) for r in rows + [("Measure", "Result", "Reference / target", "Target")])
              for i in range(4)]
    header = ("Measure", "Result", "Reference / target", "Target")
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |" for row in rows]
    m = results["machine"]
    lines.append("")
    lines.append(f"Machine: {m.get('cores')} cores ({m.get('cpu', '?')}), {m.get('ram_gb', '?')} GB RAM, "
                 f"Python {m['python']}, Scrapy {m['versions'].get('scrapy')}, lxml {m['versions'].get('lxml')}, "
                 f"trafilatura {m['versions'].get('trafilatura')}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000", help="comma-separated site sizes to crawl (default 1000,5000)")
    parser.add_argument("--n", type=int, help="crawl a single size (same as --sizes N)")
    parser.add_argument("--seed", type=int, default=40, help="generator seed")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per page and extractor")
    parser.add_argument("--scrapy-bench-seconds", type=int, default=20)
    parser.add_argument("--skip-trafilatura", action="store_true")
    parser.add_argument("--skip-extraction", action="store_true")
    parser.add_argument("--skip-crawl", action="store_true")
    parser.add_argument("--skip-scrapy-bench", action="store_true")
    parser.add_argument("--profile", action="store_true",
                        help="run the crawls under cProfile (slower; .prof files in bench/build/profiles)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="extra Scrapy setting for the crawls (repeatable), e.g. CONCURRENT_REQUESTS=8")
    parser.add_argument("--json", type=Path, default=BUILD_DIR / "results.json")
    args = parser.parse_args(argv)
    sizes = [args.n] if args.n else [int(s) for s in args.sizes.split(",") if s.strip()]

    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": machine()}
    if not args.skip_extraction:
        log("extraction")
        results["extraction"] = bench_extraction(args.repeat, args.skip_trafilatura)
    if not args.skip_crawl:
        if not args.skip_scrapy_bench:
            log(f"scrapy bench ({args.scrapy_bench_seconds} s)")
            results["scrapy_bench"] = bench_scrapy_bench(args.scrapy_bench_seconds)
        profile_dir = BUILD_DIR / "profiles" if args.profile else None
        if profile_dir:
            profile_dir.mkdir(parents=True, exist_ok=True)
        extra = dict(item.split("=", 1) for item in args.set)
        crawl, incremental = bench_crawl_sizes(sizes, args.seed, profile_dir, extra)
        results["crawl"] = {str(n): r for n, r in crawl.items()}
        results["incremental"] = incremental
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
