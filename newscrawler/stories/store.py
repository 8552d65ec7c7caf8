"""Where the story index keeps its articles: a small storage interface and its SQLite implementation.

The interface is what :class:`~newscrawler.stories.index.StoryIndex` needs and nothing more, so that another
backend (Redis, say) only has to provide these few operations; all story logic stays in the index.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from abc import ABC, abstractmethod
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator, Sequence

import numpy as np

from newscrawler.stories.facts import Facts
from newscrawler.stories.similarity import NUM_PERM, SIGNATURE_SCHEME, signature_from_bytes, signature_to_bytes
from newscrawler.stories.verification import EXACT_KINDS, ArticleEvidence, exact_fact_masks

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredArticle:
    article_key: str
    story_id: str
    evidence: ArticleEvidence


@dataclass(frozen=True)
class CandidateScreen:
    """The candidates of an article in the compact form the index screens them by (see
    :func:`~newscrawler.stories.verification.may_be_same_story`); row i of each array is ``handles[i]``."""

    handles: Sequence[Any]      # what :meth:`StoryStore.load` takes to read a candidate in full
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
    def candidates(self, signature: np.ndarray, since: datetime, until: datetime) -> list[StoredArticle]:
        """Articles published within [since, until] that may be similar to a text of this signature (a store
        may return more — every article of those days, say: the index verifies time and text)."""

    @abstractmethod
    def add(self, article_key: str, story_id: str, evidence: ArticleEvidence | None) -> None:
        """Record an assignment; with evidence, also make the article a future candidate."""

    @abstractmethod
    def prune(self, before: datetime) -> int:
        """Forget the evidence of articles published before ``before`` (assignments stay); returns how many."""

    # The two methods below let the index screen candidates before reading them in full.  These defaults build
    # on candidates(), so a backend is correct without them; it overrides both to be fast.

    def candidate_screen(self, signature: np.ndarray, since: datetime, until: datetime) -> CandidateScreen:
        """The candidates of :meth:`candidates`, as signatures and exact-fact masks."""
        articles = self.candidates(signature, since, until)
        return CandidateScreen(
            handles=articles,
            signatures=np.array([a.evidence.signature for a in articles], dtype=np.uint32).reshape(-1, NUM_PERM),
            exact_masks=np.array([exact_fact_masks(a.evidence.facts) for a in articles],
                                 dtype=np.int64).reshape(-1, len(EXACT_KINDS)))

    def load(self, handles: list[Any]) -> list[StoredArticle]:
        """The candidates of some handles of a :class:`CandidateScreen`."""
        return list(handles)


def timestamp(moment: datetime) -> int:
    """Seconds since 1970 of a moment: how both stores key articles by publication time."""
    return int(moment.timestamp())


def warn_evidence_dropped(count: int, scheme: str) -> None:
    """What a store says when it drops evidence hashed by another SIGNATURE_SCHEME (the same for every store)."""
    logger.warning(
        "Story index: dropped the evidence of %d articles, hashed by an earlier signature scheme (%s); "
        "their story ids stay, but articles published from now on are not compared with them", count, scheme)


SECONDS_PER_DAY = 86400


def _day(moment: datetime) -> int:
    """Days since 1970 (UTC) of a moment."""
    return timestamp(moment) // SECONDS_PER_DAY


#: Days of articles whose screening columns the SQLite store keeps in memory (least recently used first out).
#: A crawl's window (± STORY_WINDOW_DAYS around each article) needs 7 at the default 3 days; more days help an
#: archive crawl that walks back and forth in time. 0.54 KB per article (up to twice that while a day's arrays
#: have room to grow): 31 days of 300 articles is 5–10 MB.
CACHED_DAYS = 31


class _DayOfArticles:
    """The screening columns of one publication day's articles: id and exact-fact masks (``numbers``:
    n × (1 + len(EXACT_KINDS)) int64) and signatures (n × NUM_PERM uint32), in arrays that grow by doubling so
    that adding an article does not copy the day.  Most days of an archive have few articles or none."""

    NO_NUMBERS = np.empty((0, 1 + len(EXACT_KINDS)), dtype=np.int64)
    NO_SIGNATURES = np.empty((0, NUM_PERM), dtype=np.uint32)

    def __init__(self) -> None:
        self._numbers = self.NO_NUMBERS
        self._signatures = self.NO_SIGNATURES
        self.size = 0

    def append(self, article_id: int, masks: tuple[int, ...], signature: np.ndarray) -> None:
        if self.size == len(self._numbers):
            capacity = max(8, 2 * self.size)
            self._numbers = np.resize(self._numbers, (capacity, self._numbers.shape[1]))
            self._signatures = np.resize(self._signatures, (capacity, NUM_PERM))
        self._numbers[self.size] = (article_id, *masks)
        self._signatures[self.size] = signature
        self.size += 1

    @property
    def numbers(self) -> np.ndarray:
        return self._numbers[:self.size]

    @property
    def signatures(self) -> np.ndarray:
        return self._signatures[:self.size]


class SqliteStoryStore(StoryStore):
    """Tables ``story_assignment`` and ``story_article`` in a connection it is given (the crawl's seen-store
    file, WAL mode, shared by concurrent crawl processes).

    Candidates are screened in memory: the store keeps the screening columns (signature, exact-fact masks) of
    the publication days it has looked at, and every article of the window's days is screened with numpy —
    0.12 ms for the ~500 of the synthetic bench, where an LSH band table on disk cost 64 rows written and a
    look-up of ~150 candidates per article: 1.9 ms in all at 10k articles, now 0.5 (bench/stories_bench.py).  The memory is bounded by days (:data:`CACHED_DAYS`), not by the archive.
    Other processes write to the same file: on taking the write lock the store reads the articles added since
    it last looked (``story_article.id`` is AUTOINCREMENT, so ids only grow).  A file of an earlier layout or
    signature scheme is converted on open (:meth:`_open_current_layout`)."""

    SCHEMA = (
        """CREATE TABLE IF NOT EXISTS story_assignment (
               article_key TEXT PRIMARY KEY,
               story_id TEXT NOT NULL)""",
        # story_id is copied here (it never changes) so that reading a candidate needs no join.  The masks are
        # verification.exact_fact_masks(facts), one column per kind of EXACT_KINDS.
        """CREATE TABLE IF NOT EXISTS story_article (
               id INTEGER PRIMARY KEY AUTOINCREMENT,
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
        # signature_scheme: similarity.SIGNATURE_SCHEME of the signatures in story_article
        "CREATE TABLE IF NOT EXISTS story_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    )
    _SCREEN_COLUMNS = "id, published_ts, dates_mask, times_mask, streets_mask, signature"

    def __init__(self, connection: sqlite3.Connection, cached_days: int = CACHED_DAYS) -> None:
        self.connection = connection
        self.cached_days = cached_days
        self._days: OrderedDict[int, _DayOfArticles] = OrderedDict()
        self._last_seen_id = 0  # the highest story_article.id reflected in self._days
        with self._write_transaction():
            self._open_current_layout()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._write_transaction():
            self._catch_up()
            yield

    @contextmanager
    def _write_transaction(self) -> Iterator[None]:
        # BEGIN IMMEDIATE takes the write lock before reading, so two processes cannot both see "no story yet"
        # and open two stories for one event; the connection's busy timeout makes the second one wait.
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.connection.rollback()
            self._forget_cached_days()  # they may hold an article the rollback took back
            raise
        self.connection.commit()

    def story_of(self, article_key: str) -> str | None:
        row = self.connection.execute(
            "SELECT story_id FROM story_assignment WHERE article_key = ?", (article_key,)).fetchone()
        return row[0] if row else None

    def candidates(self, signature: np.ndarray, since: datetime, until: datetime) -> list[StoredArticle]:
        return self.load(self.candidate_screen(signature, since, until).handles.tolist())

    def candidate_screen(self, signature: np.ndarray, since: datetime, until: datetime) -> CandidateScreen:
        """Every article published on the days of [since, until], from the cached days (those a little
        outside the window are left to verification's own time rule: cutting them out would copy the arrays)."""
        days = self._cached_days(_day(since), _day(until))
        numbers = np.concatenate([day.numbers for day in days])
        return CandidateScreen(handles=numbers[:, 0], signatures=np.concatenate([day.signatures for day in days]),
                               exact_masks=numbers[:, 1:])

    def load(self, handles: list[int]) -> list[StoredArticle]:
        if not handles:
            return []
        rows = self.connection.execute(
            f"""SELECT article_key, story_id, published_at, signature, facts FROM story_article
                WHERE id IN ({",".join("?" * len(handles))}) ORDER BY id""", [int(h) for h in handles]).fetchall()
        return [_stored_article(row) for row in rows]

    def add(self, article_key: str, story_id: str, evidence: ArticleEvidence | None) -> None:
        self.connection.execute(
            "INSERT INTO story_assignment (article_key, story_id) VALUES (?, ?)", (article_key, story_id))
        if evidence is not None:
            self._add_article(article_key, story_id, evidence)

    def _add_article(self, article_key: str, story_id: str, evidence: ArticleEvidence) -> None:
        published_ts = timestamp(evidence.published_at)
        masks = exact_fact_masks(evidence.facts)
        article_id = self.connection.execute(
            "INSERT INTO story_article (article_key, story_id, published_ts, published_at, signature,"
            " dates_mask, times_mask, streets_mask, facts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (article_key, story_id, published_ts, evidence.published_at.isoformat(),
             signature_to_bytes(evidence.signature), *masks,
             json.dumps(evidence.facts.to_json(), ensure_ascii=False))).lastrowid
        day = self._days.get(published_ts // SECONDS_PER_DAY)
        if day is not None:
            day.append(article_id, masks, evidence.signature)
        self._last_seen_id = article_id

    def prune(self, before: datetime) -> int:
        with self.exclusive():
            self._forget_cached_days()
            return self.connection.execute(
                "DELETE FROM story_article WHERE published_ts < ?", (timestamp(before),)).rowcount

    # --- the cached days ------------------------------------------------------------------------------------

    def _cached_days(self, first: int, last: int) -> list[_DayOfArticles]:
        """Days ``first`` to ``last``, the missing ones read in one query."""
        missing = [day for day in range(first, last + 1) if day not in self._days]
        if missing:
            loaded = {day: _DayOfArticles() for day in missing}
            # Ids above the last seen one are left to _catch_up, which would otherwise add them a second time.
            # INDEXED BY: given "id <= ?", SQLite would walk the whole table by id instead of the days' index range.
            rows = self.connection.execute(
                f"SELECT {self._SCREEN_COLUMNS} FROM story_article INDEXED BY story_article_published"
                " WHERE published_ts >= ? AND published_ts < ? AND id <= ?",
                (missing[0] * SECONDS_PER_DAY, (missing[-1] + 1) * SECONDS_PER_DAY, self._last_seen_id))
            for row in rows:
                day = loaded.get(row[1] // SECONDS_PER_DAY)
                if day is not None:
                    self._append_row(day, row)
            self._days.update(loaded)
        days = []
        for day in range(first, last + 1):
            self._days.move_to_end(day)
            days.append(self._days[day])
        while len(self._days) > self.cached_days:
            self._days.popitem(last=False)
        return days

    def _catch_up(self) -> None:
        """Add to the cached days what other connections stored since this one last looked."""
        if not self._days:
            (self._last_seen_id,) = self.connection.execute(
                "SELECT coalesce(max(id), 0) FROM story_article").fetchone()
            return
        rows = self.connection.execute(
            f"SELECT {self._SCREEN_COLUMNS} FROM story_article WHERE id > ? ORDER BY id", (self._last_seen_id,))
        for row in rows:
            day = self._days.get(row[1] // SECONDS_PER_DAY)
            if day is not None:
                self._append_row(day, row)
            self._last_seen_id = row[0]

    @staticmethod
    def _append_row(day: _DayOfArticles, row: tuple) -> None:
        article_id, _published_ts, *masks, signature = row
        day.append(article_id, tuple(masks), np.frombuffer(signature, dtype="<u4"))

    def _forget_cached_days(self) -> None:
        self._days.clear()  # and the next _catch_up starts afresh from the highest id

    # --- earlier layouts and signature schemes ----------------------------------------------------------------

    def _open_current_layout(self) -> None:
        """Create the tables, or bring a file of an earlier layout or signature scheme to the current one.
        Evidence hashed by another :data:`SIGNATURE_SCHEME` cannot be compared with new signatures (nor
        recomputed: the texts are not kept), so it is dropped, with a warning; every assignment stays.  Earlier
        layouts — ``story_evidence`` + ``story_band``, then ``story_article`` + ``story_band_by_day`` — predate
        the scheme record and hold signatures of an earlier scheme."""
        tables = {name for (name,) in self.connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        scheme = None
        if "story_meta" in tables:
            row = self.connection.execute("SELECT value FROM story_meta WHERE name = 'signature_scheme'").fetchone()
            scheme = row[0] if row else None
        evidence_tables = [name for name in ("story_evidence", "story_band", "story_article", "story_band_by_day")
                           if name in tables]
        if evidence_tables and scheme != SIGNATURE_SCHEME:
            dropped = sum(self.connection.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
                          for name in ("story_evidence", "story_article") if name in tables)
            for name in evidence_tables:
                self.connection.execute(f"DROP TABLE {name}")
            warn_evidence_dropped(dropped, scheme or "before story_meta")
        for statement in self.SCHEMA:
            self.connection.execute(statement)
        self.connection.execute("INSERT OR REPLACE INTO story_meta (name, value) VALUES ('signature_scheme', ?)",
                                (SIGNATURE_SCHEME,))


def _stored_article(row: tuple) -> StoredArticle:
    article_key, story_id, published_at, signature, facts = row
    return StoredArticle(article_key, story_id, ArticleEvidence(
        published_at=datetime.fromisoformat(published_at),
        signature=signature_from_bytes(signature),
        facts=Facts.from_json(json.loads(facts))))
