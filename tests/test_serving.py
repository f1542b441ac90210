"""Production serving: gunicorn with the production settings, WhiteNoise, /healthz, logs.

The end-to-end tests run the README's "Running in production" commands (migrate,
collectstatic, gunicorn with gunicorn.conf.py) in subprocesses, with DEBUG off and a
freshly generated SECRET_KEY, against the test database (PostgreSQL) or a migrated
SQLite file, and talk HTTP to gunicorn on a free local port.

HTTPS stays on, as in production: the requests carry `X-Forwarded-Proto: https` and
the site's Host, as the TLS-terminating load balancer in front would send them. That
tests the real production settings instead of weaker ones (HTTPS=false), and one test
shows that without the header the app does redirect to https, except for /healthz.
"""

import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder

from centra_orders import health
from centra_orders.logs import JsonFormatter, RequestIdFilter

ROOT = Path(__file__).resolve().parents[1]
SITE = "orders.example.com"
VIA_LOAD_BALANCER = {"Host": SITE, "X-Forwarded-Proto": "https"}
ONE_YEAR = 365 * 24 * 3600


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


fetcher = urllib.request.build_opener(NoRedirects)


def fetch(base_url: str, path: str, headers=None) -> Response:
    request = urllib.request.Request(base_url + path, headers=headers or {})
    try:
        with fetcher.open(request, timeout=10) as answer:
            return Response(answer.status, answer.headers, answer.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, error.headers, error.read())


def production_env(database_url: str, static_root: Path, **extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"HTTPS", "CSRF_TRUSTED_ORIGINS", "LOG_LEVEL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=SITE,
        CSRF_TRUSTED_ORIGINS=f"https://{SITE}",
        DATABASE_URL=database_url,
        STATIC_ROOT=str(static_root),
        **extra,
    )
    return env


def manage(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


def test_database_url(tmp_path_factory) -> str:
    """The test database when it is PostgreSQL; SQLite's lives in memory, so a file."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        user = settings["USER"] or "postgres"
        password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
        host = settings["HOST"] or "127.0.0.1"
        return f"postgres://{user}{password}@{host}:{settings['PORT'] or 5432}/{settings['NAME']}"
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'db.sqlite3'}"


class Gunicorn:
    def __init__(self, env: dict, log_file: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_file = log_file
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "centra_orders.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=log_file.open("w"),
            stderr=subprocess.STDOUT,
        )

    def wait_until_up(self, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited:\n{self.log()}")
            try:
                fetch(self.url, "/healthz")
                return self
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"gunicorn did not answer in {seconds} s:\n{self.log()}")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        return self.log_file.read_text()

    def log_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.log().splitlines() if line.strip()]


test_database_url.__test__ = False


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    return tmp_path_factory.mktemp("static")


@pytest.fixture(scope="module")
def server(django_db_setup, tmp_path_factory, static_root):
    env = production_env(
        test_database_url(tmp_path_factory), static_root, LOG_FORMAT="json", WEB_CONCURRENCY="2"
    )
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    gunicorn = Gunicorn(env, tmp_path_factory.mktemp("log") / "gunicorn.log")
    try:
        yield gunicorn.wait_until_up()
    finally:
        gunicorn.stop()


def test_gunicorn_runs_the_production_settings_with_workers_from_the_environment(server):
    assert server.log().count("Booting worker") == 2  # WEB_CONCURRENCY=2
    not_found = fetch(server.url, "/no-such-page/", VIA_LOAD_BALANCER)
    assert not_found.status == 404
    assert b"Using the URLconf" not in not_found.body  # DEBUG is off: no technical page


def test_healthz_is_200_with_the_database_up_and_migrated(server):
    answer = fetch(server.url, "/healthz", VIA_LOAD_BALANCER)
    assert answer.status == 200
    assert json.loads(answer.body) == {"database": "ok", "migrations": "applied"}
    assert "no-store" in answer.headers["Cache-Control"]


def test_healthz_answers_a_load_balancer_probe_over_plain_http_by_address(server):
    # Host 127.0.0.1:<port> is not in ALLOWED_HOSTS, and there is no X-Forwarded-Proto.
    assert fetch(server.url, "/healthz").status == 200


def test_admin_login_page_is_served_over_https(server):
    answer = fetch(server.url, "/admin/login/", VIA_LOAD_BALANCER)
    assert answer.status == 200
    assert b"csrfmiddlewaretoken" in answer.body
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_plain_http_is_redirected_to_https(server):
    answer = fetch(server.url, "/admin/login/", {"Host": SITE})
    assert answer.status == 301
    assert answer.headers["Location"] == f"https://{SITE}/admin/login/"


def test_hashed_static_file_is_served_compressed_with_a_long_cache_header(server, static_root):
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    hashed = manifest["admin/css/base.css"]
    assert hashed != "admin/css/base.css"

    answer = fetch(
        server.url, f"/static/{hashed}", {**VIA_LOAD_BALANCER, "Accept-Encoding": "gzip"}
    )

    assert answer.status == 200
    assert answer.headers["Content-Encoding"] == "gzip"
    cache = answer.headers["Cache-Control"]
    assert "immutable" in cache
    assert int(cache.split("max-age=")[1].split(",")[0]) >= ONE_YEAR


def test_log_is_json_lines_each_once_with_the_request_id(server):
    fetch(server.url, "/missing-for-the-log/", {**VIA_LOAD_BALANCER, "X-Request-ID": "probe-42"})

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        mine = [line for line in server.log_lines() if line["request_id"] == "probe-42"]
        if len(mine) >= 2:
            break
        time.sleep(0.2)
    # Every line of the log parsed as JSON (log_lines); this request's are the app's
    # warning and gunicorn's access line, once each.
    assert sorted(line["logger"] for line in mine) == ["django.request", "gunicorn.access"]
    warning = next(line for line in mine if line["logger"] == "django.request")
    assert warning["message"] == "Not Found: /missing-for-the-log/"
    assert warning["status"] == 404


def test_healthz_is_503_when_gunicorn_cannot_reach_the_database(tmp_path, static_root):
    # Nothing listens on a port just freed: the connection is refused at once.
    unreachable = f"postgres://postgres@127.0.0.1:{free_port()}/nothing"
    env = production_env(unreachable, static_root, WEB_CONCURRENCY="1")
    gunicorn = Gunicorn(env, tmp_path / "gunicorn.log")
    try:
        gunicorn.wait_until_up()
        answer = fetch(gunicorn.url, "/healthz")
    finally:
        gunicorn.stop()
    assert answer.status == 503
    assert json.loads(answer.body) == {"database": "unreachable"}


# In the test process ---------------------------------------------------------


@pytest.fixture
def fresh_health(monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)


def unreachable_database():
    """A connection like the test database's, to a database that is not there."""
    default = connections["default"]
    settings = {**default.settings_dict}
    if default.vendor == "sqlite":
        settings["NAME"] = "/nonexistent-directory/db.sqlite3"
    else:
        settings["PORT"] = free_port()  # nothing listens there
    return type(default)(settings, alias="unreachable")


@pytest.mark.django_db
def test_healthz_checks_the_database_every_time_but_the_migrations_once(
    client, fresh_health, django_assert_num_queries
):
    assert client.get("/healthz").status_code == 200
    with django_assert_num_queries(1):  # SELECT 1
        answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"database": "ok", "migrations": "applied"}


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_unreachable(client, fresh_health, monkeypatch):
    monkeypatch.setattr(health, "connection", unreachable_database())
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json() == {"database": "unreachable"}


