"""Helpers for the reliability tests: crawls started as background processes, strict JSON Lines reading."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

from tests.conftest import crawl_command, crawl_env, load_expected
from tests.test_crawl_replica import JS_ONLY_IDS, REPUBLISHED

#: Fast settings for a crawl of the local fault server.
FAST = {
    "DOWNLOAD_TIMEOUT": "1",
    "RETRY_TIMES": "3",
    # These crawls test fault handling, not the browser (tests/test_rendering.py does): JS-only pages are
    # counted and skipped, as expected_ids() says, and the tests need no Chromium.
    "RENDER_JS_PAGES": "False",
}


def expected_ids() -> set[int]:
    """Article ids a complete crawl emits, with both ids of the re-published pair (either one counts)."""
    return {rec["article_id"] for rec in load_expected()} - JS_ONLY_IDS


def assert_union_complete(ids: set[int]):
    """``ids`` (what some output holds) is every expected article; of the re-published pair one is enough."""
    wanted = expected_ids()
    assert ids & REPUBLISHED, "neither id of the re-published pair was written"
    missing = wanted - REPUBLISHED - ids
    assert not missing, f"articles never written: {sorted(missing)}"
    assert not ids - wanted, f"unexpected articles: {sorted(ids - wanted)}"


def assert_seen_were_written(seen: set[int], written: set[int]):
    """Every article the store calls seen is in some output.

    The one exception is the re-published copy (:data:`REPUBLISHED`): the store remembers it by its twin's
    story, which must then be in an output.
    """
    extra = seen - written
    assert extra <= REPUBLISHED, f"marked as seen but never written: {sorted(extra - REPUBLISHED)}"
    assert not extra or REPUBLISHED & written, "re-published copy marked, but neither twin written"


def assert_store_matches_outputs(seen: set[int], written: set[int]):
    """Seen ⇔ written (but for the re-published copy): no mark lost, none without its record."""
    assert written <= seen, f"written but not marked (a lost update): {sorted(written - seen)}"
    assert_seen_were_written(seen, written)


def read_jsonl_strict(path: Path) -> list[dict]:
    """Every line of ``path`` as JSON; fails on a torn or otherwise invalid line (the file must end in \\n)."""
    data = path.read_bytes()
    if not data:
        return []
    assert data.endswith(b"\n"), f"{path}: last line is torn: {data[-80:]!r}"
    records = []
    for number, line in enumerate(data.decode("utf-8").splitlines(), 1):
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise AssertionError(f"{path}:{number} is not JSON ({exc}): {line[:120]!r}") from None
    return records


def start_crawl(base_url: str, workdir: Path, output: Path, *spider_args: str, settings: dict | None = None,
                log_name: str | None = None, env: dict | None = None) -> subprocess.Popen:
    """``scrapy crawl kp40`` in the background (cwd: ``workdir``, so stray default feeds land there)."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_file = workdir / (log_name or output.name + ".log")
    settings = {"LOG_FILE": str(log_file), "STATS_FILE": str(output) + ".stats.json", **(settings or {})}
    return subprocess.Popen(crawl_command(base_url, workdir, output, *spider_args, settings={**FAST, **settings}),
                            cwd=workdir, env=crawl_env(**(env or {})), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def count_lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def wait_for_lines(proc: subprocess.Popen, path: Path, lines: int, timeout: float = 60) -> int:
    """Wait until ``path`` holds at least ``lines`` lines; fail if the crawl ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        n = count_lines(path)
        if n >= lines:
            return n
        if proc.poll() is not None:
            raise AssertionError(f"crawl ended (rc {proc.returncode}) after {n} lines, before {lines}: "
                                 f"{proc.stderr.read().decode()[-2000:]}")
        time.sleep(0.02)
    raise AssertionError(f"{path} still has {count_lines(path)} lines after {timeout}s")


def interrupt(proc: subprocess.Popen, sig=signal.SIGINT, timeout: float = 60) -> int:
    proc.send_signal(sig)
    return proc.wait(timeout=timeout)


def seen_ids(store_path: Path) -> set[int]:
    """Article ids the cross-run store calls written (read-only; checks the file is sound first)."""
    import sqlite3

    db = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {row[0] for row in db.execute("SELECT article_id FROM written_articles WHERE publisher = 'kp40'")}
    finally:
        db.close()


def log_of(output: Path) -> str:
    path = output.parent / (output.name + ".log")
    return path.read_text(encoding="utf-8") if path.exists() else ""


def stats_of(output: Path) -> dict:
    path = Path(str(output) + ".stats.json")
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
