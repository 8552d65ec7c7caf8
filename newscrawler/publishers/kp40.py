"""kp40.ru, «Калужский перекрёсток»: the Kaluga city news site (Laravel).

Everything true of kp40 and nothing else: hosts, URL shapes, listings and RSS, rubrics, the page layout,
widget phrases, date formats, the JavaScript-only «special projects».
"""

from __future__ import annotations

import json

from lxml import etree

from newscrawler.extraction.authors import byline_photo_credit
from newscrawler.extraction.blocks import CrossLinks, body_fragments, paragraph_fragment
from newscrawler.extraction.counts import printed_numbers
from newscrawler.extraction.noise import WidgetRules
from newscrawler.extraction.reader import LayoutReader, fragment, text_of
from newscrawler.extraction.text import markup_to_text
from newscrawler.profile import ArticlePath, Listing, Publisher, Rendering

#: Class tokens the reader looks up (the first element carrying each is kept).
_READ_CLASSES = frozenset({
    "news-view-top", "news-view-rubric", "news-view-day", "news-view-title", "news-view-lead",
    "news-view-author", "news-view-date", "news-view-counters", "news-view-comments", "news-view-views",
    "news-body-img", "news-view-photo", "news-body", "news-view-tags", "mood-widget__count",
})
#: Blocks inside `.news-body` that are not body text.
_NON_BODY_CLASSES = frozenset({
    "news-follow", "news-inline-link", "news-view-tags", "news-view-tags__title",
    "news-view-author-newsinfo", "news-view-author", "share-buttons", "adv", "mood-widget",
    "news-noscript", "news-view-photo",
})
_CLASS_VALUES = etree.XPath("descendant::*/@class")

KP40_CROSS_LINKS = CrossLinks(CrossLinks().openings + (r"Читайте\s+KP40\.RU",))


def _non_body(element) -> bool:
    value = element.get("class")
    return bool(value) and not _NON_BODY_CLASSES.isdisjoint(value.split())


def _wrapper(root):
    """The article wrapper: the first `div.news-article-wrapper` of the body (else of the document)."""
    for scope in (root.find("body"), root):
        if scope is None:
            continue
        for div in scope.iter("div"):
            value = div.get("class")
            if value and "news-article-wrapper" in value.split():
                return div
    return None


class Current(LayoutReader):
    """The layout of every era on the live site (2012 to now): `.news-article-wrapper` with a
    `.news-view-top` header. Header lines come in several orders (the replica README's variants a–h),
    which is why elements are found by class, not by position."""

    era = "current"
    cross_links = KP40_CROSS_LINKS

    def recognise(self, root) -> bool:
        """The wrapper with its `.news-view-top` header; its elements are found in the same pass."""
        self.el: dict = {}
        self.tag_links: list = []
        self.tags_boxes: list = []
        wrapper = _wrapper(root)
        if wrapper is None:
            return False
        # One pass over the wrapper's class strings (a few dozen), filtered in Python; only the matches get
        # an element proxy. About three times as fast as `.//*[contains(@class, …)]` per class (libxml2's
        # contains() is slow), measured when the extraction benchmark was set up.
        for value in _CLASS_VALUES(wrapper):
            if not ("news-" in value or "mood-widget__count" in value):
                continue
            element = value.getparent()
            for token in value.split():
                if token in _READ_CLASSES:
                    self.el.setdefault(token, element)
                    if token == "news-view-tags":
                        self.tags_boxes.append(element)
                elif token == "news-view-tag":
                    self.tag_links.append(element)
        return "news-view-top" in self.el

    def _fragment(self, name) -> list[str]:
        element = self.el.get(name)
        return [fragment(element)] if element is not None else []

    def read_title(self):
        return self._fragment("news-view-title")

    def read_rubric_name(self):
        rubric = self.el.get("news-view-rubric")
        link = next(rubric.iterdescendants("a"), None) if rubric is not None else None
        return [fragment(link)] if link is not None else []

    def read_top_story(self):
        return [self.el.get("news-view-day") is not None]

    def read_lead(self):
        return self._fragment("news-view-lead")

    def read_authors(self):
        return self._fragment("news-view-author")

    def read_published_at(self):
        return self._fragment("news-view-date")

    def _counter(self, span_class: str, position: int):
        """A counter span, else the n-th number of the counters line (`6 3756`: comments, views)."""
        span = self.el.get(span_class)
        if span is not None:
            return [text_of(span)]
        box = self.el.get("news-view-counters")
        if box is None:
            return []
        numbers = printed_numbers(text_of(box))
        return [numbers[position]] if len(numbers) > position else []

    def read_comments_count(self):
        return self._counter("news-view-comments", 0)

    def read_views(self):
        return self._counter("news-view-views", 1)

    def read_reactions_count(self):
        return self._fragment("mood-widget__count")

    def read_photo_credit(self):
        """The credit line, else the credit the byline carries (`Софья Фирсова, фото читателя`)."""
        if self.el.get("news-view-photo") is not None:
            return self._fragment("news-view-photo")
        byline = self.el.get("news-view-author")
        if byline is None:
            return []
        credit = byline_photo_credit(markup_to_text(paragraph_fragment(byline)))
        return [fragment(credit)] if credit else []

    def read_image_url(self):
        box = self.el.get("news-body-img")
        if box is None:
            return []
        img = box if box.tag == "img" else next(box.iterdescendants("img"), None)
        return [v for v in (img.get("src"), img.get("data-src")) if v] if img is not None else []

    def read_tags(self):
        """Tag links; on some pages only a `data-tags` JSON list that a script renders."""
        if self.tag_links:
            return [fragment(link) for link in self.tag_links]
        for box in self.tags_boxes:
            try:
                names = json.loads(box.get("data-tags") or "null")
            except ValueError:
                continue
            if isinstance(names, list):
                return [fragment(str(name)) for name in names if name is not None]
        return []

    def read_body(self):
        container = self.el.get("news-body")
        if container is None:
            return []
        return body_fragments(container, _non_body, self.cross_links)


