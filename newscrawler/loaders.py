"""``ArticleLoader``: every field's normalisation, as itemloaders input/output processors.

The parser feeds *raw* values: HTML fragments for text (an element's markup, or an attribute/meta value
escaped to markup — see :func:`newscrawler.parsers.kp40_article.attr_fragment`), strings or ints for
numbers, lists of fragments for lists. The processors here turn them into the record's normal form
(ARTICLE_SCHEMA.md). Input processors drop what normalises to nothing (``None``), so after ``add_value``
``get_collected_values(field)`` tells whether that source produced anything — the parser's layers rely on it.

Loader context (``loader.context``):

* ``base_url`` — what relative image URLs are resolved against (the article's canonical URL);
* ``year_hint`` — year for year-less dates (``29.09, 10:17``), from the page's own ISO date;
* ``now`` — the crawl clock for year-less dates without a hint (tests pin it).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from itemloaders.processors import Compose, Identity, Join, MapCompose, TakeFirst
from scrapy.loader import ItemLoader

from newscrawler.authors import parse_authors
from newscrawler.counts import parse_count
from newscrawler.credits import parse_photo_credit
from newscrawler.dates import parse_date
from newscrawler.items import ArticleItem
from newscrawler.noise import is_widget_line, strip_widget_noise
from newscrawler.text import markup_to_text
from newscrawler.urls import canonical_article_url

#: ``<title>`` suffix the site appends to every headline.
TITLE_SUFFIX = re.compile(r"\s*[-–—|]\s*Новости Калуги\s*[-–—|]\s*KP40\.RU\s*$", re.IGNORECASE)
#: The share image the site falls back to when an article has none: not the article's image.
DEFAULT_IMAGES = re.compile(r"/images/og-kp40\.png$|/images/(?:logo|no[-_]?photo)", re.IGNORECASE)


def strip_title_suffix(title: str) -> str | None:
    return TITLE_SUFFIX.sub("", title).strip() or None


def date_in_context(value: str, loader_context: dict) -> str | None:
    return parse_date(value, year_hint=loader_context.get("year_hint"), now=loader_context.get("now"))


def absolute_image_url(value: str, loader_context: dict) -> str | None:
    value = value.strip()
    if not value or value.startswith("data:"):
        return None
    url = urljoin(loader_context.get("base_url") or "", value)
    if not url.startswith(("http://", "https://")) or DEFAULT_IMAGES.search(url):
        return None
    return url


def non_widget_paragraph(text: str) -> str | None:
    """A body paragraph, unless the whole paragraph is a widget's text."""
    return None if is_widget_line(text) else text


def boolean(value) -> bool:
    return bool(value)


def unique(values: list) -> list:
    """Order-preserving de-duplication (a tag printed twice is one tag)."""
    seen: set = set()
    return [v for v in values if not (v in seen or seen.add(v))]


def text_or_none(value: str) -> str | None:
    return value or None


class ArticleLoader(ItemLoader):
    default_item_class = ArticleItem
    default_input_processor = MapCompose(markup_to_text)
    default_output_processor = TakeFirst()

    url_in = MapCompose(str.strip, canonical_article_url)
    article_id_in = MapCompose(int)
    rubric_in = MapCompose(str.strip, text_or_none)

    title_in = MapCompose(markup_to_text, strip_title_suffix)
    authors_in = MapCompose(markup_to_text, parse_authors)
    authors_out = Compose(unique)
    published_at_in = MapCompose(markup_to_text, date_in_context)

    comments_count_in = MapCompose(parse_count)
    views_in = MapCompose(parse_count)
    reactions_count_in = MapCompose(parse_count)

    photo_credit_in = MapCompose(markup_to_text, parse_photo_credit)
    image_url_in = MapCompose(absolute_image_url)
    tags_in = MapCompose(markup_to_text)
    tags_out = Compose(unique)

    body_in = MapCompose(markup_to_text, non_widget_paragraph)
    body_out = Compose(Join("\n\n"), strip_widget_noise, text_or_none)

    top_story_in = MapCompose(boolean)
    extraction_in = Identity()
    fallback_fields_in = Identity()
    fallback_fields_out = Identity()

