"""The cross-run store of articles already written: what makes repeat crawls incremental.

One SQLite file (path: the ``SEEN_STORE_PATH`` setting) shared by every run, including concurrent ones
(two scrapyd jobs): WAL journal, a busy timeout, and ``INSERT OR IGNORE`` so concurrent marks neither
corrupt the file nor lose updates. Nothing about the archive is held in memory: a look-up is an indexed query.

It also remembers articles a run found but could not fetch or parse (server errors after every retry, a
page cut off on every attempt, a failed render): an incremental run stops paginating at the first listing
page with nothing new, so without this list an article that failed behind such a page would never be
fetched again. The next runs request those articles directly, until one writes them or they have failed
in ``RETRY_FAILED_ARTICLES_RUNS`` runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import sqlite3
from pathlib import Path

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS seen_articles (
    article_id   INTEGER PRIMARY KEY,
    url          TEXT NOT NULL,
    content_hash TEXT,
    written_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS seen_articles_url ON seen_articles (url);
CREATE INDEX IF NOT EXISTS seen_articles_content ON seen_articles (content_hash);
CREATE TABLE IF NOT EXISTS failed_articles (
    article_id     INTEGER PRIMARY KEY,
    path           TEXT NOT NULL,
    failed_runs    INTEGER NOT NULL,
    last_reason    TEXT,
    last_failed_at TEXT NOT NULL
);
"""


def content_hash(title: str | None, body: str | None) -> str:
    """Identity of a story's text: the site re-publishes press releases under two ids."""
    text = f"{' '.join((title or '').split())}\n{' '.join((body or '').split())}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class SeenStore:
    """Articles written by earlier (or concurrent) runs, keyed by article id, canonical URL and text."""

    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    @classmethod
    def from_settings(cls, settings) -> "SeenStore | None":
        path = settings.get("SEEN_STORE_PATH")
        return cls(path) if path else None

    def has_article(self, article_id: int) -> bool:
        row = self._db.execute("SELECT 1 FROM seen_articles WHERE article_id = ?", (article_id,)).fetchone()
        return row is not None

    def has_url(self, url: str) -> bool:
        return self._db.execute("SELECT 1 FROM seen_articles WHERE url = ?", (url,)).fetchone() is not None

    def has_content(self, digest: str) -> bool:
        row = self._db.execute("SELECT 1 FROM seen_articles WHERE content_hash = ?", (digest,)).fetchone()
        return row is not None

    def mark(self, article_id: int, url: str, digest: str | None) -> None:
        """Record an article as written. Call only after the record is flushed to the output."""
        self._db.execute(
            "INSERT OR IGNORE INTO seen_articles (article_id, url, content_hash, written_at) VALUES (?, ?, ?, ?)",
            (article_id, url, digest, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")),
        )

    def note_failure(self, article_id: int, path: str, reason: str) -> None:
        """Record that this run could not write the article; one run counts once however often it failed."""
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        self._db.execute(
            "INSERT INTO failed_articles (article_id, path, failed_runs, last_reason, last_failed_at) "
            "VALUES (?, ?, 1, ?, ?) ON CONFLICT (article_id) DO UPDATE SET "
            "failed_runs = failed_runs + 1, last_reason = excluded.last_reason, "
            "last_failed_at = excluded.last_failed_at",
            (article_id, path, reason, now),
        )

    def failed_articles(self, max_runs: int) -> list[tuple[int, str]]:
        """``(article_id, canonical path)`` of articles that failed in fewer than ``max_runs`` runs and were
        not written since, oldest failure first."""
        return self._db.execute(
            "SELECT article_id, path FROM failed_articles WHERE failed_runs < ? "
            "AND article_id NOT IN (SELECT article_id FROM seen_articles) ORDER BY last_failed_at",
            (max_runs,),
        ).fetchall()

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM seen_articles").fetchone()[0]

    def close(self) -> None:
        self._db.close()
