"""Scheduled crawls through a real scrapyd, end to end.

One scrapyd process for the module (``python -m scrapyd`` on 127.0.0.1, a free port, Basic auth, the
shipped ``deploy/scrapyd.conf`` with its paths moved into a temp dir), the project deployed to it with
``scrapyd-deploy`` from a clean copy of the sources, and the saved site served by the replica server.
The tests run in file order and build on each other: first run, "next day" run, restart.
"""

from __future__ import annotations

import base64
import configparser
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest

from newscrawler.items import ARTICLE_FIELDS
from newscrawler.publishers import REGISTRY
from tests.conftest import PROJECT_DIR, comparable, load_expected
from tests.replica_server import SITE_DIR, Replica, ReplicaServer

try:
    import scrapyd  # noqa: F401
    import scrapyd_client  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    _MISSING = f"{exc}"
else:
    _MISSING = ""

if _MISSING and os.environ.get("CI", "").lower() == "true":
    raise ImportError(f"scrapyd tests must run in CI, but scrapyd/scrapyd-client is missing: {_MISSING}")

pytestmark = pytest.mark.skipif(
    bool(_MISSING), reason=f"scrapyd or scrapyd-client not installed ({_MISSING}): pip install -r requirements.txt"
)

PROJECT = "newscrawler"
SPIDER = "kp40"
SHIPPED_CONF = PROJECT_DIR / "deploy" / "scrapyd.conf"
JOB_TIMEOUT = 120
#: Politeness off for the loopback replica, as in tests/conftest.py:run_crawl.
FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "CONCURRENT_REQUESTS_PER_DOMAIN": "8"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- scrapyd as a service ---------------------------------------------------------------------------------


