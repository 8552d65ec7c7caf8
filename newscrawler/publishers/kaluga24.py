"""kaluga24.tv, «Калуга 24»: the news site of the Kaluga regional TV channel (WordPress, Yoast, Jetpack).

Everything true of kaluga24 and nothing else: hosts, the three article URL shapes (numbered news since
2018, slug-only archive news 2015–2017, the «Жизнь» section), AMP copies, the news listing and tag
(rubric) listings, RSS and sitemaps, three layouts (current template, archive template, AMP copy), widget
phrases and the printed date format.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from newscrawler.extraction.blocks import body_fragments
from newscrawler.extraction.noise import WidgetRules
from newscrawler.extraction.reader import LayoutReader, fragment, text_of
from newscrawler.profile import ArticlePath, Listing, Publisher

#: Lines inside the content that credit a source, not article text: `Фото: …`, `Источник: …`, `Видео: …`.
_CREDIT_LINE = re.compile(r"^\s*(?:фото(?:\s+и\s+видео)?|видео|источник|автор\s+фото|обновлено)\s*:", re.IGNORECASE)
_PHOTO_LINE = re.compile(r"^\s*фото\s*:", re.IGNORECASE)
#: A byline paragraph (archive template: `<p><strong>Автор: …</strong></p>` after the text).
_BYLINE_LINE = re.compile(r"^\s*(?:автор[ыа]?|текст)\s*:", re.IGNORECASE)
#: Where a TV story's byline stops naming authors: the camera operator and the other crew.
_CREW = re.compile(r"[.,;]?\s*(?:(?:видео)?оператор[ыа]?\b|монтаж\b|режисс[её]р\b|видео\s*:).*$",
                   re.IGNORECASE | re.DOTALL)
#: A rubric (tag) link: `/tag/<slug>` (the rubric's slug is the last segment).
_TAG_PATH = re.compile(r"/tag/([^/?#]+)/?$")

#: Blocks inside the content container that are not article text, in every layout (figures, embeds and
#: scripts never are: the body walker leaves them out). Each names its element: a tag-qualified selector
#: costs a third of a bare `.class` one (9 against 28 µs per look-up on a page).
NON_BODY = (
    "p.post-modified-info",  # `Обновлено: …`
    "p.lead",  # the archive template's standfirst
    "div.k24-subscribe",
    "div.sharedaddy",  # Jetpack's share buttons
    "div#jp-relatedposts, div.jp-relatedposts",  # Jetpack's related posts
    "div[id^=adfox], div[class*=adfox], div[class*=jetpack]",  # ad slots, other Jetpack blocks
    "div.addtoany_share_save_container",
    "div.wp-caption",  # classic-editor images and their captions
    "section.see-also",
)


def _short_line(element, pattern: re.Pattern) -> bool:
    """A line of at most 300 characters (whitespace collapsed) that ``pattern`` matches at its start.

    The pattern goes first, on the raw text (its ``\\s`` absorb any run the collapse would rewrite): most
    paragraphs fail it at once, and only a match pays for collapsing the whole paragraph."""
    text = text_of(element)
    return bool(pattern.match(text)) and len(" ".join(text.split())) <= 300


def _byline_text(element) -> list[str]:
    """A byline without the TV crew (`Автор: Анна Ершова. Оператор: Дмитрий Лукин` → `Автор: Анна Ершова`)."""
    text = _CREW.sub("", " ".join(text_of(element).split())).strip()
    return [html.escape(text, quote=False)] if text else []


def _tag_slug(href: str | None) -> str | None:
    found = _TAG_PATH.search(urlsplit(href or "").path)
    return found.group(1) if found else None


class _WordPressReader(LayoutReader):
    """What the three layouts share: a content container with WordPress/Jetpack blocks, credit lines."""

    non_body = NON_BODY
    #: The content container (CSS).
    content: str = "div.entry-content"
    #: The featured image's caption (CSS), which may be the photo credit.
    featured_caption: str | None = None
    #: The byline element (CSS), or None where the byline is a paragraph of the content.
    byline: str | None = None
    #: The rubric's tag link (CSS): ``rubric`` is the slug of its ``/tag/<slug>``.
    rubric_link: str | None = None

    def read_rubric(self):
        hrefs = [link.get("href") for link in self.find(self.rubric_link) if link.get("href") is not None]
        slug = _tag_slug(hrefs[0]) if hrefs else None
        return [slug] if slug else []

    def _content(self):
        found = self.find(self.content, first=True)
        return found[0] if found else None

    def _paragraphs(self):
        """The content's paragraphs outside image captions and widgets."""
        container = self._content()
        if container is None:
            return []
        excluded = self.non_body_blocks(container)
        return [p for p in container.iter("p")
                if not any(a in excluded or a.tag == "figure" for a in (p, *p.iterancestors()))]

    def read_body(self):
        container = self._content()
        if container is None:
            return []
        excluded = self.non_body_blocks(container)

        def skip(element) -> bool:
            if element in excluded:
                return True
            if element.tag == "p" and (_short_line(element, _CREDIT_LINE) or _short_line(element, _BYLINE_LINE)):
                return True
            return False

        return body_fragments(container, skip, self.cross_links)

    def read_photo_credit(self):
        """The featured image's caption when it is a `Фото: …` credit, else a `Фото: …` line of the content."""
        for caption in self.find(self.featured_caption):
            if _short_line(caption, _PHOTO_LINE):
                return [fragment(caption)]
        for paragraph in self._paragraphs():
            if _short_line(paragraph, _PHOTO_LINE):
                return [html.escape(" ".join(text_of(paragraph).split()), quote=False)]
        return []

    def read_authors(self):
        if self.byline:
            found = self.find(self.byline, first=True)
            return _byline_text(found[0]) if found else []
        for paragraph in self._paragraphs():
            if _short_line(paragraph, _BYLINE_LINE):
                return _byline_text(paragraph)
        return []


