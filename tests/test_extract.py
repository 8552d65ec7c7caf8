"""``python -m newscrawler.extract``: records from saved pages, one line per input, bad files never fatal."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from newscrawler.extract import MAX_BYTES, main
from newscrawler.items import ARTICLE_FIELDS
from tests.conftest import crawl_env, PROJECT_DIR

TESTS = Path(__file__).resolve().parent
VEST = TESTS / "publishers" / "vest"
WP = TESTS / "wordpress_site"
WP_POST = WP / "files" / "2024/03/04/v-kaluge-otkryli-most/index.html"


def run(args, capsys) -> tuple[int, list[dict], str]:
    status = main([str(a) for a in args])
    captured = capsys.readouterr()
    return status, [json.loads(line) for line in captured.out.splitlines()], captured.err


def vest_expected(article_id: int) -> dict:
    with open(VEST / "expected.jsonl", encoding="utf-8") as f:
        return next(rec for rec in map(json.loads, f) if rec["article_id"] == article_id)


def test_profiled_page_reads_as_in_a_crawl(tmp_path, capsys):
    status, lines, err = run([VEST / "files/news/118940.html", "--url", "https://www.vest-news.ru/news/118940"], capsys)
    assert status == 0 and not err
    (record,) = lines
    assert list(record) == ["source", *[f for f in ARTICLE_FIELDS if f != "story_id"]]
    want = vest_expected(118940)
    for key in ("publisher", "url", "article_id", "title", "authors", "published_at", "body", "lead"):
        assert record[key] == want[key], key
    assert record["extraction"] == "site" and record["crawled_at"]


def test_unprofiled_page_named_by_its_canonical_link_and_gz(tmp_path, capsys):
    packed = tmp_path / "post.html.gz"
    packed.write_bytes(gzip.compress(WP_POST.read_bytes()))
    status, lines, _ = run([WP_POST, packed], capsys)
    assert status == 0
    want = json.loads((WP / "expected.jsonl").read_text(encoding="utf-8").splitlines()[0])
    for record, source in zip(lines, (WP_POST, packed)):
        assert record["source"] == str(source)
        assert record["publisher"] == "oka-vestnik.example" and record["extraction"] == "generic"
        assert (record["url"], record["title"], record["published_at"], record["authors"], record["body"]) == (
            want["url"], want["title"], want["published_at"], want["authors"], want["body"])


def test_page_without_url_or_canonical_is_a_file_url(tmp_path, capsys):
    page = tmp_path / "bare.html"
    page.write_text("<html><head><title>Заголовок</title></head><body><article><h1>Заголовок</h1>"
                    + "<p>Текст статьи, достаточно длинный, чтобы быть основным текстом страницы.</p>" * 5
                    + "</article></body></html>", encoding="utf-8")
    status, (record,), _ = run([page], capsys)
    assert status == 0
    assert record["url"] == page.resolve().as_uri() and record["publisher"] is None
    assert record["title"] == "Заголовок" and record["body"]


def test_list_file_keeps_input_order_and_bad_inputs_give_error_lines(tmp_path, capsys):
    bomb = tmp_path / "bomb.html.gz"
    with gzip.open(bomb, "wb") as f:
        chunk = b"<p>" + b"a" * (1024 * 1024) + b"</p>"
        for _ in range(MAX_BYTES // len(chunk) + 2):
            f.write(chunk)
    huge = tmp_path / "huge.html"
    with open(huge, "wb") as f:
        f.write(b"<html><body>" + b"<p>x</p>" * (MAX_BYTES // 8 + 10) + b"</body></html>")
    not_gzip = tmp_path / "fake.html.gz"
    not_gzip.write_bytes(b"<html>not gzip</html>")
    binary = tmp_path / "binary.html"
    binary.write_bytes(bytes(range(1, 256)) * 40)
    nul = tmp_path / "nul.html"
    nul.write_bytes(WP_POST.read_bytes().replace(b"<body", b"\x00<body"))
    nested = tmp_path / "nested.html"
    nested.write_text("<html><body>" + "<div>" * 200_000 + "x" + "</div>" * 200_000 + "</body></html>")
    garbage_ld = tmp_path / "ld.html"
    garbage_ld.write_text(WP_POST.read_text(encoding="utf-8").replace(
        '<script type="application/ld+json" class="yoast-schema-graph">',
        '<script type="application/ld+json">' + "[" * 100_000 + '</script><script type="application/ld+json">'
        '{"@type": {"a": 1}, "author": [[[]]]}</script><script type="application/ld+json" class="x">'), encoding="utf-8")
    listing = tmp_path / "list.tsv"
    rows = [(VEST / "files/news/81488.html", "https://www.vest-news.ru/news/81488"), (tmp_path / "missing.html", ""),
            (bomb, ""), (huge, ""), (not_gzip, ""), (binary, ""), (nul, ""), (nested, ""), (garbage_ld, ""),
            (WP / "files/index.html", "https://oka-vestnik.example/")]
    listing.write_text("".join(f"{p}\t{u}\n" for p, u in rows), encoding="utf-8")
    status, lines, err = run(["--list", listing], capsys)
    assert status == 1  # some inputs could not be read at all; the rest were still processed
    assert [line["source"] for line in lines] == [str(p) for p, _ in rows]
    assert lines[0]["article_id"] == 81488 and "error" not in lines[0]
    errors = {Path(line["source"]).name: line.get("error") for line in lines}
    assert "No such file" in errors["missing.html"]
    assert "more than 16 MB" in errors["bomb.html.gz"]
    assert "larger than 16 MB" in errors["huge.html"]
    assert "gzip" in errors["fake.html.gz"]
    assert "binary" in errors["binary.html"] and "NUL" in errors["nul.html"]
    assert errors["nested.html"].startswith("no article")
    assert errors["ld.html"] is None and lines[8]["title"] == "В Калуге открыли пешеходный мост через Оку"
    assert errors["index.html"] is None or errors["index.html"].startswith("no article")
    assert err.count("newscrawler.extract:") == sum(1 for e in errors.values() if e)


def test_command_line_writes_output_file(tmp_path):
    out = tmp_path / "out.jsonl"
    proc = subprocess.run([sys.executable, "-m", "newscrawler.extract", "-o", str(out), str(WP_POST),
                           str(tmp_path / "nope.html")], cwd=PROJECT_DIR, env=crawl_env(), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 1
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [("error" in line) for line in lines] == [False, True]
    assert "nope.html" in proc.stderr
