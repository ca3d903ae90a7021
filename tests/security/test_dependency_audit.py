"""The CI dependency audit (.ci/dependency_audit.py): what it audits, and that it fails on a known
vulnerability with a fix, reports one without, and never passes quietly when it could audit nothing."""
from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "dependency_audit.py"


@pytest.fixture(scope="module")
def audit():
    spec = importlib.util.spec_from_file_location("dependency_audit", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_audit_covers_every_installed_dependency_direct_or_not(audit):
    pinned = dict(line.split("==") for line in audit.installed_requirements())
    # Direct dependencies, the test extra's, and what they pull in, each at the version installed.
    for name in ("flask", "sqlalchemy", "nh3", "weasyprint", "pytest", "playwright", "werkzeug", "markupsafe"):
        assert pinned[name] == metadata.version(name), name
    assert "lit-platform" not in pinned
    # Without the test extra, test tools are not audited as the platform's own.
    assert "pytest" not in dict(line.split("==") for line in audit.installed_requirements(extras=frozenset()))


def report(*dependencies) -> dict:
    """A report in pip-audit's JSON format."""
    return {"dependencies": list(dependencies), "fixes": []}


def test_a_vulnerability_with_a_fix_fails_the_run(audit):
    status, lines = audit.verdict(report(
        {"name": "jinja2", "version": "2.10", "vulns": [
            {"id": "PYSEC-2019-217", "fix_versions": ["2.10.1"], "aliases": ["CVE-2019-10906"], "description": ""}]},
        {"name": "flask", "version": "3.1.0", "vulns": []}), "pypi")
    assert status == "fail"
    assert "pip-audit (pypi): 2 of 2 packages audited" in lines
    assert any("WITH A FIX" in line and "jinja2 2.10: PYSEC-2019-217 (fixed in 2.10.1)" in line for line in lines)


def test_a_vulnerability_without_a_fix_is_reported_without_failing(audit):
    status, lines = audit.verdict(report(
        {"name": "somepkg", "version": "1.0", "vulns": [{"id": "GHSA-xxxx", "fix_versions": [], "aliases": []}]}),
        "osv")
    assert status == "ok"
    assert any("without a fix, reported only: somepkg 1.0: GHSA-xxxx" in line for line in lines)


def test_an_audit_that_audited_nothing_says_so_instead_of_passing(audit):
    skipped = report({"name": "jinja2", "skip_reason": "Dependency not found on PyPI and could not be audited"})
    assert audit.verdict(skipped, "pypi")[0] == "unreachable"
    status, lines = audit.verdict(None, "osv", "requests.exceptions.ConnectionError: api.osv.dev")
    assert status == "unreachable" and "ConnectionError" in lines[0]


@pytest.mark.skipif(shutil.which("pip-audit") is None, reason="pip-audit is not installed")
def test_the_ci_step_never_passes_a_known_vulnerable_version(tmp_path):
    """Jinja2 2.10 has published advisories with fixes. Asked the way .ci/run asks, each advisory service
    either finds them (fail) or cannot be reached (unreachable, which CI prints as no audit done): never ok."""
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("jinja2==2.10\n")
    for service in ("pypi", "osv"):
        output = tmp_path / f"{service}.json"
        with open(tmp_path / f"{service}.log", "w") as log:
            subprocess.run(["pip-audit", "-r", str(requirements), "--no-deps", "--disable-pip",
                            "--vulnerability-service", service, "--timeout", "10", "--progress-spinner", "off",
                            "--format", "json", "-o", str(output)], stdout=log, stderr=subprocess.STDOUT,
                           timeout=180, check=False)
        result = subprocess.run([sys.executable, str(SCRIPT), "verdict", str(output), service],
                                capture_output=True, text=True, check=True)
        assert result.stdout.strip() in ("fail", "unreachable"), (service, result.stdout, result.stderr)
        if result.stdout.strip() == "fail":
            assert "jinja2 2.10" in result.stderr
            assert json.loads(output.read_text())["dependencies"][0]["vulns"]
