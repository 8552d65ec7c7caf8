"""Serve a generated site with :class:`tests.replica_server.ReplicaServer`, in its own process, for the benchmark.

Prints ``READY <base_url>`` once listening, then answers one command a line on stdin:

``count``            → ``COUNT <n> <json list of request targets since the previous count>``
``manifest <path>``  → ``OK``: serve that manifest (same ``files/``) from now on — the site after new articles
``quit``             → stops

Its own process so that serving (a thread per connection, under its own GIL) neither slows the benchmark's
bookkeeping nor counts in the crawler's memory; both share the machine's cores, as a crawler and a remote
site never do, so the crawl figures are conservative.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.replica_server import Replica, ReplicaServer  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    server = ReplicaServer(Replica(root=args.site), port=args.port).start()
    print(f"READY {server.base_url}", flush=True)
    counted = 0
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        if command == "count":
            targets = server.requests_for()
            print(f"COUNT {len(targets) - counted} {json.dumps(targets[counted:])}", flush=True)
            counted = len(targets)
        elif command == "manifest":
            server.replica = Replica(root=args.site,
                                     manifest=json.loads(Path(arg).read_text(encoding="utf-8")))
            print("OK", flush=True)
        elif command == "quit":
            break
        else:
            print(f"ERROR unknown command {command!r}", flush=True)
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
