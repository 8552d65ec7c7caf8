"""One story id per story across outlets: candidates by MinHash similarity, verified by the facts they report.

``SqliteStoryIndex(connection).assign(record)`` returns the record's ``story_id``; ``python -m newscrawler.stories
OUTPUT.jsonl`` reports the stories carried by several outlets.
"""

from newscrawler.stories.index import DEFAULT_WINDOW, SqliteStoryIndex, StoryIndex, article_key
from newscrawler.stories.store import SqliteStoryStore, StoryStore

__all__ = ["DEFAULT_WINDOW", "SqliteStoryIndex", "SqliteStoryStore", "StoryIndex", "StoryStore", "article_key"]
