"""Widget noise: the seed text users started from must come out without a single widget line."""

from pathlib import Path

import pytest

from newscrawler.extraction import noise
from newscrawler.extraction.noise import is_laravel_blob
from newscrawler.publishers.kp40 import Kp40


def strip_widget_noise(text):
    return noise.strip_widget_noise(text, Kp40.widgets)


def is_widget_line(line, trailing=True):
    return noise.is_widget_line(line, Kp40.widgets, trailing)

SEEDS = sorted((Path(__file__).resolve().parent / "seeds").glob("*.txt"))
WIDGET_LINE_STARTS = ("Новости по тегу", "Лента настроения", "Какое впечатление произвела", "Обсудить новость",
                      "Партнёрские новости", "Всего:", "Чтобы оставлять комментарии", "Лента комментариев", "Афиша",
                      "Популярное", "Читайте KP40.RU", "eyJpdiI6")


@pytest.mark.parametrize("seed", SEEDS, ids=[p.name for p in SEEDS])
def test_seed_loses_every_widget_line_and_keeps_its_paragraphs(seed):
    text = seed.read_text(encoding="utf-8")
    cleaned = strip_widget_noise(text)
    lines = [line.strip() for line in cleaned.split("\n") if line.strip()]
    for line in lines:
        assert not line.startswith(WIDGET_LINE_STARTS), line
        assert not line.endswith("оценили"), line
    assert "eyJpdiI6" not in cleaned
    # Everything before the widgets is still there, in order, untouched.
    article = text.split("\nНовости по тегу")[0].strip()
    assert cleaned == article
    assert cleaned.endswith("повысить инвестиционную привлекательность региона.")
    assert "Во вторник, 27 апреля, в Калуге губернатор Владислав ШАПША" in cleaned
    assert len([p for p in cleaned.split("\n\n") if p.strip()]) >= 10


def test_paragraph_mentioning_a_widget_survives():
    paragraph = "В рубрике «Лента настроения» читатели за неделю 21 раз оценили новость о ремонте; Афиша тоже обновилась."
    text = f"Первый абзац.\n\n{paragraph}\n\nПоследний абзац.\n\nЛента настроения\n21 оценили\nОбсудить новость"
    assert strip_widget_noise(text) == f"Первый абзац.\n\n{paragraph}\n\nПоследний абзац."
    assert strip_widget_noise(paragraph) == paragraph


def test_trailing_tags_after_the_tags_heading_go_too():
    text = "Абзац статьи.\n\nНовости по тегу\nпромышленность\nкластеры\nЛента настроения\n3 оценили"
    assert strip_widget_noise(text) == "Абзац статьи."


def test_generic_heading_inside_the_article_stays():
    text = "Вступление.\n\nАфиша\n\nВ субботу в парке пройдёт концерт."
    assert strip_widget_noise(text) == text
    assert strip_widget_noise("Афиша") == "Афиша"  # never reduce a whole field to nothing on a generic word


def test_unambiguous_widget_lines_go_anywhere():
    text = "Читайте KP40.RU:\nАбзац.\nВсего: 12 комментариев\nЕщё абзац."
    assert strip_widget_noise(text) == "Абзац.\nЕщё абзац."


def test_laravel_blobs():
    seed = SEEDS[0].read_text(encoding="utf-8")
    blob = [line for line in seed.splitlines() if line.startswith("eyJpdiI6")][0]
    assert is_laravel_blob(blob)
    assert not is_laravel_blob("eyJpdiI6bm90IGpzb24=")
    assert strip_widget_noise(f"Абзац {blob} конец.") == "Абзац  конец."
    assert strip_widget_noise("Токен eyJpdiI6 упомянут в статье.") == "Токен eyJpdiI6 упомянут в статье."


@pytest.mark.parametrize("line", ["Всего: 4 комментария", "Всего: 1 комментарий", "Всего: 11 комментариев",
                                  "21 оценили", "Чтобы оставлять комментарии Авторизуйтесь",
                                  "Какое впечатление произвела на вас эта новость? Поделитесь с нами"])
def test_widget_lines(line):
    assert is_widget_line(line)
    assert not is_widget_line(f"Он сказал: «{line}» — и ушёл.")


def test_none_and_empty():
    assert strip_widget_noise("") == ""
    assert strip_widget_noise(None) is None


# --- Every saved page's text as the parser leaves it -------------------------------------------------------

def test_saved_pages_text_is_left_alone_and_spliced_widget_lines_go():
    """The parser already leaves widget blocks out: the pipeline changes no text of a saved page; a widget line
    spliced in at the end of any of those texts (in odd cases and spacing) goes."""
    from scrapy.http import HtmlResponse

    from newscrawler.crawl.pipelines import StripTrailingWidgets
    from newscrawler.extraction.article import parse_article

    site = Path(__file__).resolve().parent / "site" / "files" / "news"
    texts = []
    for path in sorted(site.rglob("*/index.html")):
        item = parse_article(HtmlResponse("http://127.0.0.1:8080/news/x/1/", body=path.read_bytes(), encoding="utf-8"),
                             Kp40, extra_hosts=frozenset({"127.0.0.1"}))
        texts += [item[name] for name in StripTrailingWidgets.TEXT_FIELDS if isinstance(item.get(name), str)]
    assert len(texts) > 100
    blob = next(line for line in SEEDS[0].read_text(encoding="utf-8").splitlines() if line.startswith("eyJpdiI6"))
    for text in texts:
        assert strip_widget_noise(text) == text
        for widget in ("  ЛЕНТА   НАСТРОЕНИЯ ", "21\u00a0оценили", "Всего: 4 комментария", "Партнерские новости",
                       "популярное\t", blob):
            assert strip_widget_noise(f"{text}\n\n{widget}") == text, (widget, text[:80])


def test_rules_of_other_outlets_and_generic_sites_are_their_own():
    text = "Абзац статьи.\n\nЛента настроения\n3 оценили"
    assert strip_widget_noise(text) == "Абзац статьи."
    # «Лента настроения» is kp40's widget, not a generic one: a site without a profile keeps the line.
    assert noise.strip_widget_noise(text) == text
    assert noise.strip_widget_noise("Абзац.\n\nПоделиться") == "Абзац."


def test_widget_heading_inside_the_body_survives_the_loader():
    """A subheading or paragraph that reads exactly like a widget heading stays anywhere in the body; only
    the trailing widget run may lose it (found by a user: the loader used to drop it everywhere)."""
    from scrapy.http import HtmlResponse

    from newscrawler.crawl.pipelines import StripTrailingWidgets
    from newscrawler.extraction.article import parse_article

    page = (Path(__file__).resolve().parent / "site" / "files" / "news" / "invest" / "80456" / "index.html").read_text(encoding="utf-8")
    first = page.index("<p>", page.index("news-body"))
    headings = "<h3>Афиша</h3><p>Комментарии</p><h3>Популярное</h3><p>Поделиться</p>"
    page = page[:first] + headings + page[first:]
    item = parse_article(HtmlResponse("http://127.0.0.1:8080/news/invest/80456/", body=page.encode(), encoding="utf-8"),
                         Kp40, extra_hosts=frozenset({"127.0.0.1"}))
    assert item["body"].startswith("Афиша\n\nКомментарии\n\nПопулярное\n\nПоделиться\n\n"), item["body"][:80]
    cleaned = StripTrailingWidgets(stats=None).process_item(dict(item))
    assert cleaned["body"] == item["body"]
