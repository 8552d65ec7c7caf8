"""Story ids: facts, similarity, verification and the index's decisions on the replicas and hand-made texts."""

from __future__ import annotations

import random
import sqlite3
from datetime import datetime, timedelta

import pytest

from newscrawler.stories import SqliteStoryIndex, article_key
from newscrawler.stories.evaluation import pair_scores
from newscrawler.stories.facts import extract_facts
from newscrawler.stories.index import article_evidence
from newscrawler.stories.similarity import band_keys, estimated_jaccard, signature
from newscrawler.stories.verification import verify
from tests.stories_truth import load_records, truth_labels

WINDOW = timedelta(days=3)

OUTAGE = ("Плановые отключения электроэнергии {day}",
          "В связи с ремонтом сетей {day} будет прекращена подача электроэнергии. Как сообщили в филиале "
          "«Калугаэнерго», без света останутся дома по адресам:\n\n- с 9:00 до 17:00 – {street}, дома 3–15;\n\n"
          "Энергетики приносят извинения за временные неудобства. Справки по телефону 8-800-50-50-115.")


def outage(article_id: int, day: str, street: str, published_at: str, publisher: str = "vest") -> dict:
    title, body = OUTAGE
    return {"publisher": publisher, "article_id": article_id, "title": title.format(day=day), "lead": None,
            "body": body.format(day=day, street=street), "published_at": published_at}


@pytest.fixture(scope="module")
def records() -> dict[str, dict]:
    return {article_key(record): record for record in load_records()}


def new_index(window: timedelta = WINDOW) -> SqliteStoryIndex:
    return SqliteStoryIndex(sqlite3.connect(":memory:"), window=window)


# --- facts -------------------------------------------------------------------------------------------------

def test_facts_read_dates_times_streets_and_names():
    facts = extract_facts("Во вторник, 15 июня, с 9:00 до 17:00 на ул. Ленина и на улице Генерала Попова "
                          "отключат свет; 8 и 9 апреля — тоже. Подробности 16.06 сообщил Игорь Руденко, 14,6 млн.")
    assert facts.dates == {"15.06", "08.04", "09.04", "16.06"}
    assert facts.times == {"09:00", "17:00"}
    assert facts.weekdays == {"tue"}
    assert {"ленин", "генер попов"} <= facts.streets
    assert {"игор", "руден"} <= facts.names
    assert "14.6" in facts.numbers and "15" not in facts.numbers  # the date's day is not also a number


@pytest.mark.parametrize("text, dates, times, numbers", [
    ("с 10:00 15 июня", {"15.06"}, {"10:00"}, set()),
    ("10, 11 и 12 октября в 2024 году", {"10.10", "11.10", "12.10"}, set(), {"2024"}),
    ("45.67 и 3.14 — не даты, 15.06.2021 — дата", {"15.06"}, set(), {"45", "67", "3", "14"}),
    ("1 500 рублей, 25:70 и 8-800-50-50-115", set(), set(), {"1500", "25", "70", "8", "800", "50", "115"}),
])
def test_what_digits_start_is_read_once_as_a_date_time_or_number(text, dates, times, numbers):
    facts = extract_facts(text)
    assert (facts.dates, facts.times, facts.numbers) == (dates, times, numbers)


def test_case_endings_do_not_change_facts():
    assert extract_facts("губернатор Владислав Шапша").names == extract_facts("по словам Владислава Шапши").names
    assert extract_facts("на улице Гагарина").streets == extract_facts("улица Гагарина").streets


# --- similarity --------------------------------------------------------------------------------------------

def test_signature_is_stable_and_estimates_jaccard(records):
    text = records["kp40:80456"]["body"]
    assert (signature(text) == signature(text)).all()
    assert estimated_jaccard(signature(text), signature(text)) == 1.0
    rewrite, unrelated = records["vest:163318"]["body"], records["vest:63004"]["body"]
    assert estimated_jaccard(signature(text), signature(rewrite)) > 0.25
    assert estimated_jaccard(signature(text), signature(unrelated)) < 0.1


def test_rewrites_share_a_band_key(records):
    for a, b in [("kp40:80456", "vest:163318"), ("kp40:95811", "vest:189231"), ("kp40:117604", "kaluga24:60480")]:
        keys_a = set(band_keys(article_evidence(records[a]).signature))
        assert keys_a & set(band_keys(article_evidence(records[b]).signature)), (a, b)


