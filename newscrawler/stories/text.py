"""The text a story is recognised by: normalised title + lead + body, as a word sequence."""

from __future__ import annotations

import re

_WORD = re.compile(r"[0-9a-zа-я]+")


def story_text(record: dict) -> str:
    """Title, lead and body of a record joined in reading order (missing parts are skipped)."""
    parts = (record.get("title"), record.get("lead"), record.get("body"))
    return "\n\n".join(part for part in parts if isinstance(part, str) and part.strip())


def normalised_words(text: str) -> list[str]:
    """Lower-cased words with ``ё`` folded to ``е`` and punctuation dropped: rewrites change dashes, quotes and
    ``ё`` spelling freely, none of which says anything about the story."""
    return _WORD.findall(text.lower().replace("ё", "е"))
