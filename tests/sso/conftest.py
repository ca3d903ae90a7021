"""A real OpenID Connect provider for the single sign-on tests: the npm package oidc-provider (tests/sso/idp),
started under Node on a free port on 127.0.0.1, and a helper that signs in through its login form.

Without node and npm every test here is skipped with one line saying so; without tests/sso/idp/node_modules the
fixture runs `npm ci` from the lock file first (CI does that in .ci/run).
"""
from __future__ import annotations

import json
import os
import re
import signal
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from html import unescape
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests

from ..servers import free_port

IDP_FOLDER = Path(__file__).resolve().parent / "idp"
CLIENT_SECRET = "a-client-secret-that-is-long-enough-0123456789"
#: where the Flask test client's callbacks and the provider's sign-out return to
TEST_HOST = "http://localhost"
#: the people the provider knows: the login on its form (also their subject identifier) -> the claims it gives
ACCOUNTS = {
    "alice": {"email": "alice.staff@uni.example", "email_verified": True, "name": "Alice Staff",
              "groups": ["library-staff"], "eduperson_scoped_affiliation": ["staff@uni.example"]},
    "sam": {"email": "sam.student@uni.example", "email_verified": True, "name": "Sam Student",
            "groups": [], "eduperson_scoped_affiliation": ["student@uni.example"]},
    "una": {"email": "una.unverified@partner.example", "email_verified": False,
            "name": "Una Unverified"},
    "vic": {"email": "vic.verified@partner.example", "email_verified": True, "name": "Vic Verified"},
}


#: the providers the tests configure, each a client of the provider processes
CLIENT_NAMES = ("uni", "partner", "stale", "forged", "elsewhere")
LABELS = {"uni": "University of Example", "partner": "Partner Trust", "stale": "Stale Clock College",
          "forged": "Forged Keys Council", "elsewhere": "Elsewhere Health"}



def node_tools() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node and npm are not installed (apt-get install nodejs npm): OpenID Connect tests skipped")
    if not (IDP_FOLDER / "node_modules" / "oidc-provider").is_dir():
        result = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=IDP_FOLDER, capture_output=True,
                                text=True, timeout=600)
        if result.returncode:
            pytest.skip(f"npm ci in tests/sso/idp failed, OpenID Connect tests skipped: {result.stderr[-300:]}")
    return node, npm


class IdentityProvider:
    """One oidc-provider process. `clock_offset` ("-2h") runs it under faketime: its tokens are then stale."""

    def __init__(self, folder: Path, redirect_hosts=(TEST_HOST,), decoy_jwks: bool = False,
                 clock_offset: str | None = None):
        self.node, _ = node_tools()
        self.port = free_port()
        self.folder = folder
        self.accounts_file = folder / "accounts.json"
        self.config_file = folder / f"idp-{self.port}.json"
        self.clock_offset = clock_offset
        #: the sites whose callbacks the provider accepts (settable until it starts)
        self.redirect_hosts = list(redirect_hosts)
        self.decoy_jwks = decoy_jwks
        self.reset_accounts()
        self.process = self.log = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset_accounts(self) -> None:
        self.accounts = json.loads(json.dumps(ACCOUNTS))
        self.save_accounts()

    def save_accounts(self) -> None:
        self.accounts_file.write_text(json.dumps(self.accounts))

    def write_config(self) -> None:
        clients = [{"client_id": f"lit-{name}", "client_secret": CLIENT_SECRET,
                    "redirect_uris": [f"{host}/account/sso/callback/{name}" for host in self.redirect_hosts],
                    "post_logout_redirect_uris": [f"{host}/account/login" for host in self.redirect_hosts]}
                   for name in CLIENT_NAMES]
        self.config_file.write_text(json.dumps({"port": self.port, "clients": clients, "decoy_jwks": self.decoy_jwks,
                                                "accounts_file": str(self.accounts_file)}))

    def start(self) -> IdentityProvider:
        self.write_config()
        command = [self.node, str(IDP_FOLDER / "server.mjs"), str(self.config_file)]
        env = None
        if self.clock_offset:
            faketime = shutil.which("faketime")
            if not faketime:
                pytest.skip("faketime is not installed (apt-get install faketime): the stale-token test is skipped")
            command = [faketime, "-f", self.clock_offset, *command]
            env = {"PATH": "/usr/bin:/bin", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
        # Two tries: on a machine running the whole suite, a start has once stalled for a minute before the
        # provider object was even made; a second start is then quick.
        problems = []
        for attempt in (1, 2):
            log_path = self.folder / f"idp-{self.port}-{attempt}.log"
            self.log = log_path.open("w")
            # A process group of its own: faketime runs node as its child, and stopping must end both.
            self.process = subprocess.Popen(command, cwd=IDP_FOLDER, stdout=self.log, stderr=subprocess.STDOUT,
                                            env=env, start_new_session=True)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=2).ok:
                        return self
                except requests.ConnectionError:
                    pass
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
            exit_code = self.process.poll()
            self.stop()
            problems.append(f"try {attempt}: " + (f"exited with {exit_code}" if exit_code is not None
                                                   else "no answer in 60 s") + f"; its output: {log_path.read_text()}")
        pytest.fail("the OpenID Connect provider did not start: " + " | ".join(problems))

    def stop(self) -> None:
        if self.process:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            self.process.wait(10)
        self.process = None
        if self.log:
            self.log.close()
            self.log = None

    def restart(self) -> None:
        """Stop and start again on the same port: a new signing key (a key rotation) and no sessions."""
        self.stop()
        self.start()


