"""Where the story index keeps its articles: a small storage interface and its SQLite implementation.

The interface is what :class:`~newscrawler.stories.index.StoryIndex` needs and nothing more, so that another
backend (Redis, say) only has to provide these few operations; all story logic stays in the index.
"""

from __future__ import annotations

import json
import sqlite3
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

from newscrawler.stories.facts import Facts
from newscrawler.stories.similarity import signature_from_bytes, signature_to_bytes
from newscrawler.stories.verification import ArticleEvidence


@dataclass(frozen=True)
class StoredArticle:
    article_key: str
    story_id: str
    evidence: ArticleEvidence


class StoryStore(ABC):
    """Assignments (article key → story id, kept for good) and the evidence of recent articles (pruned)."""

    @abstractmethod
    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the store for one read-decide-write assignment, excluding concurrent writers."""

    @abstractmethod
    def story_of(self, article_key: str) -> str | None:
        """The story id an article was assigned, if it was."""

    @abstractmethod
    def candidates(self, band_keys: list[int], since: datetime, until: datetime) -> list[StoredArticle]:
        """Articles published within [since, until] sharing at least one LSH band key."""

    @abstractmethod
    def add(self, article_key: str, story_id: str, evidence: ArticleEvidence | None, band_keys: list[int]) -> None:
        """Record an assignment; with evidence, also make the article a future candidate."""

    @abstractmethod
    def prune(self, before: datetime) -> int:
        """Forget the evidence of articles published before ``before`` (assignments stay); returns how many."""


def _timestamp(moment: datetime) -> int:
    return int(moment.timestamp())


class SqliteStoryStore(StoryStore):
    """Tables ``story_assignment``, ``story_evidence`` and ``story_band`` in a connection it is given (the crawl's
    seen-store file, WAL mode, shared by concurrent crawl processes)."""

    SCHEMA = (
        """CREATE TABLE IF NOT EXISTS story_assignment (
               article_key TEXT PRIMARY KEY,
               story_id TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS story_evidence (
               article_key TEXT PRIMARY KEY,
               published_ts INTEGER NOT NULL,
               published_at TEXT NOT NULL,
               signature BLOB NOT NULL,
               facts TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS story_evidence_published ON story_evidence (published_ts)",
        # One row per (band key, article): the lookup is by band key within a time range, so both lead the key.
        """CREATE TABLE IF NOT EXISTS story_band (
               band_key INTEGER NOT NULL,
               published_ts INTEGER NOT NULL,
               article_key TEXT NOT NULL,
               PRIMARY KEY (band_key, published_ts, article_key)) WITHOUT ROWID""",
    )

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        with self.exclusive():
            for statement in self.SCHEMA:
                connection.execute(statement)

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        # BEGIN IMMEDIATE takes the write lock before reading, so two processes cannot both see "no story yet"
        # and open two stories for one event; the connection's busy timeout makes the second one wait.
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.connection.rollback()
            raise
        self.connection.commit()

    def story_of(self, article_key: str) -> str | None:
        row = self.connection.execute(
            "SELECT story_id FROM story_assignment WHERE article_key = ?", (article_key,)).fetchone()
        return row[0] if row else None

    def candidates(self, band_keys: list[int], since: datetime, until: datetime) -> list[StoredArticle]:
        if not band_keys:
            return []
        placeholders = ",".join("?" * len(band_keys))
        rows = self.connection.execute(
            f"""SELECT e.article_key, a.story_id, e.published_at, e.signature, e.facts
                FROM story_evidence e JOIN story_assignment a ON a.article_key = e.article_key
                WHERE e.article_key IN (
                    SELECT article_key FROM story_band
                    WHERE band_key IN ({placeholders}) AND published_ts BETWEEN ? AND ?)""",
            (*band_keys, _timestamp(since), _timestamp(until))).fetchall()
        return [StoredArticle(key, story_id, ArticleEvidence(
                    published_at=datetime.fromisoformat(published_at),
                    signature=signature_from_bytes(signature),
                    facts=Facts.from_json(json.loads(facts))))
                for key, story_id, published_at, signature, facts in rows]

    def add(self, article_key: str, story_id: str, evidence: ArticleEvidence | None, band_keys: list[int]) -> None:
        self.connection.execute(
            "INSERT INTO story_assignment (article_key, story_id) VALUES (?, ?)", (article_key, story_id))
        if evidence is None:
            return
        published_ts = _timestamp(evidence.published_at)
        self.connection.execute(
            "INSERT INTO story_evidence (article_key, published_ts, published_at, signature, facts)"
            " VALUES (?, ?, ?, ?, ?)",
            (article_key, published_ts, evidence.published_at.isoformat(), signature_to_bytes(evidence.signature),
             json.dumps(evidence.facts.to_json(), ensure_ascii=False)))
        self.connection.executemany(
            "INSERT OR IGNORE INTO story_band (band_key, published_ts, article_key) VALUES (?, ?, ?)",
            [(key, published_ts, article_key) for key in band_keys])

    def prune(self, before: datetime) -> int:
        before_ts = _timestamp(before)
        with self.exclusive():
            self.connection.execute("DELETE FROM story_band WHERE published_ts < ?", (before_ts,))
            return self.connection.execute(
                "DELETE FROM story_evidence WHERE published_ts < ?", (before_ts,)).rowcount
