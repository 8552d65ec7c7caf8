"""The cross-run store survives concurrent writers (two crawls at once, e.g. two scrapyd jobs).

A direct stress — many processes opening one fresh store at the same moment and marking overlapping
articles — and two real crawls sharing one store.
"""

from __future__ import annotations

import multiprocessing as mp
import sqlite3

from tests.crawl_helpers import (assert_store_matches_outputs, assert_union_complete, read_jsonl_strict, seen_ids,
                                 start_crawl)
from tests.replica_server import Replica, ReplicaServer

WRITERS = 6
MARKS = 400
STEP = 200  # writer k marks ids [k*STEP, k*STEP+MARKS): every id but the first/last STEP is marked by two writers


def _writer(path: str, k: int, start, errors):
    from newscrawler.crawl.seen_store import SeenStore

    try:
        start.wait()
        store = SeenStore(path)  # all open the same fresh file at once: WAL switch and schema under contention
        for article_id in range(k * STEP, k * STEP + MARKS):
            store.mark("kp40", article_id, f"https://www.kp40.ru/news/society/{article_id}/", f"digest-{article_id}")
            if article_id % 50 == 0:
                assert store.has_article("kp40", article_id)
                len(store)
        store.close()
    except Exception as exc:  # reported to the parent: a lock error here is a lost update
        errors.put(f"writer {k}: {type(exc).__name__}: {exc}")
        raise


def test_many_processes_marking_at_once_lose_nothing(tmp_path):
    path = str(tmp_path / "seen.sqlite3")
    ctx = mp.get_context("spawn")
    start, errors = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(path, k, start, errors)) for k in range(WRITERS)]
    for proc in procs:
        proc.start()
    start.set()
    for proc in procs:
        proc.join(timeout=120)
    failures = [errors.get() for _ in range(errors.qsize())] if not errors.empty() else []
    assert not failures, failures
    assert [proc.exitcode for proc in procs] == [0] * WRITERS

    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        ids = [row[0] for row in db.execute("SELECT article_id FROM written_articles ORDER BY article_id")]
    assert ids == list(range((WRITERS - 1) * STEP + MARKS)), "a mark was lost or doubled"


def test_two_crawls_at_once_share_one_store(tmp_path):
    server = ReplicaServer(Replica()).start()
    outputs = [tmp_path / "job1.jsonl", tmp_path / "job2.jsonl"]
    try:
        procs = [start_crawl(server.base_url, tmp_path / output.stem, output,
                             settings={"SEEN_STORE_PATH": str(tmp_path / "seen.sqlite3")})
                 for output in outputs]
        for proc in procs:
            assert proc.wait(timeout=120) == 0, proc.stderr.read().decode()[-3000:]
    finally:
        server.stop()
    written = [read_jsonl_strict(output) for output in outputs]
    for records in written:
        ids = [r["article_id"] for r in records]
        assert len(ids) == len(set(ids))
    union = {r["article_id"] for records in written for r in records}
    assert_union_complete(union)
    # every article either job wrote is marked — no update lost to the other job — and nothing else is
    assert_store_matches_outputs(seen_ids(tmp_path / "seen.sqlite3"), union)
