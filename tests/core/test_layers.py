"""Domain code never reaches into the web layer: only view modules (and the app factory) import views."""
import ast
from pathlib import Path

import lit_platform

PACKAGE = Path(lit_platform.__file__).parent


def _imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            yield (node.module or ""), [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []


def test_no_service_or_model_module_imports_a_views_module():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name.endswith("views.py") or path == PACKAGE / "__init__.py":
            continue
        for module, names in _imported_modules(path):
            if module.split(".")[-1].endswith("views") or any(name == "views" or name.endswith("_views")
                                                               for name in names):
                offenders.append(f"{path.relative_to(PACKAGE)} imports {module or names}")
    assert offenders == []


def test_course_files_kept_elsewhere_are_served_through_the_registry(app):
    from lit_platform.courses.files import FILE_SOURCES, file_from_sources, register_file_source

    def lookup(slug, path):
        return b"<svg/>" if (slug, path) == ("kept-elsewhere", "images/a.svg") else None

    register_file_source(lookup)
    register_file_source(lookup)
    try:
        assert FILE_SOURCES.count(lookup) == 1
        with app.app_context():
            assert file_from_sources("kept-elsewhere", "images/a.svg") == b"<svg/>"
            assert file_from_sources("kept-elsewhere", "images/b.svg") is None
        response = app.test_client().get("/courses/kept-elsewhere/files/images/a.svg")
        assert response.status_code == 200 and response.data == b"<svg/>"
        assert "sandbox" in response.headers["Content-Security-Policy"]
    finally:
        FILE_SOURCES.remove(lookup)
