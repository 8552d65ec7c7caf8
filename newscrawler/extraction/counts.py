"""Counters printed on the page (comments, views, "N оценили"): digits grouped by any kind of space."""

from __future__ import annotations

import re

# A run of digits that may be grouped by normal, non-breaking, thin or narrow no-break spaces: "112 574".
_NUMBER = re.compile(r"\d+(?:[ \u00a0\u2009\u202f]\d{3})*")


def printed_numbers(text: str) -> list[str]:
    """Every number printed in ``text``, as printed (``"6 3756"`` -> ``["6", "3756"]``; grouping spaces kept)."""
    return _NUMBER.findall(text)


def parse_count(text: str | int | None) -> int | None:
    """The first number in ``text`` as an int (``"112\u2009574"`` -> 112574); None when there is none."""
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text
    match = _NUMBER.search(str(text))
    if not match:
        return None
    return int(re.sub(r"\D", "", match.group()))
