"""The repository itself: lint and type checks pass, no large files are tracked, the license is
declared, and test markers are registered."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_TRACKED_BYTES = 1_000_000


def _tool(name: str) -> list[str]:
    if shutil.which(name):
        return [name]
    pytest.importorskip(name)
    return [sys.executable, "-m", name]


def test_ruff_finds_nothing():
    r = subprocess.run([*_tool("ruff"), "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.slow
def test_mypy_finds_nothing():
    r = subprocess.run([*_tool("mypy"), "--no-incremental"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_no_tracked_file_over_one_megabyte():
    if not (ROOT / ".git").exists() or not shutil.which("git"):
        pytest.skip("not a git checkout")
    names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    sizes = {n: (ROOT / n).stat().st_size for n in names.decode().split("\0") if n and (ROOT / n).is_file()}
    assert len(sizes) > 50  # the listing worked
    assert {n: s for n, s in sizes.items() if s > MAX_TRACKED_BYTES} == {}


def test_license_file_and_spdx_expression():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def test_slow_marker_is_registered():
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert any(m.startswith("slow:") for m in config["markers"]) and "--strict-markers" in config["addopts"]


def test_quick_benchmarks_do_not_replace_the_published_numbers():
    r = subprocess.run([sys.executable, "-c", "import sys; sys.argv = ['run.py']; sys.path.insert(0, 'benchmarks'); "
                        "import run; print(run.report_path(True, None), run.report_path(False, None).name, "
                        "run.report_path(True, 'q.md'))"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["None", "BENCHMARKS.md", "q.md"]
