"""Generate a kp40.ru replica of N articles from the saved site's own page templates, for the benchmark.

The saved replica (``tests/site``) holds 48 real-layout article pages and the ``/news/`` listing. This
generator turns every saved article page (except the JavaScript-only one) into a template — title, lead,
date, counters, ids and the plain body paragraphs become slots, everything else (header, inline ``<style>``,
ad slots, embeds, «Читайте также», tags, the widgets after the body, the sidebar, Laravel ``eyJpdiI6…``
payloads) is kept byte for byte — and fills the slots with varied texts. The listing is ``/news/`` with 20
items a page and Laravel pagination, newest first, built from the saved ``/news/?page=2``.

The output is a site directory in the form :class:`tests.replica_server.Replica` serves (``manifest.json``
+ ``files/``). It is deterministic: the same ``--seed`` gives byte-identical pages. Article ``j`` (0 is the
oldest) depends only on the seed and ``j``, so ``--extra 10`` also writes ``manifest.plus10.json``: the same
site after 10 newer articles appeared (new listing pages, same article files).

    python bench/generate_site.py --n 5000 --out bench/build/site-5000 --extra 10
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import html
import json
import random
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
SAVED_SITE = PROJECT_DIR / "tests" / "site"
GENERATOR_VERSION = "1"

PER_PAGE = 20
#: The newest article of the generated site is published here (the saved site's newest article).
NEWEST = dt.datetime(2026, 8, 9, 6, 1)
CURRENT_YEAR = NEWEST.year  # the site prints dates of this year without the year
# About one article an hour, as kp40 publishes (~150,000 since 2009): a full archive then spans 17 years.
# (At 8 h a step, 150,000 articles reached back to 1889, dates no parser accepts: 8,580 records dropped.)
STEP = dt.timedelta(hours=1)
ID_BASE = 100_000

RUBRIC_NAMES = {
    "society": "Общество", "invest": "Экономика", "realty": "Недвижимость и ЖКХ", "holidays": "Праздники",
    "education": "Образование", "obninsk": "Обнинск", "incidents": "Происшествия", "crime": "Криминал",
    "sport": "Спорт", "weather": "Погода", "auto": "Авто", "accomp": "Благоустройство",
    "perekrestok": "Калужский перекрёсток", "gorod_oblast": "Город и область", "narnews": "Народные новости",
}
TOWNS = ["Калуге", "Обнинске", "Медыни", "Козельске", "Людинове", "Малоярославце", "Кирове", "Сухиничах",
         "Жукове", "Балабанове", "Кондрово", "Мосальске", "Белоусове", "Боровске", "Тарусе", "Мещовске"]
SHORT_WORDS = re.compile(r"(?<=\s)(в|и|а|к|у|с|о|на|по|до|за|из|от) ")
SLOT = "\x00"

ARTICLE_FILE = re.compile(r"^(?:news/[a-z0-9_]+|narnews/[a-z0-9_]+)/(\d+)/index\.html$")
DATE_FORMATS = (  # (pattern of the text in .news-view-date, strftime format)
    (re.compile(r"^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}$"), "%d.%m.%Y, %H:%M"),
    (re.compile(r"^\d{2}:\d{2} \d{2}\.\d{2}\.\d{4}$"), "%H:%M %d.%m.%Y"),
    (re.compile(r"^\d{2}\.\d{2}, \d{2}:\d{2}$"), "%d.%m, %H:%M"),  # current year, no year
)
SPECIAL_PARAGRAPH = ("UPD", "Читайте", "Тем временем", "Фото", "Автор", "&nbsp;")


# --- text -----------------------------------------------------------------------------------------------

class TextPool:
    """Sentences and titles of the saved articles, recombined with fresh numbers."""

    def __init__(self, records: list[dict]):
        sentences, titles = [], []
        for rec in records:
            titles.append(rec["title"])
            for text in (rec.get("lead") or "", rec.get("body") or ""):
                for part in re.split(r"(?<=[.!?])\s+(?=[А-ЯЁA-Z«])", text.replace("\n", " ")):
                    part = part.strip()
                    if 30 <= len(part) <= 260 and not part.startswith(("Читайте", "UPD", "Тем временем")):
                        sentences.append(part)
        self.sentences = sorted(set(sentences))
        predicates = []
        for title in titles:
            words = title.split()
            if len(words) > 3 and words[0] in ("В", "Во"):
                predicates.append(" ".join(words[2:]))
        self.predicates = sorted(set(predicates))
        self.titles = sorted(set(titles))

    @staticmethod
    def _numbers(text: str, rng: random.Random) -> str:
        def repl(match):
            digits = match.group(0)
            if len(digits) == 4 and digits[:2] in ("19", "20"):
                return str(rng.randint(2012, 2030))
            low = 10 ** (len(digits) - 1) if len(digits) > 1 else 1
            return str(rng.randint(low, 10 ** len(digits) - 1))
        return re.sub(r"\d+", repl, text)

    def sentence(self, rng: random.Random) -> str:
        return self._numbers(rng.choice(self.sentences), rng)

    def title(self, rng: random.Random) -> str:
        if rng.random() < 0.75 and self.predicates:
            text = f"В {rng.choice(TOWNS)} {rng.choice(self.predicates)}"
        else:
            text = rng.choice(self.titles)
        return self._numbers(text, rng)

    def paragraph(self, rng: random.Random, line_break: bool) -> str:
        """HTML of one body paragraph: 1–4 sentences, entities as the site writes them."""
        parts = [self.sentence(rng) for _ in range(rng.randint(1, 4))]
        if line_break and len(parts) == 1:
            parts.append(self.sentence(rng))
        text = html.escape(" ".join(parts[:-1]) if line_break else " ".join(parts), quote=False)
        if line_break:
            text += "<br />" + html.escape(parts[-1], quote=False)
        text = text.replace("«", "&laquo;").replace("»", "&raquo;").replace(" — ", " &mdash; ")
        if rng.random() < 0.5:
            text = SHORT_WORDS.sub(lambda m: m.group(1) + "&nbsp;", text)
        if rng.random() < 0.1:  # a soft hyphen inside a long word, as the CMS leaves them
            words = [w for w in re.findall(r"[а-яё]{12,}", text)]
            if words:
                word = rng.choice(words)
                text = text.replace(word, word[:6] + "&shy;" + word[6:], 1)
        return text


# --- templates --------------------------------------------------------------------------------------------

@dataclass
class ArticleTemplate:
    name: str          # saved id, for reference
    prefix: str        # "news/<rubric>" or "narnews/kaluga"
    rubric: str
    date_format: str
    year_less: bool
    chunks: list       # literal strings and slot names, alternating
    paragraphs: list   # per body slot: True if the saved paragraph had a <br>


def _slot(name: str) -> str:
    return f"{SLOT}{name}{SLOT}"


def load_article_template(path: Path, record: dict) -> ArticleTemplate | None:
    """A saved article page with its variable parts replaced by slots; None for pages not to use."""
    page = path.read_text(encoding="utf-8")
    rel = path.relative_to(SAVED_SITE / "files").as_posix()
    prefix = rel.rsplit("/", 2)[0]
    old_id = str(record["article_id"])
    if "data-special" in page:  # the JavaScript-only layout: its body is not in the HTML
        return None

    date_match = re.search(r'(<div class="news-view-date">)([^<]*)(</div>)', page)
    date_text = date_match.group(2).strip()
    date_format = next((fmt for pattern, fmt in DATE_FORMATS if pattern.match(date_text)), None)
    if date_format is None:
        raise ValueError(f"{rel}: unknown date format {date_text!r}")
    page = page[:date_match.start(2)] + _slot("DATE") + page[date_match.end(2):]
    page = re.sub(r'(<meta property="article:published_time" content=")[^"]*(")', r"\1" + _slot("PUBTIME") + r"\2",
                  page)

    # Title and lead wherever the page prints them (head, h1, image alt; lead div and descriptions).
    page = re.sub(r"<title>.*?( - Новости Калуги - KP40\.RU)?</title>",
                  lambda m: f"<title>{_slot('TITLE')}{m.group(1) or ''}</title>", page, count=1)
    page = re.sub(r'(<meta property="og:title" content=")[^"]*(")', r"\1" + _slot("TITLE_ATTR") + r"\2", page)
    page = re.sub(r'(<h1 class="news-view-title">)[^<]*(</h1>)', r"\1" + _slot("TITLE") + r"\2", page)
    page = re.sub(r'(<div class="news-body-img">\s*<img [^>]*alt=")[^"]*(")', r"\1" + _slot("TITLE_ATTR") + r"\2",
                  page)
    page = re.sub(r'(<meta (?:name="description"|property="og:description") content=")[^"]*(")',
                  r"\1" + _slot("LEAD_ATTR") + r"\2", page)
    page = re.sub(r'(<div class="news-view-lead">)[^<]*(</div>)', r"\1" + _slot("LEAD") + r"\2", page)

    # Counters: comments, views, «N оценили», «Всего: N комментариев».
    page = re.sub(r'(<span class="news-view-comments"[^>]*>.*?</svg>)[^<]*(</span>)',
                  r"\1" + _slot("COMMENTS") + r"\2", page, count=1)
    page = re.sub(r'(<span class="news-view-views"[^>]*>.*?</svg>)[^<]*(</span>)',
                  r"\1" + _slot("VIEWS") + r"\2", page, count=1)
    page = re.sub(r'(<div class="mood-widget__count"><span>)\d+(</span>)', r"\1" + _slot("REACTIONS") + r"\2", page)
    page = re.sub(r'(<div class="comments__total">Всего: )\d+', r"\1" + _slot("COMMENTS"), page)

    # Plain body paragraphs (text and <br> only) get new text; embeds, quotes' markup, UPD notes,
    # «Читайте также», figures, ads and the tag/author blocks stay as saved.
    body_start = page.index('<div class="news-body"')
    body_end = min(i for i in (page.find('<div class="news-view-tags', body_start),
                               page.find('<div class="news-view-author-newsinfo"', body_start)) if i > 0)
    paragraphs: list[bool] = []

    def body_paragraph(match):
        attrs, inner = match.group(1) or "", match.group(2)
        if re.search(r"<(?!br\s*/?>)", inner) or inner.strip().startswith(SPECIAL_PARAGRAPH):
            return match.group(0)
        paragraphs.append("<br" in inner)
        return f"<p{attrs}>{_slot(f'P{len(paragraphs) - 1}')}</p>"

    body = re.sub(r"<p(\s[^>]*)?>(.*?)</p>", body_paragraph, page[body_start:body_end], flags=re.S)
    page = page[:body_start] + body + page[body_end:]

    # The article's own id: URLs, data attributes, image names, share links.
    page = re.sub(rf"(?<![0-9]){old_id}(?![0-9])", _slot("ID"), page)

    chunks = page.split(SLOT)
    return ArticleTemplate(name=old_id, prefix=prefix, rubric=record["rubric"], date_format=date_format,
                           year_less=date_format == "%d.%m, %H:%M", chunks=chunks, paragraphs=paragraphs)


def moscow_offset(when: dt.datetime) -> str:
    """Moscow's UTC offset then: +04:00 from March 2011 to October 2014, +03:00 otherwise."""
    return "+04:00" if dt.datetime(2011, 3, 27, 2) <= when < dt.datetime(2014, 10, 26, 2) else "+03:00"


