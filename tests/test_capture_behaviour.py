"""archplot.trace on the awkward cases: inputs of every form, reuse, in-place ops, dynamic
control flow, errors, and the promise that the model is left exactly as it was."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import archplot
from conftest import assert_well_formed


class Block(nn.Module):
    def __init__(self, c=4):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(c)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(c, c, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(c)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.drop(self.bn2(self.conv2(out)))
        return self.relu(out + identity)


def edges_between(g, a, b):
    return [e for e in g.edges if g.nodes[e.source].name == a and g.nodes[e.target].name == b]


def test_residual_block_structure():
    g = archplot.trace(Block(), input_size=(1, 4, 8, 8))
    assert_well_formed(g)
    assert [n.name for n in g] == ["x", "conv1", "bn1", "relu", "conv2", "bn2", "drop", "add", "relu", "output"]
    relu_calls = [n for n in g if n.path == "relu"]
    assert len(relu_calls) == 2 and g.modules["relu"].calls == 2
    add = next(n for n in g if n.type == "add")
    # the skip connection comes straight from the input, the other operand from dropout
    assert {g.nodes[e.source].name for e in g.edges if e.target == add.id} == {"x", "drop"}
    conv = next(n for n in g if n.name == "conv1")
    assert conv.attrs["kernel_size"] == [3, 3] and conv.attrs["padding"] == [1, 1]
    assert conv.param_shapes == {"weight": [4, 4, 3, 3], "bias": [4]} and conv.params == 4 * 4 * 9 + 4
    assert all(e.shape == [1, 4, 8, 8] and e.dtype == "float32" for e in g.edges)


class Multi(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(3, 3)
        self.weight = nn.Parameter(torch.randn(3, 2))
        self.register_buffer("scale", torch.tensor(2.0))

    def forward(self, a, b, n: int = 1, *, mask=None):
        h = self.proj(a) + self.proj(b)  # the same module called twice
        h = h * self.scale
        h.mul_(n)  # in place
        out = h @ self.weight  # a parameter used directly
        if mask is not None:
            out = out.masked_fill(mask, 0.0)
        return {"out": out, "parts": (h, out.sum())}


def test_tuple_dict_kwargs_inputs_and_outputs():
    a, b, mask = torch.randn(2, 3), torch.randn(2, 3), torch.zeros(2, 2, dtype=torch.bool)
    g = archplot.trace(Multi(), (a, b, 3), mask=mask)
    assert_well_formed(g)
    assert [n.name for n in g.inputs] == ["a", "b", "mask"]
    assert [n.name for n in g.outputs] == ["out", "parts.0", "parts.1"]
    proj = [n for n in g if n.path == "proj"]
    assert len(proj) == 2 and [n.scope for n in proj] == [0, 0]
    assert g.modules["proj"].calls == 2
    matmul = next(n for n in g if n.type == "matmul")
    assert matmul.param_shapes == {"weight": [3, 2]} and matmul.params == 6
    mul_ = next(n for n in g if n.type == "mul_")
    # the in-place result, not the tensor before it, feeds the matmul
    assert any(e.source == mul_.id and e.target == matmul.id for e in g.edges)
    mul = next(n for n in g if n.type == "mul")
    assert mul.param_shapes == {"scale": []} and mul.params == 0  # a buffer, not a parameter

    g2 = archplot.trace(Multi(), {"a": a, "b": b, "mask": mask})
    assert [n.name for n in g2.inputs] == ["a", "b", "mask"]


def test_input_size_forms_and_dtypes():
    emb = nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(8, 2))
    g = archplot.trace(emb, input_size=(3, 2), dtypes=torch.long)
    assert g.inputs[0].attrs["dtype"] == "int64" and g.outputs[0].in_shapes == [[3, 2]]
    g = archplot.trace(Multi(), input_size=[(2, 3), (2, 3)])
    assert [n.out_shapes for n in g.inputs] == [[[2, 3]], [[2, 3]]]
    g = archplot.trace(Multi().double(), input_size={"a": (5, 3), "b": (5, 3)}, dtypes={"a": "float64", "b": "float64"})
    assert g.inputs[0].attrs["dtype"] == "float64"


def test_list_input_is_one_argument():
    class Cat(nn.Module):
        def forward(self, xs):
            return torch.cat(xs, dim=1)

    g = archplot.trace(Cat(), [torch.randn(1, 2), torch.randn(1, 3)])
    assert [n.name for n in g.inputs] == ["xs.0", "xs.1"]
    cat = next(n for n in g if n.type == "cat")
    assert cat.attrs["dim"] == 1 and cat.out_shapes == [[1, 5]]
    assert len([e for e in g.edges if e.target == cat.id]) == 2


class Dynamic(nn.Module):
    def __init__(self):
        super().__init__()
        self.gate = nn.Linear(4, 1)
        self.branch = nn.ModuleDict({"a": nn.Linear(4, 4), "b": nn.Linear(4, 4)})

    def forward(self, x):
        if self.gate(x).mean() > 0:  # data-dependent: the path depends on the values
            return self.branch["a"](x)
        return self.branch["b"](x)


def test_data_dependent_control_flow_is_marked():
    g = archplot.trace(Dynamic(), input_size=(2, 4))
    assert g.modules[""].dynamic and g.modules[""].dynamic_reason == "Tensor.__bool__"
    assert not g.modules["gate"].dynamic
    taken = {n.path for n in g if n.kind == "module"} - {"gate"}
    assert len(taken) == 1 and {g.modules[p].calls for p in ("branch.a", "branch.b")} == {0, 1}
    # the value read is a node: gate -> mean -> gt -> bool(), kept in the drawing
    read = next(n for n in g if n.type == "bool()")
    assert read.dynamic and read.out_shapes == []
    chain = [g.nodes[e.source].type for e in g.edges if e.target == read.id]
    assert chain == ["gt"]
    svg = archplot.draw(g).to_svg()
    assert "gate · Linear" in svg and "bool()" in svg and "data-dependent" in svg
    static = archplot.trace(Block(), input_size=(1, 4, 4, 4))
    assert not any(m.dynamic for m in static.modules.values())
    assert "data-dependent" not in archplot.draw(static).to_svg()


def test_meta_device_value_read_is_explained():
    with torch.device("meta"):
        model = Dynamic()
    with pytest.raises(archplot.TraceError, match="meta device cannot compute; trace with real tensors"):
        archplot.trace(model, input_size=(2, 4))


def test_meta_model_with_cpu_input_is_moved_to_meta():
    with torch.device("meta"):
        model = Block()
    g = archplot.trace(model, torch.randn(1, 4, 8, 8))
    assert g.meta["device"] == "meta" and g.outputs[0].in_shapes == [[1, 4, 8, 8]]


def snapshot(model):
    return {
        "training": [m.training for m in model.modules()],
        "state": {k: v.clone() for k, v in model.state_dict().items()},
        "hooks": [(len(m._forward_hooks), len(m._forward_pre_hooks)) for m in model.modules()],
        "grad": torch.is_grad_enabled(),
        "rng": torch.get_rng_state(),
        "requires_grad": [p.requires_grad for p in model.parameters()],
        "param_ids": [id(p) for p in model.parameters()],
    }


def assert_same(a, b):
    assert a["training"] == b["training"] and a["hooks"] == b["hooks"] and a["grad"] == b["grad"]
    assert a["requires_grad"] == b["requires_grad"] and a["param_ids"] == b["param_ids"]
    assert torch.equal(a["rng"], b["rng"])
    assert a["state"].keys() == b["state"].keys()
    for k in a["state"]:
        assert torch.equal(a["state"][k], b["state"][k]), k


class Stateful(Block):
    """Changes its own buffers in forward and draws random numbers: archplot must undo both."""

    def forward(self, x):
        self.bn1.running_mean.add_(1.0)
        torch.rand(1)
        return super().forward(x)


@pytest.mark.parametrize("train", [False, True])
def test_model_left_unchanged(train):
    model = Stateful()
    model.train()
    model.bn2.eval()
    model.conv1.register_forward_hook(lambda *a: None)
    before = snapshot(model)
    archplot.trace(model, input_size=(2, 4, 8, 8), train=train)
    assert_same(before, snapshot(model))


def test_model_left_unchanged_after_error():
    model = Stateful().train()
    before = snapshot(model)
    with torch.enable_grad(), pytest.raises(archplot.TraceError):
        archplot.trace(model, input_size=(1, 3, 8, 8))
    assert_same(before, snapshot(model))


def test_wrong_shape_error_names_module_and_shapes():
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Flatten(), nn.Linear(10, 2))
    with pytest.raises(archplot.TraceError) as info:
        archplot.trace(model, input_size=(1, 3, 8, 8))
    err = info.value
    msg = str(err)
    assert "\n" not in msg
    assert "`2` (Linear)" in msg and "(1, 288)" in msg and "mat1 and mat2" in msg
    assert isinstance(err.__cause__, RuntimeError)
    assert err.module_path == "2" and err.input_shapes == [[1, 288]]
    partial = err.partial_graph
    assert [n.name for n in partial] == ["input", "0", "1"]


@pytest.mark.parametrize("bad, match", [
    (nn.Linear, "instantiate the class first"),
    ({"weight": torch.zeros(2)}, "expects a torch.nn.Module, got dict"),
    ("resnet18", "expects a torch.nn.Module, got str"),
])
def test_not_a_module(bad, match):
    with pytest.raises(archplot.InputError, match=match):
        archplot.trace(bad, input_size=(1, 2))


def test_input_errors():
    lin = nn.Linear(2, 2)
    with pytest.raises(archplot.InputError, match="needs an example input"):
        archplot.trace(lin)
    with pytest.raises(archplot.InputError, match="either input_data or input_size"):
        archplot.trace(lin, torch.zeros(1, 2), input_size=(1, 2))
    with pytest.raises(archplot.InputError, match="not a shape"):
        archplot.trace(lin, input_size=[(1, 2), "big"])
    with pytest.raises(archplot.InputError, match="not a torch dtype"):
        archplot.trace(lin, input_size=(1, 2), dtypes="float65")
    np = pytest.importorskip("numpy")
    with pytest.raises(archplot.InputError, match="torch.from_numpy"):
        archplot.trace(lin, np.zeros((1, 2), dtype="float32"))


def test_leaf_modules_option_draws_a_container_as_one_node():
    model = nn.Sequential(Block(), nn.Flatten(), nn.Linear(4 * 4 * 4, 2))
    g = archplot.trace(model, input_size=(1, 4, 4, 4), leaf_modules=(Block,))
    assert [n.type for n in g if n.kind == "module"] == ["Block", "Flatten", "Linear"]
    assert next(n for n in g if n.type == "Block").params == sum(p.numel() for p in model[0].parameters())
    with pytest.raises(archplot.InputError, match="leaf_modules must be module classes"):
        archplot.trace(model, input_size=(1, 4, 4, 4), leaf_modules=("Block",))


def test_identity_module_keeps_true_producers():
    class Skip(nn.Module):
        def __init__(self):
            super().__init__()
            self.id = nn.Identity()
            self.lin = nn.Linear(3, 3)

        def forward(self, x):
            y = self.id(x)
            return self.lin(y) + x.float()

    g = archplot.trace(Skip(), input_size=(1, 3))
    add = next(n for n in g if n.type == "add")
    sources = {g.nodes[e.source].type for e in g.edges if e.target == add.id}
    assert sources == {"Linear", "float"}
    fl = next(n for n in g if n.type == "float")
    assert g.nodes[next(e.source for e in g.edges if e.target == fl.id)].kind == "input"