# --- verification ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("a, b", [
    ("kp40:80456", "vest:163318"), ("kp40:80456", "kaluga24:38215"), ("vest:163318", "kaluga24:38215"),
    ("kp40:95811", "vest:189231"), ("kp40:117604", "kaluga24:60480"), ("kp40:141220", "vest:1000531406"),
    ("kp40:61984", "kaluga24:27740"), ("kp40:109270", "kaluga24:57110"), ("kp40:117689", "vest:1000402217"),
])
def test_rewrites_of_one_press_release_are_one_story(records, a, b):
    verdict = verify(article_evidence(records[a]), article_evidence(records[b]), WINDOW)
    assert verdict.same_story, verdict


@pytest.mark.parametrize("a, b", [
    ("vest:81488", "vest:83097"), ("kaluga24:6210", "kaluga24:20871"),
    ("vest:129012", "vest:137061"), ("kaluga24:32410", "kaluga24:45980"),
])
def test_template_twins_conflict_even_when_published_together(records, a, b):
    # Their real dates are weeks apart; the window is widened so that the facts alone must tell them apart.
    verdict = verify(article_evidence(records[a]), article_evidence(records[b]), timedelta(days=10000))
    assert not verdict.same_story and verdict.reason.startswith("conflicting"), verdict


def test_outage_notices_on_consecutive_days_are_different_stories():
    index = new_index()
    first = index.assign(outage(1, "15 июня", "ул. Болотникова", "2016-06-14T10:00:00+03:00"))
    next_day = index.assign(outage(2, "16 июня", "ул. Болотникова", "2016-06-15T10:00:00+03:00"))
    same_day_other_street = index.assign(outage(3, "15 июня", "ул. Гагарина", "2016-06-14T11:00:00+03:00"))
    assert len({first, next_day, same_day_other_street}) == 3


def test_a_reworded_reordered_copy_with_a_line_of_its_own_joins():
    original = outage(1, "15 июня", "ул. Болотникова", "2016-06-14T10:00:00+03:00", publisher="kp40")
    paragraphs = original["body"].split("\n\n")
    rewrite = dict(original, publisher="vest", article_id=7, published_at="2016-06-14T13:30:00+03:00",
                   title="Часть Калуги останется без света",
                   body="\n\n".join([paragraphs[1], paragraphs[0], paragraphs[2],
                                     "Следите за новостями на нашем сайте."]))
    index = new_index()
    assert index.assign(original) == index.assign(rewrite) == "kp40:1"


def test_the_same_notice_a_week_later_is_another_story():
    index = new_index()
    first = index.assign(outage(1, "15 июня", "ул. Болотникова", "2016-06-14T10:00:00+03:00"))
    assert index.assign(outage(2, "15 июня", "ул. Болотникова", "2016-06-21T10:00:00+03:00")) != first


# --- index -------------------------------------------------------------------------------------------------

def test_assign_is_idempotent_and_story_id_is_the_first_seen_article(records):
    index = new_index()
    assert index.assign(records["kp40:80456"]) == "kp40:80456"
    assert index.assign(records["vest:163318"]) == "kp40:80456"
    assert index.assign(records["vest:163318"]) == "kp40:80456"
    assert index.assign(dict(records["vest:163318"], body="edited later")) == "kp40:80456"


@pytest.mark.parametrize("broken", [
    {"body": None}, {"body": ""}, {"published_at": "вчера"}, {"published_at": None},
    {"published_at": "2021-04-27T14:48:00"},  # no offset: cannot be placed in time
])
def test_bad_record_gets_its_own_story(records, broken):
    index = new_index()
    index.assign(records["kp40:80456"])
    record = dict(records["vest:163318"], **broken)
    assert index.assign(record) == "vest:163318"
    assert index.assign(record) == "vest:163318"


def test_a_new_connection_to_the_same_file_joins_the_existing_story(tmp_path, records):
    path = tmp_path / "seen.sqlite"
    first_run = sqlite3.connect(path)
    first_run.execute("PRAGMA journal_mode=WAL")
    assert SqliteStoryIndex(first_run).assign(records["kp40:80456"]) == "kp40:80456"
    first_run.close()

    next_week = SqliteStoryIndex(sqlite3.connect(path))
    assert next_week.assign(records["kaluga24:38215"]) == "kp40:80456"
    assert next_week.assign(records["kp40:80456"]) == "kp40:80456"


def test_prune_forgets_evidence_but_keeps_assignments(records):
    index = new_index()
    index.assign(records["kp40:80456"])
    old = records["kp40:80456"]["published_at"]
    assert index.prune(datetime.fromisoformat(old) + timedelta(seconds=1)) == 1
    assert index.assign(records["kp40:80456"]) == "kp40:80456"           # still known
    assert index.assign(records["vest:163318"]) == "vest:163318"          # no longer a candidate


