"""The replicas' records and story labels (the outlets' saved replicas under tests/), for the story tests
and bench/stories_bench.py."""

from __future__ import annotations

import json

from tests.conftest import OUTLET_REPLICAS as REPLICAS

OUTLETS = tuple(REPLICAS)
#: kp40 re-publishes a press release under a second id (identical title and body); the crawl's dedup drops
#: one of the two (either may come first), and the records here leave out the second.
DROPPED_BY_DEDUP = {("kp40", 141226)}
#: The re-published copy → the article it copies: one story.
TWIN_OF = {"kp40:141226": "kp40:141220"}


def load_records() -> list[dict]:
    """Every outlet's records, each with ``publisher`` (kp40's expected records lack it)."""
    records = []
    for outlet in OUTLETS:
        with open(REPLICAS[outlet] / "expected.jsonl", encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                record.setdefault("publisher", outlet)
                if (record["publisher"], record["article_id"]) not in DROPPED_BY_DEDUP:
                    records.append(record)
    return records


def truth_labels(records: list[dict]) -> dict[str, str]:
    """Article key → story label: the outlets' syndication labels; a kp40 article is ``S-<its id>`` when some
    outlet rewrote it, otherwise a story of its own."""
    labels = {}
    for outlet in OUTLETS[1:]:
        for entry in json.loads((REPLICAS[outlet] / "syndication.json").read_text(encoding="utf-8")):
            labels[f"{outlet}:{entry['article_id']}"] = entry["story"]
    rewritten = set(labels.values())
    for record in records:
        key = f"{record['publisher']}:{record['article_id']}"
        original = TWIN_OF.get(key, key)
        if key not in labels:
            own = f"S-{original.split(':')[1]}"
            labels[key] = own if record["publisher"] == "kp40" and own in rewritten else original
    return labels
