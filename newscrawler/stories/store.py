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
from typing import Any, Iterator

import numpy as np

from newscrawler.stories.facts import Facts
from newscrawler.stories.similarity import NUM_PERM, band_keys as signature_band_keys, signature_from_bytes, signature_to_bytes
from newscrawler.stories.verification import EXACT_KINDS, ArticleEvidence, exact_fact_masks


@dataclass(frozen=True)
class StoredArticle:
    article_key: str
    story_id: str
    evidence: ArticleEvidence


@dataclass(frozen=True)
class CandidateScreen:
    """The candidates of an article in the compact form the index screens them by (see
    :func:`~newscrawler.stories.verification.may_be_same_story`); row i of each array is ``handles[i]``."""

    handles: list[Any]          # what :meth:`StoryStore.load` takes to read a candidate in full
    signatures: np.ndarray      # n × NUM_PERM uint32
    exact_masks: np.ndarray     # n × len(EXACT_KINDS) int64


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

    # The two methods below let the index screen candidates before reading them in full.  These defaults build
    # on candidates(), so a backend is correct without them; it overrides both to be fast.

    def candidate_screen(self, band_keys: list[int], since: datetime, until: datetime) -> CandidateScreen:
        """The candidates of :meth:`candidates`, as signatures and exact-fact masks."""
        articles = self.candidates(band_keys, since, until)
        return CandidateScreen(
            handles=articles,
            signatures=np.array([a.evidence.signature for a in articles], dtype=np.uint32).reshape(-1, NUM_PERM),
            exact_masks=np.array([exact_fact_masks(a.evidence.facts) for a in articles],
                                 dtype=np.int64).reshape(-1, len(EXACT_KINDS)))

    def load(self, handles: list[Any]) -> list[StoredArticle]:
        """The candidates of some handles of a :class:`CandidateScreen`."""
        return list(handles)


def _timestamp(moment: datetime) -> int:
    return int(moment.timestamp())


def _day(moment: datetime) -> int:
    """Days since 1970 (UTC) of a moment: the band rows' first key."""
    return _timestamp(moment) // 86400