@dataclass
class Article:
    index: int
    article_id: int
    rubric: str
    path: str          # "/news/<rubric>/<id>/"
    file: str          # "news/<rubric>/<id>/index.html"
    title: str
    published: dt.datetime
    comments: int
    views: int
    template: ArticleTemplate


def make_article(index: int, total: int, seed: int, templates: list[ArticleTemplate],
                 year_less: list[ArticleTemplate], pool: TextPool) -> tuple[Article, str]:
    """Article ``index`` (0 = oldest of ``total``) and its page HTML."""
    rng = random.Random(f"{seed}:{index}")
    published = NEWEST - STEP * (total - 1 - index) + dt.timedelta(minutes=rng.randint(-40, 0))
    published = published.replace(second=0, microsecond=0)
    template = rng.choice(year_less if published.year == CURRENT_YEAR else templates)
    article_id = ID_BASE + 3 * index + rng.randint(0, 2)
    title = pool.title(rng)
    lead = pool.sentence(rng)
    comments, views = rng.randint(0, 60), rng.randint(200, 40_000)
    views_text = str(views) if views < 10_000 or rng.random() < 0.5 else f"{views:,}".replace(",", "\u2009")
    values = {
        "ID": str(article_id),
        "DATE": published.strftime(template.date_format),
        "PUBTIME": published.strftime("%Y-%m-%dT%H:%M:%S") + moscow_offset(published),
        "TITLE": html.escape(title, quote=False),
        "TITLE_ATTR": html.escape(title, quote=True),
        "LEAD": html.escape(lead, quote=False),
        "LEAD_ATTR": html.escape(lead, quote=True),
        "COMMENTS": str(comments),
        "VIEWS": views_text,
        "REACTIONS": str(rng.randint(0, 120)),
    }
    for number, line_break in enumerate(template.paragraphs):
        values[f"P{number}"] = pool.paragraph(rng, line_break)
    chunks = template.chunks
    parts = [chunk if i % 2 == 0 else values[chunk] for i, chunk in enumerate(chunks)]
    path = f"/{template.prefix}/{article_id}/"
    article = Article(index, article_id, template.rubric, path, f"{template.prefix}/{article_id}/index.html",
                      title, published, comments, views, template)
    return article, "".join(parts)


