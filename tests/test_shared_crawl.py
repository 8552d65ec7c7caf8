"""A crawl shared by several workers through one Redis (REDIS_URL): the set once between them, nothing lost
to a SIGKILL, politeness per site across workers, clean exits.

Real ``scrapy crawl`` processes, a real ``redis-server`` and a real (slowed down) replica server on 127.0.0.1.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import redis


from tests.conftest import PROJECT_DIR, crawl_env
from tests.crawl_helpers import (assert_union_complete, expected_ids, read_jsonl_strict, start_crawl, stats_of,
                                 wait_for_lines)
from tests.fault_server import FaultHandler, FaultServer
from tests.test_crawl_replica import REPUBLISHED


class CountingHandler(FaultHandler):
    """Counts a request as in flight from its arrival until its response starts going out: the client
    cannot have the whole response (and start another request in its place) before that, so a thread that
    is slow to finish writing is not mistaken for one request too many."""

    def _respond(self, send_body: bool):
        self._counted = True
        self.server.request_started()
        try:
            super()._respond(send_body)
        finally:
            self._uncount()

    def end_headers(self):
        self._uncount()
        super().end_headers()

    def _uncount(self):
        if getattr(self, "_counted", False):
            self._counted = False
            self.server.request_ended()


class ConcurrencyRecordingServer(FaultServer):
    """The slowed-down replica, recording how many requests it is answering at once and when each began."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.RequestHandlerClass = CountingHandler
        self.in_flight = 0
        self.max_in_flight = 0
        self.starts: list[float] = []
        self._count_lock = threading.Lock()

    def request_started(self):
        with self._count_lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.starts.append(time.monotonic())

    def request_ended(self):
        with self._count_lock:
            self.in_flight -= 1


def shared(redis_url: str, **extra) -> dict:
    """Settings of a worker of the shared crawl: short leases and idle timeout, so tests run in seconds."""
    return {"REDIS_URL": redis_url, "REDIS_LEASE_SECONDS": "3", "REDIS_IDLE_TIMEOUT": "1",
            "SITE_LEASE_SECONDS": "3", **extra}


def ids_in(path: Path) -> list[int]:
    return [record["article_id"] for record in read_jsonl_strict(path)] if path.exists() else []


def wait_all(procs, timeout: float = 120) -> list[int]:
    codes = []
    for proc in procs:
        try:
            codes.append(proc.wait(timeout=timeout))
        except subprocess.TimeoutExpired:
            proc.kill()
            raise AssertionError("a worker did not stop by itself on an empty frontier") from None
    return codes


def assert_exactly_once(*outputs: Path) -> list[int]:
    ids = [i for path in outputs for i in ids_in(path)]
    doubled = sorted({i for i in ids if ids.count(i) > 1})
    assert not doubled, f"written twice: {doubled}"
    assert len(set(ids) & REPUBLISHED) == 1, "the re-published story must be written once, under one id"
    assert_union_complete(set(ids))
    return ids


def written_by_store(redis_url: str) -> set[int]:
    from newscrawler.crawl.redis_store import RedisSeenStore, connect

    client = connect(redis_url)
    try:
        return {article_id for publisher, article_id in RedisSeenStore(client).article_keys() if publisher == "kp40"}
    finally:
        client.close()


def frontier_keys(redis_url: str) -> list[str]:
    from newscrawler.crawl.redis_store import connect

    client = connect(redis_url)
    try:
        return sorted(key.decode() for key in client.keys("newscrawler:frontier:*"))
    finally:
        client.close()


