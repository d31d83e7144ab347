"""Pictures that tell the truth: labels, counts and models that must trace (issue 16)."""

from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import archplot
from archplot.styles.labels import attr_summary


def _labels(g) -> dict[str, str]:
    """node path (or op type) -> the attribute line the diagram draws under its title."""
    return {(n.path or n.type): attr_summary(n) for n in g.nodes.values() if n.kind in ("module", "op")}


class _Kernels(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.c3 = nn.Conv3d(3, 8, 3, padding=1)
        self.c1 = nn.Conv1d(8, 8, 7, stride=2)
        self.stem = nn.Conv2d(3, 8, 4, stride=4)
        self.dw = nn.Conv2d(8, 8, 7, padding=3, groups=8, padding_mode="reflect")
        self.grouped = nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=2)
        self.up = nn.ConvTranspose2d(8, 4, 2, stride=2)
        self.pool = nn.MaxPool2d(3, 2, 1)

    def forward(self, video, signal, image):
        image = self.pool(self.up(self.grouped(self.dw(self.stem(image)))))
        return self.c3(video).mean() + self.c1(signal).mean() + image.mean()


def test_kernel_labels_carry_every_dimension_stride_dilation_groups_and_padding_mode():
    g = archplot.trace(_Kernels(), (torch.randn(1, 3, 4, 8, 8), torch.randn(1, 8, 30), torch.randn(1, 3, 32, 32)))
    labels = _labels(g)
    assert labels["c3"] == "3×3×3, p1, 3→8"
    assert labels["c1"] == "7, s2, 8→8"
    assert labels["stem"] == "4×4, s4, 3→8"  # stride equal to the kernel is still shown
    assert labels["dw"] == "7×7, p3, depthwise, reflect padding, 8→8"
    assert labels["grouped"] == "3×3, p2, d2, groups=2, 8→8"
    assert labels["up"] == "2×2, s2, 8→4"
    assert labels["pool"] == "3×3, s2, p1"


def test_summary_spells_kernels_as_the_picture_does():
    model = nn.Sequential(nn.Conv3d(3, 4, 3), nn.Flatten(), nn.LazyLinear(2))
    s = archplot.summary(model, torch.randn(1, 3, 5, 5, 5))
    kernels = {r.path: r.kernel_size for r in s.rows if r.leaf}
    assert kernels["0"] == "3×3×3"
    assert "3×3×3" in str(s)


class _Functional(nn.Module):
    def forward(self, x):
        x = F.avg_pool2d(x, 3, 1, 1)
        x = F.interpolate(x, scale_factor=2, mode="bilinear")
        x = torch.cat([x, x], dim=1)
        y = torch.cat([x, x], 1)
        return y.softmax(-1).transpose(1, 2)


def test_functional_ops_show_their_arguments():
    g = archplot.trace(_Functional(), torch.randn(1, 2, 8, 8))
    ops = [(n.type, attr_summary(n)) for n in g.nodes.values() if n.kind == "op"]
    assert ("avg_pool2d", "3×3 s1 p1") in ops
    assert ("interpolate", "×2 bilinear") in ops
    assert ops.count(("cat", "dim=1")) == 2  # keyword and positional spelling
    assert ("softmax", "dim=-1") in ops
    assert ("transpose", "dim0=1, dim1=2") in ops


def test_recurrent_and_attention_labels():
    lstm = nn.LSTM(16, 32, num_layers=2, bidirectional=True, batch_first=True)
    g = archplot.trace(lstm, torch.randn(1, 5, 16))
    assert _labels(g)["LSTM"] == "16→32, 2 layers, bidirectional, batch_first"
    mha = nn.MultiheadAttention(16, 4, batch_first=True)
    x = torch.randn(1, 5, 16)
    assert "4 heads" in _labels(archplot.trace(mha, (x, x, x)))["MultiheadAttention"]


def test_llama_attention_label_shows_heads_and_kv_heads():
    transformers = pytest.importorskip("transformers")
    config = transformers.LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                                      num_attention_heads=4, num_key_value_heads=2)
    model = transformers.LlamaForCausalLM(config)
    g = archplot.trace(model, torch.randint(0, 64, (1, 6)))
    attention = g.collapse("model.layers.0.self_attn")
    box = next(n for n in attention.nodes.values() if n.path == "model.layers.0.self_attn")
    assert attr_summary(box) == "4 heads, 2 kv heads"


