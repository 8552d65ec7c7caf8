"""The cross-run store of articles already written: what makes repeat crawls incremental.

One SQLite file (path: the ``SEEN_STORE_PATH`` setting) shared by every run and every outlet, including
concurrent runs (two scrapyd jobs): WAL journal, a busy timeout, and ``INSERT OR IGNORE`` so concurrent
marks neither corrupt the file nor lose updates. Articles are keyed by (publisher, article_id) — the id
may be null for a site without a profile whose URLs carry none — and by canonical URL; a digest of the text
is indexed too. Each row names the run that wrote it, so a duplicate within a run is told from an older
one without holding the run's keys in memory. Nothing about the archive is held in memory: a look-up is
an indexed query.

It also remembers articles a run found but could not fetch or parse (server errors after every retry, a
page cut off on every attempt, a failed render): an incremental run stops paginating at the first listing
page with nothing new, so without this list an article that failed behind such a page would never be
fetched again. The next runs request those articles directly, until one writes them or they have failed
in ``RETRY_FAILED_ARTICLES_RUNS`` runs.

And it remembers articles the outlet removed (their canonical URL answers 404 / 410 while listings still
link them): those are neither fetched again nor counted as new on a listing, so an unchanged outlet that
still lists a removed article is not crawled past its first listing page on every run.

A store written before outlets had profiles (one integer id space, kp40's) is migrated on open: its rows
become kp40's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import sqlite3
import uuid
from pathlib import Path

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS written_articles (
    publisher    TEXT NOT NULL,
    article_id   INTEGER,  -- null: a page of a site without a profile whose URL carries no id
    url          TEXT NOT NULL,
    content_hash TEXT,
    written_at   TEXT NOT NULL,
    run_id       TEXT
);
-- Unique indexes: INSERT OR IGNORE keeps one row per article by id and by URL (null ids never collide).
CREATE UNIQUE INDEX IF NOT EXISTS written_articles_id ON written_articles (publisher, article_id);
CREATE UNIQUE INDEX IF NOT EXISTS written_articles_url ON written_articles (url);
CREATE INDEX IF NOT EXISTS written_articles_content ON written_articles (publisher, content_hash);
CREATE TABLE IF NOT EXISTS not_articles (
    publisher TEXT NOT NULL,
    url       TEXT NOT NULL,
    reason    TEXT NOT NULL,
    noted_at  TEXT NOT NULL,
    PRIMARY KEY (publisher, url)
);
CREATE TABLE IF NOT EXISTS unwritten_articles (
    publisher      TEXT NOT NULL,
    url            TEXT NOT NULL,
    failed_runs    INTEGER NOT NULL,
    last_reason    TEXT,
    last_failed_at TEXT NOT NULL,
    PRIMARY KEY (publisher, url)
);
CREATE TABLE IF NOT EXISTS gone_articles (
    publisher TEXT NOT NULL,
    url       TEXT NOT NULL,
    status    INTEGER NOT NULL,
    noted_at  TEXT NOT NULL,
    PRIMARY KEY (publisher, url)
);
"""
#: The single-outlet tables of earlier versions, and how their rows move (they were all kp40's).
_LEGACY_MIGRATION = """
INSERT OR IGNORE INTO written_articles (publisher, article_id, url, content_hash, written_at)
    SELECT 'kp40', article_id, url, content_hash, written_at FROM seen_articles;
INSERT OR IGNORE INTO unwritten_articles (publisher, url, failed_runs, last_reason, last_failed_at)
    SELECT 'kp40', 'https://www.kp40.ru' || path, failed_runs, last_reason, last_failed_at FROM failed_articles;
DROP TABLE seen_articles;
DROP TABLE failed_articles;
"""


