"""A set with a memory limit: the crawl's in-run bookkeeping (in-flight records, request fingerprints) stays
the same size however large the archive, because only recent keys can still be duplicated."""

from __future__ import annotations

from collections import OrderedDict


class RecentKeys:
    """A set that remembers at most ``limit`` keys, forgetting the oldest first (``None``: all of them)."""

    def __init__(self, limit: int | None = None):
        self.limit = limit
        # OrderedDict, not dict: popping the oldest is O(1) here, while a dict's first key is found by
        # scanning past the holes its earlier deletions left.
        self._keys: OrderedDict = OrderedDict()

    def add(self, key) -> None:
        self._keys[key] = None
        if self.limit is not None and len(self._keys) > self.limit:
            self._keys.popitem(last=False)

    def __contains__(self, key) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def update(self, keys) -> None:
        for key in keys:
            self.add(key)
