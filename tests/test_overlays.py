"""Overlays: metrics measured at capture (checked against torch's own FlopCounterMode, hand
counts and plain forwards), combined for collapsed and folded nodes, saved in JSON, drawn on a
colour scale; and the errors a user meets."""

from __future__ import annotations

import math
import re
import time

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode, sdpa_flop_count

import archplot
from archplot import Graph, GraphFormatError, InputError

torchvision = pytest.importorskip("torchvision")
transformers = pytest.importorskip("transformers")


def tiny_gpt2(layers: int = 3) -> nn.Module:
    cfg = transformers.GPT2Config(n_layer=layers, n_embd=64, n_head=4, vocab_size=128, n_positions=64)
    return transformers.GPT2LMHeadModel(cfg).eval()


def tiny_bert() -> nn.Module:
    cfg = transformers.BertConfig(num_hidden_layers=2, hidden_size=64, num_attention_heads=4, intermediate_size=128,
                                  vocab_size=128, max_position_embeddings=64)
    return transformers.BertModel(cfg).eval()


def torch_flops(model: nn.Module, args: tuple, kwargs: dict | None = None) -> dict[str, int]:
    """FLOPs per module path from torch's FlopCounterMode, with the formula its table lacks for
    the CPU attention kernel (torch's own sdpa_flop_count)."""
    def cpu_attention(q, k, v, *_, **__):
        return sdpa_flop_count(q, k, v)

    mapping = {torch.ops.aten._scaled_dot_product_flash_attention_for_cpu: cpu_attention}
    counter = FlopCounterMode(display=False, custom_mapping=mapping)
    # nor has it nn.MultiheadAttention's fused fast path: take the path of plain ops
    fast = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        with counter, torch.no_grad():
            model(*args, **(kwargs or {}))
    finally:
        torch.backends.mha.set_fastpath_enabled(fast)
    root = type(model).__name__
    out = {}
    for name, ops in counter.get_flop_counts().items():
        if name == root:
            out[""] = sum(ops.values())
        elif name.startswith(root + "."):
            out[name[len(root) + 1:]] = sum(ops.values())
    return out


def matmul_flops(g: Graph, path: str) -> int:
    """2 × our multiply-accumulates inside one module (FlopCounterMode counts matmul-class work only)."""
    return sum(2 * n.metrics.get("macs", 0) for n in g.nodes.values()
               if path == "" or n.path == path or n.path.startswith(path + "."))


ZOO = {
    "resnet18": lambda: (torchvision.models.resnet18(), (torch.randn(1, 3, 64, 64),)),
    "mobilenet_v3": lambda: (torchvision.models.mobilenet_v3_small(), (torch.randn(1, 3, 64, 64),)),
    "vit": lambda: (torchvision.models.VisionTransformer(32, 8, 2, 4, 64, 128), (torch.randn(1, 3, 32, 32),)),
    "gpt2": lambda: (tiny_gpt2(), (torch.randint(0, 128, (2, 12)),)),
    "bert": lambda: (tiny_bert(), (torch.randint(0, 128, (2, 12)),)),
}


@pytest.mark.parametrize("name", sorted(ZOO))
def test_flops_equal_flopcountermode_per_module(name):
    torch.manual_seed(0)
    model, args = ZOO[name]()
    model.eval()
    g = archplot.trace(model, args if len(args) > 1 else args[0])
    expected = torch_flops(model, args)
    assert expected[""] > 0
    checked = 0
    for path, flops in expected.items():
        if path in g.modules:
            assert matmul_flops(g, path) == flops, (name, path or "(model)")
            checked += 1
    assert checked >= 3
    # FLOPs add the elementwise and normalisation work FlopCounterMode leaves out
    total = sum(n.metrics.get("flops", 0) for n in g.nodes.values())
    assert total > expected[""]


def test_cpu_attention_is_counted():
    """torch's FLOP table misses the CPU attention kernel: archplot gives it the formula."""
    q, k, v = torch.randn(2, 4, 10, 16), torch.randn(2, 4, 12, 16), torch.randn(2, 4, 12, 16)

    class Attn(nn.Module):
        def forward(self, q, k, v):
            return nn.functional.scaled_dot_product_attention(q, k, v)

    g = archplot.trace(Attn(), (q, k, v))
    op = next(n for n in g if n.type == "scaled_dot_product_attention")
    assert op.metrics["flops"] == 2 * 2 * 4 * 10 * 12 * (16 + 16) == sdpa_flop_count(q.shape, k.shape, v.shape)
    with FlopCounterMode(display=False) as plain:
        Attn()(q, k, v)
    assert plain.get_total_flops() == 0  # why the formula is needed


