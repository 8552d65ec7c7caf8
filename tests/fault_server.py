"""The replica server with faults: a flaky kp40.ru for the reliability tests.

:class:`FaultServer` serves the saved site like :class:`~tests.replica_server.ReplicaServer`, but a
:class:`FaultPlan` decides, per request target and attempt, whether to answer with a fault instead:

``500`` / ``503``  an error status with a small HTML body
``slow``           sleep ``slow_seconds`` (beyond the crawl's DOWNLOAD_TIMEOUT), then answer normally
``truncate``       a Content-Length for the whole page, half the bytes, then close the connection
``cut``            a well-formed chunked response whose HTML stops at 60 %: no transport error at all,
                   only the missing ``</html>`` tells
``drop``           read the request, close the connection without a byte of response

Faults are deterministic: :func:`hashed_faults` picks one kind per article URL from a hash of the target
and injects it on the first attempt(s) only, so retries recover. Every injected fault is recorded in
``server.injected`` so a test can check each kind was exercised.

    python tests/fault_server.py --port 8081     # the flaky site by hand
"""

from __future__ import annotations

import argparse
import hashlib
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

from tests.replica_server import TEXT_TYPES, Replica, ReplicaHandler, ReplicaServer

KINDS = ("500", "503", "slow", "truncate", "cut", "drop")
ARTICLE_PATH = re.compile(r"^/(news/[a-z_]+|narnews/kaluga)/\d+/$")


@dataclass
class FaultPlan:
    """``faults``: target → the faults of its attempts 1, 2, …; ``rule`` decides for the other targets."""

    faults: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rule: Callable[[str], tuple[str, ...]] | None = None

    def faults_for(self, target: str) -> tuple[str, ...]:
        if target in self.faults:
            return tuple(self.faults[target])
        return tuple(self.rule(target)) if self.rule else ()


def fault_kind(target: str, kinds=KINDS, clean_slots: int = 1) -> str | None:
    """A stable pick among ``kinds`` plus ``clean_slots`` "no fault" slots, by the target's hash."""
    slot = int(hashlib.sha1(target.encode("utf-8")).hexdigest(), 16) % (len(kinds) + clean_slots)
    return kinds[slot] if slot < len(kinds) else None


def hashed_faults(kinds=KINDS, clean_slots: int = 1, pattern=ARTICLE_PATH) -> Callable[[str], tuple[str, ...]]:
    """Rule: every target whose path matches ``pattern`` gets one fault kind on its first attempt.

    ``drop`` is injected on the first two attempts: Twisted silently re-sends a request once when a
    reused keep-alive connection closes before answering, so a single drop may never reach Scrapy.
    """

    def rule(target: str) -> tuple[str, ...]:
        if not pattern.match(urlsplit(target).path):
            return ()
        kind = fault_kind(target, kinds, clean_slots)
        if kind is None:
            return ()
        return (kind, kind) if kind == "drop" else (kind,)

    return rule


class FaultHandler(ReplicaHandler):
    server: "FaultServer"

    def _respond(self, send_body: bool):
        fault = self.server.next_fault(self.path) if self.command == "GET" else None
        if fault is None:
            return super()._respond(send_body)
        self.server.log_request_line(self.command, self.path, f"fault:{fault}", self.headers)
        getattr(self, f"_fault_{fault}")()

    def _page(self) -> tuple[int, str, bytes]:
        """Status, Content-Type and body the replica would serve for this target."""
        replica = self.server.replica
        entry = replica.lookup(self.path) or {"file": "404.html", "status": 404}
        body = replica.body_of(entry) if "location" not in entry else b""
        content_type = entry.get("content_type", "text/html; charset=utf-8")
        if content_type.startswith(TEXT_TYPES) and b"{{BASE}}" in body:
            body = body.replace(b"{{BASE}}", self.server.base_url.encode("ascii"))
        return entry.get("status", 200), content_type, body

    def _error(self, status: int):
        body = f"<html><body><h1>{status}</h1></body></html>".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _fault_500(self):
        self._error(500)

    def _fault_503(self):
        self._error(503)

    def _fault_slow(self):
        time.sleep(self.server.slow_seconds)
        try:
            super()._respond(send_body=True)
        except OSError:  # the client gave up long ago
            pass
        self.close_connection = True

    def _fault_truncate(self):
        status, content_type, body = self._page()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True

    def _fault_cut(self):
        status, content_type, body = self._page()
        part = body[: int(len(body) * 0.6)]
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(part), part))

    def _fault_drop(self):
        self.close_connection = True


class FaultServer(ReplicaServer):
    """A :class:`ReplicaServer` that answers with the faults of its :class:`FaultPlan`."""

    def __init__(self, replica: Replica | None = None, plan: FaultPlan | None = None, slow_seconds: float = 3.0,
                 delay: float = 0.0, host: str = "127.0.0.1", port: int = 0, verbose: bool = False):
        super().__init__(replica, host=host, port=port, handler=FaultHandler, verbose=verbose)
        self.plan = plan or FaultPlan()
        self.slow_seconds = slow_seconds
        #: Seconds every article answer waits (slows a crawl down so a test can interrupt it midway).
        self.delay = delay
        self.attempts: Counter[str] = Counter()
        self.injected: list[tuple[str, str]] = []
        self._fault_lock = threading.Lock()

    def next_fault(self, target: str) -> str | None:
        with self._fault_lock:
            attempt = self.attempts[target]
            self.attempts[target] += 1
            faults = self.plan.faults_for(target)
            fault = faults[attempt] if attempt < len(faults) else None
            if fault:
                self.injected.append((target, fault))
        if fault is None and self.delay and ARTICLE_PATH.match(urlsplit(target).path):
            time.sleep(self.delay)
        return fault

    def injected_kinds(self) -> Counter[str]:
        with self._fault_lock:
            return Counter(kind for _, kind in self.injected)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--slow-seconds", type=float, default=3.0)
    args = parser.parse_args()
    server = FaultServer(plan=FaultPlan(rule=hashed_faults()), slow_seconds=args.slow_seconds,
                         host=args.host, port=args.port, verbose=True)
    print(f"Serving the flaky kp40 replica at {server.base_url}/news/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