# --- evaluation over all pairs of the three outlets --------------------------------------------------------

def assign_all(order: list[dict]) -> dict[str, str]:
    index = new_index()
    return {article_key(record): index.assign(record) for record in order}


@pytest.mark.parametrize("order", ["published", "shuffled-1", "shuffled-2", "reversed"])
def test_pair_precision_and_recall_on_the_replicas(order):
    records = load_records()
    if order == "published":
        records.sort(key=lambda record: record["published_at"])
    elif order == "reversed":
        records.sort(key=lambda record: record["published_at"], reverse=True)
    else:
        random.Random(order).shuffle(records)
    scores = pair_scores(assign_all(records), truth_labels(records))
    assert scores.truth_pairs == 9
    assert scores.precision >= 0.98 and scores.recall >= 0.90, scores


def test_pair_scores_count_misses_and_false_merges():
    truth = {"a": "1", "b": "1", "c": "2", "d": "3"}
    scores = pair_scores({"a": "x", "b": "y", "c": "z", "d": "z"}, truth)
    assert (scores.true_pairs, scores.predicted_pairs, scores.truth_pairs) == (0, 1, 1)
    assert scores.precision == 0.0 and scores.recall == 0.0


# --- speed-ups that must not change anything -----------------------------------------------------------------

def test_the_screen_never_drops_a_pair_verification_accepts(records):
    import numpy as np

    from newscrawler.stories.verification import exact_fact_masks, may_be_same_story
    evidence = [e for e in map(article_evidence, records.values()) if e is not None]
    signatures = np.array([e.signature for e in evidence])
    masks = np.array([exact_fact_masks(e.facts) for e in evidence], dtype=np.int64)
    wide = timedelta(days=10000)  # every pair, whatever its dates
    dropped = kept_but_rejected = 0
    for a in evidence:
        passed = set(may_be_same_story(a, signatures, masks))
        for row, b in enumerate(evidence):
            keep = row in passed
            same = verify(a, b, wide).same_story
            assert keep or not same
            dropped += not keep
            kept_but_rejected += keep and not same
    assert dropped > kept_but_rejected  # and it does screen


EARLIER_LAYOUTS = {
    "first": """
        CREATE TABLE story_assignment (article_key TEXT PRIMARY KEY, story_id TEXT NOT NULL);
        CREATE TABLE story_evidence (article_key TEXT PRIMARY KEY, published_ts INTEGER NOT NULL,
            published_at TEXT NOT NULL, signature BLOB NOT NULL, facts TEXT NOT NULL);
        CREATE TABLE story_band (band_key INTEGER NOT NULL, published_ts INTEGER NOT NULL, article_key TEXT NOT NULL,
            PRIMARY KEY (band_key, published_ts, article_key)) WITHOUT ROWID;
        INSERT INTO story_evidence VALUES ('kp40:80456', 1619524080, '2021-04-27T14:48:00+03:00', x'00', '{}');""",
    "second": """
        CREATE TABLE story_assignment (article_key TEXT PRIMARY KEY, story_id TEXT NOT NULL);
        CREATE TABLE story_article (id INTEGER PRIMARY KEY, article_key TEXT NOT NULL, story_id TEXT NOT NULL,
            published_ts INTEGER NOT NULL, published_at TEXT NOT NULL, signature BLOB NOT NULL,
            dates_mask INTEGER NOT NULL, times_mask INTEGER NOT NULL, streets_mask INTEGER NOT NULL,
            facts TEXT NOT NULL);
        CREATE TABLE story_band_by_day (day INTEGER NOT NULL, band_key INTEGER NOT NULL, article INTEGER NOT NULL,
            PRIMARY KEY (day, band_key, article)) WITHOUT ROWID;
        INSERT INTO story_article VALUES (1, 'kp40:80456', 'kp40:80456', 1619524080,
            '2021-04-27T14:48:00+03:00', x'00', 0, 0, 0, '{}');""",
}