def test_elementwise_counts_by_hand():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.LayerNorm(8))
    g = archplot.trace(model, torch.randn(3, 4))
    by_type = {n.type: n.metrics for n in g if n.kind == "module"}
    assert by_type["Linear"]["macs"] == 3 * 4 * 8 and by_type["Linear"]["flops"] == 2 * 3 * 4 * 8
    assert by_type["ReLU"]["flops"] == 3 * 8 and "macs" not in by_type["ReLU"]
    assert by_type["LayerNorm"]["flops"] == 5 * 3 * 8


def test_params_count_shared_weights_once():
    model = tiny_gpt2()
    assert model.lm_head.weight is model.transformer.wte.weight
    g = archplot.trace(model, torch.randint(0, 128, (1, 8)))
    unique = sum(p.numel() for p in model.parameters())  # named once, though used twice
    assert sum(n.metrics.get("params", 0) for n in g) == unique
    assert g.nodes[next(n.id for n in g if n.path == "lm_head")].metrics.get("params", 0) == 0


def test_memory_and_peak_live_memory_by_hand():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    g = archplot.trace(model, torch.randn(1, 4))
    mem = [n.metrics.get("memory", 0) for n in g]
    live = [n.metrics.get("live_memory", 0) for n in g]
    # input 16 B (alive to the end), 32 B, 32 B, 8 B; the first Linear's output is freed after ReLU
    assert mem == [16, 32, 32, 8, 0]
    assert live[:4] == [16, 48, 80, 56]
    assert g.meta["peak_memory"] == 80
    inplace = archplot.trace(nn.Sequential(nn.Linear(4, 8), nn.ReLU(inplace=True)), torch.randn(1, 4))
    assert [n.metrics.get("memory", 0) for n in inplace if n.type == "ReLU"] == [0]  # writes into its input


def test_activation_statistics_and_grad_norm():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
    x = torch.randn(2, 4)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    g = archplot.trace(model, x, metrics=["activation_mean", "activation_std", "sparsity", "grad_norm"])
    relu = next(n for n in g if n.type == "ReLU")
    h = torch.relu(model[0](x))
    assert relu.metrics["activation_mean"] == pytest.approx(h.mean().item(), rel=1e-5)
    assert relu.metrics["activation_std"] == pytest.approx(h.std().item(), rel=1e-5)
    assert relu.metrics["sparsity"] == pytest.approx((h == 0).float().mean().item())
    last = [n for n in g if n.type == "Linear"][-1]
    assert last.metrics["grad_norm"] == pytest.approx(math.sqrt(6))  # d(sum)/d(out) is all ones
    g2 = archplot.trace(model, x, metrics={"grad_norm": {"loss": lambda out: (out ** 2).sum()}})
    last2 = [n for n in g2 if n.type == "Linear"][-1]
    assert last2.metrics["grad_norm"] == pytest.approx((2 * model(x)).norm().item(), rel=1e-5)
    # the model is left as it was: no gradients, same weights, grad mode back
    assert all(p.grad is None for p in model.parameters())
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


class Sleepy(nn.Module):
    """Known times that do not depend on the machine's speed: sleeps in leaf modules and in
    the Python between ops (which counts toward the op that follows)."""

    class Wait(nn.Module):
        def __init__(self, seconds):
            super().__init__()
            self.seconds = seconds

        def forward(self, x):
            time.sleep(self.seconds)
            return x + 1

    def __init__(self):
        super().__init__()
        self.a, self.b = self.Wait(0.03), self.Wait(0.01)

    def forward(self, x):
        x = self.b(self.a(x))
        time.sleep(0.02)  # glue code in the container's forward
        return x * 2


def test_time_adds_up_to_the_forward():
    model = Sleepy()
    t0 = time.perf_counter()
    g = archplot.trace(model, torch.zeros(2), metrics={"time": {"repeats": 2}})
    wall = time.perf_counter() - t0
    t = {n.path or n.type: n.metrics.get("time", 0.0) for n in g}
    assert t["a"] >= 0.03 and t["b"] >= 0.01 and t["mul"] >= 0.02
    assert t["a"] > t["b"]
    info = g.meta["time"]
    assert info["repeats"] == 2 and info["spread"] >= 0
    assert sum(t.values()) == pytest.approx(info["total"], rel=0.25)
    # each timed forward is one of the three the trace ran (the recording one warms up)
    assert 0.06 <= info["total"] <= wall / 3 + 0.01
    assert all(n.metrics.get("time_spread", 0) >= 0 for n in g)


def test_time_on_a_real_model():
    model = torchvision.models.resnet18().eval()
    g = archplot.trace(model, torch.randn(1, 3, 64, 64), metrics={"time": {"repeats": 2}})
    convs = [n.metrics["time"] for n in g if n.type == "Conv2d"]
    assert len(convs) == 20 and all(t > 0 for t in convs)
    assert sum(n.metrics.get("time", 0) for n in g) == pytest.approx(g.meta["time"]["total"], rel=0.5)
    assert "ms" in archplot.draw(g, overlay="time", depth=2).to_svg()