@pytest.mark.parametrize("layers, bidirectional", [(1, False), (2, False), (2, True), (3, True)])
def test_summary_mult_adds_of_stacked_and_bidirectional_lstm_match_the_flop_counter(layers, bidirectional):
    from torch.utils.flop_counter import FlopCounterMode

    model = nn.LSTM(30, 50, num_layers=layers, bidirectional=bidirectional)
    x = torch.randn(7, 1, 30)
    # The matrix products of the gates (what mult-adds counts), from torch's own flop counter
    # on the same LSTM unrolled with its own weights.
    directions = 2 if bidirectional else 1
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        inp = x
        for layer in range(layers):
            outs = []
            for d in range(directions):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                w_ih, w_hh = getattr(model, "weight_ih" + sfx), getattr(model, "weight_hh" + sfx)
                h = torch.zeros(1, 50)
                for t in range(7):
                    (inp[t] @ w_ih.T) + (h @ w_hh.T)
                outs.append(torch.zeros(7, 1, 50))
            inp = torch.cat(outs, -1)
    expected = counter.get_total_flops() // 2
    assert archplot.summary(model, x).total_mult_adds == expected


def test_lazy_modules_trace_and_count_their_parameters():
    model = nn.Sequential(nn.LazyConv2d(8, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(4))
    g = archplot.trace(model, torch.randn(1, 3, 8, 8))
    assert g.total_params == 8 * 3 * 9 + 8 + 288 * 4 + 4
    assert [n.type for n in g.nodes.values() if n.kind == "module"] == ["Conv2d", "ReLU", "Flatten", "Linear"]
    assert model(torch.randn(2, 3, 8, 8)).shape == (2, 4)  # still usable afterwards


class _WithScripted(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(4, 4)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.b = torch.jit.script(nn.Sequential(nn.Linear(4, 8), nn.ReLU()))

    def forward(self, x):
        return self.b(self.a(x)) * 2


def test_scripted_submodule_is_an_opaque_box_with_its_shapes():
    model = _WithScripted()
    g = archplot.trace(model, torch.randn(2, 4))
    box = next(n for n in g.nodes.values() if n.path == "b")
    assert box.type == "Sequential (scripted)"
    assert box.in_shapes == [[2, 4]] and box.out_shapes == [[2, 8]] and box.params == 40
    assert not torch.nn.modules.module._global_forward_hooks  # nothing left behind
    assert archplot.summary(model, torch.randn(2, 4)).total_params == 60


def _torchvision(name: str):
    pytest.importorskip("torchvision")
    from torchvision.models import get_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.device("meta"):
            return get_model(name, weights=None)


def test_convnext_blocks_fold_despite_their_drop_path_rates_and_say_what_varies():
    g = archplot.trace(_torchvision("convnext_tiny"), input_size=(1, 3, 64, 64))
    folded = {n.path: (n.repeat, n.attrs.get("varies")) for n in archplot.draw(g, depth=3).graph.nodes.values()
              if n.repeat > 1}
    assert {p: r for p, (r, _) in folded.items()} == {"features.1.0": 3, "features.3.0": 3, "features.5.0": 9,
                                                     "features.7.0": 3}
    assert folded["features.7.0"][1] == "drop-path 0.0882–0.1"
    # Expanded blocks fold as boxes, with the same note in their title.
    boxes = {s.path: (s.repeat, s.varies) for s in archplot.draw(g, depth=4).graph.scopes.values() if s.repeat > 1}
    assert boxes["features.5.0"] == (9, "drop-path 0.0353–0.0824")


def test_blocks_whose_dropout_matters_in_training_do_not_fold_when_traced_in_training():
    def blocks(train):
        model = nn.Sequential(*[nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.1 * i)) for i in range(1, 4)])
        g = archplot.trace(model, torch.randn(2, 8), train=train)
        return [n.repeat for n in archplot.draw(g, depth=1).graph.nodes.values() if n.kind == "module"]

    assert blocks(train=False) == [3]
    assert blocks(train=True) == [1, 1, 1]


