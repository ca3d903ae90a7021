"""Dependency audit for CI: the installed dependencies of lit-platform[test], checked with pip-audit.

    python .ci/dependency_audit.py requirements > requirements.txt
    python .ci/dependency_audit.py verdict REPORT.json SERVICE     # prints ok, fail or unreachable

`requirements` pins exactly what is installed (so pip-audit audits it without resolving anything itself);
`verdict` reads pip-audit's JSON report: a known vulnerability with a fixed version fails the run, one
without a fix is reported only, and a report that audited nothing (the advisory service could not be
reached) says so instead of passing quietly.
"""
from __future__ import annotations

import json
import re
import sys
from importlib import metadata

from packaging.requirements import Requirement


def installed_requirements(root: str = "lit-platform", extras: frozenset[str] = frozenset({"test"})) -> list[str]:
    """`name==version` for everything `root[extras]` depends on, directly or not, as installed."""
    seen: dict[str, set[str]] = {}
    todo = [(root, set(extras))]
    while todo:
        name, wanted = todo.pop()
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        key = re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()
        if key in seen and wanted <= seen[key]:
            continue
        seen[key] = seen.get(key, set()) | wanted
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or any(requirement.marker.evaluate({"extra": extra})
                                                 for extra in (wanted or {""})):
                todo.append((requirement.name, set(requirement.extras)))
    root_key = re.sub(r"[-_.]+", "-", root).lower()
    return [f"{key}=={metadata.version(key)}" for key in sorted(seen) if key != root_key]


def verdict(report: dict | None, service: str, log_tail: str = "no answer") -> tuple[str, list[str]]:
    """("ok" | "fail" | "unreachable", lines to print) for one pip-audit JSON report (None: no report)."""
    if report is None or "dependencies" not in report:
        return "unreachable", [f"pip-audit ({service}): failed: {log_tail[:300]}"]
    dependencies = report["dependencies"]
    audited = [d for d in dependencies if "skip_reason" not in d]
    if not audited:
        reason = dependencies[0]["skip_reason"] if dependencies else "nothing to audit"
        return "unreachable", [f"pip-audit ({service}): no package could be audited, e.g. {reason}"]
    fixable, unfixed = [], []
    for dependency in audited:
        for vulnerability in dependency.get("vulns", []):
            fixes = vulnerability.get("fix_versions") or []
            line = f"{dependency['name']} {dependency['version']}: {vulnerability['id']}"
            if fixes:
                fixable.append(f"  KNOWN VULNERABILITY WITH A FIX, upgrade: {line} (fixed in {', '.join(fixes)})")
            else:
                unfixed.append(f"  known vulnerability without a fix, reported only: {line} (no fix yet)")
    lines = [f"pip-audit ({service}): {len(audited)} of {len(dependencies)} packages audited", *unfixed, *fixable]
    return ("fail" if fixable else "ok"), lines


def main(argv: list[str]) -> int:
    if argv[:1] == ["requirements"]:
        print("\n".join(installed_requirements()))
        return 0
    if argv[:1] == ["verdict"] and len(argv) == 3:
        path, service = argv[1:]
        try:
            with open(path, encoding="utf-8") as file:
                report = json.load(file)
        except (OSError, ValueError):
            report = None
        try:
            with open(path[:-len(".json")] + ".log", encoding="utf-8", errors="replace") as file:
                log_tail = (file.read().strip().splitlines() or ["no answer"])[-1]
        except OSError:
            log_tail = "no answer"
        status, lines = verdict(report, service, log_tail)
        print("\n".join(lines), file=sys.stderr)
        print(status)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