class Current(_WordPressReader):
    """The theme since 2018: `header.news-one__header` (rubric link, `time[datetime]`, h1, byline,
    standfirst), `figure.post-thumbnail`, `div.entry-content`, `footer.entry-footer` with the tags."""

    era = "current"
    marker = "header.news-one__header"
    scope = "article"
    title = "h1.entry-title"
    rubric_name = "a.news-one__rubric"
    published_at = "time.entry-date.published"
    lead = "header.news-one__header p.news-one__lead"
    byline = "header.news-one__header .news-one__author"
    tags = "footer.entry-footer .tags-links a[rel~=tag]"
    image_url = "figure.post-thumbnail img"
    featured_caption = "figure.post-thumbnail figcaption"
    rubric_link = "a.news-one__rubric"


class Amp(_WordPressReader):
    """The AMP copy (`<path>/amp/`): `article.amp-wp-article`; no rubric link, the rubric is the first tag."""

    era = "amp"
    marker = scope = "article.amp-wp-article"
    title = "h1.amp-wp-title"
    published_at = ".amp-wp-posted-on time"
    content = "div.amp-wp-article-content"
    lead = "div.amp-wp-article-content > p.lead"
    byline = ".amp-wp-byline"
    tags = ".amp-wp-tax-tag a"
    image_url = "figure.amp-wp-article-featured-image amp-img::attr(src)"
    featured_caption = "figure.amp-wp-article-featured-image .wp-caption-text"
    # No rubric link on AMP copies: the rubric is the first tag (the theme lists it first).
    rubric_link = rubric_name = ".amp-wp-tax-tag a"


class Archive(_WordPressReader):
    """The archive template of 2015–2017 posts (body class `legacy-template`): `div.post-meta` with a
    text-only date (`12:26, 28 мая 2015`) and `a.post-rubric`; standfirst `p.lead` and a bold byline
    paragraph inside the content."""

    era = "archive"
    marker = "body.legacy-template"
    scope = "article"
    title = "h1.entry-title"
    rubric_name = ".post-meta a.post-rubric"
    published_at = ".post-meta .post-date"
    lead = "div.entry-content p.lead"
    tags = "footer.entry-footer .tags-links a[rel~=tag]"
    image_url = "div.post-thumbnail img"
    featured_caption = "div.post-thumbnail .wp-caption-text, div.post-thumbnail figcaption"
    rubric_link = ".post-meta a.post-rubric"


