"""Generic fallbacks that know nothing of the site's markup: the last extraction layer.

* :func:`main_text_container` — the element holding the most paragraph text in its direct ``<p>``
  children (a compact densest-block heuristic), ignoring navigation, asides, footers, headers, scripts,
  styles and widget-looking blocks;
* :func:`article_scope` — the part of the page that is the article (for bylines, dates, leads, tags).
"""

from __future__ import annotations

import re

from lxml import etree

#: Subtrees that are never the article's main text.
EXCLUDED_TAGS = frozenset({"nav", "aside", "footer", "header", "script", "style", "noscript", "form",
                           "template", "button", "figure", "figcaption"})
#: Class/id words of blocks that are page furniture, not text.
WIDGET_WORDS = re.compile(
    r"(?:^|[\s_-])(?:tags?|tag-list|share|sharing|social|mood|reactions?|follow|related|adv|ads|advert|"
    r"banner|promo|comments?|discuss|subscribe|caption|widget|sidebar|popular|partners?|newsinfo|"
    r"inline-link|read-?also|see-?also|author|authors|byline|meta|counters?|breadcrumbs?|cookie|"
    r"rubric|category|lead|standfirst|dateline|date|time|credit|photo-credit|copyright|embed)(?:$|[\s_-])",
    re.IGNORECASE,
)
#: A byline printed as a paragraph (older layouts often print it after the body).
BYLINE_PARAGRAPH = re.compile(r"^\s*Автор(?:ы)?\s*:", re.IGNORECASE)

_PARAGRAPHS = etree.XPath("//body//p")
_H1 = etree.XPath("//body//h1")


def _class_and_id(element) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}".strip()


def is_widget_block(element) -> bool:
    names = _class_and_id(element)
    return bool(names) and bool(WIDGET_WORDS.search(names))


def is_byline_block(element, max_chars: int = 200) -> bool:
    """A short block reading ``Автор: …`` (older layouts often print the byline as the body's last line)."""
    if element.tag not in ("p", "div", "span", "section"):
        return False
    text = "".join(element.itertext())
    return len(text) <= max_chars and bool(BYLINE_PARAGRAPH.match(text))


def main_text_container(root, min_chars: int = 200):
    """The element whose direct paragraphs (block quotes and list paragraphs count for their parent)
    carry the most text; None when no element carries at least ``min_chars``."""
    scores: dict = {}
    excluded: dict = {}

    def blocked(element) -> bool:
        key = element
        if key in excluded:
            return excluded[key]
        result = False
        node = element
        while node is not None:
            if node in excluded:
                result = excluded[node]
                break
            if node.tag in EXCLUDED_TAGS or (node.tag != "body" and is_widget_block(node)):
                result = True
                break
            node = node.getparent()
        excluded[key] = result
        return result

    for paragraph in _PARAGRAPHS(root):
        parent = paragraph.getparent()
        while parent is not None and parent.tag in ("blockquote", "li", "ul", "ol"):
            parent = parent.getparent()
        if parent is None or blocked(parent):
            continue
        size = len("".join(paragraph.itertext()).strip())
        if size:
            scores[parent] = scores.get(parent, 0) + size
    if not scores:
        return None
    best = max(scores, key=scores.get)
    return best if scores[best] >= min_chars else None


def first_h1(root):
    for h1 in _H1(root):
        if "".join(h1.itertext()).strip():
            return h1
    return None


def article_scope(root, anchor=None):
    """The nearest ``<article>`` (or ``<main>``) around ``anchor`` (the headline), else ``<body>``."""
    node = anchor
    while node is not None:
        if node.tag in ("article", "main"):
            return node
        node = node.getparent()
    body = root.find("body")
    return body if body is not None else root


def scoped_elements(scope, pattern: re.Pattern):
    """Elements under ``scope`` whose class/id/itemprop/rel matches ``pattern``, outside asides/navs."""
    for element in scope.iter():
        if not isinstance(element.tag, str):
            continue
        names = f"{element.get('class') or ''} {element.get('id') or ''} {element.get('itemprop') or ''} {element.get('rel') or ''}"
        if pattern.search(names) and not any(a.tag in ("aside", "nav", "footer") for a in element.iterancestors()):
            yield element
