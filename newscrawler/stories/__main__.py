"""``python -m newscrawler.stories OUTPUT.jsonl… [--csv FILE]``: the stories carried by two or more outlets."""

from __future__ import annotations

import argparse
import sys

from newscrawler.stories.report import multi_outlet_stories, read_records, write_csv, write_text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m newscrawler.stories",
        description="Report the stories carried by two or more outlets in crawl output (records with story_id).")
    parser.add_argument("outputs", nargs="+", metavar="OUTPUT.jsonl", help="JSON Lines crawl output")
    parser.add_argument("--csv", metavar="FILE", help="also write one CSV row per article of those stories")
    args = parser.parse_args(argv)

    records, bad_lines = read_records(args.outputs)
    stories = multi_outlet_stories(records)
    write_text(stories, sys.stdout)
    if args.csv:
        with open(args.csv, "w", encoding="utf-8", newline="") as out:
            write_csv(stories, out)
    if bad_lines:
        print(f"{bad_lines} bad input lines skipped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
