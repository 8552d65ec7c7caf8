import pytest

from newscrawler.extraction.authors import byline_photo_credit, normalize_name, parse_authors, split_byline
from newscrawler.extraction.counts import parse_count
from newscrawler.extraction.credits import parse_photo_credit
from newscrawler.extraction.text import PARAGRAPH_SEPARATOR, clean_text, markup_to_text, paragraphs


@pytest.mark.parametrize("byline, names, credit", [
    ("Софья Фирсова, фото читателя", ["Софья Фирсова"], "фото читателя"),
    ("Анастасия КАТОРГИНА", ["Анастасия Каторгина"], None),
    ("Автор: Анастасия КАТОРГИНА.", ["Анастасия Каторгина"], None),
    ("Иван Петров, Мария Сидорова", ["Иван Петров", "Мария Сидорова"], None),
    ("Автор: Александр Нефёдов. Фото и видео автора.", ["Александр Нефёдов"], "Фото и видео автора"),
    ("Автор: Ольга ЛАВРОВА.", ["Ольга Лаврова"], None),
    ("Сергей ПЕТРОВ", ["Сергей Петров"], None),
    ("Ирина Воронцова, Глеб Тихонов", ["Ирина Воронцова", "Глеб Тихонов"], None),
    ("Андрей ГРАЧЁВ", ["Андрей Грачёв"], None),
    ("Дмитрий Ивьев", ["Дмитрий Ивьев"], None),
    ("  Автор:  Елена   Жаркова ,  фото читателя ", ["Елена Жаркова"], "фото читателя"),
    ("Мария СКЛОДОВСКАЯ-КЮРИ", ["Мария Склодовская-Кюри"], None),
    ("Автор фото: Иван Петров", [], "Иван Петров"),  # a photographer, not an author
    ("Фото: пресс-служба УМВД.", [], "пресс-служба УМВД"),
    ("", [], None),
])
def test_bylines(byline, names, credit):
    assert split_byline(byline) == (names, credit)
    assert parse_authors(byline) == names
    assert byline_photo_credit(byline) == credit


def test_name_initials_kept():
    assert normalize_name("А. С. ПУШКИН.") == "А. С. Пушкин"


@pytest.mark.parametrize("text, expected", [
    ("5034", 5034), ("112 574", 112574), ("112\u2009574", 112574), ("112\u00a0574", 112574),
    ("1\u202f234\u202f567", 1234567), ("21 оценили", 21), (" 6 ", 6), ("0", 0), ("", None), (None, None),
    ("нет", None), (7, 7),
])
def test_counts(text, expected):
    assert parse_count(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Фото: пресс-служба правительства Калужской области.", "пресс-служба правительства Калужской области"),
    ("Фото: пресс-служба УМВД.", "пресс-служба УМВД"),
    ("фото из архива", "фото из архива"),
    ("фото читателя", "фото читателя"),
    ("Фото и видео автора.", "Фото и видео автора"),
    ("Фото:", None), ("", None), (None, None),
])
def test_photo_credit(text, expected):
    assert parse_photo_credit(text) == expected


def test_text_cleanup():
    assert clean_text("a\u00a0b\u2009c  d\u00ade\u200b") == "a b c de"
    assert clean_text(" \u00a0 ") is None
    assert markup_to_text("<p>В&nbsp;Калуге &laquo;тест&raquo; со&shy;бытие</p>") == "В Калуге «тест» событие"
    assert markup_to_text("<p>строка один<br>строка\n   два<br/> три</p>") == "строка один\nстрока два\nтри"
    assert markup_to_text("<p><strong>UPD.</strong> Текст<script>var x = 1;</script></p>") == "UPD. Текст"
    assert markup_to_text("<p>&nbsp;</p>") is None
    assert markup_to_text("A &amp; B &lt;C&gt;") == "A & B <C>"
    joined = PARAGRAPH_SEPARATOR.join(["<p>Один</p>", "<p>&nbsp;</p>", "<h3>Два</h3>", "- <li>три</li>"])
    assert paragraphs(joined) == ["Один", "Два", "- три"]


def _reference_clean_text(text):
    """clean_text as it was before its fast paths: every substitution applied unconditionally."""
    import re

    from newscrawler.extraction import text as module

    if text is None:
        return None
    text = module._INVISIBLE_CHARS.sub("", text)
    text = module._H_SPACE_RUN.sub(" ", text)
    text = re.sub("[ ]*\n[ ]*", "\n", text)
    text = re.sub("[ ]*\u2029[ ]*", "\u2029", text)
    return text.strip() or None


def test_clean_text_fast_paths_match_the_plain_substitutions():
    import random

    # Ordinary letters and plain spaces most of the time (so that clean stretches, where the fast paths skip
    # work, are common), and now and then any kind of character clean_text treats specially.
    plain = ["a", "б", " "]
    special = ["\n", "\u2029", "\xa0", "\t", "\r", "\u200b", "\u00ad", "\ufeff", "\u2009", "\u202f", "\u3000",
               "\x1c", "\x85", "\u2028", "\u1680"]
    rng = random.Random(20240501)
    for _ in range(40000):
        rate = rng.choice([0.0, 0.1, 0.3])
        sample = "".join(rng.choice(special) if rng.random() < rate else rng.choice(plain)
                         for _ in range(rng.randint(0, 16)))
        assert clean_text(sample) == _reference_clean_text(sample), repr(sample)
    for sample in ["a  b", "a \n b", "a\u2029 b", "a \u200b b", "a\xa0 \n\u2029 b", " \n \n ", "a \u2029\n b"]:
        assert clean_text(sample) == _reference_clean_text(sample), repr(sample)


def test_markup_to_text_fast_paths_match_the_plain_substitutions():
    import random

    from w3lib.html import remove_tags, remove_tags_with_content, replace_entities

    from newscrawler.extraction import text as module

    def reference(fragment):
        fragment = fragment.replace("\xa0", " ")
        fragment = module._WS_RUN.sub(" ", fragment)
        fragment = module._BR.sub("\n", fragment)
        fragment = remove_tags_with_content(fragment, which_ones=module.INVISIBLE_TAGS)
        fragment = replace_entities(remove_tags(fragment))
        return _reference_clean_text(fragment)

    plain = ["a", "б", " ", "<b>", "</b>", "<br>", "&amp;", "&nbsp;", "<p>", "</p>"]
    special = ["\n", "\u2029", "\xa0", "\t", "\r", "\u200b", "\u00ad", "\u2009", "\u3000", "\x85", "<script>x</script>"]
    rng = random.Random(7)
    for _ in range(30000):
        rate = rng.choice([0.0, 0.1, 0.3])
        sample = "".join(rng.choice(special) if rng.random() < rate else rng.choice(plain)
                         for _ in range(rng.randint(0, 12)))
        assert markup_to_text(sample) == reference(sample), repr(sample)