class ScrapydService:
    """A scrapyd subprocess configured from deploy/scrapyd.conf, its files under ``root``."""

    def __init__(self, root: Path):
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.username = "newscrawler"
        self.password = base64.urlsafe_b64encode(os.urandom(12)).decode()
        self.workdir = root / "run"  # scrapyd's cwd: where it finds scrapyd.conf, and where jobs run
        self.items_dir = root / "items"
        self.logs_dir = root / "logs"
        self.state_dir = root / "state"
        self.output = root / "scrapyd.out"
        self.proc: subprocess.Popen | None = None
        self._write_config()

    def _write_config(self):
        cp = configparser.ConfigParser(interpolation=None)
        cp.read(SHIPPED_CONF, encoding="utf-8")
        conf = cp["scrapyd"]
        assert conf["bind_address"] == "127.0.0.1"
        conf["http_port"] = str(self.port)
        conf["poll_interval"] = "0.5"  # start jobs promptly; everything else as shipped
        for name, path in (("eggs_dir", self.root / "eggs"), ("dbs_dir", self.root / "dbs"),
                           ("logs_dir", self.logs_dir), ("items_dir", self.items_dir)):
            conf[name] = str(path)
        self.workdir.mkdir(parents=True)
        with open(self.workdir / "scrapyd.conf", "w", encoding="utf-8") as f:
            cp.write(f)

    def env(self) -> dict:
        """As the systemd unit gives it: credentials and the state dir from the environment file.

        No PYTHONPATH and a working directory outside the checkout, so jobs can only import the egg.
        """
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT", "SCRAPYD_EGG_VERSION")}
        env.update(SCRAPYD_USERNAME=self.username, SCRAPYD_PASSWORD=self.password,
                   NEWSCRAWLER_STATE_DIR=str(self.state_dir), PYTHONUNBUFFERED="1")
        return env

    def start(self, timeout: float = 30):
        with open(self.output, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "scrapyd", "--pidfile=", "--logfile=-"],
                                         cwd=self.workdir, env=self.env(), stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"scrapyd exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if self.get("daemonstatus.json")["status"] == "ok":
                    return
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"scrapyd did not answer on {self.url} within {timeout} s:\n{self.log_tail()}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.proc = None

    def log_tail(self, chars: int = 4000) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")[-chars:] if self.output.exists() else ""

    # HTTP, with or without credentials
    def request(self, endpoint: str, data: dict | list | None = None, auth: tuple[str, str] | None | bool = True,
                **query) -> tuple[int, bytes]:
        url = self.url + endpoint + ("?" + urlencode(query) if query else "")
        headers = {}
        if auth is True:
            auth = (self.username, self.password)
        if auth:
            headers["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        body = urlencode(data).encode() if data is not None else None
        try:
            with urlopen(Request(url, data=body, headers=headers), timeout=30) as response:
                return response.status, response.read()
        except HTTPError as e:
            return e.code, e.read()

    def get(self, endpoint: str, **query) -> dict:
        status, body = self.request(endpoint, **query)
        assert status == 200, (endpoint, status, body[:300])
        return json.loads(body)

    def wait_finished(self, jobid: str, timeout: float = JOB_TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            jobs = self.get("listjobs.json", project=PROJECT)
            for job in jobs["finished"]:
                if job["id"] == jobid:
                    return job
            time.sleep(0.5)
        pytest.fail(f"job {jobid} not finished after {timeout} s; listjobs: {jobs}\n{self.log_tail()}")

    def items_file(self, jobid: str) -> Path:
        """The documented place: <items_dir>/<project>/<spider>/<job id>.jl."""
        return self.items_dir / PROJECT / SPIDER / f"{jobid}.jl"

    def log_file(self, jobid: str) -> Path:
        return self.logs_dir / PROJECT / SPIDER / f"{jobid}.log"


@pytest.fixture(scope="module")
def scrapyd_service(tmp_path_factory):
    for path in (Path("/etc/scrapyd/scrapyd.conf"), Path.home() / ".scrapyd.conf"):
        if path.exists():
            pytest.fail(f"{path} exists: scrapyd reads it after the test's own scrapyd.conf, so it would override it")
    service = ScrapydService(tmp_path_factory.mktemp("scrapyd"))
    service.start()
    yield service
    service.stop()


def source_copy(dest: Path) -> Path:
    """What a fresh clone holds for packaging: setup.py, scrapy.cfg and the package (no build litter)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("setup.py", "scrapy.cfg"):
        shutil.copy2(PROJECT_DIR / name, dest / name)
    shutil.copytree(PROJECT_DIR / "newscrawler", dest / "newscrawler",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


def scrapyd_deploy(src: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in (env or os.environ).items() if k not in ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE")}
    return subprocess.run([sys.executable, "-m", "scrapyd_client.deploy", *args], cwd=src, env=env,
                          capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def deployed(scrapyd_service, tmp_path_factory):
    """``scrapyd-deploy remote`` with the shipped scrapy.cfg, the target URL and credentials from the environment."""
    src = source_copy(tmp_path_factory.mktemp("src"))
    env = {**os.environ, "SCRAPYD_URL": scrapyd_service.url, "SCRAPYD_USERNAME": scrapyd_service.username,
           "SCRAPYD_PASSWORD": scrapyd_service.password}
    result = scrapyd_deploy(src, "remote", "--version", "1", env=env)
    assert result.returncode == 0, result.stderr + result.stdout + scrapyd_service.log_tail()
    reply = json.loads(result.stdout.strip().splitlines()[-1])
    # every outlet's spider, the region's and `site`: the profiles are found inside the egg too
    assert reply["status"] == "ok" and reply["project"] == PROJECT and reply["spiders"] == len(REGISTRY.slugs()) + 2, reply
    return reply


@pytest.fixture(scope="module")
def site():
    server = ReplicaServer(Replica()).start()
    yield server
    server.stop()


def run_schedule(service: ScrapydService, *args: str, credentials: bool = True,
                 timeout: float = 60) -> subprocess.CompletedProcess:
    """``python -m newscrawler.schedule`` from the checkout, as cron / the systemd timer runs it."""
    env = {k: v for k, v in os.environ.items() if k not in ("SCRAPYD_USERNAME", "SCRAPYD_PASSWORD", "SCRAPYD_URL")}
    if credentials:
        env.update(SCRAPYD_USERNAME=service.username, SCRAPYD_PASSWORD=service.password)
    cmd = [sys.executable, "-m", "newscrawler.schedule", "--url", service.url, *args]
    return subprocess.run(cmd, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=timeout)


def crawl_args(site: ReplicaServer) -> list[str]:
    args = ["-a", f"base_url={site.base_url}"]
    for key, value in FAST.items():
        args += ["-s", f"{key}={value}"]
    return args


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


# --- "next day": new articles on top of page 1 ----------------------------------------------------------

TEMPLATE = {"id": 146195, "rubric": "weather", "title": "В Медыни завершили капитальный ремонт сквера",
            "stamp": ("2026-08-09T06:01", "09.08, 06:01", "09.08.2026, 06:01"),
            "sentence": "Стоимость проекта составляет 34 млн рублей"}
#: id, title, first sentence of the body, hour published on 10 August 2026 (newest first on the listing)
NEW_ARTICLES = [
    (146303, "В Калуге открыли новый пешеходный мост через Яченку",
     "Мост длиной 120 метров соединил два микрорайона", "11"),
    (146302, "На улице Кирова заменят трамвайные пути",
     "Работы начнутся в понедельник и продлятся до конца сентября", "09"),
    (146301, "В Обнинске высадили двести лип вдоль проспекта Маркса",
     "Деревья привезли из питомника Калужской области", "07"),
]


def _replace_once_or_more(text: str, old: str, new: str) -> str:
    assert old in text, f"{old!r} not in the template page: the saved site changed, update the test"
    return text.replace(old, new)


def next_day_site() -> tuple[dict, dict[int, dict]]:
    """Replica overrides for the next day, and the records a crawl must emit for the new articles."""
    files = SITE_DIR / "files"
    page = (files / f"news/{TEMPLATE['rubric']}/{TEMPLATE['id']}/index.html").read_text(encoding="utf-8")
    listing = (files / "news/index.html").read_text(encoding="utf-8")
    template_record = next(r for r in load_expected() if r["article_id"] == TEMPLATE["id"])
    # The template's listing item, copied for each new article; new items go just above it (below the pinned ones).
    marker = '<div class="nrli row">'
    template_item = marker + next(part for part in listing.split(marker)
                                  if f'href="{TEMPLATE["rubric"]}/{TEMPLATE["id"]}/"' in part)

    overrides, expected = {}, {}
    new_items = ""
    for article_id, title, sentence, hour in NEW_ARTICLES:
        iso, page_date, listing_date = (f"2026-08-10T{hour}:00", f"10.08, {hour}:00", f"10.08.2026, {hour}:00")

        def rewrite(text: str) -> str:
            text = _replace_once_or_more(text, str(TEMPLATE["id"]), str(article_id))
            return _replace_once_or_more(text, TEMPLATE["title"], title)

        html = rewrite(page)
        html = _replace_once_or_more(html, TEMPLATE["stamp"][0], iso)
        html = _replace_once_or_more(html, TEMPLATE["stamp"][1], page_date)
        html = _replace_once_or_more(html, TEMPLATE["sentence"], sentence)
        overrides[f"/news/{TEMPLATE['rubric']}/{article_id}/"] = {
            "body": html, "status": 200, "content_type": "text/html; charset=utf-8"}
        new_items += _replace_once_or_more(rewrite(template_item), TEMPLATE["stamp"][2], listing_date)

        record = json.loads(json.dumps(template_record, ensure_ascii=False)
                            .replace(str(TEMPLATE["id"]), str(article_id))
                            .replace(TEMPLATE["title"], title)
                            .replace(TEMPLATE["sentence"], sentence))
        record["published_at"] = f"{iso}:00+03:00"
        expected[article_id] = record

    listing = listing.replace(template_item, new_items + template_item, 1)
    overrides["/news/"] = {"body": listing, "status": 200, "content_type": "text/html; charset=utf-8"}
    return overrides, expected


# --- tests ------------------------------------------------------------------------------------------------


def test_shipped_config_is_local_authenticated_and_persistent():
    cp = configparser.ConfigParser(interpolation=None)
    cp.read(SHIPPED_CONF, encoding="utf-8")
    conf = cp["scrapyd"]
    assert conf["bind_address"] == "127.0.0.1"
    assert conf["username"] and not conf["password"], "the password belongs in the environment file, not here"
    assert conf["jobstorage"] == "scrapyd.jobstorage.SqliteJobStorage"
    assert 1 <= int(conf["max_proc"]) <= 4
    for name in ("eggs_dir", "dbs_dir", "logs_dir", "items_dir"):
        assert Path(conf[name]).is_absolute(), name
    # scrapyd prunes items_dir to the newest jobs_to_keep files: the archive must not be pruned in practice
    assert int(conf["jobs_to_keep"]) >= 100_000


def test_egg_holds_the_package_and_its_data_files(tmp_path):
    src = source_copy(tmp_path / "src")
    egg = tmp_path / "newscrawler.egg"
    result = scrapyd_deploy(src, "--build-egg", str(egg))
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(egg) as z:
        names = set(z.namelist())
        entry_points = z.read("EGG-INFO/entry_points.txt").decode()
    assert "settings = newscrawler.settings" in entry_points
    package = PROJECT_DIR / "newscrawler"
    wanted = {p.relative_to(PROJECT_DIR).as_posix() for p in package.rglob("*")
              if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    missing = wanted - names
    assert not missing, f"not in the egg (add them to package_data in setup.py): {sorted(missing)}"
    assert not any(n.startswith("tests/") for n in names)


def test_schedule_needs_credentials(scrapyd_service, deployed, site):
    params = {"project": PROJECT, "spider": SPIDER}
    assert scrapyd_service.request("schedule.json", params, auth=None)[0] == 401
    assert scrapyd_service.request("schedule.json", params, auth=("newscrawler", "wrong"))[0] == 401
    assert scrapyd_service.request("listjobs.json", auth=None)[0] == 401
    assert scrapyd_service.request("addversion.json", {"project": PROJECT, "version": "2"}, auth=None)[0] == 401

    refused = run_schedule(scrapyd_service, *crawl_args(site), credentials=False)
    assert refused.returncode == 1 and refused.stdout == ""
    assert "HTTP 401" in refused.stderr

    # With credentials the request gets through to scrapyd, which answers on its merits:
    status, body = scrapyd_service.request("schedule.json", {"project": PROJECT, "spider": "no-such-spider"})
    assert status == 200 and json.loads(body)["status"] == "error"
    unknown = run_schedule(scrapyd_service, "--spider", "no-such-spider")
    assert unknown.returncode == 1 and "spider 'no-such-spider' not found" in unknown.stderr
    assert scrapyd_service.get("listjobs.json", project=PROJECT) | {"node_name": None} == {
        "status": "ok", "node_name": None, "pending": [], "running": [], "finished": []}


def test_jobs_import_only_the_deployed_egg(scrapyd_service):
    """scrapyd's environment and working directory hold no other copy of the project to shadow the egg."""
    probe = subprocess.run([sys.executable, "-c", "import newscrawler"], cwd=scrapyd_service.workdir,
                           env=scrapyd_service.env(), capture_output=True, text=True)
    assert probe.returncode != 0, ("newscrawler is importable outside the egg (installed in this environment?): "
                                   "scrapyd jobs would run that copy, not the deployed egg")


FIRST: dict = {}


def test_scheduled_crawl_writes_the_expected_records(scrapyd_service, deployed, site):
    stats_file = scrapyd_service.root / "stats-first.json"
    result = run_schedule(scrapyd_service, *crawl_args(site), "-s", f"STATS_FILE={stats_file}")
    assert result.returncode == 0, result.stderr + scrapyd_service.log_tail()
    jobid = result.stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{32}", jobid), result.stdout
    job = scrapyd_service.wait_finished(jobid)

    log = scrapyd_service.log_file(jobid).read_text(encoding="utf-8")
    assert "'finish_reason': 'finished'" in log, log[-3000:]
    output = scrapyd_service.items_file(jobid)
    assert output.exists(), f"no items at {output}; log:\n{log[-3000:]}"
    items = read_jsonl(output)
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    assert stats["finish_reason"] == "finished" and stats["item_scraped_count"] == len(items)
    # The JS-only page is expected when the job rendered it (a browser is there), as `scrapy crawl` would.
    assert not stats.get("newscrawler/render/failures"), stats
    rendered = stats.get("newscrawler/render/pages", 0) > 0
    from tests.test_crawl_replica import JS_ONLY_IDS, check_complete  # the truth the plain crawl is held to

    check_complete(items, load_expected(), skip_ids=frozenset() if rendered else JS_ONLY_IDS)
    raw = output.read_text(encoding="utf-8")
    assert "\\u04" not in raw and "Калуг" in raw  # UTF-8 text, not \u escapes
    assert all(list(item) == [f for f in ARTICLE_FIELDS if f in item] for item in items)  # FEED_EXPORT_FIELDS order

    # the same file is served over HTTP (with auth) at the job's items_url
    assert job["items_url"] == f"/items/{PROJECT}/{SPIDER}/{jobid}.jl"
    status, body = scrapyd_service.request(job["items_url"].lstrip("/"))
    assert status == 200 and body == output.read_bytes()

    # the cross-run store is where NEWSCRAWLER_STATE_DIR says, not in the job's working directory
    assert (scrapyd_service.state_dir / "seen-articles.sqlite3").exists()
    leftovers = [p.name for p in scrapyd_service.workdir.iterdir() if p.name != "scrapyd.conf"]
    assert leftovers == [], f"jobs wrote into scrapyd's working directory: {leftovers}"
    FIRST.update(jobid=jobid, digest=hashlib.sha256(output.read_bytes()).hexdigest())


def test_next_day_run_writes_only_the_new_articles(scrapyd_service, deployed, site):
    if not FIRST:
        pytest.skip("needs the first scheduled run")
    overrides, expected = next_day_site()
    site.replica.overrides.update(overrides)
    try:
        # --wait: the command follows the job and fails unless the crawl finished normally
        result = run_schedule(scrapyd_service, *crawl_args(site), "--wait", "--poll-interval", "0.5",
                              "--wait-timeout", str(JOB_TIMEOUT), timeout=JOB_TIMEOUT + 30)
    finally:
        site.replica.overrides.clear()
    assert result.returncode == 0, result.stderr + scrapyd_service.log_tail()
    jobid = result.stdout.strip()
    assert jobid != FIRST["jobid"]
    assert f"job {jobid} finished: {len(NEW_ARTICLES)} items" in result.stderr

    items = read_jsonl(scrapyd_service.items_file(jobid))
    assert sorted(item["article_id"] for item in items) == sorted(expected)
    for item in items:
        assert comparable(item) == expected[item["article_id"]], f"article {item['article_id']} differs"
    # each job has its own file; the first one is untouched
    first = scrapyd_service.items_file(FIRST["jobid"])
    assert hashlib.sha256(first.read_bytes()).hexdigest() == FIRST["digest"]
    assert sorted(p.name for p in first.parent.iterdir()) == sorted([f"{FIRST['jobid']}.jl", f"{jobid}.jl"])
    FIRST["second"] = jobid


def test_finished_jobs_survive_a_restart(scrapyd_service, deployed):
    if "second" not in FIRST:
        pytest.skip("needs both scheduled runs")
    before = {job["id"] for job in scrapyd_service.get("listjobs.json", project=PROJECT)["finished"]}
    assert {FIRST["jobid"], FIRST["second"]} <= before

    scrapyd_service.stop()
    scrapyd_service.start()

    jobs = scrapyd_service.get("listjobs.json", project=PROJECT)
    after = {job["id"]: job for job in jobs["finished"]}
    assert set(after) == before
    for jobid in (FIRST["jobid"], FIRST["second"]):
        assert after[jobid]["spider"] == SPIDER
        assert after[jobid]["items_url"] == f"/items/{PROJECT}/{SPIDER}/{jobid}.jl"
    # the egg is still deployed, and scheduling still needs credentials
    assert PROJECT in scrapyd_service.get("listprojects.json")["projects"]
    assert scrapyd_service.request("schedule.json", {"project": PROJECT, "spider": SPIDER}, auth=None)[0] == 401


def test_each_outlet_is_scheduled_on_its_own(scrapyd_service, deployed):
    """One schedule per outlet: the vest spider of the deployed egg crawls the vest replica completely."""
    vest_dir = PROJECT_DIR / "tests" / "publishers" / "vest"
    server = ReplicaServer(Replica(root=vest_dir)).start()
    try:
        result = run_schedule(scrapyd_service, "--spider", "vest", *crawl_args(server))
        assert result.returncode == 0, result.stderr + scrapyd_service.log_tail()
        jobid = result.stdout.strip()
        job = scrapyd_service.wait_finished(jobid)
    finally:
        server.stop()
    assert job["spider"] == "vest"
    items = read_jsonl(scrapyd_service.items_dir / PROJECT / "vest" / f"{jobid}.jl")
    expected = [json.loads(line) for line in (vest_dir / "expected.jsonl").read_text(encoding="utf-8").splitlines()]
    by_id = {record["article_id"]: record for record in expected}
    assert {item["article_id"]: comparable(item) for item in items} == {i: comparable(r) for i, r in by_id.items()}, \
        (scrapyd_service.logs_dir / PROJECT / "vest" / f"{jobid}.log").read_text(encoding="utf-8")[-3000:]