@pytest.mark.parametrize("layout", ["first", "second", "another signature scheme"])
def test_evidence_of_an_earlier_layout_or_scheme_is_dropped_and_assignments_kept(tmp_path, records, caplog, layout):
    """Old signatures cannot be compared with new ones (nor recomputed without the texts): the file keeps its
    story ids, says what it dropped, and carries on in the current layout."""
    path = tmp_path / "seen.sqlite"
    if layout == "another signature scheme":
        SqliteStoryIndex(sqlite3.connect(path)).assign(records["kp40:80456"])
        with sqlite3.connect(path) as connection:
            connection.execute("UPDATE story_meta SET value = 'md5-shingles' WHERE name = 'signature_scheme'")
    else:
        with sqlite3.connect(path) as old:
            old.executescript(EARLIER_LAYOUTS[layout])
            old.execute("INSERT INTO story_assignment VALUES ('kp40:80456', 'kp40:80456')")

    index = SqliteStoryIndex(sqlite3.connect(path))
    assert "dropped the evidence of 1 articles" in caplog.text
    assert index.assign(records["kp40:80456"]) == "kp40:80456"       # its story id stays
    assert index.assign(records["vest:163318"]) == "vest:163318"     # but it is no longer a candidate
    assert index.assign(records["kaluga24:38215"]) == "vest:163318"  # new evidence is compared as usual
    tables = {name for (name,) in index.store.connection.execute("SELECT name FROM sqlite_master")}
    assert not tables & {"story_evidence", "story_band", "story_band_by_day"}


def test_a_reopened_file_of_the_current_scheme_keeps_its_evidence(tmp_path, records, caplog):
    path = tmp_path / "seen.sqlite"
    SqliteStoryIndex(sqlite3.connect(path)).assign(records["kp40:80456"])
    assert SqliteStoryIndex(sqlite3.connect(path)).assign(records["vest:163318"]) == "kp40:80456"
    assert "dropped" not in caplog.text


# --- the SQLite store's days in memory ----------------------------------------------------------------------

def test_an_index_sees_what_another_connection_stored_after_it_cached_the_day(tmp_path, records):
    path = tmp_path / "seen.sqlite"
    first, second = SqliteStoryIndex(sqlite3.connect(path)), SqliteStoryIndex(sqlite3.connect(path))
    original, rewrite = records["kp40:80456"], records["vest:163318"]
    # the second index reads (and keeps) the original's days while the original is not stored yet
    second.assign(dict(original, article_id="unrelated", title="Погода", body="Завтра без осадков, до +12."))
    assert first.assign(original) == "kp40:80456"
    assert second.assign(rewrite) == "kp40:80456"


def test_an_assignment_rolled_back_leaves_the_index_in_step_with_the_file(tmp_path, records):
    path = tmp_path / "seen.sqlite"
    first, second = SqliteStoryIndex(sqlite3.connect(path)), SqliteStoryIndex(sqlite3.connect(path))
    original, rewrite = records["kp40:80456"], records["vest:163318"]
    weather = dict(original, article_id="weather", title="Погода", body="Завтра без осадков, до +12.")
    first.assign(weather)
    with pytest.raises(RuntimeError), first.store.exclusive():
        first.store.add("kp40:traffic", "kp40:traffic", article_evidence(
            dict(weather, title="Пробки", body="На Грабцевском шоссе затруднено движение.")))
        raise RuntimeError("the crawl stopped mid-assignment")
    # the rolled-back row's id is free again: the other connection's next article takes it
    assert second.assign(original) == "kp40:80456"
    assert first.assign(rewrite) == "kp40:80456"


def test_days_in_memory_are_bounded(records):
    from newscrawler.stories import SqliteStoryStore, StoryIndex
    store = SqliteStoryStore(sqlite3.connect(":memory:"), cached_days=10)
    index = StoryIndex(store, window=WINDOW)
    records = load_records()
    assert len({record["published_at"][:10] for record in records}) > 10
    for record in records:
        index.assign(record)
    assert len(store._days) == 10


def test_a_wide_window_keeps_all_its_days_in_memory():
    assert SqliteStoryIndex(sqlite3.connect(":memory:"), window=timedelta(days=30)).store.cached_days >= 61


def test_minhash_signatures_are_pinned():
    """Signatures live in a persistent index: a change of scheme, seed or hashing would silently make old and
    new articles incomparable (a change must come with a new SIGNATURE_SCHEME). These values are the "affine32" MinHash
    (seed 1) of shingle hashes built from the words' CRC-32."""
    from newscrawler.stories.similarity import signature

    sig = signature("Губернатор провёл совещание о ремонте дорог в Калуге")
    assert sig.dtype.name == "uint32" and len(sig) == 128
    assert sig[:4].tolist() == PINNED_SIGNATURE_START
    assert (signature("") == 0xFFFFFFFF).all()  # no shingles: the empty signature, similar to nothing
    assert band_keys(sig)[:2] == PINNED_BAND_KEYS_START


PINNED_SIGNATURE_START = [461789342, 333905478, 1053163742, 136946141]
PINNED_BAND_KEYS_START = [849101992, 175128892]