# --- listing ------------------------------------------------------------------------------------------

ITEM = """        <div class="nrli row">
            <div class="nrlif-img col-auto">
                <a href="{href}"><img src="/news_images/preview/{id}.jpg" alt="{title_attr}" width="220" height="146" loading="lazy"></a>
            </div>
            <div class="nrlif-body col -order-1 -order-sm-1">
                <div class="nrli-rublink"><a href="{rubric_href}">{rubric_name}</a></div>
                <a class="nrli-title" href="{href}">{title}</a>
                <div class="news_info"><span class="nrli-date">{date}</span> <svg aria-hidden="true"><use xlink:href="#icon-comments"></use></svg><span class="nrli-comments">{comments}</span> <svg aria-hidden="true"><use xlink:href="#icon-views"></use></svg><span class="nrli-views">{views}</span></div>
            </div>
        </div>
"""


def page_url(page: int) -> str:
    return "/news/" if page == 1 else f"/news/?page={page}"


def pagination(page: int, last: int) -> str:
    """Laravel's default paginator markup (``onEachSide=3``: first two, a window, last two, «…» between)."""
    if last <= 1:
        return ""
    if last < 13:
        numbers = list(range(1, last + 1))
    elif page <= 7:
        numbers = list(range(1, 11)) + [None, last - 1, last]
    elif page > last - 7:
        numbers = [1, 2, None] + list(range(last - 9, last + 1))
    else:
        numbers = [1, 2, None] + list(range(page - 3, page + 4)) + [None, last - 1, last]
    out = ['        <ul class="pagination">']
    if page == 1:
        out.append('            <li class="page-item disabled" aria-disabled="true" aria-label="&laquo; Previous">'
                   '<span class="page-link" aria-hidden="true">&lsaquo;</span></li>')
    else:
        out.append(f'            <li class="page-item">\n                <a class="page-link" href="/news/?page={page - 1}"'
                   f' rel="prev" aria-label="&laquo; Previous">&lsaquo;</a>\n            </li>')
    for number in numbers:
        if number is None:
            out.append('            <li class="page-item disabled" aria-disabled="true"><span class="page-link">...'
                       '</span></li>')
        elif number == page:
            out.append(f'            <li class="page-item active" aria-current="page"><span class="page-link">{number}'
                       f'</span></li>')
        else:
            out.append(f'            <li class="page-item"><a class="page-link" href="/news/?page={number}">{number}'
                       f'</a></li>')
    if page == last:
        out.append('            <li class="page-item disabled" aria-disabled="true" aria-label="Next &raquo;">'
                   '<span class="page-link" aria-hidden="true">&rsaquo;</span></li>')
    else:
        out.append(f'            <li class="page-item">\n                <a class="page-link" href="/news/?page={page + 1}"'
                   f' rel="next" aria-label="Next &raquo;">&rsaquo;</a>\n            </li>')
    out.append("        </ul>")
    return "\n".join(out)