def test_time_needs_real_tensors():
    with torch.device("meta"):
        model = nn.Linear(4, 4)
    with pytest.raises(InputError, match="real tensors"):
        archplot.trace(model, input_size=(1, 4), metrics=["time"])


def test_metrics_combine_for_collapsed_and_folded_nodes():
    g = archplot.trace(tiny_gpt2(4), torch.randint(0, 128, (1, 8)))
    inside = lambda p: [n for n in g if n.path == p or n.path.startswith(p + ".")]  # noqa: E731
    c = g.collapse(depth=2)
    block = next(n for n in c if n.collapsed and n.path == "transformer.h.1")
    assert block.metrics["flops"] == sum(n.metrics.get("flops", 0) for n in inside("transformer.h.1"))
    assert block.metrics["live_memory"] == max(n.metrics.get("live_memory", 0) for n in inside("transformer.h.1"))
    folded = c.fold_repeats()
    run = next(n for n in folded if n.repeat == 4)
    assert run.metrics["flops"] == sum(n.metrics.get("flops", 0) for n in inside("transformer.h"))
    assert g.collapse(depth=2).nodes[block.id].metrics == block.metrics  # the origin is untouched
    svg = archplot.draw(folded, overlay="flops").to_svg()
    per = run.metrics["flops"] / 4
    assert re.search(r"· [\d.]+ [KMG]FLOPs each", svg) and per > 0


def test_overlay_survives_json(tmp_path):
    g = archplot.trace(torchvision.models.resnet18(), input_size=(1, 3, 64, 64), metrics=["sparsity"])
    path = tmp_path / "g.json"
    g.to_json(path)
    loaded = archplot.load(path)
    for overlay in ("flops", "sparsity", "params", "memory"):
        a = archplot.draw(g, overlay=overlay, depth=2).to_svg()
        assert a == archplot.draw(loaded, overlay=overlay, depth=2).to_svg()
    for bad in ({"flops": "many"}, [1], {"flops": True}, {"flops": float("nan")}):
        data = g.to_dict()
        data["nodes"][1]["metrics"] = bad
        with pytest.raises(GraphFormatError, match=r"nodes\[1\]\.metrics"):
            Graph.from_dict(data)


def test_scale_log_zero_grey_and_top_k():
    from archplot.styles.overlay import viridis

    g = archplot.trace(torchvision.models.resnet18(), input_size=(1, 3, 64, 64))
    d = archplot.draw(g, overlay="flops", depth=3, hide_trivial=False)
    svg = d.to_svg()
    assert "log scale" in svg and "FLOPs" in svg and re.search(r"[\d.]+ MFLOPs", svg)
    fills = node_fills(d)
    flatten = next(n for n in d.graph if n.type == "flatten")
    assert flatten.metrics.get("flops", 0) == 0
    grey = fills[flatten.id]  # zero on a log scale is grey
    assert ">0 FLOPs<" not in svg  # and says so without a number
    biggest = max((n for n in d.graph if n.kind == "module"), key=lambda n: n.metrics.get("flops", 0))
    assert fills[biggest.id] == viridis(1.0) and grey != viridis(0.0)
    top = node_fills(archplot.draw(g, overlay="flops", top_k=3, depth=3))
    assert sum(f != grey for f in top.values()) == 3
    svg = archplot.draw(g, overlay="flops", top_k=3, depth=3).to_svg()
    assert "#1 · " in svg and "#3 · " in svg and "#4 · " not in svg and "top 3" in svg


def node_fills(d) -> dict[int, str]:
    from archplot.backends.scene import Group, Rect

    out = {}
    for it in d.scene.items:
        if isinstance(it, Group) and it.data.get("kind") in ("module", "op"):
            out[it.data["node"]] = [p.fill for p in it.items if isinstance(p, Rect)][-1]
    return out


def test_dict_and_function_overlays():
    model = torchvision.models.resnet18()
    g = archplot.trace(model, input_size=(1, 3, 64, 64))
    d = archplot.draw(g, overlay={"layer1": 1.0, "layer2": 2.0, "layer3.0": 3.0, "layer3.1": 4.0}, depth=1)
    svg = d.to_svg()
    assert ">7<" in svg  # layer3 collapsed: its two blocks' values added
    d2 = archplot.draw(g, overlay=lambda n: len(n.path), depth=1)
    assert "value" in d2.to_svg()


