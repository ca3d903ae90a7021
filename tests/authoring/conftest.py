"""A copy of the shipped courses as the installation's course folder, so tests may change "upstream"."""
import shutil
from pathlib import Path

import pytest

SHIPPED = Path(__file__).resolve().parents[2] / "courses"


@pytest.fixture
def courses_path(tmp_path):
    return Path(shutil.copytree(SHIPPED, tmp_path / "courses"))


@pytest.fixture
def app_overrides(courses_path):
    return {"LIT_COURSES_PATH": str(courses_path)}
