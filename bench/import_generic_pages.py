"""Rebuild ``tests/generic_pages/`` (gzipped HTML + ``manifest.jsonl``) from local git snapshots of the
public test sets listed in ``tests/generic_pages/README.md``. Data only: nothing of those repositories'
code is used or copied.

    python bench/import_generic_pages.py SCRAPINGHUB_GIT READABILITY_GIT TRAFILATURA_GIT
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

from lxml import html

OUT = Path(__file__).resolve().parent.parent / "tests" / "generic_pages"
_LANG = re.compile(rb"<html[^>]*\slang=[\"']?([a-zA-Z]{2})", re.IGNORECASE)
_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "figcaption", "td", "dd", "dt"}


def git_show(git_dir: str, path: str) -> bytes:
    return subprocess.run(["git", f"--git-dir={git_dir}", "show", f"HEAD:{path}"], check=True,
                          capture_output=True).stdout


def git_ls(git_dir: str, path: str, dirs: bool = False) -> list[str]:
    args = ["git", f"--git-dir={git_dir}", "ls-tree", "--name-only"] + (["-d"] if dirs else []) + [f"HEAD:{path}"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.split()


def language_of(page: bytes, reference_text: str) -> str:
    """The page's declared ``<html lang>``, else a guess from the reference text."""
    match = _LANG.search(page[:20000])
    return match.group(1).decode().lower() if match else guess_language(reference_text)


_STOPWORDS = {
    "en": {"the", "and", "of", "to", "is", "that", "with"},
    "de": {"der", "die", "und", "das", "nicht", "ist", "mit"},
    "fr": {"le", "la", "les", "et", "des", "est", "une"},
    "es": {"el", "los", "las", "y", "que", "del", "una"},
    "pt": {"o", "os", "e", "que", "do", "da", "uma"},
    "it": {"il", "gli", "e", "che", "della", "di", "una"},
}


def guess_language(text: str) -> str:
    """Language of a reference text when the page does not declare one: script first, then stopwords."""
    scripts = {"ru": r"[а-яё]", "ko": r"[\uac00-\ud7af]", "ja": r"[\u3040-\u30ff]", "zh": r"[\u4e00-\u9fff]"}
    counts = {lang: len(re.findall(pattern, text, re.IGNORECASE)) for lang, pattern in scripts.items()}
    if counts["ja"] > 20:
        return "ja"
    lang, count = max(counts.items(), key=lambda item: item[1])
    if count > 50:
        return lang
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    scores = {lang: sum(word in stop for word in words) for lang, stop in _STOPWORDS.items()}
    lang, score = max(scores.items(), key=lambda item: item[1])
    return lang if score >= 5 else "und"


def html_to_paragraphs(markup: bytes) -> str:
    """Text of the innermost block elements of a reference HTML, one paragraph per block."""
    root = html.fromstring(markup)
    paragraphs = []
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in _BLOCKS and not any(
                isinstance(d.tag, str) and d.tag in _BLOCKS for d in el.iterdescendants()):
            text = " ".join("".join(el.itertext()).split())
            if text:
                paragraphs.append(text)
    return "\n\n".join(paragraphs)


def write_page(name: str, page: bytes) -> str:
    path = OUT / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(page, compresslevel=9, mtime=0))
    return name


def scrapinghub(git_dir: str):
    truth = json.loads(git_show(git_dir, "ground-truth.json"))
    for key, entry in sorted(truth.items()):
        page = gzip.decompress(git_show(git_dir, f"html/{key}.html.gz"))
        yield {"file": write_page(f"scrapinghub/{key}.html.gz", page), "source": "scrapinghub",
               "url": entry["url"], "language": language_of(page, entry["articleBody"]), "title": None, "published_at": None,
               "authors": None, "body": entry["articleBody"]}


def readability(git_dir: str):
    for name in git_ls(git_dir, "test/test-pages", dirs=True):
        base = f"test/test-pages/{name}"
        try:
            meta = json.loads(git_show(git_dir, f"{base}/expected-metadata.json"))
            page = git_show(git_dir, f"{base}/source.html")
            expected = git_show(git_dir, f"{base}/expected.html")
        except subprocess.CalledProcessError:
            continue
        if meta.get("readerable") is False:
            continue  # readability itself says the page is no article
        byline = meta.get("byline")
        body = html_to_paragraphs(expected)
        yield {"file": write_page(f"readability/{name}.html.gz", page), "source": "readability",
               "url": "http://fakehost/test/page.html",
               "language": (meta.get("lang") or language_of(page, body)).split("-")[0].lower(),
               "title": meta.get("title"), "published_at": meta.get("publishedTime"),
               "authors": [byline] if byline else None, "body": body}


def trafilatura_russian(git_dir: str):
    """The Russian-language pages of trafilatura's evaluation set: snippets that must (not) be extracted."""
    evaldata = json.loads(git_show(git_dir, "tests/evaldata.json"))
    for url, entry in sorted(evaldata.items()):
        if not re.search(r"[а-яё]{4}", " ".join(entry.get("with", [])), re.IGNORECASE):
            continue
        page = git_show(git_dir, f"tests/eval/{entry['file']}")
        yield {"file": write_page(f"trafilatura/{entry['file']}.gz", page), "source": "trafilatura",
               "url": url, "language": "ru", "title": None, "published_at": None, "authors": None,
               "body": None, "body_with": entry.get("with", []), "body_without": entry.get("without", [])}


def main(scrapinghub_git: str, readability_git: str, trafilatura_git: str) -> None:
    rows = [*scrapinghub(scrapinghub_git), *readability(readability_git), *trafilatura_russian(trafilatura_git)]
    with open(OUT / "manifest.jsonl", "w", encoding="utf-8") as manifest:
        for row in rows:
            manifest.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} pages")


if __name__ == "__main__":
    main(*sys.argv[1:4])
