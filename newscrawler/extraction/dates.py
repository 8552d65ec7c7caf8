"""Publication dates: the site's Russian formats and ISO strings from metadata -> ISO 8601 in Moscow time.

The site prints Moscow local time as ``14:48 27.04.2021``, ``27.04.2021, 14:48`` and, for the current
year, ``29.09, 10:17`` (no year). Metadata (``article:published_time``, JSON-LD ``datePublished``,
``<time datetime>``) carries ISO 8601. The record wants ISO 8601 with Moscow's UTC offset *on that date*:
``+04:00`` from 2011-03-27 to 2014-10-26, ``+03:00`` after (zone ``Europe/Moscow``).

Nothing here invents a date: what cannot be read returns None.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone, tzinfo

try:  # the IANA database: the system's, or the ``tzdata`` package
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    MOSCOW: tzinfo = ZoneInfo("Europe/Moscow")
except (ImportError, ZoneInfoNotFoundError, ValueError):  # pragma: no cover - depends on the host
    MOSCOW = None  # type: ignore[assignment]  # see _moscow_offset


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1) if month < 12 else date(year, 12, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def _moscow_offset(local: datetime) -> timedelta:  # pragma: no cover - used only without tz data
    """Moscow's UTC offset for a naive local time, from its known history since 1992.

    Fallback for hosts without the IANA database: +04:00 from 2011-03-27 02:00 (permanent "summer" time)
    to 2014-10-26 02:00, +03:00 after; before 2011, +03:00 with +04:00 summer time (last Sunday of March
    02:00 to last Sunday of October 03:00).
    """
    if datetime(2011, 3, 27, 2) <= local < datetime(2014, 10, 26, 2):
        return timedelta(hours=4)
    if local >= datetime(2014, 10, 26, 2):
        return timedelta(hours=3)
    start = datetime.combine(_last_sunday(local.year, 3), datetime.min.time()).replace(hour=2)
    end = datetime.combine(_last_sunday(local.year, 10), datetime.min.time()).replace(hour=3)
    return timedelta(hours=4) if start <= local < end else timedelta(hours=3)


def moscow_local(naive: datetime) -> datetime:
    """Attach Moscow's offset on that date to a naive Moscow wall-clock time."""
    if MOSCOW is not None:
        return naive.replace(tzinfo=MOSCOW)
    return naive.replace(tzinfo=timezone(_moscow_offset(naive)))  # pragma: no cover


def to_moscow(moment: datetime) -> datetime:
    """An aware datetime converted to Moscow time (naive ones are taken as Moscow wall-clock time)."""
    if moment.tzinfo is None:
        return moscow_local(moment)
    if MOSCOW is not None:
        return moment.astimezone(MOSCOW)
    naive_utc = moment.astimezone(timezone.utc).replace(tzinfo=None)  # pragma: no cover
    return moscow_local(naive_utc + _moscow_offset(naive_utc + timedelta(hours=3)))  # pragma: no cover


def isoformat(moment: datetime) -> str:
    """``2021-04-27T14:48:00+03:00`` (seconds always printed, no microseconds)."""
    return to_moscow(moment).replace(microsecond=0).isoformat(timespec="seconds")


def now_moscow() -> datetime:
    return to_moscow(datetime.now(timezone.utc))


# --- The site's formats --------------------------------------------------------------------------------
_TIME = r"(?P<hh>[01]?\d|2[0-3])[:.](?P<mi>[0-5]\d)"
_DATE_Y = r"(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.(?P<y>(?:19|20)\d\d)"
_DATE_Y_DASHED = r"(?P<d>[0-3]?\d)-(?P<m>[01]?\d)-(?P<y>(?:19|20)\d\d)"
_DATE_NO_Y = r"(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)(?![.\d])"
_MONTHS = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6,
    "июл": 7, "август": 8, "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
}
_MONTH_NAME = r"(?P<mon>январ[яь]|феврал[яь]|марта?|апрел[яь]|ма[яй]|июн[яь]|июл[яь]|августа?|сентябр[яь]|октябр[яь]|ноябр[яь]|декабр[яь])"
_DATE_WORDS = rf"(?P<d>[0-3]?\d)\s+{_MONTH_NAME}(?:\s+(?P<y>(?:19|20)\d\d))?(?:\s*г(?:ода|\.)?)?"

