"""The story index on Redis (a shared crawl's): the same decisions as on SQLite, shared by every worker."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from newscrawler.stories.evaluation import pair_scores
from newscrawler.stories.index import StoryIndex, article_key
from tests.stories_truth import load_records, truth_labels

WINDOW = timedelta(days=3)


@pytest.fixture
def redis_client(redis_server):
    from newscrawler.crawl.redis_store import connect

    client = connect(redis_server.url)
    yield client
    client.close()


def redis_index(client) -> StoryIndex:
    from newscrawler.stories.redis_store import RedisStoryStore

    return StoryIndex(RedisStoryStore(client, prefix="test"), window=WINDOW)


def test_redis_index_matches_the_truth_and_is_shared_between_workers(redis_client):
    records = load_records()
    random.Random(7).shuffle(records)
    first_worker, second_worker = redis_index(redis_client), redis_index(redis_client)
    assigned = {}
    for number, record in enumerate(records):  # the two workers take turns, as two crawl processes would
        assigned[article_key(record)] = (first_worker if number % 2 else second_worker).assign(record)
    scores = pair_scores(assigned, truth_labels(records))
    assert scores.truth_pairs == 9 and (scores.precision, scores.recall) == (1.0, 1.0), scores
    # a later worker (a new store on the same Redis) gets the same answers: assignments are kept
    later = redis_index(redis_client)
    assert all(later.assign(record) == assigned[article_key(record)] for record in records)


def test_redis_prune_forgets_evidence_but_keeps_assignments(redis_client):
    records = {article_key(record): record for record in load_records()}
    index = redis_index(redis_client)
    assert index.assign(records["kp40:80456"]) == "kp40:80456"
    published = datetime.fromisoformat(records["kp40:80456"]["published_at"])
    assert index.prune(published + timedelta(seconds=1)) == 1
    assert index.assign(records["kp40:80456"]) == "kp40:80456"   # still known
    assert index.assign(records["vest:163318"]) == "vest:163318"  # its rewrite no longer finds it
    assert not [key for key in redis_client.scan_iter("test:story:band:*") if redis_client.zcard(key)
                and redis_client.zscore(key, "kp40:80456") is not None]


def test_redis_evidence_of_another_signature_scheme_is_dropped(redis_client, caplog):
    records = {article_key(record): record for record in load_records()}
    assert redis_index(redis_client).assign(records["kp40:80456"]) == "kp40:80456"
    redis_client.set("test:story:signature_scheme", "md5-shingles")
    index = redis_index(redis_client)
    assert "dropped the evidence of 1 articles" in caplog.text
    assert index.assign(records["kp40:80456"]) == "kp40:80456"    # its story id stays
    assert index.assign(records["vest:163318"]) == "vest:163318"  # but it is no longer a candidate
    assert index.assign(records["kaluga24:38215"]) == "vest:163318"  # new evidence is compared as usual
