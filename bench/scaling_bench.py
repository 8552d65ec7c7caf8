"""Scaling of a shared crawl (REDIS_URL): throughput of 1, 2 and 4 workers, peak RSS, Redis memory.

Not a test. Generates a kp40 replica of ``--n`` articles (bench/generate_site.py), serves it on 127.0.0.1
with every response taking 100–300 ms server-side (an I/O-bound crawl, like a distant site), starts a
fresh ``redis-server`` per configuration, and runs ``scrapy crawl kp40`` workers sharing it.

Politeness per site caps a shared crawl's throughput by design (all workers together keep the site's
concurrency and delay), so this measures the machinery, not the cap: the site limit is set high
(``CONCURRENT_REQUESTS_PER_DOMAIN=--site-limit``, ``DOWNLOAD_DELAY=0``) and each worker's own concurrency low
(``CONCURRENT_REQUESTS=--per-worker``), so a worker's throughput is bounded by its concurrency over the
latency, and N workers should do N times as much. Throughput is counted from the first article written to
the last (process start-up excluded); efficiency(N) = throughput(N) / (N × throughput(1)).

    python bench/scaling_bench.py --n 400 --per-worker 2
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from bench.generate_site import generate  # noqa: E402
from tests.conftest import crawl_command, crawl_env  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402
from tests.replica_server import Replica, ReplicaHandler, ReplicaServer  # noqa: E402


class SlowHandler(ReplicaHandler):
    def _respond(self, send_body: bool):
        time.sleep(random.uniform(0.1, 0.3))
        super()._respond(send_body)


def peak_rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def count_lines(paths) -> int:
    total = 0
    for path in paths:
        try:
            total += path.read_bytes().count(b"\n")
        except FileNotFoundError:
            pass
    return total


def run(workers: int, site_url: str, n_articles: int, args, workdir: Path) -> dict:
    import redis

    with RedisServer() as redis_server:
        client = redis.Redis.from_url(redis_server.url)
        baseline = client.info("memory")["used_memory"]
        settings = {"REDIS_URL": redis_server.url, "REDIS_IDLE_TIMEOUT": "1", "CONCURRENT_REQUESTS": str(args.per_worker),
                    "CONCURRENT_REQUESTS_PER_DOMAIN": str(args.site_limit), "DOWNLOAD_DELAY": "0",
                    "AUTOTHROTTLE_ENABLED": "False", "RENDER_JS_PAGES": "False", "LOG_LEVEL": "WARNING",
                    "RETRY_TIMES": "2", "DOWNLOAD_TIMEOUT": "10"}
        outputs, procs = [], []
        for i in range(workers):
            out = workdir / f"w{workers}-{i}.jsonl"
            cmd = crawl_command(site_url, workdir, out, settings={**settings, "LOG_FILE": str(out) + ".log"})
            procs.append(subprocess.Popen(cmd, cwd=workdir, env=crawl_env(), stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
            outputs.append(out)
        peak_rss = [0] * workers
        peak_redis = baseline
        first = last = None
        seen = 0
        while any(p.poll() is None for p in procs):
            for i, proc in enumerate(procs):
                peak_rss[i] = max(peak_rss[i], peak_rss_kb(proc.pid))
            peak_redis = max(peak_redis, client.info("memory")["used_memory"])
            lines = count_lines(outputs)
            now = time.monotonic()
            if lines and first is None:
                first = now
            if lines > seen:
                seen, last = lines, now
            time.sleep(0.1)
        after = client.info("memory")["used_memory"]
        written = client.scard("newscrawler:seen:urls")
        client.close()
    codes = [p.returncode for p in procs]
    per_worker = [count_lines([o]) for o in outputs]
    ids = [json.loads(line)["article_id"] for o in outputs for line in o.read_text().splitlines() if line]
    elapsed = (last - first) if first and last and last > first else float("nan")
    return {"workers": workers, "exit_codes": codes, "articles": len(ids), "duplicates": len(ids) - len(set(ids)),
            "per_worker": per_worker, "seconds": round(elapsed, 2),
            "articles_per_s": round((len(ids) - 1) / elapsed, 2) if elapsed == elapsed else None,
            "peak_rss_mb": [round(kb / 1024, 1) for kb in peak_rss],
            "redis_seen_store_bytes_per_10k": round((after - baseline) / max(written, 1) * 10_000),
            "redis_peak_bytes_per_10k": round((peak_redis - baseline) / max(written, 1) * 10_000)}


def seen_store_memory(articles: int = 10_000) -> int:
    """Bytes of Redis memory a seen store of ``articles`` written kp40 articles takes (a fresh Redis; the
    crawl runs above are too small to tell the store from Redis's fixed overhead)."""
    from newscrawler.crawl.redis_store import RedisSeenStore, connect
    from newscrawler.crawl.seen_store import content_hash

    with RedisServer() as redis_server:
        client = connect(redis_server.url)
        store = RedisSeenStore(client)
        before = client.info("memory")["used_memory"]
        for i in range(articles):
            article_id = 100_000 + i
            store.mark("kp40", article_id, f"https://www.kp40.ru/news/society/{article_id}/",
                       content_hash(f"Заголовок {i}", f"Текст {i}"))
        used = client.info("memory")["used_memory"] - before
        client.close()
    return used


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400, help="articles in the generated site")
    parser.add_argument("--per-worker", type=int, default=2, help="CONCURRENT_REQUESTS of each worker")
    parser.add_argument("--site-limit", type=int, default=64, help="CONCURRENT_REQUESTS_PER_DOMAIN (all workers)")
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args(argv)

    site = generate(args.n, PROJECT_DIR / "bench" / "build" / f"site-{args.n}")
    server = ReplicaServer(Replica(root=site), handler=SlowHandler)
    server.request_queue_size = 128
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    results = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for workers in (int(w) for w in args.workers.split(",")):
                workdir = Path(tmp) / f"w{workers}"
                workdir.mkdir()
                result = run(workers, server.base_url, args.n, args, workdir)
                results.append(result)
                print(json.dumps(result), flush=True)
    finally:
        server.shutdown()
    store_bytes = seen_store_memory()
    print(f"Redis seen store: {store_bytes / 1e6:.2f} MB per 10k articles (10k marks into a fresh Redis)")
    base = next((r for r in results if r["workers"] == 1), None)
    if base and base["articles_per_s"]:
        for r in results:
            if r["articles_per_s"]:
                print(f"{r['workers']} worker(s): {r['articles_per_s']:.1f} articles/s, efficiency "
                      f"{r['articles_per_s'] / (r['workers'] * base['articles_per_s']):.2f}, peak RSS/worker "
                      f"{max(r['peak_rss_mb'])} MB, Redis {r['redis_seen_store_bytes_per_10k'] / 1e6:.2f} MB/10k "
                      f"articles after the run ({r['redis_peak_bytes_per_10k'] / 1e6:.2f} MB/10k at peak)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
