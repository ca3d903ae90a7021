"""Screenshots of the demo for the documentation: each role's home page and the course catalogue, at desktop
(1280 px wide) and phone (390 px wide) size, saved as PNG files in docs/screenshots/.

    python docs/screenshots.py [--out FOLDER] [--chromium PATH]

It sets up the demo (`lit demo`) on a new SQLite database in a temporary folder, serves it on a free port
of 127.0.0.1, signs in as each demo account with Playwright and headless Chromium, and saves the pages.
Needs the test extras (`pip install -e '.[test]'`, for Playwright) and Chromium (`apt-get install chromium`;
Playwright's own download is not used). Nothing outside the temporary folder and the output folder is touched.
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
#: a long page is cut at this many viewport heights, to keep the files small
MAX_SCREENS = 2
ROLES = ["learner", "librarian", "manager", "admin"]
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_demo(folder: Path, port: int, log) -> subprocess.Popen:
    """`lit demo` on a database of its own in `folder`, with none of this shell's LIT_* settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("LIT_")}
    env.update(LIT_ENV="development", LIT_INSTANCE_PATH=str(folder),
               LIT_DATABASE_URL=f"sqlite:///{folder / 'demo.sqlite3'}",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])))
    return subprocess.Popen([sys.executable, "-m", "lit_platform.cli", "demo", "--port", str(port)], cwd=folder,
                            env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_until_serving(url: str, server: subprocess.Popen, log: Path, seconds: int = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"lit demo stopped:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/account/login", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"lit demo did not answer on {url} within {seconds} s")


def save(page, path: Path, viewport: dict) -> None:
    height = page.evaluate("document.documentElement.scrollHeight")
    clip = {"x": 0, "y": 0, "width": viewport["width"], "height": min(height, viewport["height"] * MAX_SCREENS)}
    page.screenshot(path=str(path), full_page=True, clip=clip, animations="disabled", caret="hide")
    print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} ({path.stat().st_size // 1024} KB)")


def take(browser, url: str, accounts: dict, out: Path) -> None:
    for size, viewport in SIZES.items():
        for role in ROLES:
            email, password = accounts[role]
            context = browser.new_context(base_url=url, viewport=viewport, locale="en-GB",
                                          timezone_id="Europe/London", reduced_motion="reduce")
            page = context.new_page()
            page.goto("/account/login")
            page.get_by_label("E-mail address").fill(email)
            page.get_by_label("Password").fill(password)
            page.get_by_label("Password").press("Enter")
            page.wait_for_url(lambda address: "/account/login" not in address)
            page.goto("/")
            page.wait_for_load_state("networkidle")
            save(page, out / f"{role}-{size}.png", viewport)
            if role == "learner":
                page.goto("/courses")
                page.wait_for_load_state("networkidle")
                save(page, out / f"catalogue-{size}.png", viewport)
            context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="folder for the PNG files")
    parser.add_argument("--chromium", default=os.environ.get("LIT_CHROMIUM") or shutil.which("chromium")
                        or shutil.which("chromium-browser") or "/usr/bin/chromium", help="Chromium to drive")
    args = parser.parse_args()
    if not Path(args.chromium).exists():
        sys.exit(f"No Chromium at {args.chromium}: install it (apt-get install chromium) or give --chromium PATH.")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sys.exit("Playwright is missing: pip install -e '.[test]'")
    sys.path.insert(0, str(ROOT))
    from lit_platform.demo import DEMO_ACCOUNTS

    accounts = {role: (email, password) for role, email, _name, password, _unit in DEMO_ACCOUNTS}
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lit-screenshots-") as temporary:
        folder, port = Path(temporary), free_port()
        url = f"http://127.0.0.1:{port}"
        print(f"Setting up the demo in {folder} and serving it on {url} ...")
        with open(folder / "demo.log", "w") as log:
            server = start_demo(folder, port, log)
        try:
            wait_until_serving(url, server, folder / "demo.log")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=args.chromium, headless=True,
                                                     args=CHROMIUM_FLAGS)
                try:
                    take(browser, url, accounts, args.out)
                finally:
                    browser.close()
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