def provider_entry(idp: IdentityProvider, name: str, **fields) -> dict:
    return {"name": name, "label": LABELS[name], "issuer": idp.issuer, "client_id": f"lit-{name}", "client_secret": CLIENT_SECRET,
            "scopes": "openid email profile groups affiliation", **fields}


UNI_RULES = {
    "role_rules": [{"claim": "groups", "contains": "library-staff", "role": "librarian"}],
    "unit_rules": [{"claim": "eduperson_scoped_affiliation", "contains": "staff@uni.example",
                    "unit": "University / Staff"},
                   {"claim": "eduperson_scoped_affiliation", "contains": "student@uni.example",
                    "unit": "University / Students"}],
    "sso_only_domains": ["uni.example"],
}


@contextmanager
def running_provider(**options):
    """A provider in a folder of its own (not under pytest's temporary folders, which another pytest run on the
    machine may clean away while this session still runs)."""
    with tempfile.TemporaryDirectory(prefix="lit-idp-") as folder:
        provider = IdentityProvider(Path(folder), **options).start()
        try:
            yield provider
        finally:
            provider.stop()


@pytest.fixture(scope="session")
def idp():
    with running_provider() as provider:
        yield provider


@pytest.fixture(scope="session")
def stale_idp():
    """A provider whose clock is an hour slow: every ID token it signs has expired when it arrives."""
    with running_provider(clock_offset="-1h") as provider:
        yield provider


@pytest.fixture(scope="session")
def forged_idp():
    """A provider that signs with a key other than the one it publishes: its signatures do not verify."""
    with running_provider(decoy_jwks=True) as provider:
        yield provider


@pytest.fixture
def providers(idp, stale_idp, forged_idp):
    """The providers the app trusts: the university (rules, SSO-only domain), a link-only partner, and three that
    misbehave: a slow clock, a forged signature, and one configured under another issuer name than its own."""
    for provider in (idp, stale_idp, forged_idp):
        provider.reset_accounts()
    elsewhere = provider_entry(idp, "elsewhere")
    elsewhere["issuer"] = f"http://localhost:{idp.port}"
    return [provider_entry(idp, "uni", **UNI_RULES), provider_entry(idp, "partner", link_only=True),
            provider_entry(stale_idp, "stale"), provider_entry(forged_idp, "forged"), elsewhere]


@pytest.fixture
def app_overrides(providers):
    return {"LIT_OIDC_PROVIDERS": json.dumps(providers)}


FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"', re.IGNORECASE)


class Browser:
    """A person's browser: the Flask test client for this site, a requests session for the provider's pages."""

    def __init__(self, client, idp_session: requests.Session | None = None):
        self.client = client
        self.at_provider = idp_session or requests.Session()

    def start(self, provider: str = "uni", **args) -> str:
        response = self.client.get(f"/account/sso/start/{provider}" + (f"?{urlencode(args)}" if args else ""))
        assert response.status_code == 302, response.get_data(as_text=True)
        return response.headers["Location"]

    def authenticate(self, authorize_url: str, login: str) -> str:
        """Through the provider's pages (its login form when not signed in there): the callback URL it sends back."""
        url, method, data = authorize_url, "GET", None
        for _ in range(10):
            response = self.at_provider.request(method, url, data=data, allow_redirects=False, timeout=10)
            if response.is_redirect:
                url, method, data = requests.compat.urljoin(url, response.headers["Location"]), "GET", None
                if url.startswith(TEST_HOST + "/"):
                    return url
                continue
            assert response.status_code == 200, response.text
            action = FORM_ACTION.search(response.text)
            assert action and 'name="login"' in response.text, response.text
            url, method = requests.compat.urljoin(url, unescape(action.group(1))), "POST"
            data = {"prompt": "login", "login": login, "password": "any password"}
        raise AssertionError("the provider never sent the browser back")

    def callback(self, callback_url: str):
        parts = urlsplit(callback_url)
        return self.client.get(f"{parts.path}?{parts.query}")

    def sign_in(self, login: str, provider: str = "uni"):
        return self.callback(self.authenticate(self.start(provider), login))


def with_query(url: str, **changes) -> str:
    """`url` with some query parameters replaced."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


@pytest.fixture
def person(client):
    return Browser(client)
