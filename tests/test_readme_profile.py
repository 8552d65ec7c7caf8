"""The README's "Adding an outlet" profile is real code: it runs, and the machinery reads a page with it."""

from __future__ import annotations

import re
from pathlib import Path

from scrapy.http import HtmlResponse

from newscrawler.extraction.article import parse_article

README = Path(__file__).resolve().parent.parent / "README.md"
PAGE = """<html><head><title>Мост открыли | Пример</title></head><body>
<nav><a href="/news/2">Другая новость</a></nav>
<article class="news-item">
  <a class="news-item__rubric" href="/rubric/society/">Общество</a>
  <h1 class="news-item__title">Мост открыли</h1>
  <time class="news-item__date" datetime="2026-05-04T10:30:00+03:00">4 мая, 10:30</time>
  <p class="news-item__lead">После ремонта.</p>
  <div class="news-item__author">Автор: Иван ПЕТРОВ</div>
  <div class="news-item__text"><p>Первый абзац.</p><div class="read-also">Читайте также: …</div><p>Второй.</p></div>
  <div class="share">Поделитесь с друзьями</div>
</article></body></html>"""


def readme_profile() -> dict:
    block = re.search(r"## Adding an outlet.*?```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S).group(1)
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace


def test_the_readme_profile_reads_a_page():
    example = readme_profile()["Example"]
    assert example.article_ref("https://www.example.ru/news/7/?utm_source=x").url == "https://example.ru/news/7"
    item = parse_article(HtmlResponse("http://127.0.0.1:8080/news/7", body=PAGE.encode(), encoding="utf-8"),
                         example, extra_hosts=frozenset({"127.0.0.1"}))
    assert (item["publisher"], item["article_id"], item["url"]) == ("example", 7, "https://example.ru/news/7")
    assert (item["title"], item["rubric"], item["rubric_name"]) == ("Мост открыли", "society", "Общество")
    assert item["published_at"] == "2026-05-04T10:30:00+03:00"
    assert (item["lead"], item["authors"], item["body"]) == ("После ремонта.", ["Иван Петров"], "Первый абзац.\n\nВторой.")
    assert item["extraction"] == "site"
