"""The specific facts of a news text: what two notices written from one template differ in.

Template twins (power outages on different days or streets, weekend forecasts, weekly listings) share most of
their wording, so text similarity cannot tell them apart; the dates, times, streets, numbers and names they
report can.  A rewrite of one press release keeps those facts even when the wording changes a lot.

Every fact is normalised so that a rewrite's rephrasing does not change it: dates become ``DD.MM`` whatever the
spelling (``15 июня``, ``15.06``, ``8 и 9 апреля``), words are reduced to a five-letter prefix so that Russian
case endings (``улица Гагарина`` / ``на улице Гагарина``, ``Шапша`` / ``Шапши``) compare equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Genitive month names (the form a date uses: «15 июня») → month number.
MONTHS = {
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6,
    "июля": 7, "августа": 8, "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
}
#: Weekday stems as they appear after «в/во» (во вторник, в среду, в субботу).
WEEKDAYS = {
    "понедельник": "mon", "вторник": "tue", "сред": "wed", "четверг": "thu",
    "пятниц": "fri", "суббот": "sat", "воскресень": "sun",
}
#: Five letters keep Russian stems apart (калуг / калуж, гагар) while dropping case endings; a shorter word
#: loses its last letter, its ending (Шапша / Шапши → шапш).
STEM_LENGTH = 5

_MONTH = "|".join(MONTHS)
# Everything a digit starts, read in one left-to-right pass (each branch is tried in this order at a digit):
# a wordy date («15 июня», «8 и 9 апреля», «с 12 по 14 мая», «10, 11 и 12 октября»), a numeric date («15.06»,
# «15.06.2021»), a time («9:00»), else a number («14,6», «1 500»).  A date's or time's digits are therefore
# never also numbers (and digits glued to a letter, «А10:30», read like any other).  The leading lookahead lets the engine skip from digit to digit: without it all four
# branches are tried at every character (120 µs over a 1 kB text against 20 µs; four separate passes, each
# removing what it read, cost ~110 µs).
_DIGIT_FACT = re.compile(rf"""(?=\d)(?:
      (?P<days>\d{{1,2}}(?:\s*(?:,|и|по|–|—|-)\s*\d{{1,2}})*)\s+(?P<month>{_MONTH})\b
    | (?P<day>\d{{1,2}})\.(?P<month_number>\d{{1,2}})(?:\.(?:\d{{2}}|\d{{4}}))?\b
    | (?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)\b
    | (?P<number>\d+(?:[ \u00a0\u202f]\d{{3}})*(?:,\d+)?)
)""", re.IGNORECASE | re.VERBOSE)
_NUMBER = re.compile(r"\d+")
_WEEKDAY = re.compile(r"\b(?:в|во)\s+(" + "|".join(WEEKDAYS) + r")\w*", re.IGNORECASE)

_STREET_KIND = (r"ул\.|улиц\w*|пер\.|переул\w*|просп\.|проспект\w*|пр-т|ш\.|шоссе|бульвар\w*|б-р|пл\.|площад\w*"
                r"|наб\.|набережн\w*|проезд\w*|тупик\w*|мкр\.?|микрорайон\w*")
_NAME_WORD = r"[А-ЯЁ][а-яёА-ЯЁ-]+"
# «ул. Ленина», «улице Генерала Попова», «переулок Старичков», «проспекте Ленина»
_STREET_AFTER_KIND = re.compile(rf"(?:{_STREET_KIND})\s+((?:{_NAME_WORD}|\d+-?\w*)(?:\s+{_NAME_WORD})?)")
# «Грабцевском шоссе», «Театральной площади» (the adjective is the name)
_KINDS_AFTER_THEIR_NAME = ("шоссе", "проспект", "переул", "бульвар", "проезд", "площад", "набережн")
_STREET_BEFORE_KIND = re.compile(rf"({_NAME_WORD})\s+(?:{'|'.join(_KINDS_AFTER_THEIR_NAME)})")
# a list item of an outage notice under «на улицах:» — «- Гагарина, 1–15;»
_STREET_LIST_ITEM = re.compile(rf"^-\s+({_NAME_WORD}(?:\s+{_NAME_WORD})?),\s*\d", re.MULTILINE)
# A capitalised word is a name or a place unless it opens a sentence, a paragraph, a list item or a quotation:
# then it is capitalised anyway.  These are the characters that precede such an opening (spaces skipped).
_OPENERS = set(".!?…:;«\"“„—–-\n")
# (the lookahead lets the engine skip to capitals before testing the word boundary: half the time of \b first)
_CAPITALISED = re.compile(rf"(?=[А-ЯЁ])\b{_NAME_WORD}")


def stem(word: str) -> str:
    word = word.lower().replace("ё", "е")
    if len(word) <= 3:
        return word
    return word[:min(STEM_LENGTH, len(word) - 1)]


@dataclass(frozen=True)
class Facts:
    """The facts of one text, by kind; each kind is a set of normalised strings."""

    dates: frozenset[str] = field(default_factory=frozenset)      # "15.06"
    weekdays: frozenset[str] = field(default_factory=frozenset)   # "tue"
    times: frozenset[str] = field(default_factory=frozenset)      # "09:00"
    streets: frozenset[str] = field(default_factory=frozenset)    # "генер попов"
    numbers: frozenset[str] = field(default_factory=frozenset)    # "14.6"
    names: frozenset[str] = field(default_factory=frozenset)      # "шапш"

    KINDS = ("dates", "weekdays", "times", "streets", "numbers", "names")

    def by_kind(self) -> dict[str, frozenset[str]]:
        return {kind: getattr(self, kind) for kind in self.KINDS}

    def to_json(self) -> dict[str, list[str]]:
        return {kind: sorted(values) for kind, values in self.by_kind().items() if values}

    @classmethod
    def from_json(cls, data: dict[str, list[str]]) -> "Facts":
        return cls(**{kind: frozenset(data.get(kind, ())) for kind in cls.KINDS})


def extract_facts(text: str) -> Facts:
    """The facts of ``text``.  A kind whose mark is nowhere in the text (a weekday's stem, a street kind) is not
    searched for: a substring test costs a microsecond, each of these regexes some 20–30 µs over a 1 kB text."""
    lowered = text.lower()
    dates, times, numbers = _digit_facts(text)
    weekdays = _WEEKDAY.findall(text) if any(day in lowered for day in WEEKDAYS) else []
    return Facts(
        dates=frozenset(dates),
        weekdays=frozenset(WEEKDAYS[m.lower()] for m in weekdays),
        times=frozenset(times),
        streets=frozenset(_streets(text)),
        numbers=frozenset(numbers),
        names=frozenset(_names(text)),
    )


def _digit_facts(text: str) -> tuple[set[str], set[str], set[str]]:
    """Dates (``DD.MM``), times (``HH:MM``) and numbers of the text, from one pass of :data:`_DIGIT_FACT`."""
    dates: set[str] = set()
    times: set[str] = set()
    numbers: set[str] = set()
    for match in _DIGIT_FACT.finditer(text):
        if match["number"]:
            numbers.add(_normalised_number(match["number"]))
        elif match["hour"]:
            times.add(f"{int(match['hour']):02d}:{match['minute']}")
        elif match["month"]:
            month = MONTHS[match["month"].lower()]
            dates.update(f"{int(day):02d}.{month:02d}" for day in _NUMBER.findall(match["days"])
                         if 1 <= int(day) <= 31)
        elif 1 <= int(match["day"]) <= 31 and 1 <= int(match["month_number"]) <= 12:
            dates.add(f"{int(match['day']):02d}.{int(match['month_number']):02d}")
        else:  # 45.67: not a date, two numbers
            numbers.update(_NUMBER.findall(match[0]))
    return dates, times, numbers


def _normalised_number(number: str) -> str:
    return re.sub(r"\s", "", number).replace(",", ".")


def _streets(text: str) -> set[str]:
    names = [m.group(1) for m in _STREET_AFTER_KIND.finditer(text)]
    if any(kind in text for kind in _KINDS_AFTER_THEIR_NAME):
        names += [m.group(1) for m in _STREET_BEFORE_KIND.finditer(text)]
    names += [m.group(1) for m in _STREET_LIST_ITEM.finditer(text)]
    return {" ".join(stem(word) for word in name.split()) for name in names}


def _names(text: str) -> set[str]:
    names = set()
    for match in _CAPITALISED.finditer(text):
        before = text[max(0, match.start() - 4):match.start()].rstrip(" ")
        if before and before[-1] not in _OPENERS:
            names.add(stem(match.group(0)))
    return names
