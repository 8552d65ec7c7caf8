"""The cross-run store of articles already written: what makes repeat crawls incremental.

One SQLite file (path: the ``SEEN_STORE_PATH`` setting) shared by every run, including concurrent ones
(two scrapyd jobs): WAL journal, a busy timeout, and ``INSERT OR IGNORE`` so concurrent marks neither
corrupt the file nor lose updates. Nothing about the archive is held in memory: a look-up is an indexed query.
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

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM seen_articles").fetchone()[0]

    def close(self) -> None:
        self._db.close()
