"""The story index: gives each article record the id of the story it belongs to, across outlets and runs."""

from __future__ import annotations

import math
import sqlite3
from datetime import datetime, timedelta

from newscrawler.stories.facts import extract_facts
from newscrawler.stories.similarity import signature
from newscrawler.stories.store import CACHED_DAYS, SqliteStoryStore, StoredArticle, StoryStore
from newscrawler.stories.text import story_text
from newscrawler.stories.verification import ArticleEvidence, may_be_same_story, verify

#: Outlets carry a press release within hours, a weekly paper within days; see verification's rule 1.
DEFAULT_WINDOW = timedelta(days=3)


def article_key(record: dict) -> str:
    """``publisher:article_id`` (``kp40:80456``) — also the story id of a story this article opens."""
    return f"{record.get('publisher') or 'unknown'}:{record.get('article_id', record.get('url'))}"


def article_evidence(record: dict) -> ArticleEvidence | None:
    """What the story step knows of a record, or None when it cannot take part (no body, no valid date with
    offset): such a record is a story of its own."""
    body = record.get("body")
    if not isinstance(body, str) or not body.strip():
        return None
    try:
        published_at = datetime.fromisoformat(record["published_at"])
    except (KeyError, TypeError, ValueError):
        return None
    if published_at.utcoffset() is None:
        return None
    text = story_text(record)
    return ArticleEvidence(published_at=published_at, signature=signature(text), facts=extract_facts(text))


class StoryIndex:
    """Assigns story ids.  ``window``: how far apart in publication time two articles of one story may be;
    only articles within it are candidates, so evidence older than the longest re-crawl delay plus the window
    can be pruned (:meth:`prune`) without changing any decision."""

    def __init__(self, store: StoryStore, window: timedelta = DEFAULT_WINDOW) -> None:
        self.store = store
        self.window = window

    def assign(self, record: dict) -> str:
        """The story id of ``record``; the same on every call for one (publisher, article_id)."""
        key = article_key(record)
        evidence = article_evidence(record)  # computed before taking the lock: it is the slow part
        with self.store.exclusive():
            existing = self.store.story_of(key)
            if existing is not None:
                return existing
            story_id = self._matching_story(evidence) if evidence else None
            story_id = story_id or key
            self.store.add(key, story_id, evidence)
            return story_id

    def prune(self, before: datetime) -> int:
        return self.store.prune(before)

    def _matching_story(self, evidence: ArticleEvidence) -> str | None:
        """The story of the most similar verified candidate (the earliest published on a tie)."""
        screen = self.store.candidate_screen(
            evidence.signature, evidence.published_at - self.window, evidence.published_at + self.window)
        passed = may_be_same_story(evidence, screen.signatures, screen.exact_masks)
        candidates = self.store.load([screen.handles[row] for row in passed])
        matches: list[tuple[float, datetime, str, StoredArticle]] = []
        for candidate in candidates:
            verdict = verify(evidence, candidate.evidence, self.window)
            if verdict.same_story:
                matches.append((verdict.similarity, candidate.evidence.published_at, candidate.article_key,
                                candidate))
        if not matches:
            return None
        best = min(matches, key=lambda match: (-match[0], match[1], match[2]))
        return best[3].story_id


class SqliteStoryIndex(StoryIndex):
    """A story index in an SQLite connection (its ``story_*`` tables are created if missing).  Each
    :meth:`assign` is its own ``BEGIN IMMEDIATE`` transaction, committed before it returns: call it with no
    transaction of the caller's open on that connection."""

    def __init__(self, connection: sqlite3.Connection, window: timedelta = DEFAULT_WINDOW) -> None:
        # the store keeps at least one whole window of days in memory, so that a wide STORY_WINDOW_DAYS does
        # not read its days again for every article
        window_days = 2 * math.ceil(window / timedelta(days=1)) + 1
        super().__init__(SqliteStoryStore(connection, cached_days=max(CACHED_DAYS, window_days)), window)
