"""Widget noise: the seed text users started from must come out without a single widget line."""

from pathlib import Path

import pytest

from newscrawler.noise import is_laravel_blob, is_widget_line, strip_widget_noise

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