@pytest.mark.django_db
def test_healthz_is_503_while_a_migration_is_unapplied(client, fresh_health):
    MigrationRecorder(connection).migration_qs.filter(app="orders").order_by("-id")[
        :1
    ].get().delete()
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json() == {"database": "ok", "migrations": "pending"}


@pytest.mark.django_db
def test_healthz_needs_no_login_host_or_https_and_takes_only_get(client, settings, fresh_health):
    settings.ALLOWED_HOSTS = [SITE]
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    assert client.get("/admin/login/", HTTP_HOST="10.0.0.7:8000").status_code == 400
    assert client.post("/healthz", HTTP_HOST=SITE).status_code == 405


def test_request_id_is_kept_when_plausible_and_made_up_otherwise(client):
    assert client.get("/nowhere/", HTTP_X_REQUEST_ID="lb-7f3a")["X-Request-ID"] == "lb-7f3a"
    made_up = client.get("/nowhere/", HTTP_X_REQUEST_ID="two words\nforged line")["X-Request-ID"]
    assert len(made_up) == 32
    assert made_up != client.get("/nowhere/")["X-Request-ID"]


def test_a_line_logged_during_a_request_carries_its_id(client):
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(handler.format(record))
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client.get("/nowhere/", HTTP_X_REQUEST_ID="trace-1")
    finally:
        logger.removeHandler(handler)
    [line] = [json.loads(line) for line in lines]
    assert line["request_id"] == "trace-1"
    assert line["message"] == "Not Found: /nowhere/"
    assert line["status"] == 404


def test_each_line_is_logged_once_in_development():
    # Django's default "django" logger has a console handler of its own in DEBUG; with
    # the root's, every line came out twice.
    env = {key: value for key, value in os.environ.items() if key != "LOG_FORMAT"}
    env.update(DEBUG="true", LOG_LEVEL="WARNING")
    code = (
        "import logging; logging.getLogger('django.request').warning('just once'); "
        "logging.getLogger('django.server').info('runserver request line')"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stderr.count("just once") == 1
    assert " WARNING django.request [-] just once" in result.stderr
    assert result.stderr.count("runserver request line") == 1


def test_runserver_leaves_error_lines_to_django_request():
    # django.request logs every 4xx and 5xx response with its request id; runserver's
    # own line for the same response made each error appear twice.
    import logging

    from centra_orders.logs import ErrorsLoggedOnceFilter

    def record(status: int) -> logging.LogRecord:
        line = logging.LogRecord("django.server", logging.INFO, "", 0, "GET /", (), None)
        line.status_code = status
        return line

    only_once = ErrorsLoggedOnceFilter()
    assert only_once.filter(record(200)) and only_once.filter(record(302))
    assert not only_once.filter(record(404)) and not only_once.filter(record(500))
