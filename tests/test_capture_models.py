"""archplot.trace on real models: every leaf call appears with the shapes hooks observe."""

from __future__ import annotations

import warnings

import pytest
import torch

import archplot
from conftest import assert_well_formed, graph_leaf_shapes, leaf_call_shapes, optional

pytestmark = pytest.mark.slow  # subprocesses, a browser, a docs build or real models: minutes in all
torchvision = optional("torchvision")
transformers = optional("transformers")

CLASSIFICATION = torchvision.models.list_models(module=torchvision.models) if torchvision else []


def get_model(name: str, **kw):
    return torchvision.models.get_model(name, **kw)


def _build(name: str, **kw):
    """On the meta device where the model's constructor allows it, else on the CPU."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with torch.device("meta"):
                return get_model(name, weights=None, **kw)
        except NotImplementedError:  # e.g. RegNet computes its widths from tensor values
            return get_model(name, weights=None, **kw)


def check_against_hooks(model, args=(), kwargs=None, **trace_kw):
    g = archplot.trace(model, args if len(args) != 1 else args[0], **trace_kw) if not kwargs else \
        archplot.trace(model, dict(kwargs), **trace_kw)
    assert_well_formed(g)
    assert graph_leaf_shapes(g) == leaf_call_shapes(model, args, kwargs)
    return g


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_torchvision_classification(name):
    model = _build(name)
    size = 299 if name == "inception_v3" else 224
    x = torch.empty(1, 3, size, size, device=next(model.parameters()).device)
    if x.device.type == "cpu" and name.startswith("regnet"):
        x = torch.randn(1, 3, 64, 64)
    g = check_against_hooks(model, (x,))
    assert g.total_params == sum(p.numel() for p in model.parameters())
    assert [o.in_shapes for o in g.outputs] == [[[1, 1000]]]


def test_detection_model_on_list_input():
    pytest.importorskip("torchvision")
    from torchvision.models.detection import fasterrcnn_mobilenet_v3_large_320_fpn

    model = fasterrcnn_mobilenet_v3_large_320_fpn(weights=None, weights_backbone=None).eval()
    images = [torch.rand(3, 160, 160)]
    g = archplot.trace(model, images)  # a list is one argument
    assert_well_formed(g)
    hooks = leaf_call_shapes(model, (images,))
    assert graph_leaf_shapes(g) == hooks
    assert {"boxes", "labels", "scores"} <= {o.name.split(".")[-1] for o in g.outputs}
    # NMS and friends read tensor values: the modules doing it are marked dynamic
    assert any(m.dynamic for m in g.modules.values())


def test_segmentation_model_on_meta():
    model = _build("deeplabv3_mobilenet_v3_large", weights_backbone=None, aux_loss=True)
    g = check_against_hooks(model, (torch.empty(1, 3, 128, 128, device="meta"),))
    assert {o.name for o in g.outputs} == {"out", "aux"}
    assert all(o.in_shapes == [[1, 21, 128, 128]] for o in g.outputs)


def _hf(cls_name, cfg_name, **cfg):
    cfg_cls = getattr(transformers, cfg_name)
    return getattr(transformers, cls_name)(cfg_cls(**cfg)).eval()


SMALL = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128)
HF_CASES = {
    "bert": ("BertModel", "BertConfig", dict(SMALL, vocab_size=100), "tokens"),
    "gpt2": ("GPT2LMHeadModel", "GPT2Config", dict(n_layer=2, n_embd=64, n_head=4, vocab_size=100), "tokens"),
    "llama": ("LlamaForCausalLM", "LlamaConfig", dict(SMALL, num_key_value_heads=2, vocab_size=100), "tokens"),
    "t5": ("T5Model", "T5Config", dict(num_layers=2, d_model=64, num_heads=4, d_ff=128, d_kv=16, vocab_size=100), "seq2seq"),
    "vit": ("ViTModel", "ViTConfig", dict(SMALL, image_size=32, patch_size=8), "image"),
    "whisper": ("WhisperModel", "WhisperConfig", dict(d_model=64, encoder_layers=2, decoder_layers=2,
                encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=128,
                decoder_ffn_dim=128, num_mel_bins=16, max_source_positions=32, vocab_size=100,
                pad_token_id=0, bos_token_id=1, eos_token_id=2, decoder_start_token_id=1), "audio"),
}


@pytest.mark.parametrize("case", sorted(HF_CASES))
def test_transformers_models(case):
    cls_name, cfg_name, cfg, kind = HF_CASES[case]
    model = _hf(cls_name, cfg_name, **cfg)
    ids = torch.ones(1, 8, dtype=torch.long)
    inputs = {
        "tokens": {"input_ids": ids, "attention_mask": torch.ones_like(ids)},
        "seq2seq": {"input_ids": ids, "decoder_input_ids": ids},
        "image": {"pixel_values": torch.randn(1, 3, 32, 32)},
        "audio": {"input_features": torch.randn(1, 16, 64), "decoder_input_ids": ids},
    }[kind]
    g = check_against_hooks(model, kwargs=inputs)
    assert {name for n in g.inputs for name in n.name.split(", ")} == set(inputs)
    names = {o.name for o in g.outputs}
    assert names & {"last_hidden_state", "logits"}
    assert g.total_params == sum(p.numel() for p in model.parameters())
    attn_ops = [n for n in g if n.type in ("scaled_dot_product_attention", "matmul", "softmax")]
    assert attn_ops, "attention computations are recorded as ops"


def test_llama_70b_config_on_meta():
    """The 80-layer Llama with hidden size 8192 traces with no memory for its weights."""
    pytest.importorskip("transformers")
    model = archplot.examples.llama70b_meta()
    g = archplot.trace(model, input_size=(1, 16), dtypes=torch.long)
    assert_well_formed(g)
    assert g.total_params > 69e9
    layers = [p for p, m in g.modules.items() if m.type == "LlamaDecoderLayer"]
    assert len(layers) == 80 and all(g.modules[p].calls == 1 for p in layers)
    assert [o.in_shapes for o in g.outputs if o.name == "logits"] == [[[1, 16, 128256]]]


# -- torch.fx agrees on module-level data dependencies --------------------------------------

def _fx_module_deps(model):
    import torch.fx

    class Tracer(torch.fx.Tracer):
        def is_leaf_module(self, m, qualname):
            return not m._modules

    graph = Tracer().trace(model)
    deps = set()
    memo = {}

    def module_sources(node):
        if node in memo:
            return memo[node]
        found = set()
        for a in node.all_input_nodes:
            if a.op == "call_module":
                found.add(a.target)
            elif a.op != "placeholder":
                found |= module_sources(a)
        memo[node] = found
        return found

    for node in graph.nodes:
        if node.op == "call_module":
            deps |= {(s, node.target) for s in module_sources(node)}
    return deps


def _archplot_module_deps(g):
    preds = g.predecessors()
    memo = {}

    def sources(i):
        if i in memo:
            return memo[i]
        found = set()
        for p in preds[i]:
            n = g.nodes[p]
            if n.kind == "module":
                found.add(n.path)
            elif n.kind == "op":
                found |= sources(p)
        memo[i] = found
        return found

    return {(s, n.path) for n in g if n.kind == "module" for s in sources(n.id)}


class Branchy(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(8, 8)
        self.b = torch.nn.Linear(8, 8)
        self.c = torch.nn.Linear(16, 4)
        self.act = torch.nn.GELU()

    def forward(self, x):
        h = self.act(self.a(x))
        k = self.b(x) * h
        return self.c(torch.cat([h, k], dim=-1)).softmax(-1)


@pytest.mark.parametrize("name", ["resnet18", "densenet121", "mobilenet_v3_small", "vgg11_bn", "branchy"])
def test_module_dependencies_equal_fx(name):
    if name == "branchy":
        model, x = Branchy(), torch.randn(2, 8)
    else:
        model, x = get_model(name, weights=None).eval(), torch.randn(1, 3, 64, 64)
    g = archplot.trace(model, x)
    assert _archplot_module_deps(g) == _fx_module_deps(model)
