"""Schedule a crawl on a scrapyd: what cron or a systemd timer runs every few hours.

    python -m newscrawler.schedule --url http://127.0.0.1:6800/ -a source=listing

POSTs ``schedule.json`` (HTTP Basic auth from ``--username``/``--password`` or ``SCRAPYD_USERNAME`` /
``SCRAPYD_PASSWORD``), prints the job id on stdout and exits 0. Any failure — scrapyd unreachable, an HTTP
error such as 401, a reply that is not JSON, ``{"status": "error"}`` — prints the reason on stderr and exits 1
(2 for bad command-line usage). With ``--wait`` it also follows the job until scrapyd lists it as finished and
exits 1 unless the job's log says the crawl finished normally (``finish_reason: finished``, no ERROR lines).

Standard library only, so it runs from a checkout (``python -m newscrawler.schedule``) or as a plain script
(``python newscrawler/schedule.py``) without importing Scrapy. See docs/scheduling.md.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import sys
import time
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urljoin
from urllib.request import Request, urlopen

DEFAULT_URL = "http://127.0.0.1:6800/"
EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class ScheduleError(Exception):
    """Anything that means the crawl was not (or not successfully) scheduled or run."""


def key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return key.strip(), value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m newscrawler.schedule",
        description="Schedule a newscrawler crawl on a scrapyd; print the job id (exit 1 on any error).",
    )
    parser.add_argument("--url", default=os.environ.get("SCRAPYD_URL") or DEFAULT_URL,
                        help="scrapyd base URL (default: $SCRAPYD_URL or %(default)s)")
    parser.add_argument("--project", default="newscrawler", help="scrapyd project (default: %(default)s)")
    parser.add_argument("--spider", default="kp40", help="spider name (default: %(default)s)")
    parser.add_argument("-a", dest="spider_args", metavar="NAME=VALUE", type=key_value, action="append",
                        default=[], help="spider argument, e.g. -a source=rss (repeatable)")
    parser.add_argument("-s", dest="settings", metavar="NAME=VALUE", type=key_value, action="append",
                        default=[], help="Scrapy setting for this job, e.g. -s LOG_LEVEL=DEBUG (repeatable)")
    parser.add_argument("--egg-version", dest="egg_version", help="egg version to run (default: the newest)")
    parser.add_argument("--jobid", help="job id to use (default: scrapyd makes one)")
    parser.add_argument("--priority", type=float, help="queue priority (higher runs first)")
    parser.add_argument("--username", default=os.environ.get("SCRAPYD_USERNAME", ""),
                        help="HTTP Basic auth user (default: $SCRAPYD_USERNAME)")
    parser.add_argument("--password", default=os.environ.get("SCRAPYD_PASSWORD", ""),
                        help="HTTP Basic auth password (default: $SCRAPYD_PASSWORD; prefer the variable: "
                             "arguments are visible to other users in ps)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per HTTP request (default: 30)")
    parser.add_argument("--wait", action="store_true",
                        help="wait for the job to finish; exit 1 unless its log reports finish_reason 'finished' "
                             "and no ERROR lines")
    parser.add_argument("--wait-timeout", type=float, default=6 * 3600,
                        help="give up waiting after this many seconds (default: 6 h)")
    parser.add_argument("--poll-interval", type=float, default=10.0, help="seconds between status checks")
    return parser


class Scrapyd:
    """The few scrapyd endpoints this command needs, over urllib with preemptive Basic auth."""

    def __init__(self, url: str, username: str = "", password: str = "", timeout: float = 30.0):
        self.url = url if url.endswith("/") else url + "/"
        self.timeout = timeout
        self.headers = {"Accept": "application/json"}
        if username or password:
            token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
            self.headers["Authorization"] = f"Basic {token}"

    def _open(self, path: str, data: list[tuple[str, str]] | None = None, query: dict | None = None) -> bytes:
        url = urljoin(self.url, path)
        if query:
            url += "?" + urlencode(query)
        body = urlencode(data).encode() if data is not None else None
        request = Request(url, data=body, headers=self.headers, method="POST" if body is not None else "GET")
        try:
            with urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except HTTPError as e:
            detail = _error_detail(e)
            hint = " (wrong or missing credentials: set SCRAPYD_USERNAME/SCRAPYD_PASSWORD)" if e.code == 401 else ""
            raise ScheduleError(f"{url}: HTTP {e.code} {e.reason}{hint}{detail}") from None
        except URLError as e:
            raise ScheduleError(f"cannot reach scrapyd at {url}: {e.reason}") from None
        except (TimeoutError, OSError) as e:
            raise ScheduleError(f"cannot reach scrapyd at {url}: {e}") from None

    def call(self, endpoint: str, data: list[tuple[str, str]] | None = None, **query) -> dict:
        raw = self._open(endpoint, data=data, query=query or None)
        try:
            reply = json.loads(raw)
        except ValueError:
            raise ScheduleError(f"{endpoint}: not a JSON reply: {raw[:200]!r}") from None
        if not isinstance(reply, dict) or reply.get("status") != "ok":
            message = reply.get("message", reply) if isinstance(reply, dict) else reply
            raise ScheduleError(f"{endpoint}: scrapyd says error: {message}")
        return reply

    def text(self, path: str) -> str:
        return self._open(path).decode("utf-8", "replace")


def _error_detail(error: HTTPError) -> str:
    try:
        body = error.read(500).decode("utf-8", "replace").strip()
    except Exception:  # noqa: BLE001 - the status line is the message; the body is a bonus
        return ""
    try:
        message = json.loads(body).get("message")
    except (ValueError, AttributeError):
        message = None
    return f": {message}" if message else ""


def schedule(client: Scrapyd, args: argparse.Namespace) -> str:
    data = [("project", args.project), ("spider", args.spider)]
    data += [("setting", f"{name}={value}") for name, value in args.settings]
    if args.egg_version:
        data.append(("_version", args.egg_version))
    if args.jobid:
        data.append(("jobid", args.jobid))
    if args.priority is not None:
        data.append(("priority", str(args.priority)))
    reserved = {"project", "spider", "setting", "jobid", "priority", "_version"}
    for name, value in args.spider_args:
        if name in reserved:
            raise ScheduleError(f"-a {name}=… is a scrapyd parameter name, not usable as a spider argument")
        data.append((name, value))
    reply = client.call("schedule.json", data=data)
    jobid = reply.get("jobid")
    if not jobid:
        raise ScheduleError(f"schedule.json: no job id in the reply: {reply}")
    return jobid


_FINISH_REASON = re.compile(r"'finish_reason': '([^']*)'")
_ITEM_COUNT = re.compile(r"'item_scraped_count': (\d+)")
_ERROR_COUNT = re.compile(r"'log_count/ERROR': (\d+)")


def wait_for(client: Scrapyd, project: str, jobid: str, timeout: float, interval: float) -> str:
    """Block until the job is finished; return a one-line summary or raise if the crawl did not finish well."""
    deadline = time.monotonic() + timeout
    while True:
        state = client.call("status.json", job=jobid, project=project).get("currstate")
        if state == "finished":
            break
        if state is None:
            raise ScheduleError(f"job {jobid} is unknown to scrapyd (cancelled, or the queue was reset?)")
        if time.monotonic() >= deadline:
            raise ScheduleError(f"job {jobid} still {state} after {timeout:.0f} s")
        time.sleep(interval)

    jobs = client.call("listjobs.json", project=project).get("finished", [])
    job = next((j for j in jobs if j.get("id") == jobid), None)
    log_url = job and job.get("log_url")
    if not log_url:
        raise ScheduleError(f"job {jobid} finished, but scrapyd keeps no log for it: cannot tell whether it worked")
    log = client.text(log_url.lstrip("/"))
    reasons = _FINISH_REASON.findall(log)
    if not reasons:
        raise ScheduleError(f"job {jobid} ended without a final stats dump (crashed?); see {log_url}")
    if reasons[-1] != "finished":
        raise ScheduleError(f"job {jobid} ended with finish_reason {reasons[-1]!r}; see {log_url}")
    errors = _ERROR_COUNT.findall(log)
    if errors and int(errors[-1]):
        raise ScheduleError(f"job {jobid} finished with {errors[-1]} ERROR log lines (site unreachable?); see {log_url}")
    items = _ITEM_COUNT.findall(log)
    return f"job {jobid} finished: {items[-1] if items else 0} items"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    client = Scrapyd(args.url, args.username, args.password, timeout=args.timeout)
    try:
        jobid = schedule(client, args)
        print(jobid, flush=True)
        if args.wait:
            print(wait_for(client, args.project, jobid, args.wait_timeout, args.poll_interval), file=sys.stderr)
    except ScheduleError as e:
        print(f"newscrawler.schedule: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