def test_two_workers_write_the_set_once_between_them_and_stop_by_themselves(tmp_path, redis_server):
    server = FaultServer(delay=0.3).start()
    outputs = [tmp_path / "a" / "a.jsonl", tmp_path / "b" / "b.jsonl"]
    settings = shared(redis_server.url, CONCURRENT_REQUESTS="2")
    try:
        workers = [start_crawl(server.base_url, out.parent, out, settings=settings) for out in outputs]
        assert wait_all(workers) == [0, 0], [w.stderr.read().decode()[-2000:] for w in workers]
    finally:
        server.stop()

    ids = assert_exactly_once(*outputs)
    per_worker = [len(ids_in(out)) for out in outputs]
    assert all(n > 0 for n in per_worker), f"one worker did all the work: {per_worker}"
    assert written_by_store(redis_server.url) >= set(ids)
    for out in outputs:
        assert stats_of(out)["finish_reason"] == "finished"
    # One story index for both (in Redis): every record has its story, each article's story is its own here
    # (one outlet, its re-published copy dropped by deduplication), whichever worker wrote it.
    records = [record for out in outputs for record in read_jsonl_strict(out)]
    assert all(record["story_id"] == f"kp40:{record['article_id']}" for record in records)
    assert any(key.startswith(b"newscrawler:story:band:") for key in redis.Redis.from_url(redis_server.url).scan_iter())
    # Each listing page and article fetched once between them (robots.txt once per worker).
    targets = [r["target"] for r in server.request_log if r["target"] != "/robots.txt"]
    assert len(targets) == len(set(targets)), "a page was fetched by both workers"
    # The run ended: its dupefilter is gone, so tomorrow's run fetches the listings again.
    assert frontier_keys(redis_server.url) == []


def test_worker_killed_midway_loses_nothing(tmp_path, redis_server):
    server = FaultServer(delay=0.3).start()
    killed, survivor, rerun = (tmp_path / n / f"{n}.jsonl" for n in ("killed", "survivor", "rerun"))
    settings = shared(redis_server.url, CONCURRENT_REQUESTS="3")
    try:
        victim = start_crawl(server.base_url, killed.parent, killed, settings=settings)
        other = start_crawl(server.base_url, survivor.parent, survivor, settings=settings)
        wait_for_lines(victim, killed, 6)
        victim.send_signal(signal.SIGKILL)
        assert victim.wait(timeout=30) == -signal.SIGKILL
        # The survivor takes back the requests the killed worker held, finishes the run and stops.
        assert wait_all([other]) == [0], other.stderr.read().decode()[-3000:]
        assert stats_of(survivor)["newscrawler/frontier/leases_reclaimed"] >= 1
        # A later run: a new run, incremental, writes nothing twice.
        again = start_crawl(server.base_url, rerun.parent, rerun, settings=settings)
        assert wait_all([again]) == [0], again.stderr.read().decode()[-3000:]
    finally:
        server.stop()

    assert 6 <= len(ids_in(killed)) < len(expected_ids()) - 5, "the worker was not killed midway"
    assert_exactly_once(killed, survivor, rerun)  # every file parses line by line: no torn line


def test_killed_alone_then_run_again_completes_the_set(tmp_path, redis_server):
    """No survivor: the next worker joins the unfinished run and takes back the expired leases."""
    server = FaultServer(delay=0.3).start()
    first, second = tmp_path / "first" / "first.jsonl", tmp_path / "second" / "second.jsonl"
    settings = shared(redis_server.url, CONCURRENT_REQUESTS="3")
    try:
        victim = start_crawl(server.base_url, first.parent, first, settings=settings)
        wait_for_lines(victim, first, 8)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        again = start_crawl(server.base_url, second.parent, second, settings=settings)
        assert wait_all([again]) == [0], again.stderr.read().decode()[-3000:]
    finally:
        server.stop()
    assert stats_of(second)["newscrawler/frontier/leases_reclaimed"] >= 1
    assert_exactly_once(first, second)