class SqliteStoryStore(StoryStore):
    """Tables ``story_assignment``, ``story_article`` and ``story_band_by_day`` in a connection it is given (the
    crawl's seen-store file, WAL mode, shared by concurrent crawl processes).

    Articles are numbered (``story_article.id``) so that each of their 32 band rows holds an integer, not the
    article key; with the article table's integer key (no text primary key index) the file for 10k synthetic
    articles is 14.3 MB, was 17.2 MB (bench/stories_bench.py).  A file of the first layout (tables
    ``story_evidence`` and ``story_band``) is converted on open."""

    SCHEMA = (
        """CREATE TABLE IF NOT EXISTS story_assignment (
               article_key TEXT PRIMARY KEY,
               story_id TEXT NOT NULL)""",
        # story_id is copied here (it never changes) so that reading a candidate needs no join.  The masks are
        # verification.exact_fact_masks(facts), one column per kind of EXACT_KINDS.
        """CREATE TABLE IF NOT EXISTS story_article (
               id INTEGER PRIMARY KEY,
               article_key TEXT NOT NULL,
               story_id TEXT NOT NULL,
               published_ts INTEGER NOT NULL,
               published_at TEXT NOT NULL,
               signature BLOB NOT NULL,
               dates_mask INTEGER NOT NULL,
               times_mask INTEGER NOT NULL,
               streets_mask INTEGER NOT NULL,
               facts TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS story_article_published ON story_article (published_ts)",
        # One row per (band key, article), keyed by the publication *day* first: an article's 64 rows then land
        # on the few pages of its day instead of 64 pages all over the table (each a page written at commit),
        # and the lookup seeks each (day, band key) of the window.
        """CREATE TABLE IF NOT EXISTS story_band_by_day (
               day INTEGER NOT NULL,
               band_key INTEGER NOT NULL,
               article INTEGER NOT NULL,
               PRIMARY KEY (day, band_key, article)) WITHOUT ROWID""",
    )

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        with self.exclusive():
            for statement in self.SCHEMA:
                connection.execute(statement)
            self._convert_first_layout()

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

    def _candidate_rows(self, columns: str, band_keys: list[int], since: datetime, until: datetime) -> list[tuple]:
        days = list(range(_day(since), _day(until) + 1))
        return self.connection.execute(
            f"""SELECT {columns} FROM story_article WHERE id IN (
                    SELECT article FROM story_band_by_day
                    WHERE day IN ({",".join("?" * len(days))}) AND band_key IN ({",".join("?" * len(band_keys))}))
                AND published_ts BETWEEN ? AND ?
                ORDER BY id""",
            (*days, *band_keys, _timestamp(since), _timestamp(until))).fetchall()

    def candidates(self, band_keys: list[int], since: datetime, until: datetime) -> list[StoredArticle]:
        if not band_keys:
            return []
        return [_stored_article(row) for row in self._candidate_rows(
            "article_key, story_id, published_at, signature, facts", band_keys, since, until)]

    def candidate_screen(self, band_keys: list[int], since: datetime, until: datetime) -> CandidateScreen:
        rows = self._candidate_rows(
            "id, signature, dates_mask, times_mask, streets_mask", band_keys, since, until) if band_keys else []
        return CandidateScreen(
            handles=[row[0] for row in rows],
            signatures=np.frombuffer(b"".join(row[1] for row in rows), dtype="<u4").reshape(-1, NUM_PERM),
            exact_masks=np.array([row[2:] for row in rows], dtype=np.int64).reshape(-1, len(EXACT_KINDS)))

    def load(self, handles: list[int]) -> list[StoredArticle]:
        if not handles:
            return []
        rows = self.connection.execute(
            f"""SELECT article_key, story_id, published_at, signature, facts FROM story_article
                WHERE id IN ({",".join("?" * len(handles))}) ORDER BY id""", handles).fetchall()
        return [_stored_article(row) for row in rows]

    def add(self, article_key: str, story_id: str, evidence: ArticleEvidence | None, band_keys: list[int]) -> None:
        self.connection.execute(
            "INSERT INTO story_assignment (article_key, story_id) VALUES (?, ?)", (article_key, story_id))
        if evidence is not None:
            self._add_article(article_key, story_id, evidence, band_keys)

    def _add_article(self, article_key: str, story_id: str, evidence: ArticleEvidence, band_keys: list[int]) -> None:
        published_ts = _timestamp(evidence.published_at)
        article = self.connection.execute(
            "INSERT INTO story_article (article_key, story_id, published_ts, published_at, signature,"
            " dates_mask, times_mask, streets_mask, facts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (article_key, story_id, published_ts, evidence.published_at.isoformat(),
             signature_to_bytes(evidence.signature), *exact_fact_masks(evidence.facts),
             json.dumps(evidence.facts.to_json(), ensure_ascii=False))).lastrowid
        day = _day(evidence.published_at)
        self.connection.executemany(
            "INSERT OR IGNORE INTO story_band_by_day (day, band_key, article) VALUES (?, ?, ?)",
            [(day, key, article) for key in band_keys])

    def prune(self, before: datetime) -> int:
        before_ts = _timestamp(before)
        with self.exclusive():
            self.connection.execute("DELETE FROM story_band_by_day WHERE day < ?", (_day(before),))
            return self.connection.execute(
                "DELETE FROM story_article WHERE published_ts < ?", (before_ts,)).rowcount

    def _convert_first_layout(self) -> None:
        """Move the evidence of a file of the first layout into the current tables (its band keys are
        recomputed from the signatures) and drop the old tables."""
        tables = {name for (name,) in self.connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "story_evidence" not in tables:
            return
        rows = self.connection.execute(
            """SELECT e.article_key, a.story_id, e.published_at, e.signature, e.facts
               FROM story_evidence e JOIN story_assignment a ON a.article_key = e.article_key""").fetchall()
        for row in rows:
            stored = _stored_article(row)
            self._add_article(stored.article_key, stored.story_id, stored.evidence,
                              signature_band_keys(stored.evidence.signature))
        self.connection.execute("DROP TABLE story_evidence")
        self.connection.execute("DROP TABLE IF EXISTS story_band")


def _stored_article(row: tuple) -> StoredArticle:
    article_key, story_id, published_at, signature, facts = row
    return StoredArticle(article_key, story_id, ArticleEvidence(
        published_at=datetime.fromisoformat(published_at),
        signature=signature_from_bytes(signature),
        facts=Facts.from_json(json.loads(facts))))
