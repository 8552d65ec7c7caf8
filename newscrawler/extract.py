"""Article records from saved pages: ``python -m newscrawler.extract``.

    python -m newscrawler.extract [--url URL] [-o OUT] PATH...
    python -m newscrawler.extract --list FILE [-o OUT]        # FILE: one "path<TAB>url" per line (url optional)

For archives of saved pages (``.html`` or ``.html.gz``). One JSON line per input, in input order: ``source``
(the path as given), then the record's keys in ``newscrawler.items.ARTICLE_FIELDS`` order, without
``story_id`` (no crawl state here). ``crawled_at`` is the file's modification time (UTC): when the page was
saved, as far as the file knows.

Which URL a page is read as: ``--url`` (one PATH only) or the list's URL; else the page's own
``<link rel=canonical>`` / ``og:url`` when it is an absolute http(s) URL; else a ``file://`` URL (then
``publisher`` is null). When the URL's host is an outlet with a profile (``newscrawler.publishers``), its
profile reads the page with the identity rules of a crawl; any other page is read by the generic layer
(``extraction: "generic"``; publisher = the host without ``www.``; url = the canonical link when it is on
that host, else the URL given; article_id = the URL's trailing number or null).

A page that yields no article (no title or no body) gives ``{"source": …, "error": "…"}``; so does a bad
file (missing, unreadable, not gzip, over 16 MB compressed or decompressed, binary, NUL bytes), with a
message on stderr. The run always goes on. Exit status 0, or 1 when an input could not be read at all
(missing, unreadable, not gzip, too large). Scrapy's HTTP cache directories are not read (give the saved
``response_body`` files with ``--list`` and their URLs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import logging
import os
import re
import sys
import zlib
from pathlib import Path
from urllib.parse import urlsplit

from newscrawler.items import ARTICLE_FIELDS

#: No saved page is anywhere near this (the crawl's DOWNLOAD_MAXSIZE): compressed or decompressed.
MAX_BYTES = 16 * 1024 * 1024
#: Fields a record has that are no part of the output (the crawl does not export them either).
_OUTPUT_FIELDS = [name for name in ARTICLE_FIELDS if name != "story_id"]
_HEAD_URL = re.compile(
    rb"""<link\b[^>]*\brel=["']?canonical["']?[^>]*>|<meta\b[^>]*\bproperty=["']?og:url["']?[^>]*>""", re.I)
_HREF = re.compile(rb"""\b(?:href|content)=["']([^"'<>\s]+)["']""", re.I)


class Unreadable(Exception):
    """The input could not be read at all (exit status 1)."""


class BadPage(Exception):
    """The input was read but is no HTML page to extract from."""