def test_site_concurrency_holds_for_all_workers_together(tmp_path, redis_server):
    server = ConcurrencyRecordingServer(delay=0.15).start()
    outputs = [tmp_path / n / f"{n}.jsonl" for n in ("a", "b", "c")]
    # Each worker alone would have 8 requests at the site at once; the site's limit is 2.
    settings = shared(redis_server.url, CONCURRENT_REQUESTS="8", CONCURRENT_REQUESTS_PER_DOMAIN="2")
    try:
        workers = [start_crawl(server.base_url, out.parent, out, settings=settings) for out in outputs]
        assert wait_all(workers) == [0, 0, 0], [w.stderr.read().decode()[-2000:] for w in workers]
    finally:
        server.stop()

    assert_exactly_once(*outputs)
    assert server.max_in_flight <= 2, f"{server.max_in_flight} requests in flight at once across workers"
    assert server.max_in_flight == 2, "the test never reached the limit: it proves nothing"
    assert sum(1 for out in outputs if ids_in(out)) >= 2, "only one worker did any work"


def test_site_delay_holds_for_all_workers_together(tmp_path, redis_server):
    server = ConcurrencyRecordingServer().start()
    outputs = [tmp_path / n / f"{n}.jsonl" for n in ("a", "b")]
    delay = 0.2
    settings = shared(redis_server.url, CONCURRENT_REQUESTS_PER_DOMAIN="4", DOWNLOAD_DELAY=str(delay))
    try:
        workers = [start_crawl(server.base_url, out.parent, out, "max_pages=1", settings=settings) for out in outputs]
        assert wait_all(workers) == [0, 0], [w.stderr.read().decode()[-2000:] for w in workers]
    finally:
        server.stop()

    starts = sorted(server.starts)
    assert len(starts) >= 12
    # The delay is kept when a lease is granted; a request reaches the server a few ms later or sooner
    # depending on its worker, so single gaps jitter. Any 6 consecutive starts span 5 delays (less 0.1 s
    # of jitter): two workers each keeping the delay only for itself would pack them into half that.
    window = 6
    spans = [b - a for a, b in zip(starts, starts[window - 1:])]
    assert min(spans) >= (window - 1) * delay - 0.1, f"{window} requests started within {min(spans):.2f} s"


def test_unreachable_redis_is_one_clear_error(tmp_path):
    from tests.redis_server import free_port

    output = tmp_path / "out.jsonl"
    proc = start_crawl("http://127.0.0.1:9", tmp_path, output,
                       settings={"REDIS_URL": f"redis://user:secret@127.0.0.1:{free_port()}/0"})
    assert proc.wait(timeout=60) != 0
    stderr = proc.stderr.read().decode()
    assert "newscrawler: cannot use the Redis at redis://user:***@127.0.0.1:" in stderr
    assert "Traceback" not in stderr and "secret" not in stderr


BLOCK_REDIS = """
import sys
class BlockRedis:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("redis", "scrapy_redis"):
            raise ImportError(f"{name} imported on the default (SQLite) path")
sys.meta_path.insert(0, BlockRedis())
from scrapy.cmdline import execute
execute(["scrapy", *sys.argv[1:]])
"""


def test_default_crawl_needs_no_redis(tmp_path):
    """Without REDIS_URL, a whole crawl runs with ``redis`` and ``scrapy_redis`` impossible to import."""
    server = FaultServer().start()
    output = tmp_path / "out.jsonl"
    try:
        proc = subprocess.run(
            [sys.executable, "-c", BLOCK_REDIS, "crawl", "kp40", "-a", f"base_url={server.base_url}", "-a", "max_pages=1",
             "-O", str(output), "-s", f"SEEN_STORE_PATH={tmp_path / 'seen.sqlite3'}", "-s", "RENDER_JS_PAGES=False",
             "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", f"LOG_FILE={tmp_path / 'log'}"],
            cwd=PROJECT_DIR, env={**crawl_env(), "NEWSCRAWLER_REDIS_URL": ""}, capture_output=True, text=True,
            timeout=120)
    finally:
        server.stop()
    log = (tmp_path / "log").read_text(encoding="utf-8")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "imported on the default" not in log + proc.stderr
    assert len(read_jsonl_strict(output)) > 0