class ListingTemplate:
    """The saved ``/news/?page=2`` with its items, pagination and page-specific head lines as slots."""

    def __init__(self, path: Path):
        page = path.read_text(encoding="utf-8")
        first = page.index('        <div class="nrli row">')
        end = page.index("        </div>\n        <nav>", first)
        pag_start = page.index('        <ul class="pagination">')
        pag_end = page.index("</ul>", pag_start) + len("</ul>")
        head, middle, tail = page[:first], page[end:pag_start], page[pag_end:]
        head = re.sub(r"<title>.*?</title>", _slot("TITLE"), head, count=1)
        head = re.sub(r'(<meta property="og:title" content=")[^"]*(")', r"\1" + _slot("OG_TITLE") + r"\2", head)
        head = re.sub(r'(<link rel="canonical" href=")[^"]*(")', r"\1" + _slot("CANONICAL") + r"\2", head)
        head = re.sub(r'(<meta property="og:url" content=")[^"]*(")', r"\1" + _slot("CANONICAL") + r"\2", head)
        head = re.sub(r'    <link rel="prev" href="[^"]*">\n    <link rel="next" href="[^"]*">\n', _slot("RELS"), head)
        self.head = head.split(SLOT)
        self.middle, self.tail = middle, tail

    def render(self, page: int, last: int, articles: list[Article]) -> str:
        suffix = "" if page == 1 else f" &mdash; страница {page}"
        rels = []
        if page > 1:
            rels.append(f'    <link rel="prev" href="{page_url(page - 1)}">\n')
        if page < last:
            rels.append(f'    <link rel="next" href="/news/?page={page + 1}">\n')
        values = {
            "TITLE": f"<title>Новости Калуги и Калужской области{suffix} - KP40.RU</title>",
            "OG_TITLE": "Новости Калуги и Калужской области" + ("" if page == 1 else f" — страница {page}"),
            "CANONICAL": "https://www.kp40.ru" + page_url(page),
            "RELS": "".join(rels),
        }
        head = "".join(c if i % 2 == 0 else values[c] for i, c in enumerate(self.head))
        items = []
        for art in articles:
            narnews = art.rubric == "narnews"
            items.append(ITEM.format(
                href=art.path if narnews else art.path[len("/news/"):],
                id=art.article_id,
                title=html.escape(art.title, quote=False), title_attr=html.escape(art.title, quote=True),
                rubric_href="/narnews/" if narnews else f"/news/{art.rubric}/",
                rubric_name=RUBRIC_NAMES.get(art.rubric, art.rubric),
                date=art.published.strftime("%d.%m.%Y, %H:%M"), comments=art.comments, views=art.views))
        return head + "".join(items) + self.middle + pagination(page, last) + self.tail


