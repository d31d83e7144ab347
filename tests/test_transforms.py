"""Transforms on real models and, as property tests, on generated graphs."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings, strategies as st
from torch import nn

import archplot
from conftest import optional
from archplot import Graph, InputError, Module, Scope
from archplot.transforms.view import members_of

transformers = optional("transformers")
torchvision = optional("torchvision")


def visible_modules(g):
    return [(n.type, n.repeat) for n in g if n.kind == "module"]


@pytest.fixture(scope="module")
def gpt2():
    cfg = transformers.GPT2Config(n_layer=12, n_embd=64, n_head=4, vocab_size=100)
    return archplot.trace(transformers.GPT2Model(cfg), input_size=(1, 8), dtypes=torch.long)


@pytest.fixture(scope="module")
def bert():
    cfg = transformers.BertConfig(num_hidden_layers=12, hidden_size=64, num_attention_heads=4,
                                  intermediate_size=128, vocab_size=100)
    return archplot.trace(transformers.BertModel(cfg), input_size=(1, 8), dtypes=torch.long)


@pytest.fixture(scope="module")
def resnet50():
    with torch.device("meta"):
        model = torchvision.models.resnet50()
    return archplot.trace(model, input_size=(1, 3, 224, 224))


def test_gpt2_depth2_folds_to_one_block(gpt2):
    v = gpt2.collapse(depth=2).fold_repeats()
    folded = [s for s in v.scopes.values() if s.repeat > 1]
    assert len(folded) == 1
    block = folded[0]
    assert block.repeat == 12 and block.repeat_paths == [f"h.{i}" for i in range(12)]
    # inside the one block, attention and MLP are collapsed
    inside = [n for n in v if n.scope == block.id and n.kind == "module"]
    assert [n.type for n in inside] == ["LayerNorm", "GPT2Attention", "LayerNorm", "GPT2MLP"]
    assert all(n.collapsed for n in inside if n.type.startswith("GPT2"))
    at1 = gpt2.collapse(depth=1).fold_repeats()
    assert [n for n in at1 if n.type == "GPT2Block"][0].repeat == 12
    assert gpt2.collapse(depth=1).fold_repeats().unfold().collapse(depth=1) == gpt2.collapse(depth=1)


def test_bert_depth2_folds_to_one_layer(bert):
    v = bert.collapse(depth=2).fold_repeats()
    layers = [n for n in v if n.type == "BertLayer"]
    assert len(layers) == 1 and layers[0].repeat == 12 and layers[0].collapsed
    assert layers[0].repeat_paths[-1] == "encoder.layer.11"
    assert layers[0].params == v.modules["encoder.layer.0"].params
    # the encoder box stays, holding the folded layer
    assert v.scopes[layers[0].scope].path == "encoder"


def test_resnet50_stages_with_bottlenecks(resnet50):
    v = resnet50.collapse(depth=2).fold_repeats()
    stages = sorted(s.path for s in v.scopes.values() if s.path)
    assert stages == ["layer1", "layer2", "layer3", "layer4"]
    assert [(n.path, n.repeat) for n in v if n.type == "Bottleneck"] == [
        ("layer1.0", 1), ("layer1.1", 2), ("layer2.0", 1), ("layer2.1", 3),
        ("layer3.0", 1), ("layer3.1", 5), ("layer4.0", 1), ("layer4.1", 2)]
    first = next(n for n in v if n.path == "layer2.0")
    assert first.in_shapes == [[1, 256, 56, 56]] and first.out_shapes == [[1, 512, 28, 28]]


def test_collapse_then_expand_gives_back_the_graph(resnet50, bert):
    for g in (resnet50, bert):
        full = g.expand()
        assert g.collapse(depth=1).expand() == full
        for n in full:
            assert n == g.nodes[n.id] or n.kind == "module"  # structure hashes are filled in
        assert full.edges == g.edges
    v = resnet50.collapse(depth=1)
    assert v.collapse("layer2").expand("layer2") == v.expand("layer2")
    one = resnet50.collapse(depth=1).expand("layer3.1")
    shown = {n.path for n in one if n.kind == "module"}
    assert {"layer3.1.conv1", "layer3.1.bn3", "layer3.0", "layer3.2", "layer1"} <= shown
    assert "layer3.0.conv1" not in shown and "layer1.0" not in shown


def test_glob_patterns(bert):
    v = bert.collapse("encoder.layer.*.attention")
    attn = [n for n in v if n.type == "BertAttention"]
    assert len(attn) == 12 and all(n.collapsed for n in attn)
    assert not any(n.path.startswith("encoder.layer.0.attention.") for n in v)
    assert len([n for n in bert.collapse("**.intermediate") if n.type == "BertIntermediate"]) == 12
    with pytest.raises(InputError, match="close matches: encoder"):
        bert.collapse("encodr")
    with pytest.raises(InputError, match="depth must be an integer of at least 1"):
        bert.collapse(depth=0)


def test_input_graph_untouched(bert):
    before = bert.to_json()
    bert.collapse(depth=1).fold_repeats().hide(trivial=True).focus("encoder.layer.0")
    assert bert.to_json() == before


def test_transforms_write_nothing_onto_their_input(bert):
    """A Graph is plain data: transforms keep their views and caches beside it, so the graph
    they are given (and the graphs they return) carry exactly the data fields."""
    import copy
    import dataclasses

    data_fields = {f.name for f in dataclasses.fields(Graph)}
    assert data_fields == {"nodes", "edges", "modules", "scopes", "meta"}
    original = copy.deepcopy(bert)
    attrs = dict(vars(bert))
    derived = bert.collapse(depth=2).fold_repeats()
    again = derived.expand("encoder.layer.0").unfold().prune()
    assert vars(bert) == attrs and all(vars(bert)[k] is attrs[k] for k in attrs)  # nothing added or replaced
    assert bert == original  # nor changed inside
    for g in (derived, again):
        assert set(vars(g)) == data_fields
    # the view is remembered beside the derived graph: expanding gives back the original nodes
    assert sorted(derived.expand().unfold().nodes) == sorted(bert.nodes)


def test_graph_and_layout_import_only_earlier_stages():
    """The pipeline's folders import only what comes before them: graph/ knows nothing of the
    transforms (no import circle), layout/ nothing of graphs, styles or backends."""
    import ast
    import pathlib

    root = pathlib.Path(archplot.__file__).parent
    allowed = {"graph": {"graph", "errors", "_bulk"}, "layout": {"layout"}}
    for package, ok in allowed.items():
        for path in (root / package).glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.level:
                    first = (node.module or "").split(".")[0] if node.level == 2 else package
                    assert first in ok, f"{path.name} imports archplot.{node.module}"


def test_fold_never_merges_blocks_that_differ():
    blocks = [nn.Sequential(nn.Linear(8, 8), nn.LayerNorm(8, eps=1e-5 if i != 2 else 1e-6)) for i in range(5)]
    g = archplot.trace(nn.Sequential(*blocks), input_size=(1, 8)).fold_repeats()
    assert [(n.path, n.repeat) for n in g.collapse(depth=1).fold_repeats() if n.kind == "module"] == [
        ("0", 2), ("2", 1), ("3", 2)]


def test_focus_on_attention(bert):
    f = bert.focus("encoder.layer.3.attention")
    ins, outs = f.inputs, f.outputs
    assert len(outs) == 1 and outs[0].in_shapes == [[1, 8, 64]]
    assert [1, 8, 64] in [i.out_shapes[0] for i in ins]
    assert all(n.path.startswith("encoder.layer.3.attention") for n in f if n.kind in ("module", "op"))
    assert {s.path for s in f.scopes.values()} == {"encoder.layer.3.attention", "encoder.layer.3.attention.self",
                                                  "encoder.layer.3.attention.output"}
    assert f.total_params == bert.modules["encoder.layer.3.attention"].params
    # depth is relative to the focused module
    assert [n.type for n in f.collapse(depth=1) if n.kind == "module"] == ["BertSelfAttention", "BertSelfOutput"]
    with pytest.raises(InputError, match="called 1 time"):
        bert.focus("encoder.layer.3.attention", call=1)


def test_hide_trivial_keeps_the_path(gpt2):
    h = gpt2.hide(trivial=True)
    assert not any(n.type in ("view", "getitem", "contiguous", "size") for n in h)
    assert not any(n.type == "Dropout" for n in h)
    assert len(h.inputs) == len(gpt2.inputs) and len(h.outputs) == len(gpt2.outputs)
    _assert_reachability_kept(gpt2, h)
    only = gpt2.hide(["LayerNorm", nn.Dropout])
    assert not any(n.type in ("LayerNorm", "Dropout") for n in only)
    custom = gpt2.hide(where=lambda n: n.kind == "op")
    assert not any(n.kind == "op" for n in custom)
    with pytest.raises(InputError, match="needs types"):
        gpt2.hide()


def test_fuse_pattern(resnet50):
    f = resnet50.fuse("Conv2d > BatchNorm2d > ReLU")
    fused = [n for n in f if n.type == "Conv2d > BatchNorm2d > ReLU"]
    assert fused[0].path == "conv1" and [p["type"] for p in fused[0].parts] == ["Conv2d", "BatchNorm2d", "ReLU"]
    assert fused[0].params == 9408 + 128 and fused[0].out_shapes == [[1, 64, 112, 112]]
    # bottleneck: conv1/bn1/relu and conv2/bn2/relu fuse; conv3/bn3 meets the add, not a ReLU
    assert len(fused) == 1 + 2 * 16
    with pytest.raises(InputError, match="two or more types"):
        resnet50.fuse("Conv2d")


def test_wrappers_and_grouping():
    model = nn.Sequential(nn.Sequential(nn.Sequential(*[nn.Linear(4, 4) for _ in range(10)])))
    g = archplot.trace(model, input_size=(1, 4))
    merged = g.merge_wrappers()
    # the wrapper `0` holding only `0.0` gives way; `0.0` holds ten layers and stays
    assert sorted(s.path for s in merged.scopes.values()) == ["", "0.0"]
    assert merged.scopes[next(n.scope for n in merged if n.type == "Linear")].parent == 0
    grouped = g.group_children(4)
    inner = [s for s in grouped.scopes.values() if "[" in s.path]
    assert [s.path for s in inner] == ["0.0[0:4]", "0.0[4:8]", "0.0[8:10]"]
    assert all(sum(1 for n in grouped if n.scope == s.id) <= 4 for s in inner)


def _reach(g):
    succ = g.successors()
    out = {}
    for n in g:
        seen, stack = set(), list(succ[n.id])
        while stack:
            i = stack.pop()
            if i not in seen:
                seen.add(i)
                stack.extend(succ[i])
        out[n.id] = seen
    return out


def _assert_reachability_kept(before, after):
    rb, ra = _reach(before), _reach(after)
    kept = set(after.nodes) & set(before.nodes)
    for i in kept:
        assert ra[i] & kept == rb[i] & kept


# -- property tests on generated graphs ---------------------------------------------------------

@st.composite
def graphs(draw):
    """A graph as a trace would record it: a call stack entering and leaving module scopes."""
    g = Graph()
    g.modules[""] = Module("", "Model", None)
    stack = [0]
    names = {0: ""}
    types = ["Linear", "ReLU", "add", "LayerNorm"]
    x = g.add_node("input", "Tensor", "x", out_shapes=[[1, 4]])
    produced = [x.id]
    steps = draw(st.lists(st.sampled_from(["enter", "leave", "node", "node", "node"]), min_size=3, max_size=40))
    counter = 0
    for step in steps:
        if step == "enter" and len(stack) < 4:
            counter += 1
            parent = stack[-1]
            path = f"{names[parent]}.b{counter}" if names[parent] else f"b{counter}"
            sid = len(g.scopes)
            g.scopes[sid] = Scope(sid, path, 0, parent)
            g.modules[path] = Module(path, draw(st.sampled_from(["Block", "Other"])), names[parent])
            names[sid] = path
            stack.append(sid)
        elif step == "leave" and len(stack) > 1:
            stack.pop()
        else:
            t = draw(st.sampled_from(types))
            kind = "op" if t == "add" else "module"
            scope = stack[-1]
            path = names[scope] if kind == "op" else (f"{names[scope]}.{t.lower()}{len(g.nodes)}" if names[scope] else f"{t.lower()}{len(g.nodes)}")
            dim = draw(st.sampled_from([4, 8]))
            n = g.add_node(kind, t, t.lower(), path, scope, out_shapes=[[1, dim]])
            k = draw(st.integers(1, min(2, len(produced))))
            for src in draw(st.permutations(produced))[:k]:
                g.edges.append(archplot.Edge(src, n.id, g.nodes[src].out_shapes[0], "float32"))
            produced.append(n.id)
    out = g.add_node("output", "Tensor", "output", in_shapes=[[1, 4]])
    g.edges.append(archplot.Edge(produced[-1], out.id, g.nodes[produced[-1]].out_shapes[0], "float32"))
    return g


def _is_dag(g):
    indeg = {i: 0 for i in g.nodes}
    succ = g.successors()
    for i in g.nodes:
        for j in succ[i]:
            indeg[j] += 1
    ready = [i for i, d in indeg.items() if d == 0]
    seen = 0
    while ready:
        i = ready.pop()
        seen += 1
        for j in succ[i]:
            indeg[j] -= 1
            if indeg[j] == 0:
                ready.append(j)
    return seen == len(g.nodes)


TRANSFORMS = st.lists(st.sampled_from(["depth1", "depth2", "expand", "fold", "unfold", "hide", "prune", "merge",
                                       "group"]), min_size=1, max_size=5)


def _apply(g, name):
    return {
        "depth1": lambda: g.collapse(depth=1), "depth2": lambda: g.collapse(depth=2),
        "expand": lambda: g.expand(), "fold": lambda: g.fold_repeats(), "unfold": lambda: g.unfold(),
        "hide": lambda: g.hide(["ReLU"]), "prune": lambda: g.prune(), "merge": lambda: g.merge_wrappers(),
        "group": lambda: g.group_children(2),
    }[name]()


@settings(max_examples=150, deadline=None)
@given(graphs(), TRANSFORMS)
def test_transforms_keep_dag_io_and_shapes(g, names):
    before = g.to_json()
    v = g
    for name in names:
        v = _apply(v, name)
    assert g.to_json() == before  # input untouched
    assert _is_dag(v)
    assert [n.id for n in v.inputs] == [n.id for n in g.inputs]
    assert [n.id for n in v.outputs] == [n.id for n in g.outputs]
    origin_shapes = {(e.source, e.source_output): e.shape for e in g.edges}
    for e in v.edges:
        assert e.source in v.nodes and e.target in v.nodes and e.source != e.target
        members = members_of(v).get(e.source, [e.source])
        if "hide" not in names:
            # every drawn edge carries the shape of a tensor that really left its source
            assert e.shape in [origin_shapes.get((m, 0)) for m in members] or \
                   e.shape in [x.shape for x in g.edges if x.source in members]
    for n in v:
        assert n.scope in v.scopes
    # everything collapsed or folded is accounted for exactly once
    if "hide" not in names and "prune" not in names:
        covered = sorted(m for ms in members_of(v).values() for m in ms) if members_of(v) else sorted(g.nodes)
        assert covered == sorted(g.nodes)


@settings(max_examples=100, deadline=None)
@given(graphs())
def test_hide_keeps_reachability(g):
    _assert_reachability_kept(g, g.hide(["ReLU", "add"]))
