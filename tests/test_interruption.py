"""A stopped or killed crawl costs nothing: the next run completes the set, and nothing written is lost.

Real ``scrapy crawl`` processes against a (deliberately slow) replica server on 127.0.0.1, stopped with
real signals.
"""

from __future__ import annotations

import signal
from pathlib import Path

from tests.conftest import comparable, load_expected
from tests.crawl_helpers import (assert_seen_were_written, assert_store_matches_outputs, assert_union_complete,
                                 interrupt, log_of, read_jsonl_strict, seen_ids, start_crawl, stats_of,
                                 wait_for_lines)
from tests.fault_server import FaultServer

#: Slow enough to stop the crawl midway: ~0.15 s an article, two at a time → ~4 s for the 47.
SLOW = {"CONCURRENT_REQUESTS": "2"}
DELAY = 0.15


def ids_of(records: list[dict]) -> list[int]:
    return [record["article_id"] for record in records]


def assert_records_right(records: list[dict]):
    expected = {rec["article_id"]: rec for rec in load_expected()}
    for record in records:
        assert comparable(record) == expected[record["article_id"]], f"article {record['article_id']} differs"


def all_outputs_valid(workdir: Path):
    """Every JSON Lines file the crawls left anywhere under workdir parses, line by line."""
    files = list(workdir.rglob("*.jsonl"))
    assert files
    for path in files:
        read_jsonl_strict(path)


def test_sigint_then_resume_with_same_jobdir(tmp_path):
    server = FaultServer(delay=DELAY).start()
    settings = {**SLOW, "JOBDIR": str(tmp_path / "job")}
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    try:
        proc = start_crawl(server.base_url, tmp_path, first, settings=settings)
        wait_for_lines(proc, first, 12)
        assert interrupt(proc, signal.SIGINT) == 0
        first_records = read_jsonl_strict(first)
        assert 12 <= len(first_records) < 40, "the crawl was not stopped midway"
        assert stats_of(first)["finish_reason"] == "shutdown"
        # the interrupted run says so in its report
        assert "Data quality check failed: the crawl did not finish normally (finish reason: shutdown)" in log_of(first)

        before = len(server.request_log)
        proc = start_crawl(server.base_url, tmp_path, second, settings=settings)
        assert proc.wait(timeout=120) == 0, proc.stderr.read().decode()[-3000:]
    finally:
        server.stop()

    second_records = read_jsonl_strict(second)
    assert "Resuming crawl" in log_of(second)
    # The resumed run continued from the saved queue: it did not start over at the first listing page.
    resumed_targets = [r["target"] for r in server.request_log[before:]]
    assert "/news/" not in resumed_targets
    ids = ids_of(first_records) + ids_of(second_records)
    assert len(ids) == len(set(ids)), "an article was written twice"
    assert_union_complete(set(ids))
    assert_records_right(first_records + second_records)
    assert_store_matches_outputs(seen_ids(tmp_path / "seen.sqlite3"), set(ids))
    assert stats_of(second)["finish_reason"] == "finished"


def test_sigkill_midway_then_run_again(tmp_path):
    server = FaultServer(delay=DELAY).start()
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    try:
        proc = start_crawl(server.base_url, tmp_path, first, settings=SLOW)
        wait_for_lines(proc, first, 15)
        assert interrupt(proc, signal.SIGKILL) == -signal.SIGKILL
        all_outputs_valid(tmp_path)  # no torn last line
        first_records = read_jsonl_strict(first)
        assert 15 <= len(first_records) < 40, "the crawl was not killed midway"
        # Written, flushed, then marked: whatever the store calls seen is in the output.
        assert_seen_were_written(seen_ids(tmp_path / "seen.sqlite3"), set(ids_of(first_records)))

        proc = start_crawl(server.base_url, tmp_path, second, settings=SLOW)
        assert proc.wait(timeout=120) == 0, proc.stderr.read().decode()[-3000:]
    finally:
        server.stop()

    all_outputs_valid(tmp_path)
    second_records = read_jsonl_strict(second)
    first_ids, second_ids = ids_of(first_records), ids_of(second_records)
    assert len(first_ids) == len(set(first_ids)) and len(second_ids) == len(set(second_ids))
    # Twice across the two runs only if killed between its write and its mark (at most the in-flight few).
    assert len(set(first_ids) & set(second_ids)) <= 2
    assert_union_complete(set(first_ids) | set(second_ids))
    assert_records_right(first_records + second_records)
    assert_store_matches_outputs(seen_ids(tmp_path / "seen.sqlite3"), set(first_ids) | set(second_ids))


def _killed_at_export(tmp_path, exporter: str, kill_at: int):
    server = FaultServer().start()
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    try:
        proc = start_crawl(server.base_url, tmp_path, first,
                           settings={"FEED_EXPORTERS": f'{{"jsonl": "tests.killing_exporter.{exporter}", '
                                                       f'"jsonlines": "tests.killing_exporter.{exporter}"}}'},
                           env={"NEWSCRAWLER_TEST_KILL_AT": str(kill_at)})
        assert proc.wait(timeout=60) == -signal.SIGKILL
        all_outputs_valid(tmp_path)
        first_records = read_jsonl_strict(first)
        seen = seen_ids(tmp_path / "seen.sqlite3")
        proc = start_crawl(server.base_url, tmp_path, second)
        assert proc.wait(timeout=120) == 0, proc.stderr.read().decode()[-3000:]
    finally:
        server.stop()
    second_records = read_jsonl_strict(second)
    assert_union_complete(set(ids_of(first_records)) | set(ids_of(second_records)))
    return first_records, seen, second_records


def test_killed_just_before_a_record_is_written_it_is_not_marked(tmp_path):
    first_records, seen, second_records = _killed_at_export(tmp_path, "KillBeforeWrite", kill_at=10)
    assert len(first_records) == 9
    # the 10th record was handed to the exporter but never written: it must not be in the store
    assert_store_matches_outputs(seen, set(ids_of(first_records)))
    assert not set(ids_of(first_records)) & set(ids_of(second_records))


def test_killed_just_after_a_record_is_written_nothing_is_lost(tmp_path):
    first_records, seen, second_records = _killed_at_export(tmp_path, "KillAfterWrite", kill_at=10)
    assert len(first_records) == 10
    # written but not yet marked: the worst case is that the next run writes it once more
    assert_seen_were_written(seen, set(ids_of(first_records)))
    assert set(ids_of(first_records)) - seen <= {first_records[-1]["article_id"]}
    assert set(ids_of(first_records)) & set(ids_of(second_records)) <= {first_records[-1]["article_id"]}
