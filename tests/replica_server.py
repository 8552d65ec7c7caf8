"""A real HTTP server that replays a saved outlet replica (kp40 by default) as its ``manifest.json`` says.

Used by the end-to-end tests (started on 127.0.0.1 with a free port) and by the README's offline demo::

    python tests/replica_server.py --port 8080                                   # kp40
    python tests/replica_server.py --port 8081 --site tests/publishers/vest      # vest-news.ru

Manifest keys are request targets exactly as sent (path + query). A value is either a file to serve
(``{"file", "status", "content_type"}``), a redirect (``{"status": 301, "location"}``), and may carry
``"any_query": true`` to answer every other query string of that path too. Unknown targets get
``files/404.html`` with status 404. ``{{BASE}}`` in text files becomes the scheme and host the server is
reached at. Every request is appended to ``request_log`` so tests can count what a crawl fetched.
"""

from __future__ import annotations

import argparse
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

SITE_DIR = Path(__file__).resolve().parent / "site"

TEXT_TYPES = ("text/", "application/javascript", "application/json", "application/xml", "application/rss+xml")


@dataclass
class Replica:
    """The saved site: a manifest plus the directory of response bodies."""

    root: Path = SITE_DIR
    manifest: dict = field(default_factory=dict)
    #: Extra or replacing entries, e.g. a "next day" listing; same form as manifest entries, but
    #: ``"body"`` (bytes or str) may stand in for ``"file"``.
    overrides: dict = field(default_factory=dict)

    def __post_init__(self):
        if not self.manifest:
            self.manifest = json.loads((self.root / "manifest.json").read_text(encoding="utf-8"))

    def lookup(self, target: str) -> dict | None:
        for table in (self.overrides, self.manifest):
            if target in table:
                return table[target]
        path = urlsplit(target).path
        for table in (self.overrides, self.manifest):
            entry = table.get(path)
            if entry and entry.get("any_query"):
                return entry
            for key, entry in table.items():
                if entry.get("any_query") and urlsplit(key).path == path:
                    return entry
        return None

    def body_of(self, entry: dict) -> bytes:
        if "body" in entry:
            body = entry["body"]
            return body.encode("utf-8") if isinstance(body, str) else body
        return (self.root / "files" / entry["file"]).read_bytes()


class ReplicaHandler(BaseHTTPRequestHandler):
    server: "ReplicaServer"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - signature from BaseHTTPRequestHandler
        if self.server.verbose:
            super().log_message(format, *args)

    def do_HEAD(self):
        self._respond(send_body=False)

    def do_GET(self):
        self._respond(send_body=True)

    def _respond(self, send_body: bool):
        replica = self.server.replica
        entry = replica.lookup(self.path)
        if entry is None:
            entry = {"file": "404.html", "status": 404, "content_type": "text/html; charset=utf-8"}
        status = entry.get("status", 200)
        self.server.log_request_line(self.command, self.path, status, self.headers)
        if "location" in entry:
            self.send_response(status)
            self.send_header("Location", entry["location"])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = replica.body_of(entry)
        content_type = entry.get("content_type", "text/html; charset=utf-8")
        if content_type.startswith(TEXT_TYPES) and b"{{BASE}}" in body:
            body = body.replace(b"{{BASE}}", self.server.base_url.encode("ascii"))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in entry.get("headers", {}).items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(body)


class ReplicaServer(ThreadingHTTPServer):
    """``ThreadingHTTPServer`` serving a :class:`Replica`; ``start()`` runs it in a daemon thread."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, replica: Replica | None = None, host: str = "127.0.0.1", port: int = 0,
                 handler=ReplicaHandler, verbose: bool = False):
        super().__init__((host, port), handler)
        self.replica = replica or Replica()
        self.verbose = verbose
        self.request_log: list[dict] = []
        self._log_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def log_request_line(self, method, target, status, headers):
        with self._log_lock:
            self.request_log.append({"method": method, "target": target, "status": status,
                                     "user_agent": headers.get("User-Agent", "")})

    def requests_for(self, predicate=lambda target: True) -> list[str]:
        with self._log_lock:
            return [r["target"] for r in self.request_log if predicate(r["target"])]

    def start(self) -> "ReplicaServer":
        self._thread = threading.Thread(target=self.serve_forever, name="replica-server", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--site", type=Path, default=SITE_DIR, help="replica directory (manifest.json + files/)")
    args = parser.parse_args()
    server = ReplicaServer(Replica(root=args.site), host=args.host, port=args.port, verbose=True)
    print(f"Serving the replica in {args.site} at {server.base_url}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
