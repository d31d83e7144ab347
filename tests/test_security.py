"""Files from strangers: opening one never runs its code unless the user says so.

Each test plants a payload that would create a marker file if it ran, and checks both that
archplot refuses it by default and that the payload is real (it runs with trust_pickle=True,
or with torch's own loader), so a refusal is not mistaken for a harmless file.
"""

from __future__ import annotations

import io
import subprocess
import sys
import warnings
import zipfile

import pytest
import torch

import archplot
from archplot import GraphFormatError

from test_cli import run


class _Net(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = torch.nn.Linear(4, 3)
        self.register_buffer("shift", torch.ones(3))

    def forward(self, x):
        return torch.relu(self.fc(x)) + self.shift


class _Payload:
    """Unpickling this creates the file ``path``."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def _rewrite(src, dst, changes: dict) -> None:
    """A copy of the zip ``src`` whose entries ending in a key of ``changes`` hold new bytes."""
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w") as zo:
        for info in zi.infolist():
            new = next((v for k, v in changes.items() if info.filename.endswith(k)), None)
            zo.writestr(info, new if new is not None else zi.read(info.filename))


@pytest.fixture(scope="module")
def pt2(tmp_path_factory):
    path = tmp_path_factory.mktemp("pt2") / "net.pt2"
    ep = torch.export.export(_Net(), (torch.randn(2, 4),), dynamic_shapes={"x": {0: torch.export.Dim("batch")}})
    torch.export.save(ep, str(path))
    return path


def test_a_clean_pt2_with_a_dynamic_batch_loads(pt2):
    g = archplot.load(pt2)
    assert [n.type for n in g] == ["Tensor", "Linear", "relu", "add", "Tensor"]


def test_pt2_with_a_pickle_payload_is_refused_and_the_payload_is_real(pt2, tmp_path):
    marker = tmp_path / "pickle-ran"
    buf = io.BytesIO()
    torch.save(((_Payload(str(marker)),), {}), buf)
    evil = tmp_path / "evil.pt2"
    _rewrite(pt2, evil, {"sample_inputs/model.pt": buf.getvalue()})
    with pytest.raises(GraphFormatError, match="pickled Python objects.*--trust-pickle"):
        archplot.load(evil)
    assert not marker.exists()
    r = run(str(evil), "-o", str(tmp_path / "x.svg"))
    assert r.returncode == 1 and "--trust-pickle" in r.stderr and not marker.exists()
    assert "Traceback" not in r.stderr and "WARNING" not in r.stderr
    archplot.load(evil, trust_pickle=True)  # the user said so: torch unpickles, the payload runs
    assert marker.exists()


def test_pt2_shape_expression_that_is_code_is_refused_and_the_payload_is_real(pt2, tmp_path):
    marker = tmp_path / "sympy-ran"
    with zipfile.ZipFile(pt2) as z:
        name = next(n for n in z.namelist() if n.endswith("models/model.json"))
        text = z.read(name).decode()
    symbol = "Symbol('s77', positive=True, integer=True)"
    assert symbol in text  # torch writes shape expressions as sympy text and sympify()s them on load
    evil = tmp_path / "sym.pt2"
    _rewrite(pt2, evil, {"models/model.json": text.replace(
        symbol, f"__import__('builtins').open({str(marker)!r}, 'w')", 1).encode()})
    with pytest.raises(GraphFormatError, match="shape expression.*__import__.*not sympy arithmetic"):
        archplot.load(evil)
    assert not marker.exists()
    with pytest.raises(GraphFormatError):  # torch evaluates the text (then fails on the result)
        archplot.load(evil, trust_pickle=True)
    assert marker.exists()


def test_pt2_with_compiled_code_is_refused(pt2, tmp_path):
    aoti = tmp_path / "aoti.pt2"
    with zipfile.ZipFile(pt2) as zi, zipfile.ZipFile(aoti, "w") as zo:
        for info in zi.infolist():
            zo.writestr(info, zi.read(info.filename))
        zo.writestr("net/data/aotinductor/model/model.so", b"\x7fELF")
    with pytest.raises(GraphFormatError, match="compiled AOTInductor code"):
        archplot.load(aoti)


def _script_with_setstate(path, marker):
    class Writes(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.where = str(marker)
            self.t = torch.zeros(4)

        def forward(self, x):
            return x * 2

        @torch.jit.export
        def __getstate__(self) -> tuple[str, bool]:
            return (self.where, self.training)

        @torch.jit.export
        def __setstate__(self, state: tuple[str, bool]) -> None:
            self.where = state[0]
            self.training = state[1]
            self.t = torch.from_file(self.where, shared=True, size=4)  # creates the file

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.jit.save(torch.jit.script(Writes()), str(path))


@pytest.mark.slow
def test_torchscript_setstate_that_writes_a_file_does_not_run(tmp_path):
    marker = tmp_path / "setstate-ran"
    path = tmp_path / "writes.pt"
    _script_with_setstate(path, marker)
    r = run(str(path), "-o", str(tmp_path / "w.svg"))
    assert r.returncode == 1 and "__setstate__" in r.stderr and "--trust-pickle" in r.stderr
    assert not marker.exists()
    # the payload is real: torch's own loader runs it
    subprocess.run([sys.executable, "-W", "ignore", "-c", f"import torch; torch.jit.load({str(path)!r})"], check=True)
    assert marker.exists()
    marker.unlink()
    r = run(str(path), "--trust-pickle", "-o", str(tmp_path / "w.svg"))
    assert r.returncode == 0, r.stderr
    assert marker.exists()


@pytest.mark.slow
def test_plain_torchscript_still_draws_without_trust(tmp_path):
    path = tmp_path / "plain.pt"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.jit.save(torch.jit.script(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())), str(path))
    r = run(str(path), "-o", str(tmp_path / "p.svg"))
    assert r.returncode == 0, r.stderr
    assert "Linear" in (tmp_path / "p.svg").read_text()
    data = path.read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    r = run(str(tmp_path / "cut.pt"), "-o", str(tmp_path / "c.svg"))
    assert r.returncode == 1 and "damaged" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow
def test_trust_pickle_hint_only_for_pickles(tmp_path):
    torch.save(torch.nn.Linear(2, 2), tmp_path / "whole.pt")
    (tmp_path / "net.py").write_text("import torch\nclass Net(torch.nn.Linear):\n    pass\n")
    (tmp_path / "notes.pt").write_text("just some text")
    r = run(str(tmp_path / "whole.pt"), "-i", "1x2")
    assert r.returncode == 1 and "--trust-pickle" in r.stderr
    for name, expected in (("net.py", "net.py:Net"), ("notes.pt", "not a model file"), (".", "is a directory")):
        r = run(str(tmp_path / name), "-i", "1x2", cwd=tmp_path)
        assert r.returncode == 1 and expected in r.stderr, r.stderr
        assert "trust-pickle" not in r.stderr


HOSTILE = ["<!--", "__DATA__", "a\x01b\x0bc\x1b[31m", "line\u2028sep", "x&y", 'q"uote|pipe', "new\nline"]


@pytest.fixture(scope="module")
def hostile_diagram():
    model = torch.nn.Sequential()
    for name, act in zip(HOSTILE, (torch.nn.ReLU, torch.nn.Tanh, torch.nn.Sigmoid, torch.nn.GELU, torch.nn.SiLU,
                                   torch.nn.ELU, torch.nn.Mish)):
        model.add_module(name, torch.nn.Sequential(torch.nn.Linear(2, 2), act()))
    return archplot.draw(model, input_size=(1, 2), depth=2, title="title \x07 <b>")


def _no_controls(text: str) -> bool:
    import re

    return re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", text) is None


def test_control_characters_never_reach_an_output(hostile_diagram, tmp_path):
    import xml.etree.ElementTree as ET

    d = hostile_diagram
    svg = d.to_svg()
    assert _no_controls(svg)
    texts = "".join(ET.fromstring(svg).itertext())  # well-formed XML
    assert "a?b?c?[31m" in texts and "<!--" in texts and "__DATA__" in texts
    assert d.to_png(scale=1).startswith(b"\x89PNG")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # fpdf2 warns about glyphs the font lacks
        pdf = d.to_pdf()
    (tmp_path / "d.pdf").write_bytes(pdf)
    import shutil

    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(tmp_path / "d.pdf"), "-"], capture_output=True, text=True).stdout
        assert "a?b?c?[31m" in text
    dot = d.to_dot()
    assert _no_controls(dot)
    if shutil.which("dot"):
        r = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True)
        assert r.returncode == 0 and "__DATA__" in r.stdout, r.stderr
    mermaid = d.to_mermaid()
    assert _no_controls(mermaid) and "<!--" not in mermaid and "\u2028" not in mermaid
    html_page = d.to_html()
    assert _no_controls(html_page)
    table = archplot.summary(d.graph)
    assert _no_controls(str(table)) and _no_controls(table.to_markdown())
    assert "line sep" in str(table) and "new line" in str(table)
    rows = [line for line in table.to_markdown().splitlines() if "pipe" in line]
    assert rows and "q\"uote\\|pipe" in rows[0] and rows[0].count(" | ") == len(table.columns)
    assert "&lt;!--" in table.to_markdown()