def test_swin_stage_folds_as_a_period_of_block_and_shifted_block():
    g = archplot.trace(_torchvision("swin_t"), input_size=(1, 3, 224, 224))
    shown = archplot.draw(g, depth=3).graph
    periods = [s for s in shown.scopes.values() if s.period > 1]
    assert [(s.period, s.repeat) for s in periods] == [(2, 3)]
    assert periods[0].repeat_paths == ["features.5.0, features.5.1", "features.5.2, features.5.3",
                                       "features.5.4, features.5.5"]
    inside = sorted(n.path for n in shown.nodes.values() if n.scope == periods[0].id)
    assert inside == ["features.5.0", "features.5.1"]
    assert "(0, 1) … (4, 5) ×3 (drop-path 0.0727–0.145)" in archplot.draw(g, depth=3).to_svg()
    # PatchMerging's four slices of one tensor stay four edges into cat
    merge = archplot.draw(g, expand="features.2").graph
    cat = next(n for n in merge.nodes.values() if n.type == "cat" and n.path == "features.2")
    assert len([e for e in merge.edges if e.target == cat.id]) == 4


class _Sliced(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(8)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        h = self.norm(x)
        return self.head(h[:, 0].contiguous().view(1, 8))


def test_hiding_plumbing_keeps_the_producers_shape_on_the_edge():
    g = archplot.trace(_Sliced(), torch.randn(1, 5, 8))
    shown = archplot.draw(g).graph
    norm = next(n.id for n in shown.nodes.values() if n.path == "norm")
    assert [e.shape for e in shown.edges if e.source == norm] == [[1, 5, 8]]


def _types(g) -> list[str]:
    return [n.type for n in g.nodes.values()]


def test_kv_cache_plumbing_is_hidden_by_default_and_shown_on_request():
    transformers = pytest.importorskip("transformers")
    config = transformers.GPT2Config(n_layer=2, n_embd=32, n_head=4, vocab_size=100, n_positions=64,
                                     bos_token_id=0, eos_token_id=0)
    g = archplot.trace(transformers.GPT2LMHeadModel(config), torch.randint(0, 100, (1, 8)))
    assert "tensor" in _types(g) and "cat" in _types(g)  # the cache is recorded...
    shown = archplot.draw(g, expand="**").graph
    assert "tensor" not in _types(shown) and "cat" not in _types(shown)  # ...and is not architecture
    assert not any(0 in e.shape for e in shown.edges if e.shape)
    everything = archplot.draw(g, expand="**", hide_trivial=False, fold=False).graph
    assert _types(everything).count("tensor") == 4 and _types(everything).count("cat") == 4


def test_mask_bookkeeping_is_hidden_and_buffers_are_labelled_inputs():
    transformers = pytest.importorskip("transformers")
    config = transformers.BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=1, num_attention_heads=4,
                                     intermediate_size=64)
    model = transformers.BertModel(config)
    g = archplot.trace(model, {"input_ids": torch.randint(0, 100, (1, 16)),
                               "attention_mask": torch.ones(1, 16, dtype=torch.long)})
    shown = archplot.draw(g, expand="**").graph
    assert "bool()" not in _types(shown) and "all" not in _types(shown)
    assert g.modules[""].dynamic  # the forward still says it read a value
    assert "bool()" in _types(archplot.draw(g, expand="**", hide_trivial=False).graph)
    # position ids are a buffer sliced outside any leaf: a labelled input of the embedding
    buffers = {n.id: attr_summary(n) for n in shown.nodes.values() if n.type == "buffer"}
    assert sorted(buffers.values()) == ["embeddings.position_ids", "embeddings.token_type_ids"]
    position = next(n.id for n in shown.nodes.values() if n.path == "embeddings.position_embeddings")
    assert [attr_summary(shown.nodes[e.source]) for e in shown.edges if e.target == position] == \
        ["embeddings.position_ids"]
    # every op and module is fed by something
    fed = {e.target for e in shown.edges}
    assert all(n.id in fed for n in shown.nodes.values() if n.kind in ("op", "module") and n.type
               not in ("buffer", "parameter") and n.type != "arange")


def test_vit_class_token_is_a_labelled_input_of_cat():
    g = archplot.trace(_torchvision("vit_b_16"), input_size=(1, 3, 224, 224))
    shown = archplot.draw(g, depth=1).graph
    token = next(n for n in shown.nodes.values() if n.type == "parameter")
    assert attr_summary(token) == "class_token" and token.params == 768
    cat = next(n for n in shown.nodes.values() if n.type == "cat")
    assert any(e.source == token.id and e.target == cat.id for e in shown.edges)


