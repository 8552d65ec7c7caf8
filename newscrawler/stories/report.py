"""The multi-outlet story report: which outlets carried a story, in order of publication, and how late."""

from __future__ import annotations

import csv
import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, TextIO

CSV_COLUMNS = ("story_id", "publisher", "article_id", "published_at", "delay_minutes", "title", "url")


@dataclass(frozen=True)
class Carriage:
    """One outlet's article of a story."""

    record: dict
    published_at: datetime | None
    delay_minutes: int | None   # from the story's first publication


@dataclass(frozen=True)
class Story:
    story_id: str
    carriages: list[Carriage]


def read_records(paths: Iterable[str], errors: TextIO = sys.stderr) -> tuple[list[dict], int]:
    """Records carrying a ``story_id`` from JSON Lines files; every other line is reported on ``errors``
    and counted, never fatal."""
    records, bad = [], 0
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                problem, record = _parsed(line)
                if problem:
                    bad += 1
                    print(f"{path}:{number}: skipped: {problem}", file=errors)
                else:
                    records.append(record)
    return records, bad


def _parsed(line: str) -> tuple[str | None, dict | None]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return f"not JSON ({error.msg})", None
    if not isinstance(record, dict):
        return "not a JSON object", None
    if not isinstance(record.get("story_id"), str):
        return "no story_id", None
    return None, record


def multi_outlet_stories(records: list[dict]) -> list[Story]:
    """Stories carried by at least two publishers, earliest story first; articles in order of publication."""
    by_story: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        by_story[record["story_id"]].append(record)
    stories = [_story(story_id, members) for story_id, members in by_story.items()
               if len({member.get("publisher") for member in members}) >= 2]
    return sorted(stories, key=lambda story: _sort_key(story.carriages[0].published_at))


def _story(story_id: str, members: list[dict]) -> Story:
    dated = sorted(((_published(member), member) for member in members), key=lambda pair: _sort_key(pair[0]))
    first = dated[0][0]
    carriages = [Carriage(member, published,
                          int((published - first).total_seconds() // 60) if published and first else None)
                 for published, member in dated]
    return Story(story_id, carriages)


def _published(record: dict) -> datetime | None:
    try:
        published = datetime.fromisoformat(record["published_at"])
    except (KeyError, TypeError, ValueError):
        return None
    return published if published.utcoffset() is not None else None


def _sort_key(published: datetime | None) -> tuple[bool, float]:
    return (published is None, published.timestamp() if published else 0.0)


def format_delay(minutes: int | None) -> str:
    """``+0 min``, ``+45 min``, ``+2 h 15 min``, ``+1 d 3 h``; ``?`` when a date is unknown."""
    if minutes is None:
        return "?"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"+{days} d {hours} h"
    if hours:
        return f"+{hours} h {mins} min"
    return f"+{mins} min"


def write_text(stories: list[Story], out: TextIO) -> None:
    for story in stories:
        publishers = {carriage.record.get("publisher") for carriage in story.carriages}
        print(f"{story.story_id} — {len(publishers)} outlets", file=out)
        for carriage in story.carriages:
            record = carriage.record
            print(f"  {format_delay(carriage.delay_minutes):>12}  {record.get('publisher', '?'):<10} "
                  f"{record.get('published_at', '?')}  {record.get('title', '')}", file=out)
        print(file=out)
    print(f"{len(stories)} stories carried by two or more outlets", file=out)


def write_csv(stories: list[Story], out: TextIO) -> None:
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for story in stories:
        for carriage in story.carriages:
            record = carriage.record
            writer.writerow([story.story_id, record.get("publisher"), record.get("article_id"),
                             record.get("published_at"), carriage.delay_minutes, record.get("title"),
                             record.get("url")])
