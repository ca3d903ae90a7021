"""Servers the tests start for themselves (Redis, gunicorn, nginx, Radicale, SMTP, a PostgreSQL standby, `lit serve`),
and the ports they listen on.

The suite runs in several pytest-xdist workers at once, so a port must never be handed to two of them: each worker
takes its ports from its own slice of a range below the kernel's ephemeral ports (where bind(port 0) and outgoing
connections take theirs), and a port is handed out only if it can be bound at that moment.
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

#: ports 20000-31999: one slice of 1000 per worker (gw0, gw1 ...), below Linux's ephemeral range (32768-60999)
FIRST_PORT, SLICE, SLICES = 20000, 1000, 12


def _worker_index() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker[2:]) % SLICES if worker.startswith("gw") and worker[2:].isdigit() else 0


def _ports():
    start = FIRST_PORT + _worker_index() * SLICE
    offset = random.randrange(SLICE)  # another run on the machine at the same time starts elsewhere in the slice
    while True:
        for step in range(SLICE):
            yield start + (offset + step) % SLICE


_next_port = _ports()


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on and no other worker of this run will be given."""
    for _ in range(SLICE):
        port = next(_next_port)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port in this worker's slice starting at {FIRST_PORT + _worker_index() * SLICE}")


def _failed(process: subprocess.Popen | None, what: str, log: Path | None) -> None:
    if process is not None and process.poll() is not None:
        detail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
        pytest.fail(f"{what} exited with status {process.returncode}:\n{detail}")


def wait_for_port(port: int, process: subprocess.Popen | None = None, what: str = "the server",
                  log: Path | None = None, seconds: float = 60) -> None:
    """Wait until something accepts connections on the port; fails if the process ends or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        _failed(process, what, log)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"{what} did not listen on port {port} within {seconds} s")


def wait_until_serving(url: str | urllib.request.Request, process: subprocess.Popen | None = None,
                       what: str = "the server", log: Path | None = None, seconds: float = 60):
    """Wait until an HTTP request to the URL is answered; returns (status, headers, body) of that first answer.

    Any HTTP answer counts (the caller asserts the status); a refused or reset connection is tried again."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        _failed(process, what, log)
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{what} did not answer {getattr(url, 'full_url', url)} within {seconds} s")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it has not ended within 15 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """A Redis of the module's own, on a free port, keeping nothing on disk; its URL (database 0)."""
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    import redis

    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen([executable, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                "--appendonly", "no", "--dir", str(folder)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process, "redis-server")
        url = f"redis://127.0.0.1:{port}/0"
        redis.Redis.from_url(url).ping()
        yield url
    finally:
        stop(process)
