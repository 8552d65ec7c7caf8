"""Body paragraphs of a container element, in reading order, as HTML fragments for the loader.

Shared by the profiles' layout readers (their body container, with the outlet's known non-body blocks) and
the generic layers (the densest text container, with generic noise rules). Paragraph-level elements are
``<p>``, ``<h2>``–``<h6>``, block quotes (their paragraphs), list items (``- item``); wrappers such as
``<div>`` are descended into; figures, captions, embeds, scripts, ads and whatever ``skip`` names are left
out, as are cross-link paragraphs («Читайте также: …», «Тем временем …»: :class:`CrossLinks`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

#: Never body text, whatever the layout.
NON_TEXT_TAGS = frozenset({
    "script", "style", "noscript", "template", "iframe", "embed", "object", "video", "audio", "picture",
    "img", "svg", "figure", "figcaption", "form", "button", "input", "select", "textarea", "aside", "nav",
    "footer", "header", "table", "canvas", "map", "ins", "link", "meta",
})
PARAGRAPH_TAGS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "pre", "address"})
LIST_TAGS = frozenset({"ul", "ol"})
CONTAINER_TAGS = frozenset({"div", "section", "article", "main", "span", "center", "font", "dl", "dd"})



@dataclass(frozen=True)
class CrossLinks:
    """How inline cross-link boxes and follow prompts start («Читайте также: <a>…</a>», «Тем временем<br><a>…</a>»).

    ``openings`` are regexes matched at the start of a block; a profile adds its outlet's own. A block is a
    cross-link only if it also consists of links plus a short label (see :func:`is_cross_link`).
    """

    openings: tuple[str, ...] = (r"Читайте\s+также", r"Тем\s+временем", r"См\.\s+также", r"Смотрите\s+также",
                                 r"Read\s+more", r"See\s+also", r"Related")

    def __post_init__(self):
        object.__setattr__(self, "regex", re.compile(r"^\s*(?:%s)" % "|".join(self.openings), re.IGNORECASE))


#: What the generic layer knows of cross-link boxes on any site.
GENERIC_CROSS_LINKS = CrossLinks()


def outer_html(element) -> str:
    return etree.tostring(element, encoding="unicode", method="html", with_tail=False)


def paragraph_fragment(element) -> str:
    """A body block as the HTML fragment the loader's text processors take.

    A block without child elements (most paragraphs) is handed over as its escaped text, not its
    serialised markup: once :func:`newscrawler.extraction.text.markup_to_text` has stripped the block's own tags and
    decoded the entities, both read the same, and the escaped text spares the serialiser and the
    tag-stripping regexes, which were most of a body's text work. The one character libxml2's serialiser
    writes differently from ``html.escape`` is ``\\r`` (as ``&#13;``), so text holding one keeps the markup
    path; ``tests/test_article_replay.py`` checks the equivalence on every block of the saved pages.
    """
    if len(element) == 0:
        text = element.text or ""
        if "\r" not in text:
            return html.escape(text, quote=False)
    return outer_html(element)


def leading_text(element, limit: int = 40) -> str:
    """The first characters of an element's text (cheap: no full text_content())."""
    parts = []
    size = 0
    for chunk in element.itertext():
        parts.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return "".join(parts).lstrip()[:limit]


def is_cross_link(element, cross_links: CrossLinks = GENERIC_CROSS_LINKS) -> bool:
    """A cross-link block: starts like one *and* is links plus a short label — a real paragraph that
    merely opens with «Тем временем, …» is kept."""
    if len(element) == 0:  # no child elements, so no links: never a cross-link (most paragraphs)
        return False
    if not cross_links.regex.match(leading_text(element)):
        return False
    links = element.findall(".//a")
    if not links:
        return False
    total = len("".join(element.itertext()).strip())
    linked = sum(len("".join(a.itertext()).strip()) for a in links)
    return total - linked <= 30


def is_cross_link_line(text: str, cross_links: CrossLinks = GENERIC_CROSS_LINKS, max_chars: int = 200) -> bool:
    """A line of plain text (an extractor's output, where the links are gone) that is a cross-link box:
    short, and opening like one («Читайте также: В Медыни прошёл фестиваль»)."""
    return len(text) <= max_chars and bool(cross_links.regex.match(text))


def _has_text(element) -> bool:
    return any(chunk.strip() for chunk in element.itertext())


def body_fragments(container, skip: Callable[[object], bool],
                   cross_links: CrossLinks = GENERIC_CROSS_LINKS) -> list[str]:
    """HTML fragments of the body paragraphs inside ``container`` (``skip(el)`` drops a block)."""
    out: list[str] = []
    _collect(container, skip, out, cross_links)
    return out


def _collect(container, skip, out: list[str], cross_links: CrossLinks) -> None:
    for child in container:
        tag = child.tag
        if not isinstance(tag, str) or tag in NON_TEXT_TAGS or skip(child):
            continue
        if tag in PARAGRAPH_TAGS:
            if not is_cross_link(child, cross_links):
                out.append(paragraph_fragment(child))
        elif tag == "blockquote":
            before = len(out)
            _collect(child, skip, out, cross_links)
            if len(out) == before and _has_text(child):
                out.append(paragraph_fragment(child))
        elif tag in LIST_TAGS:
            for item in child:
                if item.tag == "li" and not skip(item):
                    out.append("- " + paragraph_fragment(item))
        elif tag in CONTAINER_TAGS or tag == "li":
            before = len(out)
            _collect(child, skip, out, cross_links)
            # A leaf wrapper holding bare text (<div>text<br>text</div>) is a paragraph itself.
            if len(out) == before and _has_text(child) and not is_cross_link(child, cross_links):
                out.append(paragraph_fragment(child))
