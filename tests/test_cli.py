"""The `lit` command as an administrator runs it."""
import os
import subprocess
import sys

from click.testing import CliRunner
from flask.cli import ScriptInfo

from lit_platform.accounts.services import find_user_by_email
from lit_platform.cli import main as lit

from .servers import free_port, wait_until_serving


def run_lit(app, *args):
    return CliRunner().invoke(lit, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_users_create(app):
    result = run_lit(app, "users", "create", "--email", " Nia@Example.org", "--name", "Nia", "--role", "librarian",
                     "--role", "manager", "--password", "saffron pebble bridge")
    assert result.exit_code == 0, result.output
    assert "Created nia@example.org (librarian, manager)" in result.output
    with app.app_context():
        assert find_user_by_email("nia@example.org").roles == {"librarian", "manager"}


def test_users_create_without_a_password_queues_a_link_to_choose_one(app):
    from sqlalchemy import select

    from lit_platform.extensions import db
    from lit_platform.outbox.models import OutboxMessage

    app.config["LIT_BASE_URL"] = "https://lit.example.org"
    result = run_lit(app, "users", "create", "--email", "ola@example.org", "--name", "Ola")
    assert result.exit_code == 0, result.output
    assert "An e-mail with a link to choose a password is queued." in result.output
    with app.app_context():
        body = db.session.scalar(select(OutboxMessage.body_text).where(OutboxMessage.to_address == "ola@example.org"))
        assert "https://lit.example.org/account/password/reset/" in body
        assert find_user_by_email("ola@example.org").password_hash is None


def test_users_create_refuses_a_duplicate_and_a_common_password(app, make):
    make.user(email="oz@example.org")
    result = run_lit(app, "users", "create", "--email", "OZ@example.org", "--name", "Oz")
    assert result.exit_code == 1 and "already exists" in result.output
    result = run_lit(app, "users", "create", "--email", "pia@example.org", "--name", "Pia", "--password", "password1")
    assert result.exit_code == 1 and "commonly used" in result.output


def test_users_import_reports_lines_and_imports_nothing_on_error(app, tmp_path):
    bad = tmp_path / "people.csv"
    bad.write_text("email,name,roles,org_unit\na@example.org,Ann,learner,\nbroken,Bob,learner,\n", "utf-8")
    result = run_lit(app, "users", "import", str(bad))
    assert result.exit_code == 1
    assert f"{bad}, line 3: 'broken' is not an e-mail address" in result.output
    assert "nothing was imported" in result.output
    with app.app_context():
        assert find_user_by_email("a@example.org") is None
    good = tmp_path / "good.csv"
    good.write_text("email,name,roles,org_unit\na@example.org,Ann,learner;librarian,Library / Outreach\n", "utf-8")
    result = run_lit(app, "users", "import", str(good))
    assert result.exit_code == 1
    assert f"{good}, line 2: there is no organisation unit 'Library / Outreach'" in result.output
    result = run_lit(app, "users", "import", "--create-units", str(good))
    assert result.exit_code == 0 and "Imported 1 user(s)." in result.output


def test_demo_serves_the_platform(tmp_path):
    """The README's first command: `lit demo` answers on its port with the sign-in page."""
    port = free_port()
    env = dict(os.environ, LIT_DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}", LIT_INSTANCE_PATH=str(tmp_path))
    server = subprocess.Popen([sys.executable, "-m", "lit_platform.cli", "demo", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        status, _, page = wait_until_serving(f"http://127.0.0.1:{port}/account/login", server, "lit demo",
                                             seconds=180)
        assert status == 200 and "Sign in" in page
    finally:
        server.terminate()
        server.wait(10)


def _lit_serve(env_overrides: dict, *args, timeout=60):
    env = {key: value for key, value in os.environ.items() if not key.startswith("LIT_")}
    env.update(env_overrides)
    return subprocess.run([sys.executable, "-m", "lit_platform.cli", "serve", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_serve_refuses_development_settings(tmp_path):
    result = _lit_serve({"LIT_INSTANCE_PATH": str(tmp_path)})
    assert result.returncode == 1
    assert "LIT_ENV is 'development': lit serve runs with production settings only" in result.stderr
    result = _lit_serve({"LIT_INSTANCE_PATH": str(tmp_path), "LIT_ENV": "production"})
    assert result.returncode == 1 and "LIT_SECRET_KEY must be set" in result.stderr
    production = {"LIT_INSTANCE_PATH": str(tmp_path), "LIT_ENV": "production", "LIT_SECRET_KEY": "s" * 40}
    result = _lit_serve(dict(production, LIT_REDIS_URL="redis://127.0.0.1:6379/0"))
    assert result.returncode == 1 and "LIT_BASE_URL must be set in production" in result.stderr
    # Several workers (the default) and no Redis: each would count rate limits on its own.
    result = _lit_serve(dict(production, LIT_BASE_URL="https://learning.library.example"))
    assert result.returncode == 1 and "worker processes and no LIT_REDIS_URL" in result.stderr


def test_serve_defaults():
    from lit_platform.serve import default_workers, gunicorn_options

    assert 3 <= default_workers() <= 12
    options = gunicorn_options("127.0.0.1:8000,[::1]:8000", 3, 4, "plain")
    assert options["bind"] == ["127.0.0.1:8000", "[::1]:8000"]
    assert options["worker_class"] == "gthread" and options["threads"] == 4 and options["accesslog"] == "-"
    assert "%({x-request-id}o)s" in options["access_log_format"]
    assert "logger_class" not in options
    assert gunicorn_options("127.0.0.1:8000", 1, 1, "json")["logger_class"].__name__ == "JsonLogger"


def test_serve_logs_json_lines_with_the_request_id(tmp_path):
    import json
    import urllib.request

    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LIT_", "PROMETHEUS_"))}
    env.update(LIT_INSTANCE_PATH=str(tmp_path), LIT_ENV="production", LIT_SECRET_KEY="s" * 40,
               LIT_BASE_URL=f"http://127.0.0.1:{port}", LIT_LOG_FORMAT="json", LIT_WORKERS="1", LIT_THREADS="2",
               LIT_DATABASE_URL=f"sqlite:///{tmp_path / 'lit.sqlite3'}")
    server = subprocess.Popen([sys.executable, "-m", "lit_platform.cli", "serve", "--bind", f"127.0.0.1:{port}"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"X-Request-ID": "probe-00000001"})
        status, headers, _ = wait_until_serving(request, server, "lit serve", seconds=90)
        assert status == 200 and headers["X-Request-ID"] == "probe-00000001"
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    lines = [json.loads(line) for line in output.splitlines()]  # every line is a JSON object
    (access,) = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert access["request_id"] == "probe-00000001"
    assert (access["method"], access["path"], access["status"]) == ("GET", "/healthz", 200)
    assert any(line["message"].startswith("Listening at") for line in lines)
    assert (tmp_path / "prometheus").is_dir()  # the workers pool their metrics there


def test_serve_clears_only_old_metric_files(tmp_path, monkeypatch):
    from lit_platform.serve import prepare_metrics_directory

    pooled = tmp_path / "pooled"
    pooled.mkdir()
    (pooled / "counter_123.db").write_bytes(b"old")
    (pooled / "notes.txt").write_text("kept", "utf-8")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(pooled))
    assert prepare_metrics_directory(tmp_path / "instance") == pooled
    assert sorted(path.name for path in pooled.iterdir()) == ["notes.txt"]
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")  # unset; restored (to absent) after the test
    assert prepare_metrics_directory(tmp_path / "instance") == tmp_path / "instance" / "prometheus"
    assert (tmp_path / "instance" / "prometheus").is_dir()


def test_users_import_names_the_line_of_a_file_that_is_not_utf8(app, tmp_path):
    latin1 = tmp_path / "staff.csv"
    latin1.write_bytes("email,name,roles,org_unit\nab@example.org,Ab,learner,\nzoe@example.org,Zoë,learner,\n"
                       .encode("latin-1"))
    result = run_lit(app, "users", "import", str(latin1))
    assert result.exit_code == 1
    assert f"{latin1}, line 3: this is not UTF-8 text" in result.output