@pytest.mark.parametrize("overlay,message", [
    ("flop", r"unknown overlay 'flop'; did you mean 'flops'"),
    ({"layer5": 1.0}, r"overlay key 'layer5' names no module of this model; close matches: layer[1-4]"),
    ({"layer1": "big"}, r"overlay\['layer1'\] must be a finite number"),
    (42, r"overlay must be a metric name"),
])
def test_bad_overlays_are_one_line_errors(overlay, message):
    g = archplot.trace(torchvision.models.resnet18(), input_size=(1, 3, 32, 32))
    with pytest.raises(InputError, match=message) as e:
        archplot.draw(g, overlay=overlay)
    assert "\n" not in str(e.value)


def test_failing_function_names_the_module():
    g = archplot.trace(torchvision.models.resnet18(), input_size=(1, 3, 32, 32))

    def bad(n):
        if n.path == "layer2.0.conv1":
            raise ZeroDivisionError("boom")
        return 1.0

    with pytest.raises(InputError, match=r"failed on `layer2\.0\.conv1` \(Conv2d\): ZeroDivisionError: boom") as e:
        archplot.draw(g, overlay=bad, depth=3, fold=False)
    assert isinstance(e.value.__cause__, ZeroDivisionError)


def test_missing_metric_says_how_to_measure_it():
    g = archplot.trace(nn.Linear(4, 4), input_size=(1, 4))
    with pytest.raises(InputError, match=r"metrics=\['time'\]"):
        archplot.draw(g, overlay="time")
    with pytest.raises(InputError, match="unknown metric 'tme'; did you mean 'time'"):
        archplot.trace(nn.Linear(4, 4), input_size=(1, 4), metrics=["tme"])
    with pytest.raises(InputError, match="top_k needs an overlay"):
        archplot.draw(g, top_k=3)


def test_draw_measures_what_the_overlay_needs():
    d = archplot.draw(nn.Sequential(nn.Linear(4, 8), nn.ReLU()), input_size=(2, 4), overlay="sparsity")
    assert "sparsity" in d.graph.meta["metrics"]
    assert "activation mean" not in d.to_svg()


def test_summary_columns_and_sort():
    model = torchvision.models.resnet18()
    s = archplot.summary(model, input_size=(1, 3, 64, 64), depth=1, sort="flops")
    assert "FLOPs" in str(s) and "Act. memory" in str(s)
    rows = s.rows[1:]
    flops = [r.metrics["flops"] for r in rows if "flops" in r.metrics]
    assert flops == sorted(flops, reverse=True) and len(flops) >= 8
    assert rows[0].name.startswith("layer")  # a residual stage does the most work
    total = s.rows[0].metrics["flops"]
    g = archplot.trace(model, input_size=(1, 3, 64, 64))
    assert total == sum(n.metrics.get("flops", 0) for n in g)
    timed = archplot.summary(nn.Sequential(nn.Linear(4, 8), nn.ReLU()), input_size=(1, 4), sort="time")
    assert "Time" in str(timed) and all("time" in r.metrics for r in timed.rows)
    with pytest.raises(InputError, match="did you mean 'time'"):
        archplot.summary(g, sort="tme")
    with pytest.raises(InputError, match=r"no 'time' values to sort by"):
        archplot.summary(g, sort="time")


def test_cli_overlay_and_sorted_summary(tmp_path):
    import subprocess
    import sys

    def run(*args):
        return subprocess.run([sys.executable, "-m", "archplot.cli", *args], cwd=tmp_path, capture_output=True,
                              text=True, timeout=600)

    r = run("resnet18", "-i", "1x3x64x64", "--overlay", "flops", "--top-k", "3", "-o", "r.svg")
    assert r.returncode == 0, r.stderr
    svg = (tmp_path / "r.svg").read_text()
    assert "top 3" in svg and "#1 · " in svg
    r = run("summary", "resnet18", "-i", "1x3x64x64", "--depth", "1", "--sort", "time")
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("  ")]
    assert "Time" in r.stdout and len(lines) >= 8
    r = run("resnet18", "--overlay", "flop", "-o", "x.svg")
    assert r.returncode == 1 and "did you mean 'flops'" in r.stderr and len(r.stderr.splitlines()) == 1  # no --debug hint


def test_saved_graph_redraws_its_overlays_without_torch(tmp_path):
    import subprocess
    import sys

    archplot.trace(torchvision.models.resnet18(), input_size=(1, 3, 32, 32)).to_json(tmp_path / "g.json")
    code = ("import sys, archplot; g = archplot.load(sys.argv[1]); d = archplot.draw(g, overlay=['flops', 'memory']);"
            "d.to_svg(); d.to_html(); archplot.summary(g, sort='flops');"
            "assert 'torch' not in sys.modules, 'torch was imported'; print('ok')")
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path / "g.json")], capture_output=True, text=True,
                       timeout=300)
    assert r.stdout.strip() == "ok", r.stderr