def write_listing(out: Path, template: ListingTemplate, articles: list[Article], subdir: str) -> dict:
    """Listing pages for ``articles`` (newest first) under ``files/news/<subdir>``; their manifest entries."""
    newest_first = sorted(articles, key=lambda a: a.published, reverse=True)
    last = max(1, -(-len(newest_first) // PER_PAGE))
    folder = out / "files" / "news" / subdir if subdir else out / "files" / "news"
    folder.mkdir(parents=True, exist_ok=True)
    entries = {}
    for page in range(1, last + 1):
        name = "index.html" if page == 1 else f"index.page-{page}.html"
        chunk = newest_first[(page - 1) * PER_PAGE: page * PER_PAGE]
        (folder / name).write_text(template.render(page, last, chunk), encoding="utf-8")
        entry = {"file": f"news/{subdir + '/' if subdir else ''}{name}", "status": 200,
                 "content_type": "text/html; charset=utf-8"}
        entries[page_url(page)] = entry
        if page == 1:
            entries["/news/?page=1"] = entry
    return entries


# --- the site -----------------------------------------------------------------------------------------

def load_templates():
    manifest = json.loads((SAVED_SITE / "manifest.json").read_text(encoding="utf-8"))
    records = {}
    with open(SAVED_SITE / "expected.jsonl", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            records[rec["article_id"]] = rec
    files = sorted({e["file"] for e in manifest.values() if "file" in e and ARTICLE_FILE.match(e["file"])})
    templates = []
    for name in files:
        article_id = int(ARTICLE_FILE.match(name).group(1))
        if article_id in records:
            template = load_article_template(SAVED_SITE / "files" / name, records[article_id])
            if template:
                templates.append(template)
    return templates, TextPool(list(records.values()))


def fingerprint(n: int, extra: int, seed: int) -> str:
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for path in sorted((SAVED_SITE / "files").rglob("*.html")):
        digest.update(path.read_bytes())
    return f"v{GENERATOR_VERSION} n={n} extra={extra} seed={seed} {digest.hexdigest()[:16]}"


def generate(n: int, out: Path, extra: int = 0, seed: int = 40, force: bool = False) -> Path:
    """Write the site (and, with ``extra``, ``manifest.plus<extra>.json``) to ``out``; reuse an identical one."""
    stamp = out / ".generated"
    wanted = fingerprint(n, extra, seed)
    if not force and stamp.exists() and stamp.read_text() == wanted:
        return out
    if out.exists():
        shutil.rmtree(out)
    (out / "files").mkdir(parents=True)
    templates, pool = load_templates()
    year_less = [t for t in templates if t.year_less]
    dated = [t for t in templates if not t.year_less]
    total = n + extra
    articles = []
    entries = {}
    for index in range(total):
        article, page = make_article(index, total, seed, dated, year_less, pool)
        target = out / "files" / article.file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
        articles.append(article)
        entries[article.path] = {"file": article.file, "status": 200, "content_type": "text/html; charset=utf-8"}
    for name in ("robots.txt", "404.html"):
        shutil.copy(SAVED_SITE / "files" / name, out / "files" / name)
    common = {"/robots.txt": {"file": "robots.txt", "status": 200, "content_type": "text/plain; charset=utf-8"}}

    listing = ListingTemplate(SAVED_SITE / "files" / "news" / "index.page-2.html")
    base = articles[:n]
    manifest = {**common, **write_listing(out, listing, base, ""), **{a.path: entries[a.path] for a in base}}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=0), encoding="utf-8")
    if extra:
        manifest = {**common, **write_listing(out, listing, articles, f"plus{extra}"), **entries}
        (out / f"manifest.plus{extra}.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=0),
                                                       encoding="utf-8")
    info = {"articles": n, "extra": extra, "seed": seed, "templates": [t.name for t in templates],
            "newest": max(a.published for a in base).isoformat(), "oldest": base[0].published.isoformat()}
    (out / "site.json").write_text(json.dumps(info, indent=1), encoding="utf-8")
    stamp.write_text(wanted)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="articles in the site (default 5000)")
    parser.add_argument("--out", type=Path, help="site directory (default bench/build/site-<n>)")
    parser.add_argument("--extra", type=int, default=0,
                        help="also write manifest.plus<extra>.json: the site after <extra> newer articles appeared")
    parser.add_argument("--seed", type=int, default=40)
    parser.add_argument("--force", action="store_true", help="regenerate even if an identical site exists")
    args = parser.parse_args(argv)
    out = args.out or PROJECT_DIR / "bench" / "build" / f"site-{args.n}"
    generate(args.n, out, extra=args.extra, seed=args.seed, force=args.force)
    print(f"{args.n} articles at {out}" + (f" (+{args.extra}: manifest.plus{args.extra}.json)" if args.extra else ""))


if __name__ == "__main__":
    sys.exit(main())