class Kp40(Publisher):
    slug = "kp40"
    name = "Калужский перекрёсток (kp40.ru)"
    origin = "https://www.kp40.ru"
    hosts = frozenset({"kp40.ru", "www.kp40.ru"})

    # `/news/<rubric>/<id>/`, user news `/narnews/<city>/<id>/`; also without the slash, with a query, under
    # `/index.php/`. The legacy `/index.php?cid=600&nid=<nid>` is another id space: the site redirects it.
    article_paths = (
        ArticlePath(r"^(?:/index\.php)?/news/(?P<rubric>[a-z0-9_]+)/(?P<id>\d+)/?$", "/news/{rubric}/{id}/"),
        ArticlePath(r"^(?:/index\.php)?/narnews/(?P<city>[a-z0-9_]+)/(?P<id>\d+)/?$", "/narnews/{city}/{id}/",
                    rubric="narnews"),
    )
    readers = (Current,)

    # 20 items a page, `?page=N` (Laravel pagination, rel=next).
    listings = (Listing("/news/", item="div.nrli", link="a.nrli-title::attr(href)", date=".nrli-date::text",
                        next_page="ul.pagination a[rel=next]::attr(href)"),)
    feeds = ("/xml/news.xml",)  # RSS 2.0, the 30 newest
    rubrics = {
        "society": "Общество",
        "invest": "Экономика",
        "realty": "Недвижимость и ЖКХ",
        "holidays": "Праздники",
        "education": "Образование",
        "obninsk": "Обнинск",
        "incidents": "Происшествия",
        "crime": "Криминал",
        "sport": "Спорт",
        "weather": "Погода",
        "auto": "Авто",
        "accomp": "Благоустройство",
        "perekrestok": "Калужский перекрёсток",
        "gorod_oblast": "Город и область",
        "narnews": "Народные новости",
    }

    @classmethod
    def rubric_listing(cls, rubric: str) -> Listing:
        path = "/narnews/" if rubric == "narnews" else f"/news/{rubric}/"
        return Listing(path, item="div.nrli", link="a.nrli-title::attr(href)", date=".nrli-date::text",
                       next_page="ul.pagination a[rel=next]::attr(href)")

    widgets = WidgetRules(
        always=(
            r"\d[\d\s\u00a0\u2009\u202f]*\s*оценил[иа]?",
            r"Какое впечатление произвела на вас эта новость\??(?:\s*Поделитесь с нами\.?)?",
            r"Поделитесь с нами",
            r"Всего:\s*\d[\d\s]*\s*комментари(?:й|я|ев)",
            r"Чтобы оставлять комментарии,?\s*(?:Авторизуйтесь|авторизуйтесь)\.?",
            r"Читайте\s+KP40\.RU:?",
        ),
        trailing=(
            r"Лента настроения",
            r"Обсудить новость",
            r"Партн[её]рские новости",
            r"Лента комментариев",
            r"Афиша",
            r"Популярное",
            r"Комментарии",
            r"Поделиться",
        ),
        tag_headings=(r"Новости по тегу:?",),
    )
    title_suffix = r"\s*[-–—|]\s*Новости Калуги\s*[-–—|]\s*KP40\.RU\s*$"
    default_images = r"/images/og-kp40\.png$|/images/(?:logo|no[-_]?photo)"
    # Moscow local time: `14:48 27.04.2021`, `27.04.2021, 14:48`, and for the current year `29.09, 10:17`.
    date_formats = ("HH:MM DD.MM.YYYY", "DD.MM.YYYY, HH:MM", "DD.MM, HH:MM", "HH:MM DD.MM")
    # «Special projects»: `.news-body[data-special]` is empty; a script loads the text with a token.
    rendering = Rendering(placeholder="div.news-body[data-special]", wait_for=".news-body p")