class _PerLevel(nn.Module):
    """A head applied to each feature level in a Python loop, as RetinaNet's and FCOS's are."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(4, 4, 3, padding=1), nn.ReLU())
        self.logits = nn.Conv2d(4, 2, 1)

    def forward(self, levels):
        outs = []
        for x in levels:
            outs.append(self.logits(self.conv(x)).flatten(2))
        return torch.cat(outs, 2)


def test_a_loop_over_feature_levels_folds_into_one_pass():
    levels = [torch.randn(1, 4, s, s) for s in (16, 8, 4, 2)]
    g = archplot.trace(_PerLevel(), (levels,))
    shown = archplot.draw(g, expand="**").graph
    loop = [s for s in shown.scopes.values() if s.repeat > 1]
    assert [(s.repeat, s.period) for s in loop] == [(4, 3)] and loop[0].repeat_paths == ["conv, logits, flatten"] * 4
    assert "(conv, logits, flatten) · 4 calls" in archplot.draw(g, expand="**").to_svg()
    # the four levels still enter with their own shapes
    conv = next(n for n in shown.nodes.values() if n.path == "conv.0")
    assert sorted(e.shape[-1] for e in shown.edges if e.target == conv.id) == [2, 4, 8, 16]


class _Postprocessing(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Linear(4, 4)

    def postprocess(self, x):
        return x.sigmoid().round()

    def _forward_impl(self, x):
        return self.body(x).relu()

    def forward(self, x):
        return self.postprocess(self._forward_impl(x))


def test_work_in_the_models_other_methods_is_a_box_named_after_the_method():
    g = archplot.trace(_Postprocessing(), torch.randn(1, 4))
    paths = {n.type: g.scopes[n.scope].path for n in g.nodes.values() if n.kind == "op"}
    assert paths == {"sigmoid": "postprocess()", "round": "postprocess()", "relu": ""}  # _forward_impl calls a module
    box = next(n for n in archplot.draw(g, depth=1).graph.nodes.values() if n.path == "postprocess()")
    assert box.type == "method"


@pytest.mark.slow
def test_mask_rcnn_default_view_is_a_readable_picture():
    pytest.importorskip("torchvision")
    from torchvision.models import get_model

    torch.manual_seed(0)
    model = get_model("maskrcnn_resnet50_fpn", weights=None, weights_backbone=None, min_size=128, max_size=128)
    d = archplot.draw(model.eval(), [torch.rand(3, 128, 128)])
    assert max(d.geometry()["width"], d.geometry()["height"]) <= 4000
    # each part is there, as a closed module or as an open box
    parts = {n.path for n in d.graph.nodes.values() if n.kind == "module"} | {s.path for s in d.graph.scopes.values()}
    assert {"transform", "backbone", "rpn", "roi_heads"} <= parts
    # the transform's postprocess (paste masks per detection) is drawn in the transform's box
    assert [n.path for n in d.graph.nodes.values()].count("transform") == 2


@pytest.mark.slow
def test_onnx_export_draws_fused_convolutions_like_the_traced_picture(tmp_path):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxscript")
    pytest.importorskip("torchvision")
    from torchvision.models import resnet18

    model = resnet18().eval()
    x = torch.randn(1, 3, 64, 64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), str(tmp_path / "r18.onnx"))
    onnx_graph = archplot.load(tmp_path / "r18.onnx")
    traced = archplot.trace(model, x)

    def convs(g):
        return {(n.path, attr_summary(n)) for n in g.nodes.values() if n.kind == "module" and "Conv" in n.type}

    assert convs(onnx_graph) == convs(traced)
    first = next(n for n in onnx_graph.nodes.values() if n.path == "conv1")
    assert first.type == "Conv2d (+bn1)" and first.params >= 64 * 3 * 49
    assert not any("BatchNorm" in n.type for n in onnx_graph.nodes.values())
    assert all(n.params == 0 for n in onnx_graph.nodes.values() if "Pool" in n.type)
    assert [n.name for n in onnx_graph.outputs] == [onnx_graph.outputs[0].name] and onnx_graph.outputs[0].name != "output"
    # laid out like the traced picture: the reused ReLU is one node per call, edges run downwards
    relus = [n for n in onnx_graph.nodes.values() if n.path == "layer1.0.relu"]
    assert len(relus) == 2 and all(n.kind == "module" for n in relus)
    shown = archplot.draw(onnx_graph, depth=2).graph
    assert sum(n.repeat for n in shown.nodes.values() if n.path.startswith("layer1")) == 2
