"""Shared fixtures: the saved site, a real replay server on 127.0.0.1, and a crawl run as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.replica_server import SITE_DIR, Replica, ReplicaServer

PROJECT_DIR = Path(__file__).resolve().parent.parent
#: Each outlet's saved replica: files/, manifest.json, expected.jsonl (and, but for kp40, syndication.json).
OUTLET_REPLICAS = {"kp40": SITE_DIR, "vest": PROJECT_DIR / "tests" / "publishers" / "vest",
                   "kaluga24": PROJECT_DIR / "tests" / "publishers" / "kaluga24"}

#: Keys a crawl adds that the saved expectations cannot know.
RUN_SPECIFIC_KEYS = ("crawled_at", "extraction", "story_id")


def load_expected() -> list[dict]:
    with open(SITE_DIR / "expected.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def comparable(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in RUN_SPECIFIC_KEYS}


def require_browser() -> None:
    """Skip (with the reason shown by ``pytest -rs``) when no Chromium can be launched here; under CI
    (``CI=true``) fail instead, so a missing browser never passes silently."""
    from newscrawler.crawl.rendering import rendering_available

    if rendering_available():
        return
    reason = ("no Chromium to launch: install Debian's `chromium` (/usr/bin/chromium) or set "
              "PLAYWRIGHT_CHROMIUM_EXECUTABLE")
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.fixture
def browser():
    """Tests that render pages in a real headless Chromium."""
    require_browser()


@pytest.fixture
def redis_server():
    """A real redis-server on a free loopback port (skipped locally without one; a failure under CI)."""
    from tests.redis_server import RedisServer, redis_server_available

    if not redis_server_available():
        reason = "no redis-server to start: install Debian's `redis-server`"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    with RedisServer() as server:
        yield server


@pytest.fixture
def outlet_servers():
    """Every outlet's replica served on its own loopback port, by slug."""
    started = {slug: ReplicaServer(Replica(root=root)).start() for slug, root in OUTLET_REPLICAS.items()}
    yield started
    for server in started.values():
        server.stop()


@pytest.fixture
def replica_server():
    server = ReplicaServer(Replica()).start()
    yield server
    server.stop()


@dataclass
class CrawlResult:
    returncode: int
    items: list[dict]
    stats: dict
    log: str
    output: Path


def crawl_command(base_url: str | None, workdir: Path, output: Path, *spider_args: str,
                  settings: dict | None = None, spider: str = "kp40") -> list[str]:
    """``scrapy crawl <spider>`` of ``base_url`` into ``output``: politeness delays off (the server is local),
    the cross-run store in ``workdir`` (runs sharing a workdir are incremental, like nightly runs).
    ``base_url`` None: the spider's arguments say where (the region spider's ``base_urls``)."""
    all_settings = {
        "SEEN_STORE_PATH": str(workdir / "seen.sqlite3"),
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
        **(settings or {}),
    }
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, "-O", str(output)]
    if base_url:
        cmd += ["-a", f"base_url={base_url}"]
    for arg in spider_args:
        cmd += ["-a", arg]
    for key, value in all_settings.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def crawl_env(**extra: str) -> dict:
    """The environment a crawl subprocess runs in: this checkout's package and settings."""
    return {**os.environ, "PYTHONPATH": str(PROJECT_DIR), "SCRAPY_SETTINGS_MODULE": "newscrawler.settings", **extra}


def run_crawl(base_url: str | None, workdir: Path, *spider_args: str, settings: dict | None = None,
              output_name: str = "articles.jsonl", timeout: float = 180, cwd: Path = PROJECT_DIR,
              spider: str = "kp40") -> CrawlResult:
    """Run :func:`crawl_command` in a subprocess, as a user would, and collect its output, stats and log."""
    workdir.mkdir(parents=True, exist_ok=True)
    output = workdir / output_name
    stats_file = workdir / (output_name + ".stats.json")
    log_file = workdir / (output_name + ".log")
    cmd = crawl_command(base_url, workdir, output, *spider_args, spider=spider,
                        settings={"STATS_FILE": str(stats_file), "LOG_FILE": str(log_file), **(settings or {})})
    proc = subprocess.run(cmd, cwd=cwd, env=crawl_env(), capture_output=True, text=True, timeout=timeout)
    items = []
    if output.exists():
        with open(output, encoding="utf-8") as f:
            items = [json.loads(line) for line in f if line.strip()]
    stats = json.loads(stats_file.read_text(encoding="utf-8")) if stats_file.exists() else {}
    log = (log_file.read_text(encoding="utf-8") if log_file.exists() else "") + proc.stderr
    return CrawlResult(proc.returncode, items, stats, log, output)