#: The date formats Russian news sites print, by name; a profile lists the ones its outlet prints
#: (``Publisher.date_formats``), best first. Without a list (a site without a profile) all are tried in
#: this order and the first that matches wins.
FORMATS = {
    "HH:MM DD.MM.YYYY": re.compile(rf"(?<!\d){_TIME}\s*,?\s+{_DATE_Y}(?!\d)"),
    "DD.MM.YYYY, HH:MM": re.compile(rf"(?<!\d){_DATE_Y}\s*,?\s*(?:в\s+)?{_TIME}(?!\d)"),
    # DataLife Engine's default `j-m-Y, H:i` (`20-11-2021, 14:55`); only with the time, never a bare date.
    "DD-MM-YYYY, HH:MM": re.compile(rf"(?<![\d-]){_DATE_Y_DASHED}\s*,?\s*(?:в\s+)?{_TIME}(?!\d)"),
    "DD.MM, HH:MM": re.compile(rf"(?<![\d.]){_DATE_NO_Y}\s*,?\s*(?:в\s+)?{_TIME}(?!\d)"),
    "HH:MM DD.MM": re.compile(rf"(?<![\d.]){_TIME}\s*,?\s+{_DATE_NO_Y}"),
    "D month YYYY, HH:MM": re.compile(rf"(?<!\d){_DATE_WORDS}\s*,?\s*(?:в\s+)?{_TIME}(?!\d)", re.IGNORECASE),
    "HH:MM, D month YYYY": re.compile(rf"(?<![\d.]){_TIME}\s*,?\s+{_DATE_WORDS}", re.IGNORECASE),
}
ALL_FORMATS = tuple(FORMATS)
_ISO = re.compile(
    r"^\s*(?P<date>\d{4}-\d{2}-\d{2})(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?\s*$"
)


def parse_iso(text: str | None) -> datetime | None:
    """An ISO 8601 timestamp (``2021-04-27T14:48:00+03:00``, ``…Z``, ``2021-04-27 14:48``) as an aware datetime.

    A timestamp without an offset is Moscow wall-clock time (the site's own clock). A bare date is not a
    publication time and is rejected.
    """
    if not text:
        return None
    match = _ISO.match(text)
    if not match or not match["time"]:
        return None
    stamp = f"{match['date']}T{match['time']}"
    tz = match["tz"]
    if tz:
        tz = "+00:00" if tz == "Z" else (tz if ":" in tz else f"{tz[:3]}:{tz[3:]}")
        stamp += tz
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return to_moscow(moment)


def _month_number(name: str) -> int:
    name = name.lower()
    for stem, number in _MONTHS.items():
        if name.startswith(stem) and (stem != "ма" or name in ("мая", "май")):
            return number
    raise ValueError(name)


def parse_site_date(
    text: str | None, year_hint: int | Callable[[], int | None] | None = None, now: datetime | None = None,
    formats: tuple[str, ...] | None = None,
) -> datetime | None:
    """The first of the site's date formats found in ``text``, as an aware Moscow datetime; else None.

    A year-less date (``29.09, 10:17``, the current-year layout) takes ``year_hint`` — the year of the
    page's own machine-readable date (``article:published_time``, JSON-LD, ``<time datetime>``). Without a
    hint we fall back to the crawl's clock: the site drops the year only for the current year, so the
    crawl year is right unless that would put the article in the future (a page read just after New Year
    that still shows last December's date), in which case it is the previous year.

    ``year_hint`` may also be a function returning the hint: it is then called only when a year-less date
    needs it (finding the page's ISO date costs more than the rest of the date's parsing, and most pages
    print the year).
    """
    if not text:
        return None
    for name in formats or ALL_FORMATS:
        pattern = FORMATS[name]
        match = pattern.search(text)
        if not match:
            continue
        parts = match.groupdict()
        if not parts.get("y") and callable(year_hint):
            year_hint = year_hint()
        try:
            month = _month_number(parts["mon"]) if parts.get("mon") else int(parts["m"])
            day, hour, minute = int(parts["d"]), int(parts["hh"]), int(parts["mi"])
            if parts.get("y"):
                return moscow_local(datetime(int(parts["y"]), month, day, hour, minute))
            if year_hint:
                return moscow_local(datetime(year_hint, month, day, hour, minute))
            now = to_moscow(now) if now else now_moscow()
            candidate = moscow_local(datetime(now.year, month, day, hour, minute))
            if candidate > now:
                candidate = moscow_local(datetime(now.year - 1, month, day, hour, minute))
            return candidate
        except ValueError:  # 31.02 and the like: not a date
            continue
    return None


def parse_date(
    text: str | None, year_hint: int | Callable[[], int | None] | None = None, now: datetime | None = None,
    formats: tuple[str, ...] | None = None,
) -> str | None:
    """ISO 8601 (Moscow offset) for an ISO timestamp or a printed date in ``formats`` (names in
    :data:`FORMATS`; all of them when None); None when unreadable."""
    if not text:
        return None
    moment = parse_iso(text) or parse_site_date(text, year_hint=year_hint, now=now, formats=formats)
    return isoformat(moment) if moment else None


def year_of(text: str | None) -> int | None:
    """The year of an ISO timestamp (used as the hint for year-less dates)."""
    moment = parse_iso(text)
    return moment.year if moment else None
