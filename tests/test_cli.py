"""The archplot command, run as a user runs it: a subprocess of the installed script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

import archplot

pytestmark = pytest.mark.slow  # subprocesses, a browser, a docs build or real models: minutes in all
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
    (["resnet18", "-i", "1x3xbig"], 2, "is not a shape"),
    (["resnet18", "-o", "r.xyz"], 2, "cannot write .xyz"),
    (["missing.py:Net"], 1, "no such file: missing.py"),
    (["resnet18", "-i", "1x3x8"], 1, "forward failed in `conv1` (Conv2d)"),
    (["resnet18", "--model-args", "[1]"], 2, "must be a JSON object"),
    (["resnet18", "--model-args", "{bad"], 2, "must be a JSON object"),
    (["resnet18", "--depth", "0"], 2, "--depth must be 1 or more"),
    (["resnet18", "-i", "1,3,224,224"], 2, "did you mean 1x3x224x224?"),
    (["resnet18", "-o", "missing/dir/r.svg"], 2, "the directory of missing/dir/r.svg does not exist"),
    (["resnet18", "--scale", "nan"], 2, "--scale must be a positive number"),
    (["activations", "resnet18", "--layer", "conv1"], 2, "give an input image with --image"),
    (["summary", "resnet18", "--depth", "0"], 2, "--depth must be 1 or more"),
    (["transformers:GPT2Modle"], 1, "did you mean GPT2Model"),
    (["transformers:openai-community/gpt2"], 1, "is a Hugging Face hub id"),
])
def test_bad_input(tmp_path, args, code, message):
    if code == 1 and args[0].startswith("transformers:"):  # found when the model is built
        pytest.importorskip("transformers")
    elif code == 1 and args[0].startswith("resnet"):
        pytest.importorskip("torchvision")
    r = run(*args, cwd=tmp_path)
    assert r.returncode == code
    assert message in r.stderr
    assert "Traceback" not in r.stderr and "Warning" not in r.stderr and "--debug" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_usage_errors_are_reported_before_the_model_is_built(tmp_path):
    """A module that takes a minute to import would make the user wait for a typo; it is never imported."""
    (tmp_path / "slow.py").write_text("import time\ntime.sleep(600)\n")
    for args in (["slow.py:Net", "--depth", "0"], ["slow.py:Net", "-i", "1,8"], ["slow.py:Net", "-o", "no/x.svg"],
                 ["activations", "slow.py:Net", "--layer", "a"], ["slow.py:Net", "--model-args", "{"]):
        r = subprocess.run([*([EXE] if EXE else [sys.executable, "-m", "archplot.cli"]), *args], capture_output=True,
                           text=True, cwd=tmp_path, timeout=120)
        assert r.returncode == 2, (args, r.stderr)


def test_open_without_a_browser_says_so(tmp_path):
    import os

    env = {**os.environ, "BROWSER": "", "DISPLAY": "", "WAYLAND_DISPLAY": "", "PATH": os.path.dirname(sys.executable)}
    cmd = [sys.executable, "-m", "archplot.cli", "example:residual_block", "--open"]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "no web browser found" in r.stderr and (tmp_path / "residual_block.html").exists()


def test_version():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"archplot {archplot.__version__}"


def test_activations_and_filters_commands(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("torchvision")
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
    assert r.returncode == 2 and "--image" in r.stderr  # a usage error, found before the model is built
    r = run("activations", "resnet18", cwd=tmp_path)
    assert r.returncode == 2 and "--layer" in r.stderr


def test_model_files_summary_style_and_method(tmp_path):
    import torch

    torchvision = pytest.importorskip("torchvision")

    model = torchvision.models.resnet18()
    torch.save(model.state_dict(), tmp_path / "sd.pt")
    torch.save(model, tmp_path / "full.pt")
    r = run("sd.pt", cwd=tmp_path)
    assert r.returncode == 1 and "state dict: it holds weights but no architecture" in r.stderr
    r = run("full.pt", cwd=tmp_path)
    assert r.returncode == 1 and "--trust-pickle" in r.stderr and not (tmp_path / "full.svg").exists()
    r = run("full.pt", "--trust-pickle", "-i", "1x3x64x64", "--depth", "1", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "layer1 · Sequential" in (tmp_path / "full.svg").read_text()
    (tmp_path / "broken.onnx").write_bytes(b"\x08\x07garbage")
    r = run("broken.onnx", cwd=tmp_path)
    assert r.returncode == 1 and "not a readable ONNX file" in r.stderr
    r = run("summary", "resnet18", "--depth", "1", cwd=tmp_path)
    assert r.returncode == 0 and "Total params: 11,689,512" in r.stdout and "layer1: Sequential" in r.stdout
    r = run("resnet18", "--style", "lenet", "-o", "l.png", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = run("resnet18", "--method", "fx", "--depth", "1", "-o", "fx.svg", cwd=tmp_path)
    assert r.returncode == 0 and "layer1" in (tmp_path / "fx.svg").read_text()
    r = run("resnet18", "-o", "r.html", cwd=tmp_path)
    assert r.returncode == 0 and "archplot-data" in (tmp_path / "r.html").read_text()


def test_torchscript_files_and_huge_models_on_meta(tmp_path):
    import warnings

    pytest.importorskip("torchvision")
    pytest.importorskip("transformers")

    import torch
    import torchvision

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.jit.script(torchvision.models.resnet18().eval()).save(str(tmp_path / "r.pt"))
    r = run("r.pt", "--depth", "1", "-o", "r.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    g = archplot.Graph.from_json(tmp_path / "r.json")
    traced = archplot.trace(torchvision.models.resnet18(), input_size=(1, 3, 32, 32))
    assert sorted(n.path for n in g if n.kind == "module") == sorted(n.path for n in traced if n.kind == "module")
    assert g.meta["method"] == "torchscript"
    big = ('{"num_hidden_layers": 80, "hidden_size": 8192, "num_attention_heads": 64, "num_key_value_heads": 8, '
           '"intermediate_size": 28672, "vocab_size": 128256}')
    r = run("transformers:LlamaForCausalLM", "--model-args", big, "-o", "llama.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr  # 70B parameters: built on the meta device without being asked
    g = archplot.Graph.from_json(tmp_path / "llama.json")
    assert g.meta["device"] == "meta" and g.total_params > 69e9
