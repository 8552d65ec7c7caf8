"""Photo credits: ``Фото: пресс-служба УМВД.`` -> ``пресс-служба УМВД``."""

from __future__ import annotations

import re

_PREFIX = re.compile(r"^\s*(?:фото|photo)\s*:\s*", re.IGNORECASE)


def parse_photo_credit(text: str | None) -> str | None:
    """The credit without the ``Фото:`` label and without the trailing period."""
    if not text:
        return None
    text = _PREFIX.sub("", text.strip())
    text = text.rstrip(" .").strip()
    return text or None
