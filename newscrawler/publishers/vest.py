"""vest-news.ru, «Весть»: the official newspaper of the Kaluga region (Laravel site).

Everything true of vest-news.ru and nothing else: hosts, URL shapes, listings and the app's JSON API,
rubrics, the two page types (news and long reads), widget phrases, date formats.

One id space for news (``/news/<id>``) and long reads (``/article/<id>``): 5–6-digit ids up to 2022,
10-digit ids from 2023. No RSS feed, no sitemap. No comments, reactions, tags or top-story label.
"""

from __future__ import annotations

import re

from newscrawler.extraction.noise import WidgetRules
from newscrawler.extraction.reader import LayoutReader
from newscrawler.profile import ArticlePath, JsonApi, Listing, Publisher

_RUBRIC_LINK = "div.time a[href*='/rubric/']"
_RUBRIC_ID = re.compile(r"/rubric/(\d+)")

#: Blocks inside a body container that are not article text (figures and embeds go anyway).
_NON_BODY = (
    "div.read_also",  # «Читайте также: <a>…</a>»
    "div.video_block",  # YouTube / VK embeds
    "figure", "figcaption",
    "div.photo_author",
    "div.news_author", "div.article_author",  # bylines, should a page put one inside the text
    "div.issue_info",  # «Опубликовано в номере №… от … г.»
    "div.share_block", "div.subscribe_block", "div.tg_block", "div.other_news", "div.yandex_ad",
)


class _Page(LayoutReader):
    """What news and long reads share: the rubric link in the `div.time` line names the rubric."""

    non_body = _NON_BODY

    def read_rubric(self):
        """The number in the rubric link's ``/rubric/8``."""
        for link in self.find(_RUBRIC_LINK):  # the selector asks for an href
            found = _RUBRIC_ID.search(link.get("href"))
            if found:
                return [found.group(1)]
        return []


class News(_Page):
    """``/news/<id>``: ``div.news_full``; ``div.time`` = ``<a>Рубрика</a> | 05.09.2018 10:40``; optional
    ``div.news_lead``; the byline ``div.news_author`` (``Елена МОРОЗОВА``) after the body."""

    era = "news"
    marker = scope = "div.news_full"
    title = "h1"
    rubric_name = _RUBRIC_LINK
    published_at = "div.time"
    lead = "div.news_lead"
    authors = "div.news_author"
    image_url = "div.news_img img"
    photo_credit = "div.news_img div.photo_author, div.news_full > div.photo_author"
    views = "div.views_count"
    body = "div.news_text"


class LongRead(_Page):
    """``/article/<id>``: ``div.article_full``; ``div.time`` shows the day only, ``div.article_date`` the
    time (``08 мая 2015, 09:00``); ``div.teaser`` standfirst; byline ``div.article_author`` above the body;
    ``div.issue_info`` (the print issue) after it."""

    era = "article"
    marker = scope = "div.article_full"
    title = "h1"
    rubric_name = _RUBRIC_LINK
    published_at = "div.article_date"
    lead = "div.teaser"
    authors = "div.article_author"
    image_url = "div.article_img img"
    photo_credit = "div.article_img div.photo_author, div.article_full > div.photo_author"
    views = "div.views_count"
    body = "div.article_text"


def _rubric_listing(path: str) -> Listing:
    # `div.content_item_2`: picture link, `div.time` = `<a href="/rubric/23">Память</a> | 06.02.2018`, `h3 a`.
    return Listing(path, item="div.content_item_2", link="h3 a::attr(href)", date="div.time ::text",
                   next_page="ul.pagination a[rel=next]::attr(href)")


class Vest(Publisher):
    slug = "vest"
    name = "Весть (vest-news.ru)"
    origin = "https://www.vest-news.ru"
    hosts = frozenset({"vest-news.ru", "www.vest-news.ru"})

    # Canonical `/news/<id>` and `/article/<id>` without a slash; variants: a query, a trailing slash
    # (301 to the slash-less path), `/index.php/…`.
    article_paths = (
        ArticlePath(r"^(?:/index\.php)?/news/(?P<id>\d+)/?$", "/news/{id}"),
        ArticlePath(r"^(?:/index\.php)?/article/(?P<id>\d+)/?$", "/article/{id}"),
    )
    readers = (News, LongRead)

    listings = (
        # «Лента новостей»: news only, 10 a page, newest first, `?page=N` (Laravel pagination, rel=next).
        Listing("/news", item="div.short_news div.short_new2", link="a::attr(href)", date="div.date::text",
                next_page="ul.pagination a[rel=next]::attr(href)"),
        # The homepage: «Главные новости» and the feed (`div.short_new2`), and per-rubric blocks of long
        # reads (`div.content_item_2`) — the only entry listing that links long reads.
        Listing("/", item="div.content_item_2, div.short_new2", link="a::attr(href)",
                date="div.time ::text, div.date::text"),
    )
    rubrics = {
        "8": "Общество",
        "6": "Политика",
        "5": "Экономика",
        "7": "Мы и закон",
        "30": "Наука и образование",
        "32": "Потребителю",
        "14": "Здравоохранение",
        "13": "ЖКХ",
        "10": "Культура",
        "11": "Спорт",
        "23": "Память",
    }

    @classmethod
    def rubric_listing(cls, rubric: str) -> Listing:
        """`/rubric/<n>`: news and long reads of the rubric, 10 a page, `?page=N`."""
        return _rubric_listing(f"/rubric/{rubric}")

    # The Android app's API: `{"rows": [{"nid": "…", …}]}`, news only, newest first, values as strings.
    api = JsonApi("/api/news?limit=50", items="rows", id="nid", article_path="/news/{id}")

    widgets = WidgetRules(
        always=(
            r"Подпишитесь на печатную версию газеты.*",
            r"Оформить подписку можно.*подписной индекс.*",
            r"Наш канал в Telegram.*",
            r"Опубликовано в номере\s*№.*",
            r"Просмотров:\s*\d[\d\s\u00a0\u2009\u202f]*",
            r"Памятная дата военной истории России",
            r"Скачать свежий\s*номер в PDF",
            r"Вход в личный кабинет",
        ),
        trailing=(
            r"Поделиться:?",
            r"Другие новости рубрики",
            r"Лента новостей",
            r"Все новости",
            r"Главные новости",
            r"Читайте также:?",
        ),
    )
    title_suffix = r"\s*[-–—|]\s*\"?ВЕСТЬ\"?\s*[-–—|]\s*газета Калужской области\s*$"
    default_images = r"/img/v2/(?:no_photo|logo)[^/]*$"
    # Moscow local time: news `05.09.2018 10:40`, long reads `08 мая 2015, 09:00`.
    date_formats = ("DD.MM.YYYY, HH:MM", "D month YYYY, HH:MM")
