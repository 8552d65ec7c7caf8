"""Layout readers: one class per layout era of an outlet, in the spirit of Fundus's versioned parsers.

A profile declares its eras as subclasses of :class:`LayoutReader` with CSS selectors per field; a field
whose reading needs more than a selector gets a ``read_<field>`` method instead. A redesign is a new
reader class in the profile, never an ``if`` in an old one.

Readers return *raw* values — HTML fragments (an element's markup or escaped text), attribute strings,
booleans — which :class:`newscrawler.extraction.loaders.ArticleLoader` normalises. ``[]`` means the layout
does not show the field on this page.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from functools import lru_cache

import cssselect
from lxml import etree
from parsel.csstranslator import HTMLTranslator

from newscrawler.extraction.blocks import CrossLinks, body_fragments, outer_html


@lru_cache(maxsize=None)
def css(selector: str) -> etree.XPath:
    """A CSS selector (parsel's dialect: ``::text``, ``::attr(name)``) compiled to an lxml XPath, once."""
    return etree.XPath(HTMLTranslator().css_to_xpath(selector))


@lru_cache(maxsize=None)
def css_first(selector: str) -> etree.XPath:
    """``selector`` compiled to look for its first match only: ``[1]`` on the last step of each branch.

    libxml2 then stops a branch at its first match instead of testing the rest of the page (an era marker
    looked up page-wide: 53 → 40 µs on a saved page). The first match in document order is among the results, as it
    is the first match of its own context node."""
    translator = HTMLTranslator()
    return etree.XPath(" | ".join(translator.selector_to_xpath(branch, translate_pseudo_elements=True) + "[1]"
                                  for branch in cssselect.parse(selector)))


def select(root, selector: str | None, first: bool = False) -> list:
    """Matches of ``selector`` under ``root`` (elements, or strings for ``::attr``/``::text``); with
    ``first``, only the first match (``[]`` or a list of one)."""
    if not selector or root is None:
        return []
    return css_first(selector)(root)[:1] if first else css(selector)(root)


def fragment(element) -> str:
    """An element (or a string from ``::attr``/``::text``) as the HTML fragment the loader takes."""
    if isinstance(element, str):
        return html.escape(str(element), quote=False)
    if len(element) == 0:  # no child elements: the escaped text reads the same, without serialising
        return html.escape(element.text or "", quote=False)
    return outer_html(element)


def text_of(element) -> str:
    return element if isinstance(element, str) else "".join(element.itertext())


class LayoutReader:
    """One layout era of one outlet.

    ``marker`` (CSS) is what only pages of this era have. ``scope`` (CSS) is the element that holds the
    article (``article``, ``div.news_full``): field selectors are looked up inside it (the whole page when it
    is empty or not found), which keeps them short and skips the page's menus, sidebars and footer. ``None``
    for a field means the era does not show it. ``non_body`` are blocks inside the body container that are
    not article text; ``cross_links`` how the outlet's inline «read also» boxes start.
    """

    era: str = "current"
    marker: str = ""
    scope: str = ""
    title: str | None = None
    rubric: str | None = None
    rubric_name: str | None = None
    published_at: str | None = None
    lead: str | None = None
    authors: str | None = None
    body: str | None = None
    non_body: tuple[str, ...] = ()
    tags: str | None = None
    image_url: str | None = None
    photo_credit: str | None = None
    comments_count: str | None = None
    views: str | None = None
    reactions_count: str | None = None
    #: Present on top stories only: the field is then ``[True]`` or ``[False]``.
    top_story: str | None = None
    cross_links: CrossLinks = CrossLinks()

    def __init__(self, root):
        self.page = root
        self._found: dict = {}
        #: Whether the page is of this era (the parser asks each of the profile's readers in turn).
        self.recognised = self.recognise(root)
        found = self.find(self.scope, root, first=True) if self.scope and self.recognised else []
        #: Where field selectors are looked up: the article's element, else the page.
        self.root = found[0] if found else root

    def recognise(self, root) -> bool:
        """Whether the page is of this era: the ``marker`` is on it (a reader may find its elements here)."""
        return bool(self.marker) and bool(self.find(self.marker, root, first=True))

    def find(self, selector: str | None, within=None, *, first: bool = False) -> list:
        """Matches of ``selector`` under ``within`` (the article's element by default); with ``first``, only
        the first (``[]`` or a list of one), which lets libxml2 stop there.

        A look-up is done once per page and element (all matches also answer a later ``first``): an era
        often names one element for two jobs (one element both marker and scope, one rubric link giving
        rubric and rubric_name), and a page-wide class look-up costs 10–50 µs. The list is shared:
        callers must not change it."""
        within = self.root if within is None else within
        every = self._found.get((within, selector, False))
        if every is not None:
            return every[:1] if first else every
        key = (within, selector, first)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = select(within, selector, first)
        return found

    @classmethod
    def recognises(cls, root) -> bool:
        return cls(root).recognised

    # --- reading -----------------------------------------------------------------------------------

    def shows(self, field: str) -> bool:
        """Whether this era has the field at all (a selector or a ``read_<field>`` method)."""
        return getattr(type(self), f"read_{field}", None) is not None or getattr(self, field, None) is not None

    def read(self, field: str) -> list:
        method: Callable[[], list] | None = getattr(self, f"read_{field}", None)
        if method is not None:
            return list(method())
        selector = getattr(self, field, None)
        if selector is None:
            return []
        if field == "body":
            return self.body_blocks(selector)
        if field == "top_story":
            return [bool(self.find(selector, first=True))]
        if field == "image_url":
            return self.image_sources(selector)
        if field == "published_at":
            return self.dates(selector)
        if field == "tags":
            return [fragment(element) for element in self.find(selector)]
        found = self.find(selector, first=True)
        return [fragment(found[0])] if found else []

    # --- helpers for field readers --------------------------------------------------------------------


    def non_body_blocks(self, container) -> set:
        """The ``non_body`` elements inside ``container`` (looked up once per container).

        The selectors go to libxml2 as one union, one XPath call instead of one per selector: about 15 µs
        less per page for kaluga24's nine."""
        cache = self.__dict__.setdefault("_non_body", {})
        if container not in cache:
            cache[container] = set(self.find(", ".join(self.non_body), container)) if self.non_body else set()
        return cache[container]

    def body_blocks(self, selector: str) -> list[str]:
        """The body container's paragraphs, without ``non_body`` blocks, as fragments."""
        found = self.find(selector, first=True)
        if not found:
            return []
        excluded = self.non_body_blocks(found[0])
        return body_fragments(found[0], lambda element: element in excluded, self.cross_links)

    def image_sources(self, selector: str) -> list[str]:
        for element in self.find(selector):
            if isinstance(element, str):
                return [element]
            img = element if element.tag == "img" else next(element.iterdescendants("img"), None)
            if img is not None:
                return [v for v in (img.get("src"), img.get("data-src")) if v]
        return []

    def dates(self, selector: str) -> list[str]:
        """A machine-readable ``datetime`` attribute first, then the printed text."""
        values = []
        for element in self.find(selector, first=True):
            if not isinstance(element, str) and element.get("datetime"):
                values.append(html.escape(element.get("datetime"), quote=False))
            values.append(fragment(element))
        return values
