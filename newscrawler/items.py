"""The article record. Its keys are the public contract in ARTICLE_SCHEMA.md (see README)."""

import scrapy


class ArticleItem(scrapy.Item):
    publisher = scrapy.Field()
    url = scrapy.Field()
    article_id = scrapy.Field()
    rubric = scrapy.Field()
    rubric_name = scrapy.Field()
    title = scrapy.Field()
    lead = scrapy.Field()
    authors = scrapy.Field()
    published_at = scrapy.Field()
    comments_count = scrapy.Field()
    views = scrapy.Field()
    reactions_count = scrapy.Field()
    photo_credit = scrapy.Field()
    image_url = scrapy.Field()
    tags = scrapy.Field()
    body = scrapy.Field()
    top_story = scrapy.Field()
    crawled_at = scrapy.Field()
    # Extra key (documented in the README): which extraction layer produced the record.
    extraction = scrapy.Field()
    story_id = scrapy.Field()
    # Not exported (absent from ARTICLE_FIELDS): the fields the site's own layout selectors did not
    # yield, so a lower extraction layer (page metadata, generic heuristics) was consulted.
    fallback_fields = scrapy.Field()
    # Not exported: canonical links / og:url the page gave that named another outlet or article (ignored).
    identity_conflicts = scrapy.Field()
    # Not exported: fields whose profile reader raised on this page (a lower layer stood in).
    reader_errors = scrapy.Field()


#: Keys in the order of ARTICLE_SCHEMA.md; the feed exporter writes them in this order.
ARTICLE_FIELDS = [
    "publisher", "url", "article_id", "rubric", "rubric_name", "title", "lead", "authors", "published_at",
    "comments_count", "views", "reactions_count", "photo_credit", "image_url", "tags", "body",
    "top_story", "crawled_at", "extraction", "story_id",
]
