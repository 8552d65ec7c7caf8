"""``python -m newscrawler.stories``: the multi-outlet story report, as text and CSV, from crawl output."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from newscrawler.stories import SqliteStoryIndex
from newscrawler.stories.report import format_delay
from tests.stories_truth import load_records

PROJECT_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def crawl_output(tmp_path_factory) -> Path:
    """The replicas' records with story ids, as one crawl output file, plus two lines a reader must survive."""
    index = SqliteStoryIndex(sqlite3.connect(":memory:"))
    path = tmp_path_factory.mktemp("output") / "articles.jsonl"
    with open(path, "w", encoding="utf-8") as out:
        for record in sorted(load_records(), key=lambda record: record["published_at"]):
            record["story_id"] = index.assign(record)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.write('{"publisher": "vest", "title": "truncated\n')
        out.write('{"publisher": "vest", "article_id": 1}\n')
    return path


def run_report(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newscrawler.stories", *args], cwd=PROJECT_DIR,
                          capture_output=True, text=True, timeout=60)


def test_text_report_lists_outlets_in_order_with_delays(crawl_output):
    result = run_report(str(crawl_output))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    story = lines[lines.index("kp40:80456 — 3 outlets"):][:4]
    assert [re.search(r" (kp40|vest|kaluga24) ", line).group(1) for line in story[1:]] == ["kp40", "vest", "kaluga24"]
    assert story[1].split()[:2] == ["+0", "min"] and "+1 h 17 min" in story[2] and "+3 h 17 min" in story[3]
    assert "Губернатор: в Калужской области в ближайшие месяцы появятся промышленные кластеры" in story[2]
    assert lines[-1] == "7 stories carried by two or more outlets"
    assert "T-" not in result.stdout and "kaluga24:6210" not in result.stdout  # singletons are not listed


def test_bad_input_lines_are_reported_counted_and_skipped(crawl_output):
    result = run_report(str(crawl_output))
    assert result.returncode == 0
    errors = result.stderr.splitlines()
    assert errors[0].startswith(f"{crawl_output}:72: skipped: not JSON")
    assert errors[1] == f"{crawl_output}:73: skipped: no story_id"
    assert errors[-1] == "2 bad input lines skipped"


def test_csv_has_one_row_per_article_of_multi_outlet_stories(crawl_output, tmp_path):
    csv_path = tmp_path / "stories.csv"
    assert run_report(str(crawl_output), "--csv", str(csv_path)).returncode == 0
    with open(csv_path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["story_id", "publisher", "article_id", "published_at", "delay_minutes", "title", "url"]
    assert len(rows) == 7 * 2 + 1  # seven stories, one of them carried by three outlets
    afisha = [row for row in rows if row["story_id"] == "kp40:117604"]
    assert [(row["publisher"], row["delay_minutes"]) for row in afisha] == [("kp40", "0"), ("kaluga24", "1015")]
    assert afisha[1]["url"] == "https://kaluga24.tv/news/060480"


@pytest.mark.parametrize("minutes, text", [(0, "+0 min"), (47, "+47 min"), (135, "+2 h 15 min"),
                                           (1500, "+1 d 1 h"), (None, "?")])
def test_delay_format(minutes, text):
    assert format_delay(minutes) == text
