"""Bylines: ``Автор: Анастасия КАТОРГИНА. Фото и видео автора.`` -> names ``["Анастасия Каторгина"]``
plus the photo credit the byline carries (``Фото и видео автора``).

The site prints bylines in several eras' styles: with or without the ``Автор:`` label, with a trailing
period, with the surname in capitals, with a photo credit after a comma (``Софья Фирсова, фото читателя``)
or after a period (``Александр Нефёдов. Фото и видео автора.``), and with two names separated by a comma.
"""

from __future__ import annotations

import re

from newscrawler.extraction.credits import parse_photo_credit

# The label with or without its colon (`Автор: …`, `Автор …`, `By …`): never part of a name.
_LABEL = re.compile(r"^\s*(?:автор[ыа]?|текст|authors?|by)(?:\s*[:\-—]\s*|\s+)", re.IGNORECASE)
# Where a photo credit starts: after "," / "." / ";" a segment beginning with фото / видео / photo.
_CREDIT_START = re.compile(r"(?:^|[.,;]\s*|\s+[—-]\s+)(?=(?:фото|видео|photo)\b)", re.IGNORECASE)
_NAME_SEPARATORS = re.compile(r"\s*(?:,|;|\s+и\s+|\s+and\s+)\s*")
# A byline slot that holds only a photo credit (``Автор фото: Иван Петров``, ``Фото: пресс-служба``).
_PHOTO_ONLY = re.compile(r"^(?:автор\s+фото|фото(?:граф)?|photo)\s*[:\-—]\s*", re.IGNORECASE)


def _title_word(word: str) -> str:
    """``КАТОРГИНА`` -> ``Каторгина``, ``САЛТЫКОВ-ЩЕДРИН`` -> ``Салтыков-Щедрин``; other words unchanged."""
    if len(word) > 1 and word.isupper() and not word.endswith("."):
        return "-".join(part.capitalize() for part in word.split("-"))
    return word


def normalize_name(name: str) -> str | None:
    """One author's name: spaces collapsed, no trailing period, capitalised surnames title-cased."""
    name = " ".join(name.split()).strip(" .,;")
    if not name:
        return None
    return " ".join(_title_word(word) for word in name.split(" "))


def split_byline(text: str | None) -> tuple[list[str], str | None]:
    """A byline's author names and the photo credit it carries (None when it carries none)."""
    if not text:
        return [], None
    text = " ".join(text.split())
    photo_only = _PHOTO_ONLY.match(text)
    if photo_only:  # the photographer, not an author
        return [], parse_photo_credit(text[photo_only.end():])
    text = _LABEL.sub("", text)
    credit = None
    match = _CREDIT_START.search(text)
    if match:
        credit = text[match.end():].strip().rstrip(" .") or None
        text = text[: match.start()]
    names = [normalize_name(part) for part in _NAME_SEPARATORS.split(text.strip().rstrip("."))]
    return [name for name in names if name], credit


def parse_authors(text: str | None) -> list[str]:
    """Only the names of a byline (the loader's input processor for ``authors``)."""
    return split_byline(text)[0]


def byline_photo_credit(text: str | None) -> str | None:
    """Only the photo credit a byline carries."""
    return split_byline(text)[1]
