"""Article URLs: recognising them and reducing every variant to the one canonical form.

The site names one article by many URLs (``https://kp40.ru/news/<rubric>/<id>``, ``…/<id>/?utm_source=rss``,
``/index.php/news/<rubric>/<id>``); the record's ``url`` is always ``https://www.kp40.ru/news/<rubric>/<id>/``
(``/narnews/<city>/<id>/`` for user news, rubric ``narnews``). The legacy
``/index.php?cid=600&nid=<nid>`` form is not recognised here: its ``nid`` is another id space, and the
site redirects it to the article.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import urlsplit

CANONICAL_ORIGIN = "https://www.kp40.ru"

_ARTICLE_PATH = re.compile(
    r"^(?:/index\.php)?/(?:news/(?P<rubric>[a-z0-9_]+)|(?P<narnews>narnews)/(?P<city>[a-z0-9_]+))/(?P<id>\d+)/?$"
)


class ArticleRef(NamedTuple):
    """What an article URL says about its article."""

    rubric: str
    article_id: int
    path: str  # canonical path, e.g. "/news/invest/80456/"

    @property
    def url(self) -> str:
        return CANONICAL_ORIGIN + self.path


def article_ref(url: str) -> ArticleRef | None:
    """Return the article an URL (absolute or root-relative, any variant) points at, or None."""
    path = urlsplit(url).path
    match = _ARTICLE_PATH.match(path)
    if not match:
        return None
    article_id = int(match["id"])
    if match["narnews"]:
        return ArticleRef("narnews", article_id, f"/narnews/{match['city']}/{article_id}/")
    return ArticleRef(match["rubric"], article_id, f"/news/{match['rubric']}/{article_id}/")


def canonical_article_url(url: str) -> str | None:
    """``https://www.kp40.ru/news/<rubric>/<id>/`` for any variant of an article URL, else None."""
    ref = article_ref(url)
    return ref.url if ref else None
