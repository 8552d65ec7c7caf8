"""Rendering cost on this machine: ms per rendered vs per static page, and the browser's memory.

Not a test (pytest does not collect it). Runs real crawls against the replica served on 127.0.0.1::

    python -m bench.render_bench            # the saved site (1 JS-only page of 48)
    python -m bench.render_bench --js 200   # plus 200 generated JS-only pages (a long crawl's memory)

The generated pages are copies of the JS-only page 83529 under new ids, each with its body API answering
the token the page's script computes (the same FNV-1a derivation as the site's inline script).
While the crawl runs, the RSS and PSS of the crawl's child processes (the Playwright driver and Chromium's
process tree) are sampled every 0.1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from parsel import Selector

from newscrawler.crawl.rendering import descendant_memory
from tests.conftest import PROJECT_DIR
from tests.replica_server import SITE_DIR, Replica, ReplicaServer

JS_ID = "83529"
SALT = "kp40-special"


def fnv1a(s: str) -> str:
    x = 0x811C9DC5
    for ch in s:
        x ^= ord(ch)
        x = (x * 0x01000193) & 0xFFFFFFFF
    return f"{x:08x}"


def token(article_id: str) -> str:
    cookie = fnv1a(f"sp:{article_id}:{SALT}")
    return fnv1a(f"{cookie}|{article_id}") + fnv1a(f"{article_id}|{cookie}")


def js_overrides(count: int, first_id: int = 90_000_000) -> dict:
    """``count`` more JS-only pages in the education rubric listing (page, redirect-free URL, body API)."""
    files = SITE_DIR / "files"
    page = (files / "news/education/83529/index.html").read_text(encoding="utf-8")
    listing = (files / "news/education/index.html").read_text(encoding="utf-8")
    body = (files / "api/news/83529/body.json").read_bytes()
    start = listing.index('<div class="nrli row">')
    item = next(html for html in Selector(listing).css("div.nrli").getall() if f"/{JS_ID}/" in html)
    overrides, items = {}, []
    for n in range(count):
        new_id = str(first_id + n)
        # a title of its own, or the pipeline drops the copies as re-published stories
        copy = page.replace(JS_ID, new_id).replace("три новые школы", f"три новые школы ({new_id})")
        overrides[f"/news/education/{new_id}/"] = {"body": copy,
                                                   "content_type": "text/html; charset=utf-8"}
        overrides[f"/api/news/{new_id}/body?t={token(new_id)}"] = {"body": body, "content_type": "application/json"}
        items.append(item.replace(JS_ID, new_id))
    overrides["/news/education/"] = {"body": listing[:start] + "".join(items) + listing[start:],
                                     "content_type": "text/html; charset=utf-8"}
    return overrides


def crawl(base_url: str, workdir: Path, args: list[str], settings: dict) -> dict:
    output, stats_file = workdir / "out.jsonl", workdir / "stats.json"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "kp40", "-a", f"base_url={base_url}", "-O", str(output)]
    for arg in args:
        cmd += ["-a", arg]
    for key, value in {"SEEN_STORE_PATH": str(workdir / "seen.sqlite3"), "STATS_FILE": str(stats_file),
                       "LOG_FILE": str(workdir / "crawl.log"), "DOWNLOAD_DELAY": "0",
                       "AUTOTHROTTLE_ENABLED": "False", "CONCURRENT_REQUESTS_PER_DOMAIN": "8", **settings}.items():
        cmd += ["-s", f"{key}={value}"]
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR), "SCRAPY_SETTINGS_MODULE": "newscrawler.settings"}
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=PROJECT_DIR, env=env)
    samples: list[tuple[float, int, int, int]] = []
    done = threading.Event()

    def sample():
        while not done.is_set():
            rss, pss, nproc = descendant_memory(proc.pid)
            samples.append((time.monotonic() - started, rss, pss, nproc))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    proc.wait()
    done.set()
    sampler.join()
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    items = sum(1 for _ in output.open(encoding="utf-8"))
    return {"returncode": proc.returncode, "wall_s": round(time.monotonic() - started, 2), "items": items,
            "stats": stats, "samples": samples}


def summary(label: str, result: dict) -> dict:
    stats = result["stats"]
    rendered = stats.get("newscrawler/render/pages", 0)
    static = stats.get("newscrawler/articles/parsed", 0) - rendered
    samples = result["samples"]
    peak = max(samples, key=lambda s: s[1]) if samples else (0, 0, 0, 0)
    peak_pss = max((s[2] for s in samples), default=0)
    # memory after the first tenth of the renders vs at the end: growth over a long crawl
    out = {
        "run": label, "returncode": result["returncode"], "wall_s": result["wall_s"], "items": result["items"],
        "static_pages": static, "rendered_pages": rendered,
        "ms_per_static_page": round(stats.get("newscrawler/articles/static_time_ms", 0) / static, 1) if static else None,
        "ms_per_rendered_page": round(stats.get("newscrawler/render/time_ms", 0) / rendered, 1) if rendered else None,
        "driver_start_ms": stats.get("newscrawler/render/driver_start_ms"),
        "browser_launch_ms": stats.get("newscrawler/render/browser_launch_ms"),
        "render_failures": stats.get("newscrawler/render/failures", 0),
        "render_retries": stats.get("newscrawler/render/retries", 0),
        "peak_rss_mb": round(peak[1] / 2**20, 1), "peak_pss_mb": round(peak_pss / 2**20, 1),
        "peak_processes": max((s[3] for s in samples), default=0),
        "handler_peak_rss_mb": stats.get("newscrawler/render/browser_peak_rss_mb"),
    }
    busy = [s for s in samples if s[1]]
    if len(busy) >= 10:
        tenth = busy[: len(busy) // 10]
        out["rss_mb_first_tenth_max"] = round(max(s[1] for s in tenth) / 2**20, 1)
        out["rss_mb_last_tenth_max"] = round(max(s[1] for s in busy[-len(busy) // 10:]) / 2**20, 1)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--js", type=int, default=0, help="extra generated JS-only pages")
    parser.add_argument("--off", action="store_true", help="also crawl with RENDER_JS_PAGES=False")
    options = parser.parse_args()
    replica = Replica(overrides=js_overrides(options.js) if options.js else {})
    server = ReplicaServer(replica).start()
    args = ["rubrics=education"] if options.js else []
    try:
        runs = [("render on", {})]
        if options.off:
            runs.append(("render off", {"RENDER_JS_PAGES": "False"}))
        for label, settings in runs:
            with tempfile.TemporaryDirectory() as tmp:
                print(json.dumps(summary(label, crawl(server.base_url, Path(tmp), args, settings)),
                                 ensure_ascii=False), flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
