"""Other ways in: ONNX files, torch.export (and .pt2), torch.fx without an input, the autograd
graph, and the summary table."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest
import torch
from hypothesis import HealthCheck, given, settings, strategies as st
from torch import nn

import archplot
from conftest import optional
from archplot import GraphFormatError, InputError, TraceError

torchvision = optional("torchvision")


@pytest.fixture(scope="module")
def resnet18():
    return torchvision.models.resnet18().eval()


@pytest.fixture(scope="module")
def onnx_file(tmp_path_factory, resnet18):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxscript")
    path = tmp_path_factory.mktemp("onnx") / "resnet18.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(resnet18, (torch.randn(1, 3, 64, 64),), str(path))
    return path


def containers(g):
    return {p for p, m in g.modules.items() if p and not m.leaf and m.calls}


def test_onnx_hierarchy_matches_the_trace(onnx_file, resnet18):
    g = archplot.load(onnx_file)
    traced = archplot.trace(resnet18, input_size=(1, 3, 64, 64))
    scopes = {s.path for s in g.scopes.values() if s.path}
    assert containers(traced) <= scopes  # every block and stage of the model is a box
    assert scopes <= set(traced.modules)  # and every box is a real module
    assert all(e.shape is not None for e in g.edges)  # shape inference filled every edge
    convs = [n for n in g if n.attrs.get("onnx_op") == "Conv" or n.type == "Conv"]
    assert convs and all("kernel_shape" in n.attrs for n in convs)
    assert g.total_params > 11_000_000  # initializers are parameters
    assert [o.in_shapes for o in g.outputs] == [[[1, 1000]]]
    svg = archplot.draw(g, depth=1).to_svg()
    assert "layer1 · Sequential" in svg


def test_onnx_loads_without_torch(onnx_file):
    code = ("import sys, archplot; g = archplot.load(sys.argv[1]); archplot.draw(g).to_svg(); "
            "assert 'torch' not in sys.modules; print(len(g.nodes))")
    r = subprocess.run([sys.executable, "-c", code, str(onnx_file)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_damaged_onnx_files_give_one_line_errors(onnx_file, tmp_path_factory, data):
    raw = onnx_file.read_bytes()
    how = data.draw(st.sampled_from(["truncate", "flip", "random"]))
    if how == "truncate":
        blob = raw[:data.draw(st.integers(0, len(raw) - 1))]
    elif how == "flip":
        i = data.draw(st.integers(0, len(raw) - 1))
        blob = raw[:i] + bytes([raw[i] ^ data.draw(st.integers(1, 255))]) + raw[i + 1:]
    else:
        blob = data.draw(st.binary(max_size=2000))
    path = tmp_path_factory.mktemp("bad") / "bad.onnx"
    path.write_bytes(blob)
    try:
        g = archplot.load(path)
    except GraphFormatError as e:
        assert "\n" not in str(e)
    else:
        archplot.draw(g)  # whatever survived still draws


def test_load_errors(tmp_path):
    with pytest.raises(GraphFormatError, match="no such file"):
        archplot.load(tmp_path / "missing.onnx")
    with pytest.raises(InputError, match="reads .onnx, .pt2 and .json"):
        archplot.load(tmp_path / "model.pt")


def test_export_method_and_pt2(resnet18, tmp_path):
    hooks = archplot.trace(resnet18, input_size=(1, 3, 64, 64))
    exp = archplot.trace(resnet18, input_size=(1, 3, 64, 64), method="export")
    assert exp.meta["method"] == "export"
    shapes = {n.path: n.out_shapes for n in hooks if n.kind == "module"}
    exported = {n.path: n.out_shapes for n in exp if n.kind == "module"}
    common = set(shapes) & set(exported)
    assert len(common) > 40 and all(shapes[p] == exported[p] for p in common)
    assert containers(hooks) <= {s.path for s in exp.scopes.values()}
    assert exp.total_params == hooks.total_params
    ep = torch.export.export(resnet18, (torch.randn(1, 3, 64, 64),))
    torch.export.save(ep, str(tmp_path / "r.pt2"))
    loaded = archplot.load(tmp_path / "r.pt2")
    assert {s.path for s in loaded.scopes.values()} == {s.path for s in exp.scopes.values()}
    (tmp_path / "bad.pt2").write_bytes(b"not a zip")
    with pytest.raises(GraphFormatError, match="not a readable torch.export .pt2 file"):
        archplot.load(tmp_path / "bad.pt2")


class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Linear(4, 4)

    def forward(self, x):
        return self.scale(x) if x.sum() > 0 else x  # control flow on values: fx cannot trace it


class WithGate(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.gate = nn.Sequential(Gate(), nn.ReLU())
        self.b = nn.Linear(4, 2)

    def forward(self, x):
        return self.b(self.gate(self.a(x)))


def test_fx_without_and_with_input(resnet18):
    g = archplot.trace(resnet18, method="fx")  # no input at all
    assert {n.path for n in g if n.kind == "module"} == {n.path for n in archplot.trace(resnet18, input_size=(1, 3, 32, 32)) if n.kind == "module"}
    assert all(s is None for n in g if n.kind == "module" for s in n.out_shapes)
    archplot.draw(g).to_svg()  # structure without shapes still draws
    shaped = archplot.trace(resnet18, input_size=(1, 3, 32, 32), method="fx")
    assert next(n for n in shaped if n.path == "fc").out_shapes == [[1, 1000]]
    model = WithGate()
    gated = archplot.trace(model, method="fx")
    box = next(n for n in gated if n.path == "gate.0")
    assert box.kind == "module" and box.dynamic and "opaque" in box.attrs  # the rest is traced
    assert {"a", "b"} <= {n.path for n in gated if n.kind == "module"}
    assert not hasattr(model.gate, "_archplot_opaque")
    with pytest.raises(InputError, match="method must be 'auto'"):
        archplot.trace(model, method="jit")


def test_autograd_graph():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    out = model(torch.randn(3, 4)).sum()
    g = archplot.autograd_graph(out, dict(model.named_parameters()), show_saved=True)
    leaves = {n.name for n in g.inputs}
    assert leaves == {"0.weight", "0.bias", "2.weight", "2.bias"}
    relu = next(n for n in g if n.type == "ReluBackward0")
    assert relu.attrs == {"saved result": [3, 8]}
    assert [n.type for n in g.outputs] == ["Tensor"]
    x = torch.randn(2, requires_grad=True)
    z = x
    for _ in range(3000):
        z = z * 1.001
    assert len(archplot.autograd_graph(z).nodes) == 3002  # no recursion limit
    with torch.no_grad():
        y = model(torch.randn(1, 4))
    with pytest.raises(InputError, match="no grad_fn.*torch.no_grad"):
        archplot.autograd_graph(y)


def test_summary_matches_torchinfo_and_counts_matmuls():
    torchinfo = pytest.importorskip("torchinfo")
    for model, size in ((torchvision.models.resnet18(), (1, 3, 64, 64)), (torchvision.models.mobilenet_v3_small(), (1, 3, 64, 64))):
        s = archplot.summary(model, input_size=size)
        t = torchinfo.summary(model, input_size=size, verbose=0)
        assert s.total_params == t.total_params and s.trainable_params == t.trainable_params
        assert abs(s.total_mult_adds - t.total_mult_adds) / t.total_mult_adds < 0.05
    text = str(archplot.summary(torchvision.models.resnet18(), input_size=(1, 3, 64, 64), depth=1))
    assert "Layer (type)" in text and "layer1: Sequential" in text and "Total params: 11,689,512" in text
    assert "0: BasicBlock" not in text  # depth 1

    class MatMul(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.randn(8, 16))

        def forward(self, x):
            return torch.softmax(x @ self.w, dim=-1) @ torch.ones(16, 2)

    s = archplot.summary(MatMul(), input_size=(4, 8))
    assert s.total_mult_adds == 4 * 16 * 8 + 4 * 2 * 16
    d = s.to_dict()
    assert d["totals"]["params"] == 128 and d["rows"][0]["type"] == "MatMul"
    assert s.to_markdown().startswith("| Layer (type) |")
    frozen = torchvision.models.resnet18()
    frozen.layer1.requires_grad_(False)
    fs = archplot.summary(frozen, input_size=(1, 3, 64, 64), depth=1)
    assert fs.frozen_params == sum(p.numel() for p in frozen.layer1.parameters())
    assert "False" in str(fs)
    with pytest.raises(InputError, match="unknown summary column 'flop'; did you mean 'flops'"):
        archplot.summary(MatMul(), input_size=(4, 8), columns=["flop"])


def test_trace_error_from_export_is_clear():
    with pytest.raises(TraceError, match="torch.export could not export Dyn.*method='auto'"):
        class Dyn(nn.Module):
            def forward(self, x):
                return x if x.sum().item() > 0 else -x
        archplot.trace(Dyn(), input_size=(2,), method="export")
