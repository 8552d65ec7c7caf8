"""``python -m newscrawler.schedule`` against stand-in servers: every failure exits non-zero and says why.

The happy path and the real 401 / ``{"status": "error"}`` replies are in tests/test_scrapyd.py, against scrapyd.
"""

from __future__ import annotations

import json
import re
import shlex
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from newscrawler.publishers import REGISTRY
from newscrawler.schedule import build_parser, main
from tests.conftest import PROJECT_DIR


class FakeScrapyd(BaseHTTPRequestHandler):
    """Answers every request with the server's canned (status, content type, body); records what it got."""

    def log_message(self, format, *args):  # noqa: A002
        pass

    def _reply(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.server.seen.append({"path": self.path, "auth": self.headers.get("Authorization"),
                                 "form": parse_qs(self.rfile.read(length).decode()) if length else {}})
        status, content_type, body = next(
            (answer for prefix, answer in self.server.routes.items() if self.path.startswith(prefix)),
            self.server.answer)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _reply


@pytest.fixture
def fake():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeScrapyd)
    server.seen = []
    server.routes = {}
    server.answer = (200, "application/json", b'{"status": "ok", "jobid": "abc123"}')
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/"
    yield server
    server.shutdown()
    server.server_close()


def test_prints_the_job_id_and_sends_arguments_settings_and_auth(fake, capsys, monkeypatch):
    monkeypatch.setenv("SCRAPYD_USERNAME", "u")
    monkeypatch.setenv("SCRAPYD_PASSWORD", "p")
    code = main(["--url", fake.url, "-a", "source=rss", "-a", "since=2024-01-01", "-s", "LOG_LEVEL=DEBUG",
                 "-s", "SEEN_STORE_PATH=/srv/seen.sqlite3"])
    out, err = capsys.readouterr()
    assert (code, out, err) == (0, "abc123\n", "")
    (request,) = fake.seen
    assert request["path"] == "/schedule.json"
    assert request["auth"] == "Basic dTpw"  # u:p
    assert request["form"] == {"project": ["newscrawler"], "spider": ["kp40"], "source": ["rss"],
                               "since": ["2024-01-01"],
                               "setting": ["LOG_LEVEL=DEBUG", "SEEN_STORE_PATH=/srv/seen.sqlite3"]}


@pytest.mark.parametrize("answer, message", [
    ((401, "text/plain", b"Unauthorized"), "HTTP 401 Unauthorized (wrong or missing credentials"),
    ((500, "application/json", b'{"status": "error", "message": "boom"}'), "HTTP 500 Internal Server Error: boom"),
    ((200, "application/json", b'{"status": "error", "message": "project \'newscrawler\' not found"}'),
     "scrapyd says error: project 'newscrawler' not found"),
    ((200, "text/html", b"<html>not scrapyd</html>"), "not a JSON reply"),
    ((200, "application/json", b'{"status": "ok"}'), "no job id in the reply"),
])
def test_any_error_reply_exits_1(fake, capsys, answer, message):
    fake.answer = answer
    code = main(["--url", fake.url, "--username", "u", "--password", "p"])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert message in err, err


def test_unreachable_scrapyd_exits_1(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    code = main(["--url", f"http://127.0.0.1:{port}/", "--timeout", "5"])
    out, err = capsys.readouterr()
    assert code == 1 and out == "" and "cannot reach scrapyd" in err


def test_bad_command_line_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["-a", "no-equals-sign"])
    assert exc.value.code == 2
    assert "expected NAME=VALUE" in capsys.readouterr().err


def test_scrapyd_parameter_names_are_not_spider_arguments(fake, capsys):
    assert main(["--url", fake.url, "-a", "jobid=x"]) == 1
    assert "scrapyd parameter name" in capsys.readouterr().err
    assert fake.seen == []


