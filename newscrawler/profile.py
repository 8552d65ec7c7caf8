"""What a publisher profile is: the vocabulary an outlet's profile file is written in.

A profile (one file per outlet under :mod:`newscrawler.publishers`) describes one outlet and nothing else:
its slug and name, canonical origin and hosts, entry points (listings and their pagination, feeds,
sitemaps, a JSON API), how a URL maps to an article id and its canonical form, one reader per layout era,
its widget phrases, date formats, rubric map and which pages need a browser. The machinery (spiders,
parser layers, loaders, noise engine, pipelines, stores) takes a profile as data and knows no outlet.

Identity rule (ARTICLE_SCHEMA.md): an article's identity comes from the URL it was fetched at on the
outlet's own hosts (:meth:`Publisher.article_ref`); a canonical link may normalise the form only when it
names the same outlet and the same article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar
from urllib.parse import urlsplit

from newscrawler.extraction.noise import WidgetRules
from newscrawler.extraction.reader import LayoutReader


@dataclass(frozen=True)
class ArticleRef:
    """An article as its URL names it: publisher, canonical URL on the outlet's real origin, id, rubric.

    ``article_id`` is None for URLs that carry no id (WordPress slugs): the page then names it (shortlink).
    """

    publisher: str
    url: str
    article_id: int | None
    rubric: str | None = None

    @property
    def path(self) -> str:
        """Path (and query, if the canonical form has one) to request on whatever host serves the outlet."""
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    @property
    def key(self) -> str:
        """``publisher:article_id`` (``publisher:url`` while the id is unknown)."""
        return f"{self.publisher}:{self.article_id if self.article_id is not None else self.url}"


@dataclass(frozen=True)
class ArticlePath:
    """One shape of article URL path.

    ``pattern`` matches the URL path (named groups: ``id`` when the path carries the article id, ``rubric``
    when it carries the rubric, any others the canonical form needs); ``canonical`` builds the canonical path
    from the groups (``id`` as an int, so ``{id:06d}`` re-pads). ``rubric`` fixes the rubric for paths that
    name none.
    """

    pattern: str
    canonical: str
    rubric: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "_regex", re.compile(self.pattern))

    def match(self, path: str) -> tuple[str, int | None, str | None] | None:
        """(canonical path, id, rubric) for a matching path, else None."""
        found = self._regex.match(path)  # type: ignore[attr-defined]
        if not found:
            return None
        groups = found.groupdict()
        article_id = int(groups["id"]) if groups.get("id") else None
        if article_id is not None:
            groups["id"] = article_id
        return self.canonical.format(**groups), article_id, groups.get("rubric") or self.rubric


@dataclass(frozen=True)
class Listing:
    """An HTML listing: its first page, and where an entry, its link and its date are.

    Selectors are CSS (parsel's, with ``::attr()``/``::text``); ``link`` and ``date`` are relative to
    ``item``. Pagination follows ``next_page``, then ``rel=next`` links anywhere on the page. When ``item``
    matches nothing (a redesign), every link on the page that :meth:`Publisher.article_ref` recognises is taken.
    """

    path: str
    item: str
    link: str = "a::attr(href)"
    date: str | None = None
    next_page: str | None = None


@dataclass(frozen=True)
class JsonApi:
    """A JSON endpoint listing articles newest first: ``items`` is the key of the list (dotted path),
    ``id`` the key of an item's article id, ``article_path`` the page path built from it."""

    path: str
    items: str
    id: str
    article_path: str


@dataclass(frozen=True)
class Rendering:
    """Pages whose body a script loads after page load: ``placeholder`` (CSS) is the empty body container
    in the static HTML; the browser waits for ``wait_for`` (CSS) before the page is read."""

    placeholder: str
    wait_for: str


class Publisher:
    """Base of every profile. Subclasses set the class attributes; a few hooks may be overridden."""

    slug: ClassVar[str]
    name: ClassVar[str]
    #: The outlet's real scheme and host: record URLs are built on it.
    origin: ClassVar[str]
    #: Hosts that serve the outlet (an article fetched elsewhere is not this outlet's).
    hosts: ClassVar[frozenset[str]]
    #: Article URL shapes, tried in order.
    article_paths: ClassVar[tuple[ArticlePath, ...]]
    #: Layout eras, newest first: the first whose marker is on the page reads it.
    readers: ClassVar[tuple[type[LayoutReader], ...]]
    #: Entry listings of a full crawl (``source=listing``).
    listings: ClassVar[tuple[Listing, ...]]
    #: Rubric slug → the name the outlet shows.
    rubrics: ClassVar[dict[str, str]] = {}
    #: RSS/Atom feeds (``source=rss``), sitemaps (``source=sitemap``), a JSON API (``source=api``).
    feeds: ClassVar[tuple[str, ...]] = ()
    sitemaps: ClassVar[tuple[str, ...]] = ()
    api: ClassVar[JsonApi | None] = None
    #: Widget text that must never reach a record (see newscrawler.extraction.noise).
    widgets: ClassVar[WidgetRules] = WidgetRules()
    #: What the outlet appends to headlines in ``<title>``/``og:title``.
    title_suffix: ClassVar[str | None] = None
    #: Share images shown when an article has none (not the article's image).
    default_images: ClassVar[str | None] = None
    #: Names of the date formats the outlet prints (newscrawler.extraction.dates.FORMATS), best first.
    date_formats: ClassVar[tuple[str, ...] | None] = None
    #: Pages that need a browser, if the outlet has such.
    rendering: ClassVar[Rendering | None] = None
    #: Where a page names its own numeric id when the URL does not (CSS/XPath-free hook: page_article_id).
    page_id_patterns: ClassVar[tuple[str, ...]] = ()

    # --- entry points --------------------------------------------------------------------------------

    @classmethod
    def sources(cls) -> tuple[str, ...]:
        """The ``source`` values this outlet supports."""
        found = ["listing"]
        if cls.feeds:
            found.append("rss")
        if cls.sitemaps:
            found.append("sitemap")
        if cls.api:
            found.append("api")
        return tuple(found)

    @classmethod
    def rubric_listing(cls, rubric: str) -> Listing:
        """The listing of one rubric (outlets with rubric listings override this)."""
        raise NotImplementedError(f"{cls.slug} has no rubric listings")

    @classmethod
    def has_rubric_listings(cls) -> bool:
        return cls.rubric_listing.__func__ is not Publisher.rubric_listing.__func__  # type: ignore[attr-defined]

    # --- identity ------------------------------------------------------------------------------------

    @classmethod
    def is_own_host(cls, host: str | None, extra_hosts: frozenset[str] = frozenset()) -> bool:
        return bool(host) and (host.lower() in cls.hosts or host.lower() in extra_hosts)

    @classmethod
    def article_ref(cls, url: str, extra_hosts: frozenset[str] = frozenset()) -> ArticleRef | None:
        """The article a URL names (absolute on an own host, or root-relative; any variant), else None.

        ``extra_hosts``: hosts serving the outlet in this crawl besides its own (a mirror, a local replica).
        """
        parts = urlsplit(url.strip())
        if parts.netloc and not cls.is_own_host(parts.hostname, extra_hosts):
            return None
        if parts.scheme and parts.scheme not in ("http", "https"):
            return None
        for shape in cls.article_paths:
            found = shape.match(parts.path)
            if found:
                path, article_id, rubric = found
                return ArticleRef(cls.slug, cls.origin + path, article_id, rubric)
        return None

    @classmethod
    def page_article_id(cls, html_text: str) -> int | None:
        """The numeric id a page states about itself, for URLs without one (``page_id_patterns``: regexes
        with one group, tried in order over the page's markup)."""
        for pattern in cls.page_id_patterns:
            found = re.search(pattern, html_text)
            if found:
                return int(found.group(1))
        return None


@dataclass
class Registry:
    """Every profile under :mod:`newscrawler.publishers`, by slug."""

    by_slug: dict[str, type[Publisher]] = field(default_factory=dict)

    def add(self, publisher: type[Publisher]) -> None:
        if publisher.slug in self.by_slug:
            raise ValueError(f"two profiles claim the slug {publisher.slug!r}")
        self.by_slug[publisher.slug] = publisher

    def get(self, slug: str) -> type[Publisher] | None:
        return self.by_slug.get(slug)

    def for_host(self, host: str | None) -> type[Publisher] | None:
        """The outlet whose own hosts include ``host`` (``www.`` or not)."""
        if not host:
            return None
        host = host.lower()
        for publisher in self.by_slug.values():
            if host in publisher.hosts:
                return publisher
        return None

    def __iter__(self):
        return iter(self.by_slug.values())

    def slugs(self) -> list[str]:
        return list(self.by_slug)