def read_page(path: str) -> bytes:
    """The page's bytes, gunzipped for ``.gz`` (or gzip-magic) files, capped at :data:`MAX_BYTES`."""
    try:
        with open(path, "rb") as f:
            head = f.read(2)
            f.seek(0)
            if path.endswith(".gz") or head == b"\x1f\x8b":
                return _gunzip(f, path)
            data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise Unreadable(exc.strerror or str(exc)) from None
    if len(data) > MAX_BYTES:
        raise Unreadable(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    return data


def _gunzip(f, path: str) -> bytes:
    try:
        with gzip.GzipFile(fileobj=f) as unzipped:
            data = unzipped.read(MAX_BYTES + 1)  # never more than this is decompressed
    except (OSError, EOFError, zlib.error) as exc:
        raise Unreadable(f"not a readable gzip file ({exc})") from None
    if len(data) > MAX_BYTES:
        raise Unreadable(f"decompresses to more than {MAX_BYTES // (1024 * 1024)} MB")
    return data


def page_url(body: bytes) -> str | None:
    """The absolute http(s) URL the page names itself by (``<link rel=canonical>``, else ``og:url``)."""
    head = body[:200_000]
    for tag in sorted(_HEAD_URL.finditer(head), key=lambda m: b"canonical" not in m.group(0).lower()):
        found = _HREF.search(tag.group(0))
        if found:
            url = found.group(1).decode("utf-8", "replace").strip()
            if urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname:
                return url
    return None


def extract(body: bytes, url: str, mtime: float | None = None) -> dict:
    """The record of one page (keys in output order), or raises :class:`BadPage`."""
    from scrapy.http import HtmlResponse

    from newscrawler.crawl.integrity import better_encoding, looks_binary
    from newscrawler.extraction.article import parse_article, parse_unprofiled_article
    from newscrawler.publishers import REGISTRY

    if b"\x00" in body:
        raise BadPage("binary content (NUL bytes)")
    if looks_binary(body):
        raise BadPage("binary content")
    if not body.strip():
        raise BadPage("empty file")
    response = HtmlResponse(url=url, body=body)
    actual = better_encoding(body, response.encoding)
    if actual:
        response = response.replace(encoding=actual)
    parts = urlsplit(url)
    profile = REGISTRY.for_host(parts.hostname) if parts.scheme in ("http", "https") else None
    try:
        if profile is not None:
            item = parse_article(response, profile)
        else:
            origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else url
            item = parse_unprofiled_article(response, origin)
    except RecursionError:
        raise BadPage("markup too deeply nested") from None
    if not item.get("title"):
        raise BadPage("no article: no title found")
    if not item.get("body"):
        raise BadPage("no article: no main text found")
    record = {name: item.get(name) for name in _OUTPUT_FIELDS}
    if parts.scheme == "file":
        record["publisher"] = None
        record["url"] = url
    if mtime is not None:
        record["crawled_at"] = dt.datetime.fromtimestamp(mtime, dt.timezone.utc).isoformat(timespec="seconds")
    return record


def process(path: str, url: str | None) -> tuple[dict, bool]:
    """(output line, whether the input could be read)."""
    try:
        body = read_page(path)
        mtime = os.stat(path).st_mtime
    except Unreadable as exc:
        return {"source": path, "error": f"cannot read: {exc}"}, False
    try:
        url = url or page_url(body) or Path(path).resolve().as_uri()
        return {"source": path, **extract(body, url, mtime)}, True
    except BadPage as exc:
        return {"source": path, "error": str(exc)}, True
    except Exception as exc:  # pragma: no cover - one bad page must never stop the run
        return {"source": path, "error": f"extraction failed: {type(exc).__name__}: {exc}"}, True


def _inputs(args, parser) -> list[tuple[str, str | None]]:
    if args.list:
        if args.paths or args.url:
            parser.error("--list takes no PATH or --url")
        try:
            with open(args.list, encoding="utf-8") as f:
                lines = [line.rstrip("\r\n") for line in f]
        except OSError as exc:
            parser.error(f"cannot read --list {args.list}: {exc.strerror}")
        inputs = []
        for line in lines:
            if line.strip() and not line.startswith("#"):
                path, _, url = line.partition("\t")
                inputs.append((path.strip(), url.strip() or None))
        return inputs
    if not args.paths:
        parser.error("give PATH… or --list FILE")
    if args.url and len(args.paths) > 1:
        parser.error("--url names the URL of one page: give one PATH, or use --list for several")
    if args.url and urlsplit(args.url).scheme not in ("http", "https", "file"):
        parser.error(f"--url must be an http(s) URL, got {args.url!r}")
    return [(path, args.url) for path in args.paths]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m newscrawler.extract", description="Article records (JSON Lines) from saved pages.",
        epilog="crawled_at is the file's modification time; story_id is not set. Without a URL, the page's "
               "canonical link / og:url names it, else a file:// URL (read without a profile).")
    parser.add_argument("paths", nargs="*", metavar="PATH", help=".html or .html.gz file")
    parser.add_argument("--url", help="the URL the page was fetched at (one PATH only)")
    parser.add_argument("--list", metavar="FILE", help='one "path<TAB>url" per line')
    parser.add_argument("-o", "--output", metavar="OUT", help="output file (default: stdout)")
    args = parser.parse_args(argv)
    inputs = _inputs(args, parser)
    logging.basicConfig(level=logging.ERROR, format="%(name)s: %(message)s")
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    status = 0
    try:
        for path, url in inputs:
            line, readable = process(path, url)
            if "error" in line:
                print(f"newscrawler.extract: {path}: {line['error']}", file=sys.stderr)
            if not readable:
                status = 1
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            out.flush()
    finally:
        if out is not sys.stdout:
            out.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
