"""kp40 listing pages (``/news/``, ``/news/<rubric>/``, ``/narnews/``) and the RSS feed.

A listing page is navigation only: which articles it links to (with the date it shows for each, so the
spider can stop at ``since``) and where the next page is. Article content is the article parser's job.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from scrapy.http import TextResponse

from newscrawler.urls import ArticleRef, article_ref

MAIN_SELECTORS = ("main", "[role=main]", "body")

_LISTING_DATE = re.compile(r"(?P<day>\d{1,2})\.(?P<month>\d{1,2})(?:\.(?P<year>\d{4}))?")


@dataclass
class ListingEntry:
    ref: ArticleRef
    #: The calendar date the listing shows next to the link, when it can be read.
    date: dt.date | None = None


@dataclass
class ListingPage:
    entries: list[ListingEntry] = field(default_factory=list)
    next_url: str | None = None
    #: True when the site's own listing markup was found; False means the looser fallbacks were used.
    site_layout: bool = True


def listing_date(text: str | None, today: dt.date | None = None) -> dt.date | None:
    """The date part of ``30.01.2024, 09:20`` / ``09:20 30.01.2024``; year-less dates are this year's."""
    if not text:
        return None
    match = _LISTING_DATE.search(text)
    if not match:
        return None
    today = today or dt.date.today()
    year = int(match["year"]) if match["year"] else today.year
    try:
        return dt.date(year, int(match["month"]), int(match["day"]))
    except ValueError:
        return None


def parse_listing(response: TextResponse) -> ListingPage:
    """Article links (in page order, each once) and the next page of a listing response."""
    main = next((sel for css in MAIN_SELECTORS if (sel := response.css(css))), response)
    page = ListingPage()
    seen: set[int] = set()

    entries = main.css("div.nrli")
    if entries:
        for entry in entries:
            href = entry.css("a.nrli-title::attr(href)").get() or entry.css("a::attr(href)").get()
            ref = article_ref(response.urljoin(href)) if href else None
            if ref and ref.article_id not in seen:
                seen.add(ref.article_id)
                page.entries.append(ListingEntry(ref, listing_date(entry.css(".nrli-date::text").get())))
    else:
        # The listing markup changed: fall back to every article link in the main column.
        page.site_layout = False
        for href in main.css("a::attr(href)").getall():
            ref = article_ref(response.urljoin(href))
            if ref and ref.article_id not in seen:
                seen.add(ref.article_id)
                page.entries.append(ListingEntry(ref))

    next_href = (
        main.css("ul.pagination a[rel=next]::attr(href)").get()
        or response.css("a[rel=next]::attr(href), link[rel=next]::attr(href)").get()
    )
    page.next_url = response.urljoin(next_href) if next_href else None
    return page


def parse_rss(response: TextResponse) -> list[ArticleRef]:
    """Article refs of an RSS 2.0 feed's items, in feed order, each once."""
    refs: list[ArticleRef] = []
    seen: set[int] = set()
    response.selector.remove_namespaces()
    for link in response.xpath("//item/link/text()").getall():
        ref = article_ref(link.strip())
        if ref and ref.article_id not in seen:
            seen.add(ref.article_id)
            refs.append(ref)
    return refs
