"""The archplot command, run as a user runs it: a subprocess of the installed script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

import archplot

EXE = shutil.which("archplot")


def run(*args, cwd=None):
    cmd = [EXE] if EXE else [sys.executable, "-m", "archplot.cli"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_torchvision_model_to_json(tmp_path):
    pytest.importorskip("torchvision")
    r = run("resnet18", "-o", "r.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""  # quiet unless -v
    g = archplot.Graph.from_json(tmp_path / "r.json")
    assert g.meta["model"] == "ResNet" and g.outputs[0].in_shapes == [[1, 1000]]


def test_default_output_is_svg_and_formats_follow_extension(tmp_path):
    pytest.importorskip("torchvision")
    r = run("resnet18", "--depth", "1", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    svg = (tmp_path / "resnet18.svg").read_text()
    assert svg.startswith("<svg") and "layer1 · Sequential" in svg
    r = run("resnet18", "--depth", "2", "--theme", "print", "-o", "r.png", "--scale", "1", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    from PIL import Image

    assert Image.open(tmp_path / "r.png").width > 200
    r = run("r.json" if (tmp_path / "r.json").exists() else "resnet18", "--focus", "layer2.0", "-o", "-", cwd=tmp_path)
    assert r.returncode == 0 and "downsample" in r.stdout


def test_user_file_with_input_spec_and_stdout(tmp_path):
    (tmp_path / "net.py").write_text(
        "import torch\n"
        "class Net(torch.nn.Module):\n"
        "    def __init__(self, width=4):\n"
        "        super().__init__(); self.fc = torch.nn.Linear(10, width)\n"
        "    def forward(self, x, y):\n"
        "        return self.fc(x) + y\n"
    )
    r = run("net.py:Net", "-i", "2x10,2x6", "--model-args", '{"width": 6}', "-o", "net.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    data = json.loads((tmp_path / "net.json").read_text())
    fc = next(n for n in data["nodes"] if n["path"] == "fc")
    assert fc["attrs"]["out_features"] == 6 and fc["in_shapes"] == [[2, 10]]


@pytest.mark.parametrize("args, code, message", [
    (["resnet19"], 1, "did you mean resnet18"),
    (["resnet18", "-i", "1x3xbig"], 1, "is not a shape"),
    (["resnet18", "-o", "r.xyz"], 2, "cannot write .xyz"),
    (["missing.py:Net"], 1, "no such file: missing.py"),
    (["resnet18", "-i", "1x3x8"], 1, "forward failed in `conv1` (Conv2d)"),
    (["resnet18", "--model-args", "[1]"], 1, "must be a JSON object"),
])
def test_bad_input(tmp_path, args, code, message):
    r = run(*args, cwd=tmp_path)
    assert r.returncode == code
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_version():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"archplot {archplot.__version__}"


def test_activations_and_filters_commands(tmp_path):
    pytest.importorskip("sklearn")
    from PIL import Image

    r = run("activations", "example:digits", "--layer", "features.0", "-o", "a.png", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert Image.open(tmp_path / "a.png").width > 100
    Image.new("RGB", (40, 40), (0, 128, 255)).save(tmp_path / "img.png")
    r = run("activations", "resnet18", "--image", "img.png", "--size", "64", "--layer", "layer1.0.conv1",
            "--max-channels", "8", "-o", "b.png", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = run("filters", "resnet18", "--layer", "conv1", "--max-filters", "16", "-o", "f.png", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert Image.open(tmp_path / "f.png").width > 100
    r = run("filters", "resnet18", "--layer", "conv9", cwd=tmp_path)
    assert r.returncode == 1 and "close matches: conv1" in r.stderr
    r = run("activations", "resnet18", "--layer", "conv1", cwd=tmp_path)
    assert r.returncode == 1 and "--image" in r.stderr
    r = run("activations", "resnet18", cwd=tmp_path)
    assert r.returncode == 2 and "--layer" in r.stderr
