"""The wheel installs and runs like any Python application, away from the repository."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
import zipfile
from pathlib import Path

import pytest

from .conftest import PROJECT_ROOT, csrf_token_from
from .servers import free_port, wait_until_serving

pytestmark = pytest.mark.packaging


def _get(url: str, data: dict | None = None, opener=None) -> tuple[int, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with (opener or urllib.request.build_opener()).open(url, body, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # The source archive first, then the wheel built from that archive (so the sdist must hold everything too).
    # No build isolation: the build backend (hatchling, in the test extras) is used as installed, offline.
    result = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(PROJECT_ROOT)],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    (built,) = out.glob("lit_platform-*.whl")
    (sdist,) = out.glob("lit_platform-*.tar.gz")
    with tarfile.open(sdist) as archive:
        top = {Path(name).parts[1] for name in archive.getnames() if len(Path(name).parts) > 1}
    assert {"lit_platform", "templates", "static", "courses", "migrations", "pyproject.toml"} <= top
    assert not {"instance", "benchmarks", ".ci"} & top
    return built


def test_the_wheel_carries_templates_static_files_courses_and_migrations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("templates", "static", "courses", "migrations"):
        shipped = {str(path.relative_to(PROJECT_ROOT)) for path in (PROJECT_ROOT / folder).rglob("*")
                   if path.is_file() and "__pycache__" not in path.parts}
        assert shipped, folder
        missing = {name for name in shipped if f"lit_platform/resources/{name}" not in names}
        assert not missing, f"not in the wheel: {sorted(missing)[:5]}"
    assert not [name for name in names if "__pycache__" in name or name.startswith("instance/")]


def test_installed_wheel_runs_the_demo_from_an_empty_folder(wheel, tmp_path, redis_server):
    venv = tmp_path / "venv"
    # The dependencies already installed are reused (offline and fast); the package itself comes from the wheel.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120)
    bin_dir = venv / "bin"
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("LIT_", "PYTHON", "PROMETHEUS_", "FLASK_"))}
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], env=env,
                   check=True, timeout=120, capture_output=True)
    folder = tmp_path / "empty"
    folder.mkdir()
    env.update(LIT_INSTANCE_PATH=str(tmp_path / "instance"))

    where = subprocess.run(
        [str(bin_dir / "python"), "-c", "from lit_platform.config import resource_path as r; "
         "print(r('templates')); print(r('static')); print(r('courses')); print(r('migrations'))"],
        cwd=folder, env=env, capture_output=True, text=True, check=True, timeout=60).stdout.split()
    for path in where:
        assert Path(path).is_dir() and Path(path).is_relative_to(venv), path
        assert not Path(path).is_relative_to(PROJECT_ROOT)

    demo = subprocess.run([str(bin_dir / "lit"), "demo", "--no-serve"], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=300)
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "learner@example.org" in demo.stdout
    assert list(folder.iterdir()) == []  # everything went to the instance folder

    port = free_port()
    serve_env = dict(env, LIT_ENV="production", LIT_SECRET_KEY="packaging-test-secret-" + "k" * 32,
                     LIT_BASE_URL=f"http://127.0.0.1:{port}", LIT_INSECURE_COOKIES="1", LIT_WORKERS="2",
                     LIT_THREADS="2", LIT_BIND=f"127.0.0.1:{port}",
                     LIT_REDIS_URL=redis_server)  # production with two workers shares its rate limits
    server = subprocess.Popen([str(bin_dir / "lit"), "serve"], cwd=folder, env=serve_env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        status, _, body = wait_until_serving(f"{base}/readyz", server, "lit serve", seconds=90)
        assert status == 200 and '"migrations":"ok"' in body

        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        status, page = _get(f"{base}/account/login", opener=browser)
        assert status == 200 and "Sign in" in page
        status, page = _get(f"{base}/account/login", opener=browser, data={
            "csrf_token": csrf_token_from(page), "email": "learner@example.org", "password": "bright meadow lantern"})
        assert status == 200 and "Sign out" in page
        status, page = _get(f"{base}/courses/searching", opener=browser)  # a shipped course, from the wheel
        assert status == 200 and "Searching effectively" in page
        installed_css = Path(where[1], "site.css").read_text("utf-8")
        status, css = _get(f"{base}/static/site.css")
        assert status == 200 and css == installed_css

        # Both workers' requests are counted together.
        status, metrics = _get(f"{base}/metrics")
        assert status == 200, metrics
        assert 'lit_http_requests_total{endpoint="accounts.login",method="GET",status="200"} 1.0' in metrics, metrics
        assert 'lit_http_requests_total{endpoint="courses.course",method="GET",status="200"} 1.0' in metrics
        assert "lit_outbox_queue_depth" in metrics
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert '"GET /account/login HTTP/1.1" 200' in output  # gunicorn's access log on standard output
    shutil.rmtree(venv, ignore_errors=True)


def test_an_editable_install_uses_the_repository_folders(tmp_path):
    """The README's `pip install -e .`: quick, and the package reads templates and courses from the checkout."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LIT_", "PYTHON"))}
    started = time.monotonic()
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "-e", str(PROJECT_ROOT)], env=env, check=True, timeout=120, capture_output=True)
    assert time.monotonic() - started < 60
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import lit_platform.config as c; print(c.__file__); "
         "print(c.resource_path('templates')); print(c.resource_path('courses')); print(c.INSTANCE_PATH)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True, timeout=60).stdout.split()
    assert where == [str(PROJECT_ROOT / "lit_platform" / "config.py"), str(PROJECT_ROOT / "templates"),
                     str(PROJECT_ROOT / "courses"), str(PROJECT_ROOT / "instance")]
