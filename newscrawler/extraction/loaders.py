"""``ArticleLoader``: every field's normalisation, as itemloaders input/output processors.

The parser feeds *raw* values: HTML fragments for text (an element's markup, or an attribute/meta value
escaped to markup — see :func:`newscrawler.parsers.kp40_article.attr_fragment`; the body as one fragment
whose paragraphs are joined by U+2029, :data:`newscrawler.extraction.text.PARAGRAPH_SEPARATOR`), strings or ints for
numbers. The processors turn them into the record's normal form (ARTICLE_SCHEMA.md). Input processors drop
what normalises to nothing, so after ``add_value`` ``get_collected_values(field)`` tells whether that
source produced anything — the parser's layers rely on it.

Loader context (``loader.context``):

* ``base_url`` — what relative image URLs are resolved against (the article's canonical URL);
* ``year_hint`` — year for year-less dates (``29.09, 10:17``), from the page's own ISO date (an int, or a
  function returning it, called only when a year-less date needs it);
* ``now`` — the crawl clock for year-less dates without a hint (tests pin it).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from itemloaders.processors import MapCompose, Compose, Identity, Join, TakeFirst
from scrapy.loader import ItemLoader

from newscrawler.extraction.authors import parse_authors
from newscrawler.extraction.counts import parse_count
from newscrawler.extraction.credits import parse_photo_credit
from newscrawler.extraction.dates import parse_date
from newscrawler.items import ArticleItem
from newscrawler.extraction.noise import is_widget_line
from newscrawler.extraction.text import markup_to_text, paragraphs
from newscrawler.urls import canonical_article_url

#: ``<title>`` suffix the site appends to every headline.
TITLE_SUFFIX = re.compile(r"\s*[-–—|]\s*Новости Калуги\s*[-–—|]\s*KP40\.RU\s*$", re.IGNORECASE)
#: The share image the site falls back to when an article has none: not the article's image.
DEFAULT_IMAGES = re.compile(r"/images/og-kp40\.png$|/images/(?:logo|no[-_]?photo)", re.IGNORECASE)


def strip_title_suffix(title: str) -> str | None:
    return TITLE_SUFFIX.sub("", title).strip() or None


def title_text(fragment: str) -> str | None:
    text = markup_to_text(fragment)
    return strip_title_suffix(text) if text else None


def byline_names(fragment: str) -> list[str]:
    return parse_authors(markup_to_text(fragment))


def credit_text(fragment: str) -> str | None:
    return parse_photo_credit(markup_to_text(fragment))


def date_in_context(fragment: str, loader_context: dict) -> str | None:
    return parse_date(markup_to_text(fragment), year_hint=loader_context.get("year_hint"),
                      now=loader_context.get("now"))


def absolute_image_url(value: str, loader_context: dict) -> str | None:
    value = value.strip()
    if not value or value.startswith("data:"):
        return None
    base = loader_context.get("base_url") or ""
    if value.startswith("/") and not value.startswith("//") and base.startswith("https://www.kp40.ru/"):
        url = "https://www.kp40.ru" + value  # the common case, without urljoin's parsing
    else:
        url = urljoin(base, value)
    if not url.startswith(("http://", "https://")) or DEFAULT_IMAGES.search(url):
        return None
    return url


def body_paragraphs(fragment: str) -> list[str]:
    """The body's paragraphs, minus any paragraph that is, as a whole, a widget's text."""
    return [p for p in paragraphs(fragment) if not is_widget_line(p)]


def canonical_url(value: str) -> str | None:
    return canonical_article_url(value.strip())


def unique(values: list) -> list:
    """Order-preserving de-duplication (a tag printed twice is one tag)."""
    seen: set = set()
    return [v for v in values if not (v in seen or seen.add(v))]


class ArticleLoader(ItemLoader):
    default_item_class = ArticleItem
    default_input_processor = MapCompose(markup_to_text)
    default_output_processor = TakeFirst()

    url_in = MapCompose(canonical_url)
    article_id_in = Identity()  # an int from newscrawler.urls.article_ref
    rubric_in = Identity()  # a slug from newscrawler.urls.article_ref

    title_in = MapCompose(title_text)
    authors_in = MapCompose(byline_names)
    authors_out = Compose(unique)
    published_at_in = MapCompose(date_in_context)

    comments_count_in = MapCompose(parse_count)
    views_in = MapCompose(parse_count)
    reactions_count_in = MapCompose(parse_count)

    photo_credit_in = MapCompose(credit_text)
    image_url_in = MapCompose(absolute_image_url)
    tags_in = MapCompose(markup_to_text)
    tags_out = Compose(unique)

    body_in = MapCompose(body_paragraphs)
    body_out = Join("\n\n")

    top_story_in = Identity()  # booleans from the parser
    extraction_in = Identity()
    fallback_fields_in = Identity()
    fallback_fields_out = Identity()

    # Processors are class attributes here (ArticleItem declares none), so the lookup is done once per
    # field and class instead of on every add_value / get_output_value.
    _processor_cache: dict = {}

    def get_input_processor(self, field_name: str):
        key = (type(self), "in", field_name)
        try:
            return self._processor_cache[key]
        except KeyError:
            proc = self._processor_cache[key] = super().get_input_processor(field_name)
            return proc

    def get_output_processor(self, field_name: str):
        key = (type(self), "out", field_name)
        try:
            return self._processor_cache[key]
        except KeyError:
            proc = self._processor_cache[key] = super().get_output_processor(field_name)
            return proc
