"""Writes the small WordPress-like test site (``files/``, ``manifest.json``, ``expected.jsonl``).

A made-up local paper, «Окский вестник», as a WordPress 6 site with a classic theme would serve it: theme
classes (``entry-title``, ``entry-content``, ``entry-meta``, ``byline``, ``posted-on``), block markup
(``wp-block-paragraph``, ``wp-block-heading``, ``wp-block-quote``, ``wp-block-image``), body classes
(``single single-post postid-N``, ``archive category``, ``archive tag``, ``archive author``, ``home blog``,
``page``), date permalinks, ``/category/…``, ``/tag/…``, ``/author/…``, ``/page/2/``, ``/feed/``, core's
``wp-sitemap.xml`` index, a comments section and sidebar widgets on every page, a static ``/about/`` page.
Half of the posts carry a Yoast-style JSON-LD graph and OpenGraph, half only the theme's markup.
Run ``python tests/wordpress_site/build.py`` after editing; the output is committed.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent
ORIGIN = "https://oka-vestnik.example"
SITE = "Окский вестник"

AUTHORS = {"irina": "Ирина Соколова", "pavel": "Павел Громов"}
CATEGORIES = {"gorod": "Город", "kultura": "Культура"}
TAGS = {"transport": "транспорт", "teatr": "театр"}

POSTS = [
    # id, slug, date, author, category, tags, title, paragraphs, yoast
    (101, "v-kaluge-otkryli-most", "2024-03-04T09:15:00+03:00", "irina", "gorod", ["transport"],
     "В Калуге открыли пешеходный мост через Оку",
     ["Пешеходный мост между Правобережьем и центром Калуги открыли в понедельник утром после двух лет ремонта.",
      "Подрядчик заменил настил, перила и освещение; по словам городской администрации, мост рассчитан ещё на "
      "сорок лет работы без капитального ремонта.",
      "Первыми по мосту прошли школьники соседнего лицея, которые каждый день ходят на занятия с другого берега."],
     True),
    (102, "teatr-dramy-novyj-sezon", "2024-03-11T18:40:00+03:00", "pavel", "kultura", ["teatr"],
     "Театр драмы объявил афишу нового сезона",
     ["Калужский театр драмы покажет в новом сезоне пять премьер, среди них — спектакль по прозе Паустовского.",
      "Художественный руководитель рассказал, что труппа впервые за десять лет поедет на гастроли в Тарусу.",
      "Продажа абонементов начнётся в первых числах сентября в кассе театра и на его сайте."],
     False),
    (103, "avtobus-nomer-sem", "2024-04-02T07:05:00+03:00", "irina", "gorod", ["transport"],
     "Автобус № 7 изменит маршрут на время ремонта улицы",
     ["С третьего апреля автобус номер семь пойдёт в объезд улицы Кирова, где начинается замена трамвайных путей.",
      "Остановки «Площадь Победы» и «Улица Ленина» на время ремонта переносятся на соседнюю улицу.",
      "Работы планируют закончить к началу лета, сообщили в управлении городского хозяйства."],
     True),
    (104, "vystavka-ikon-v-muzee", "2024-04-19T12:00:00+03:00", "pavel", "kultura", [],
     "В краеведческом музее открылась выставка северных икон",
     ["В залах краеведческого музея до конца мая можно увидеть сорок икон из частных собраний.",
      "Кураторы выставки полгода реставрировали доски, часть из них показывают публике впервые.",
      "По выходным в музее проходят бесплатные экскурсии для школьников и студентов."],
     False),
    (105, "subbotnik-na-beregu", "2024-05-06T10:30:00+03:00", "irina", "gorod", [],
     "Горожане вышли на субботник на берегу Яченского водохранилища",
     ["Около трёхсот человек собрали мусор на берегу Яченского водохранилища в минувшую субботу.",
      "Волонтёры вывезли двенадцать машин мусора и высадили вдоль дорожки сто молодых лип.",
      "Следующий субботник назначен на первые выходные июня в Городском бору."],
     True),
    (106, "festival-dzhaza", "2024-05-22T20:10:00+03:00", "pavel", "kultura", ["teatr"],
     "Джазовый фестиваль пройдёт в Калуге в третий раз",
     ["Фестиваль соберёт в городском парке музыкантов из семи городов, концерты пройдут два вечера подряд.",
      "Вход на все площадки свободный, а вечерние концерты можно будет посмотреть в прямой трансляции.",
      "Организаторы просят зрителей приходить с пледами: сидячих мест у сцены немного."],
     True),
    (107, "remont-dorog-leto", "2024-06-03T08:45:00+03:00", "irina", "gorod", ["transport"],
     "Летом в городе отремонтируют двадцать улиц",
     ["Дорожный ремонт этим летом затронет двадцать улиц, список опубликовала городская управа.",
      "Первыми асфальт заменят на улицах Суворова и Никитина, работы будут идти по ночам.",
      "Горожан просят заранее планировать поездки и пользоваться объездными маршрутами."],
     False),
]

WIDGETS = (
    '<aside id="secondary" class="widget-area">'
    '<section id="search-2" class="widget widget_search"><form role="search" class="search-form" action="/">'
    '<input type="search" class="search-field" name="s"></form></section>'
    '<section id="recent-posts-2" class="widget widget_recent_entries"><h2 class="widget-title">Свежие записи</h2>'
    "<ul>{recent}</ul></section>"
    '<section id="recent-comments-2" class="widget widget_recent_comments"><h2 class="widget-title">Свежие '
    'комментарии</h2><ul id="recentcomments"><li class="recentcomments"><span class="comment-author-link">Ольга'
    '</span> к записи <a href="/2024/03/04/v-kaluge-otkryli-most/#comment-7">В Калуге открыли пешеходный мост '
    'через Оку</a></li></ul></section>'
    '<section id="tag_cloud-2" class="widget widget_tag_cloud"><h2 class="widget-title">Метки</h2>'
    '<div class="tagcloud">{tags}</div></section>'
    '<section id="text-3" class="widget widget_text"><div class="textwidget"><p>ВИДЖЕТ: подписывайтесь на наш '
    "телеграм-канал и читайте новости первыми.</p></div></section></aside>"
)


def post_url(post) -> str:
    return f"/{post[2][:4]}/{post[2][5:7]}/{post[2][8:10]}/{post[1]}/"


def head(title: str, canonical: str, extra: str = "") -> str:
    return (f'<!DOCTYPE html>\n<html lang="ru-RU">\n<head>\n<meta charset="UTF-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)} &#8211; {SITE}</title>\n"
            f'<link rel="canonical" href="{canonical}">\n'
            f'<link rel="alternate" type="application/rss+xml" title="{SITE} &raquo; Лента" href="{{{{BASE}}}}/feed/">\n'
            f'<link rel="alternate" type="application/rss+xml" title="{SITE} &raquo; Лента комментариев" '
            f'href="{{{{BASE}}}}/comments/feed/">\n'
            f"<link rel='stylesheet' id='wp-block-library-css' href='/wp-includes/css/dist/block-library/style.min.css' "
            f"media='all'>\n{extra}</head>\n")


def header_nav() -> str:
    cats = "".join(f'<li class="menu-item"><a href="/category/{slug}/">{name}</a></li>'
                   for slug, name in CATEGORIES.items())
    return ('<div id="page" class="site"><a class="skip-link screen-reader-text" href="#primary">Перейти к '
            'содержимому</a><header id="masthead" class="site-header"><div class="site-branding">'
            f'<p class="site-title"><a href="/" rel="home">{SITE}</a></p><p class="site-description">Новости '
            'Калуги и области</p></div><nav id="site-navigation" class="main-navigation"><ul id="primary-menu" '
            f'class="menu">{cats}<li class="menu-item"><a href="/about/">О газете</a></li></ul></nav></header>')


def footer() -> str:
    recent = "".join(f'<li><a href="{post_url(p)}">{html.escape(p[6])}</a></li>' for p in POSTS[-5:][::-1])
    tags = "".join(f'<a href="/tag/{slug}/" class="tag-cloud-link">{name}</a> ' for slug, name in TAGS.items())
    return (WIDGETS.format(recent=recent, tags=tags) + '<footer id="colophon" class="site-footer"><div '
            f'class="site-info">© 2024 {SITE}. Работает на WordPress.</div></footer></div>\n'
            "<script src='/wp-includes/js/wp-embed.min.js'></script>\n</body>\n</html>\n")


def entry_meta(post) -> str:
    pid, slug, date, author, category, tags, title, paras, yoast = post
    return (f'<div class="entry-meta"><span class="posted-on">Опубликовано <a href="{post_url(post)}" rel="bookmark">'
            f'<time class="entry-date published" datetime="{date}">{date[8:10]}.{date[5:7]}.{date[:4]}</time>'
            f'<time class="updated" datetime="2024-06-30T12:00:00+03:00">30.06.2024</time></a></span> '
            f'<span class="byline"> Автор: <span class="author vcard"><a class="url fn n" href="/author/{author}/">'
            f"{AUTHORS[author]}</a></span></span></div>")


def article_page(post, number: int) -> str:
    pid, slug, date, author, category, tags, title, paras, yoast = post
    url = ORIGIN + post_url(post)
    extra = ""
    if yoast:
        graph = {"@context": "https://schema.org", "@graph": [
            {"@type": "Article", "@id": f"{url}#article", "headline": title, "datePublished": date,
             "dateModified": "2024-06-30T12:00:00+03:00", "author": {"@type": "Person", "name": AUTHORS[author]},
             "articleSection": [CATEGORIES[category]], "inLanguage": "ru-RU"},
            {"@type": "WebPage", "@id": url, "url": url, "name": f"{title} - {SITE}"},
            {"@type": "WebSite", "@id": f"{ORIGIN}/#website", "url": ORIGIN, "name": SITE}]}
        extra = (f'<meta property="og:locale" content="ru_RU">\n<meta property="og:type" content="article">\n'
                 f'<meta property="og:title" content="{html.escape(title)}">\n<meta property="og:url" content="{url}">\n'
                 f'<meta property="article:published_time" content="{date}">\n'
                 f'<meta name="author" content="{AUTHORS[author]}">\n'
                 f'<script type="application/ld+json" class="yoast-schema-graph">{json.dumps(graph, ensure_ascii=False)}'
                 "</script>\n")
    blocks = [f'<p>{html.escape(paras[0])}</p>',
              '<figure class="wp-block-image size-large"><img src="/wp-content/uploads/2024/03/photo.jpg" alt="">'
              "<figcaption class=\"wp-element-caption\">Фото: пресс-служба</figcaption></figure>",
              f'<h2 class="wp-block-heading">Подробности</h2>',
              f"<p>{html.escape(paras[1])}</p>",
              f'<blockquote class="wp-block-quote"><p>{html.escape(paras[2])}</p></blockquote>']
    tag_links = ", ".join(f'<a href="/tag/{t}/" rel="tag">{TAGS[t]}</a>' for t in tags)
    comments = (
        '<div id="comments" class="comments-area"><h2 class="comments-title">Комментарии: 2</h2>'
        '<ol class="comment-list"><li id="comment-7" class="comment even thread-even depth-1">'
        '<article id="div-comment-7" class="comment-body"><footer class="comment-meta"><div class="comment-author '
        'vcard"><b class="fn">Ольга</b> <span class="says">says:</span></div><div class="comment-metadata">'
        '<time datetime="2024-06-01T10:00:00+03:00">01.06.2024</time></div></footer><div class="comment-content">'
        "<p>КОММЕНТАРИЙ: наконец-то, мы ждали этого очень долго!</p></div></article></li>"
        '<li id="comment-8" class="comment odd alt thread-odd depth-1"><article id="div-comment-8" class="comment-body">'
        '<div class="comment-author vcard"><b class="fn">Сергей</b></div><div class="comment-content"><p>КОММЕНТАРИЙ: '
        "а что с парковкой рядом?</p></div></article></li></ol>"
        '<div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">Добавить '
        'комментарий</h3><form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form">'
        '<p class="comment-notes">Ваш адрес email не будет опубликован.</p><textarea id="comment" name="comment">'
        "</textarea></form></div></div>")
    previous = POSTS[number - 1] if number > 0 else None
    nav = ""
    if previous:
        nav = ('<nav class="navigation post-navigation" aria-label="Записи"><div class="nav-links"><div class="nav-previous">'
               f'<a href="{post_url(previous)}" rel="prev">{html.escape(previous[6])}</a></div></div></nav>')
    return (head(title, url, extra)
            + f'<body class="post-template-default single single-post postid-{pid} single-format-standard">\n'
            + header_nav()
            + f'<main id="primary" class="site-main"><article id="post-{pid}" class="post-{pid} post type-post '
              f'status-publish format-standard hentry category-{category}"><header class="entry-header">'
              f'<h1 class="entry-title">{html.escape(title)}</h1>{entry_meta(post)}</header>'
              f'<div class="entry-content">{"".join(blocks)}</div><footer class="entry-footer"><span class="cat-links">'
              f'Рубрика: <a href="/category/{category}/" rel="category tag">{CATEGORIES[category]}</a></span>'
              + (f' <span class="tags-links">Метки: {tag_links}</span>' if tags else "")
              + f"</footer></article>{nav}{comments}</main>\n"
            + footer())


def teaser(post) -> str:
    pid, slug, date, author, category, tags, title, paras, yoast = post
    return (f'<article id="post-{pid}" class="post-{pid} post type-post status-publish format-standard hentry '
            f'category-{category}"><header class="entry-header"><h2 class="entry-title"><a href="{post_url(post)}" '
            f'rel="bookmark">{html.escape(title)}</a></h2>{entry_meta(post)}</header><div class="entry-summary">'
            f"<p>{html.escape(paras[0][:90])} [&hellip;]</p></div></article>")


def listing_page(title: str, canonical: str, body_class: str, posts, next_url: str | None = None,
                 prev_url: str | None = None, heading: str | None = None) -> str:
    links = ""
    if next_url:
        links += f'<link rel="next" href="{{{{BASE}}}}{next_url}">\n'
    if prev_url:
        links += f'<link rel="prev" href="{{{{BASE}}}}{prev_url}">\n'
    extra = links + '<meta property="og:type" content="website">\n'
    pagination = ""
    if next_url or prev_url:
        pagination = ('<nav class="navigation posts-navigation" aria-label="Записи"><div class="nav-links">'
                      + (f'<div class="nav-previous"><a href="{next_url}">Предыдущие записи</a></div>' if next_url else "")
                      + (f'<div class="nav-next"><a href="{prev_url}">Следующие записи</a></div>' if prev_url else "")
                      + "</div></nav>")
    header = f'<header class="page-header"><h1 class="page-title">{html.escape(heading)}</h1></header>' if heading else ""
    return (head(title, ORIGIN + canonical, extra) + f'<body class="{body_class}">\n' + header_nav()
            + f'<main id="primary" class="site-main">{header}{"".join(teaser(p) for p in posts)}{pagination}</main>\n'
            + footer())


def about_page() -> str:
    extra = ('<meta property="og:type" content="article">\n'
             '<meta property="article:modified_time" content="2023-01-10T10:00:00+03:00">\n'
             '<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebPage",'
             f'"@id":"{ORIGIN}/about/","name":"О газете"}}]}}</script>\n')
    text = ("«Окский вестник» — независимая городская газета. Мы пишем о Калуге с 1998 года: о городском "
            "хозяйстве, культуре, транспорте и людях, которые делают город лучше. Редакция находится на улице "
            "Ленина, принимает письма читателей и публикует ответы чиновников на вопросы горожан. Газета выходит "
            "раз в неделю, а новости на сайте обновляются каждый день.")
    return (head("О газете", ORIGIN + "/about/", extra) + '<body class="page-template-default page page-id-2">\n'
            + header_nav() + '<main id="primary" class="site-main"><article id="post-2" class="post-2 page type-page '
            'status-publish hentry"><header class="entry-header"><h1 class="entry-title">О газете</h1></header>'
            f'<div class="entry-content"><p>{text}</p><p>{text}</p></div></article></main>\n' + footer())


def rfc822(date: str) -> str:
    import datetime as dt
    from email.utils import format_datetime
    return format_datetime(dt.datetime.fromisoformat(date))


def feed() -> str:
    items = "".join(
        f"<item><title>{html.escape(p[6])}</title><link>{{{{BASE}}}}{post_url(p)}</link>"
        f"<dc:creator><![CDATA[{AUTHORS[p[3]]}]]></dc:creator><pubDate>{rfc822(p[2])}</pubDate>"
        f"<category><![CDATA[{CATEGORIES[p[4]]}]]></category><guid isPermaLink=\"false\">{ORIGIN}/?p={p[0]}</guid>"
        f"<description><![CDATA[{p[7][0][:90]} […]]]></description></item>\n"
        for p in POSTS[::-1][:5])
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/'
            'content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">\n'
            f"<channel><title>{SITE}</title><link>{{{{BASE}}}}</link><description>Новости Калуги</description>"
            f"<lastBuildDate>{rfc822(POSTS[-1][2])}</lastBuildDate><language>ru-RU</language>"
            f"<generator>https://wordpress.org/?v=6.5</generator>\n{items}</channel></rss>\n")


def urlset(urls: list[tuple[str, str | None]]) -> str:
    rows = "".join(f"<url><loc>{{{{BASE}}}}{u}</loc>" + (f"<lastmod>{m}</lastmod>" if m else "") + "</url>"
                   for u, m in urls)
    return ('<?xml version="1.0" encoding="UTF-8"?><?xml-stylesheet type="text/xsl" href="{{BASE}}/wp-sitemap.xsl" ?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</urlset>\n')


def build() -> None:
    files: dict[str, tuple[str, str]] = {}  # target -> (file, content type)
    out = ROOT / "files"
    HTML, XML = "text/html; charset=UTF-8", "application/xml; charset=UTF-8"

    def put(target: str, name: str, text: str, content_type: str = HTML) -> None:
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        files[target] = (name, content_type)

    newest = POSTS[::-1]
    for number, post in enumerate(POSTS):
        put(post_url(post), post_url(post).strip("/") + "/index.html", article_page(post, number))
    put("/", "index.html", listing_page(SITE, "/", "home blog hfeed", newest[:5], next_url="/page/2/"))
    put("/page/2/", "page/2/index.html", listing_page(f"{SITE} – Страница 2", "/page/2/", "home blog paged paged-2 hfeed",
                                                     newest[5:], prev_url="/"))
    for slug, name in CATEGORIES.items():
        posts = [p for p in newest if p[4] == slug]
        put(f"/category/{slug}/", f"category/{slug}/index.html",
            listing_page(name, f"/category/{slug}/", f"archive category category-{slug} hfeed", posts,
                         heading=f"Рубрика: {name}"))
    for slug, name in TAGS.items():
        posts = [p for p in newest if slug in p[5]]
        put(f"/tag/{slug}/", f"tag/{slug}/index.html",
            listing_page(name, f"/tag/{slug}/", f"archive tag tag-{slug} hfeed", posts, heading=f"Метка: {name}"))
    for slug, name in AUTHORS.items():
        posts = [p for p in newest if p[3] == slug]
        put(f"/author/{slug}/", f"author/{slug}/index.html",
            listing_page(name, f"/author/{slug}/", f"archive author author-{slug} hfeed", posts,
                         heading=f"Автор: {name}"))
    put("/about/", "about/index.html", about_page())
    put("/feed/", "feed/index.xml", feed(), "application/rss+xml; charset=UTF-8")
    put("/robots.txt", "robots.txt", "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\n"
        "Sitemap: {{BASE}}/wp-sitemap.xml\n", "text/plain; charset=utf-8")
    index = "".join(f"<sitemap><loc>{{{{BASE}}}}/{name}</loc></sitemap>" for name in (
        "wp-sitemap-posts-post-1.xml", "wp-sitemap-posts-page-1.xml", "wp-sitemap-taxonomies-category-1.xml",
        "wp-sitemap-taxonomies-post_tag-1.xml", "wp-sitemap-users-1.xml"))
    put("/wp-sitemap.xml", "wp-sitemap.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex '
        f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{index}</sitemapindex>\n', XML)
    put("/wp-sitemap-posts-post-1.xml", "wp-sitemap-posts-post-1.xml",
        urlset([(post_url(p), "2024-06-30T12:00:00+03:00") for p in POSTS]), XML)
    put("/wp-sitemap-posts-page-1.xml", "wp-sitemap-posts-page-1.xml", urlset([("/about/", None)]), XML)
    put("/wp-sitemap-taxonomies-category-1.xml", "wp-sitemap-taxonomies-category-1.xml",
        urlset([(f"/category/{s}/", None) for s in CATEGORIES]), XML)
    put("/wp-sitemap-taxonomies-post_tag-1.xml", "wp-sitemap-taxonomies-post_tag-1.xml",
        urlset([(f"/tag/{s}/", None) for s in TAGS]), XML)
    put("/wp-sitemap-users-1.xml", "wp-sitemap-users-1.xml", urlset([(f"/author/{s}/", None) for s in AUTHORS]), XML)

    manifest = {target: {"file": name, "status": 200, "content_type": kind} for target, (name, kind) in sorted(files.items())}
    # WordPress redirects a slash-less permalink and the ?p=ID shortlink to the pretty permalink.
    for post in POSTS:
        manifest[post_url(post).rstrip("/")] = {"status": 301, "location": post_url(post)}
        manifest[f"/?p={post[0]}"] = {"status": 301, "location": post_url(post)}
    (ROOT / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                        encoding="utf-8")
    with open(ROOT / "expected.jsonl", "w", encoding="utf-8") as f:
        for post in POSTS:
            pid, slug, date, author, category, tags, title, paras, yoast = post
            f.write(json.dumps({"url": ORIGIN + post_url(post), "title": title, "published_at": date,
                                "authors": [AUTHORS[author]],
                                "body": "\n\n".join([paras[0], "Подробности", *paras[1:]])}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    build()
