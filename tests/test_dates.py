from datetime import datetime

import pytest

from newscrawler.extraction.dates import parse_date, parse_iso, year_of


@pytest.mark.parametrize("text, expected", [
    ("14:48 27.04.2021", "2021-04-27T14:48:00+03:00"),          # c: time first
    ("27.04.2021, 14:48", "2021-04-27T14:48:00+03:00"),         # a: date first
    ("04.07.2012, 10:15", "2012-07-04T10:15:00+04:00"),         # g: 2012, Moscow at +04:00
    ("21.02.2014, 20:36", "2014-02-21T20:36:00+04:00"),
    ("27.02.2016, 02:20", "2016-02-27T02:20:00+03:00"),
    ("  17:41\u00a010.11.2022 ", "2022-11-10T17:41:00+03:00"),  # nbsp and padding
    ("2021-04-27T14:48:00+03:00", "2021-04-27T14:48:00+03:00"),  # ISO from meta
    ("2021-04-27T11:48:00Z", "2021-04-27T14:48:00+03:00"),       # UTC -> Moscow
    ("2021-04-27T11:48:00.000+0000", "2021-04-27T14:48:00+03:00"),
    ("2012-07-04T06:15:00+00:00", "2012-07-04T10:15:00+04:00"),
    ("2021-04-27 14:48", "2021-04-27T14:48:00+03:00"),          # no offset: Moscow wall clock
    ("27 апреля 2021, 14:48", "2021-04-27T14:48:00+03:00"),
    ("9 мая 2020 в 10:00", "2020-05-09T10:00:00+03:00"),
    ("1 марта 2013, 09:05", "2013-03-01T09:05:00+04:00"),
])
def test_formats(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text, expected", [
    # Moscow: +03:00 winter/+04:00 summer before 2011-03-27; +04:00 permanently until 2014-10-26 02:00; +03:00 after
    ("26.03.2011, 12:00", "2011-03-26T12:00:00+03:00"),
    ("27.03.2011, 03:00", "2011-03-27T03:00:00+04:00"),
    ("31.12.2013, 23:59", "2013-12-31T23:59:00+04:00"),
    ("26.10.2014, 00:30", "2014-10-26T00:30:00+04:00"),
    ("26.10.2014, 01:30", "2014-10-26T01:30:00+04:00"),  # the repeated hour: first occurrence
    ("26.10.2014, 02:30", "2014-10-26T02:30:00+03:00"),
    ("25.10.2014, 12:00", "2014-10-25T12:00:00+04:00"),
    ("27.10.2014, 12:00", "2014-10-27T12:00:00+03:00"),
    ("2014-10-25T20:00:00Z", "2014-10-26T00:00:00+04:00"),
    ("2014-10-26T00:00:00Z", "2014-10-26T03:00:00+03:00"),
])
def test_moscow_offset_on_that_date(text, expected):
    assert parse_date(text) == expected


def test_year_less_takes_the_hint():
    assert parse_date("29.09, 10:17", year_hint=2025) == "2025-09-29T10:17:00+03:00"
    assert parse_date("08.04, 09:15", year_hint=2026) == "2026-04-08T09:15:00+03:00"
    assert parse_date("10:17 29.09", year_hint=2013) == "2013-09-29T10:17:00+04:00"


def test_year_less_without_hint_uses_crawl_year_unless_future():
    now = datetime(2026, 11, 28, 12, 0)
    assert parse_date("29.09, 10:17", now=now) == "2026-09-29T10:17:00+03:00"
    # In early January a page still showing late December is last year's.
    assert parse_date("29.12, 10:17", now=datetime(2027, 1, 2, 9, 0)) == "2026-12-29T10:17:00+03:00"
    assert parse_date("28.11, 11:59", now=now) == "2026-11-28T11:59:00+03:00"
    assert parse_date("28.11, 12:01", now=now) == "2025-11-28T12:01:00+03:00"


@pytest.mark.parametrize("text", [None, "", "вчера", "31.02.2020, 10:00", "2021-04-27", "27.04.2021", "99:99 27.04.2021",
                                  "Всего: 4 комментария"])
def test_never_invents_a_date(text):
    assert parse_date(text) is None


def test_iso_helpers():
    assert year_of("2026-08-09T06:01:00+03:00") == 2026
    assert year_of("not a date") is None
    assert parse_iso("2021-04-27") is None


def test_year_hint_as_a_function_is_called_only_for_a_year_less_date():
    calls = []

    def hint():
        calls.append(1)
        return 2025

    assert parse_date("14:48 27.04.2021", year_hint=hint) == "2021-04-27T14:48:00+03:00"
    assert parse_date("2021-04-27T14:48:00+03:00", year_hint=hint) == "2021-04-27T14:48:00+03:00"
    assert not calls
    assert parse_date("29.09, 10:17", year_hint=hint) == parse_date("29.09, 10:17", year_hint=2025)
    assert calls == [1]
