"""Two crawl processes assigning into one SQLite file (WAL) agree on every story id."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from newscrawler.stories.evaluation import pair_scores
from tests.stories_truth import load_records, truth_labels

PROJECT_DIR = Path(__file__).resolve().parent.parent

# Each process assigns every replica record in its own shuffled order and prints what it was told.
ASSIGNER = """
import json, random, sqlite3, sys
from newscrawler.stories import SqliteStoryIndex, article_key
from tests.stories_truth import load_records
connection = sqlite3.connect(sys.argv[1], timeout=60)
connection.execute("PRAGMA journal_mode=WAL")
index = SqliteStoryIndex(connection)
records = load_records()
random.Random(int(sys.argv[2])).shuffle(records)
print(json.dumps({article_key(record): index.assign(record) for record in records}))
"""


def test_two_processes_assign_consistent_story_ids(tmp_path):
    path = tmp_path / "seen.sqlite"
    processes = [subprocess.Popen([sys.executable, "-c", ASSIGNER, str(path), str(seed)], cwd=PROJECT_DIR,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for seed in (1, 2)]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert all(process.returncode == 0 for process in processes), [err for _, err in outputs]
    first, second = (json.loads(out) for out, _ in outputs)

    stored = dict(sqlite3.connect(path).execute("SELECT article_key, story_id FROM story_assignment"))
    assert first == second == stored
    records = load_records()
    scores = pair_scores(stored, truth_labels(records))
    assert scores.precision >= 0.98 and scores.recall >= 0.90, scores
