"""How `pytest` runs in parallel: pytest-xdist workers by default, and which worker gets which tests.

The hooks are imported into tests/conftest.py, where pytest finds them. See docs/testing.md.
"""
from __future__ import annotations

import re

import pytest


#: the suite's default: four pytest-xdist workers (on two cores: many tests wait on browsers, servers and the
#: databases)
DEFAULT_WORKERS = 4


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """`pytest` alone runs in parallel. `-n N` chooses the number of workers; `-n 0` or `-p no:xdist` runs
    everything in this one process (as does --pdb). Set here rather than in addopts, where `-n` would be an
    unknown option once xdist is left out."""
    if (config.pluginmanager.has_plugin("xdist") and not hasattr(config, "workerinput")
            and config.option.numprocesses is None and not config.option.usepdb and not config.option.collectonly):
        config.option.numprocesses = DEFAULT_WORKERS
        if config.option.dist == "no":
            config.option.dist = "loadscope"


#: modules that take longest (a minute or more on two cores), handed out first so that none is left running alone
#: at the end; the order only changes how long the run takes
SLOWEST_FIRST = (
    "tests/browser/test_phone_layout.py", "tests/test_packaging.py", "tests/test_demo.py",
    "tests/browser/test_shipped_exercises.py", "tests/browser/test_shipped_courses.py",
    "tests/security/test_access_matrix.py", "tests/quizzes/test_blind_learner.py", "tests/outbox/test_workers.py",
    "tests/browser/test_reports_flow.py", "tests/browser/test_prepost_session.py", "tests/reports/test_demo_data.py",
    "tests/reports/test_replica.py", "tests/reports/test_small_groups.py", "tests/test_cli.py",
    "tests/browser/test_course_flow.py", "tests/browser/test_booking_flow.py", "tests/security/test_api_schema.py",
    "tests/security/test_xss.py",
)
DATABASE_PARAMETER = re.compile(r"\[(?:[^\]]*-)?(sqlite|postgresql)(?:-[^\]]*)?\]$")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Whole modules to a worker, as --dist loadscope does, but a module's SQLite half is a unit of its own that
    another worker can run at the same time (fixtures are set up per database anyway), and the slowest modules
    go first."""
    if config.option.dist != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleAndDatabaseScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            # The SQLite half on its own; the PostgreSQL half with the module's other tests, collected after it
            # (tests/security/test_xss.py's last test reports on what the tests before it wrote).
            module = nodeid.split("::", 1)[0]
            kind = DATABASE_PARAMETER.search(nodeid)
            return f"{module}[sqlite]" if kind and kind.group(1) == "sqlite" else module

        def _assign_work_unit(self, node) -> None:
            if not getattr(self, "_ordered", False):
                self._ordered = True
                ranks = {module: rank for rank, module in enumerate(SLOWEST_FIRST)}

                def rank(scope: str) -> int:
                    module = scope.split("[", 1)[0]
                    return ranks.get(module, len(ranks) + (0 if module.startswith("tests/browser/") else 1))

                # sorted() keeps xdist's order (most tests first) among modules of the same rank
                for scope, _ in sorted(self.workqueue.items(), key=lambda item: rank(item[0])):
                    self.workqueue.move_to_end(scope)
            super()._assign_work_unit(node)

        def _reschedule(self, node) -> None:
            # More work once the worker is down to its last test (which it runs only when it knows the next one),
            # rather than xdist's two: a worker queues as little as it can behind a long test.
            if not node.shutting_down and self.workqueue and self._pending_of(self.assigned_work[node]) > 1:
                return
            super()._reschedule(node)

    return ModuleAndDatabaseScheduling(config, log)