_SLUG = r"(?P<slug>(?=[a-z0-9_-]*[a-z])[a-z0-9_-]+)"
_AMP = r"(?:/amp)?/?"
_LISTING_ITEM = dict(item="div.news-one", link="a.news-one__title::attr(href)", date=".news-one__date::text",
                     next_page="nav.pagination a.next.page-numbers::attr(href)")


class Kaluga24(Publisher):
    slug = "kaluga24"
    name = "Калуга 24 (kaluga24.tv)"
    origin = "https://kaluga24.tv"
    hosts = frozenset({"kaluga24.tv", "www.kaluga24.tv"})

    # News since 2018: `/news/051980` (the post id zero-padded to 6; unpadded and slashed forms redirect);
    # archive news 2015–2017: `/news/<slug>`, no id (the page's shortlink names it); «Жизнь»:
    # `/life/<slug>/`. Each also as an AMP copy `<path>/amp/`. `/?p=ID` redirects to the article.
    article_paths = (
        ArticlePath(rf"^/news/(?P<id>\d+){_AMP}$", "/news/{id:06d}"),
        ArticlePath(rf"^/news/{_SLUG}{_AMP}$", "/news/{slug}"),
        ArticlePath(rf"^/life/{_SLUG}{_AMP}$", "/life/{slug}/"),
    )
    # WordPress shortlink, body class, article element id.
    page_id_patterns = (
        r"""<link[^>]*rel=["']shortlink["'][^>]*href=["'][^"']*[?&]p=(\d+)["']""",
        r"""<link[^>]*href=["'][^"']*[?&]p=(\d+)["'][^>]*rel=["']shortlink["']""",
        r"""<body[^>]*class=["'][^"']*\bpostid-(\d+)\b""",
        r"""<article[^>]*\bid=["']post-(\d+)["']""",
    )
    readers = (Current, Amp, Archive)

    # 5 items a page in the replica (the live site: thousands of pages), `/home/news/page/N`.
    listings = (Listing("/home/news", **_LISTING_ITEM),)
    feeds = ("/feed/",)  # RSS 2.0, the 10 newest; guid = `/?p=ID`
    sitemaps = ("/sitemap_index.xml",)
    # Rubrics are WordPress tags (`/tag/<slug>`, Cyr-To-Lat slugs).
    rubrics = {
        "obshhestvo": "Общество",
        "proisshestviya": "Происшествия",
        "ekonomika": "Экономика",
        "kultura": "Культура",
        "transport": "Транспорт",
        "zhkx": "ЖКХ",
        "pogoda": "Погода",
        "obrazovanie": "Образование",
        "obninsk": "Обнинск",
    }

    @classmethod
    def rubric_listing(cls, rubric: str) -> Listing:
        return Listing(f"/tag/{rubric}", **_LISTING_ITEM)

    widgets = WidgetRules(
        always=(
            r"Подписывайтесь на Калуга 24\b.*",
            r"Обновлено:\s*\d{1,2}:\d\d,?\s+\d{1,2}\s+\S+\s+\d{4}",
            r"В рубрике «[^»]*»",
            r"Открыть полную версию",
            r"Нашли ошибку\?.*",
            r"Смотреть «Калугу 24» онлайн",
            r"Читайте также:?",
        ),
        # Headings that an article could also use as a subheading: widget text only after the last paragraph.
        trailing=(
            r"Поделиться:?",
            r"Похожие новости",
            r"Смотрите также:?",
            r"Самое читаемое",
            r"Телепрограмма",
            r"Прямой эфир",
            r"Мы в соцсетях:?.*",
            r".*Все права защищены\..*",
        ),
        tag_headings=(r"Теги:?",),
    )
    title_suffix = r"\s*[-–—|]\s*Калуга 24\s*$"
    default_images = r"/assets/img/(?:og-default|no-photo|video-placeholder|logo)[^/]*$"
    # Moscow local time, `14:27, 2 мая 2023` (genitive month; Yoast meta is UTC and converted).
    date_formats = ("HH:MM, D month YYYY", "D month YYYY, HH:MM")