def _shipped_command_lines() -> list[str]:
    """The schedule commands the deploy examples run: the templated unit once per spider, every crontab line."""
    deploy = PROJECT_DIR / "deploy"
    unit = [line.split("=", 1)[1] for line in (deploy / "newscrawler-crawl@.service").read_text().splitlines()
            if line.startswith("ExecStart=")]
    lines = [line.replace("%i", spider) for line in unit for spider in SPIDERS]
    lines += [line for line in (deploy / "crontab.example").read_text().splitlines()
              if line.strip() and not line.startswith(("#", "SHELL="))]
    return lines


SPIDERS = [*REGISTRY.slugs(), "kaluga"]


def test_shipped_timer_and_crontab_call_the_command_with_valid_arguments():
    lines = _shipped_command_lines()
    assert len(lines) == len(SPIDERS) + len(REGISTRY.slugs())  # the unit per spider; cron: one line per outlet
    scheduled = set()
    for line in lines:
        words = shlex.split(re.split(r"[;&|>]", line.split("-m newscrawler.schedule", 1)[1])[0])
        args = build_parser().parse_args(words)
        assert (args.project, args.url) == ("newscrawler", "http://127.0.0.1:6800/")
        assert args.spider in SPIDERS
        scheduled.add(args.spider)
    assert set(REGISTRY.slugs()) <= scheduled


def test_timer_names_its_unit_per_instance():
    timer = (PROJECT_DIR / "deploy" / "newscrawler-crawl@.timer").read_text()
    assert "Unit=newscrawler-crawl@%i.service" in timer


def test_environment_file_example_names_what_the_units_use():
    example = (PROJECT_DIR / "deploy" / "newscrawler.env.example").read_text()
    names = set(re.findall(r"^([A-Z_]+)=", example, re.M))
    assert names == {"SCRAPYD_USERNAME", "SCRAPYD_PASSWORD", "NEWSCRAWLER_STATE_DIR"}
    for unit in ("newscrawler-scrapyd.service", "newscrawler-crawl@.service"):
        assert "EnvironmentFile=/etc/newscrawler/newscrawler.env" in (PROJECT_DIR / "deploy" / unit).read_text()


def _job_log(finish_reason: str | None, errors: int = 0, items: int = 3) -> bytes:
    if finish_reason is None:
        return b"2026-01-01 00:00:00 [twisted] CRITICAL: Unhandled error\nTraceback ...\n"
    stats = f"'finish_reason': '{finish_reason}',\n 'item_scraped_count': {items},\n"
    if errors:
        stats += f" 'log_count/ERROR': {errors},\n"
    return ("[scrapy.statscollectors] INFO: Dumping Scrapy stats:\n{" + stats + "}\n").encode()


@pytest.mark.parametrize("log, code, message", [
    (_job_log("finished"), 0, "job abc123 finished: 3 items"),
    (_job_log("finished", errors=2), 1, "finished with 2 ERROR log lines"),
    (_job_log("shutdown"), 1, "ended with finish_reason 'shutdown'"),
    (_job_log(None), 1, "ended without a final stats dump"),
])
def test_wait_follows_the_job_and_judges_its_log(fake, capsys, log, code, message):
    ok = lambda payload: (200, "application/json", json.dumps({"status": "ok", **payload}).encode())  # noqa: E731
    fake.routes = {
        "/status.json": ok({"currstate": "finished"}),
        "/listjobs.json": ok({"finished": [{"id": "abc123", "log_url": "/logs/newscrawler/kp40/abc123.log"}]}),
        "/logs/newscrawler/kp40/abc123.log": (200, "text/plain", log),
    }
    assert main(["--url", fake.url, "--wait", "--poll-interval", "0"]) == code
    out, err = capsys.readouterr()
    assert out == "abc123\n" and message in err, err
    assert [r["path"].split("?")[0] for r in fake.seen] == [
        "/schedule.json", "/status.json", "/listjobs.json", "/logs/newscrawler/kp40/abc123.log"]


def test_wait_gives_up_after_the_timeout(fake, capsys):
    fake.routes = {"/status.json": (200, "application/json", b'{"status": "ok", "currstate": "running"}')}
    assert main(["--url", fake.url, "--wait", "--wait-timeout", "0.2", "--poll-interval", "0.05"]) == 1
    assert "still running after" in capsys.readouterr().err