def content_hash(title: str | None, body: str | None) -> str:
    """Identity of a story's text: outlets re-publish press releases under two ids."""
    text = f"{' '.join((title or '').split())}\n{' '.join((body or '').split())}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class SeenStore:
    """Articles written by earlier (or concurrent) runs, keyed by (publisher, article_id), URL and text."""

    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        self._migrate_legacy()
        #: This run, as the writer of the rows it marks (tells a duplicate within the run from an older one).
        self.run_id = uuid.uuid4().hex

    def _migrate_legacy(self) -> None:
        tables = {row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if {"seen_articles", "failed_articles"} <= tables:
            self.db.executescript(f"BEGIN IMMEDIATE; {_LEGACY_MIGRATION} COMMIT;")
            logger.info("Seen store %s: moved the rows of the single-outlet tables to kp40's", self.path)

    @classmethod
    def from_settings(cls, settings) -> "SeenStore | None":
        path = settings.get("SEEN_STORE_PATH")
        return cls(path) if path else None

    def has_article(self, publisher: str, article_id: int) -> bool:
        row = self.db.execute("SELECT 1 FROM written_articles WHERE publisher = ? AND article_id = ?",
                              (publisher, article_id)).fetchone()
        return row is not None

    def has_url(self, url: str) -> bool:
        return self.db.execute("SELECT 1 FROM written_articles WHERE url = ?", (url,)).fetchone() is not None

    def knows(self, ref) -> bool:
        """Whether the article an :class:`~newscrawler.profile.ArticleRef` names was written (by id, else URL)."""
        if ref.article_id is not None:
            return self.has_article(ref.publisher, ref.article_id)
        return self.has_url(ref.url)

    def has_content(self, publisher: str, digest: str) -> bool:
        return self.text_written_by(publisher, digest) is not None

    def written_by(self, publisher: str, article_id: int | None, url: str) -> str | None:
        """The run that wrote the article (by id or URL), None when none did."""
        row = self.db.execute(
            "SELECT run_id FROM written_articles WHERE (publisher = ? AND article_id = ?) OR url = ? LIMIT 1",
            (publisher, article_id, url)).fetchone()
        return None if row is None else (row[0] or "")

    def text_written_by(self, publisher: str, digest: str) -> str | None:
        """The run that wrote this outlet's article with this text, None when none did."""
        row = self.db.execute("SELECT run_id FROM written_articles WHERE publisher = ? AND content_hash = ? LIMIT 1",
                              (publisher, digest)).fetchone()
        return None if row is None else (row[0] or "")

    def claim(self, publisher: str, article_id: int | None, url: str, digest: str | None) -> str:
        """``"ok"``: write it. The SQLite store is one machine's: concurrent runs on it do not share their
        in-flight articles, so there is nothing to claim (the Redis store's claim is exclusive)."""
        return "ok"

    def mark(self, publisher: str, article_id: int | None, url: str, digest: str | None) -> None:
        """Record an article as written. Call only after the record is flushed to the output."""
        self.db.execute(
            "INSERT OR IGNORE INTO written_articles (publisher, article_id, url, content_hash, written_at, run_id) "
            "VALUES (?, ?, ?, ?, ?, ?)", (publisher, article_id, url, digest, _now(), self.run_id))

    def note_failure(self, publisher: str, url: str, reason: str) -> None:
        """Record that this run could not write the article; one run counts once however often it failed."""
        self.db.execute(
            "INSERT INTO unwritten_articles (publisher, url, failed_runs, last_reason, last_failed_at) "
            "VALUES (?, ?, 1, ?, ?) ON CONFLICT (publisher, url) DO UPDATE SET "
            "failed_runs = failed_runs + 1, last_reason = excluded.last_reason, "
            "last_failed_at = excluded.last_failed_at",
            (publisher, url, reason, _now()),
        )

    def failed_articles(self, publisher: str, max_runs: int) -> list[str]:
        """Canonical URLs of the outlet's articles that failed in fewer than ``max_runs`` runs and were not
        written since, oldest failure first."""
        rows = self.db.execute(
            "SELECT url FROM unwritten_articles WHERE publisher = ? AND failed_runs < ? "
            "AND url NOT IN (SELECT url FROM written_articles WHERE publisher = ?) "
            "AND url NOT IN (SELECT url FROM gone_articles WHERE publisher = ?) ORDER BY last_failed_at",
            (publisher, max_runs, publisher, publisher),
        ).fetchall()
        return [url for (url,) in rows]

    def note_gone(self, publisher: str, url: str, status: int) -> None:
        """Record that the outlet removed the article: its canonical URL answered ``status`` (404, 410)."""
        self.db.execute(
            "INSERT INTO gone_articles (publisher, url, status, noted_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (publisher, url) DO UPDATE SET status = excluded.status, noted_at = excluded.noted_at",
            (publisher, url, status, _now()),
        )

    def is_gone(self, publisher: str, url: str) -> bool:
        row = self.db.execute("SELECT 1 FROM gone_articles WHERE publisher = ? AND url = ?",
                              (publisher, url)).fetchone()
        return row is not None

    def note_not_article(self, publisher: str, url: str, reason: str) -> None:
        """Record that a page of a site without a profile is no article (a tag archive, a static page…):
        later runs of the ``site`` spider do not fetch it again."""
        self.db.execute(
            "INSERT INTO not_articles (publisher, url, reason, noted_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (publisher, url) DO UPDATE SET reason = excluded.reason, noted_at = excluded.noted_at",
            (publisher, url, reason, _now()))

    def is_not_article(self, publisher: str, url: str) -> bool:
        row = self.db.execute("SELECT 1 FROM not_articles WHERE publisher = ? AND url = ?", (publisher, url)).fetchone()
        return row is not None

    def article_keys(self) -> set[tuple[str, int]]:
        """Every (publisher, article_id) written (for tests and reports; the crawl never loads this)."""
        return set(self.db.execute(
            "SELECT publisher, article_id FROM written_articles WHERE article_id IS NOT NULL").fetchall())

    def __len__(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM written_articles").fetchone()[0]

    def close(self) -> None:
        self.db.close()
