"""Golden "picture facts" of real models: what the default view and the depth-2 view show.

    PYTHONPATH=src python tools/update_golden.py            # rewrite every file in tests/golden/
    PYTHONPATH=src python tools/update_golden.py gpt2 bert  # only these
    PYTHONPATH=src python tools/update_golden.py --png DIR  # also render each picture to look at

Facts are folds (which blocks stand for how many), node labels (title and attribute line) and
edge shapes, at the default view and at depth 2. Look at each picture before freezing its
facts; tests/test_golden.py fails when one changes, and the change is reviewed again.
Models use small configurations (few layers, narrow) where that keeps the architecture; the
torchvision ones are their real configurations, built on the meta device where they allow it.
"""

from __future__ import annotations

import json
from collections import Counter
import sys
import warnings
from pathlib import Path
from typing import Any

import torch
from torch import nn

import archplot
from archplot.diagram import view
from archplot.styles.labels import attr_summary, shape_text

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "golden"
BIG_VIEW = 300  # nodes; larger views are stored as counts


def _torchvision(name: str, meta: bool = True, **kw: Any) -> nn.Module:
    from torchvision.models import get_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if meta:
            with torch.device("meta"):
                return get_model(name, weights=None, **kw)
        torch.manual_seed(0)
        return get_model(name, weights=None, weights_backbone=None, **kw) if "rcnn" in name or "retina" in name \
            else get_model(name, weights=None, **kw)


def _image(*size: int) -> Any:
    return {"input_size": (1, 3, *size)}


class LSTMTagger(nn.Module):
    """A part-of-speech tagger: embeddings, a two-layer bidirectional LSTM, a tag per token."""

    def __init__(self, vocab: int = 100, embed: int = 16, hidden: int = 24, tags: int = 7) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=2, bidirectional=True, batch_first=True)
        self.tagger = nn.Linear(2 * hidden, tags)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(self.embedding(tokens))
        return self.tagger(out).log_softmax(-1)


def _transformers(name: str) -> tuple[nn.Module, dict[str, Any]]:
    import transformers as T

    ids = torch.randint(3, 100, (1, 8), generator=torch.Generator().manual_seed(0))
    small = dict(vocab_size=100, bos_token_id=0, eos_token_id=2, pad_token_id=1)
    seq2seq = dict(d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
                   decoder_attention_heads=4, encoder_ffn_dim=64, decoder_ffn_dim=64, **small)
    if name == "gpt2":
        m = T.GPT2LMHeadModel(T.GPT2Config(n_layer=3, n_embd=32, n_head=4, n_positions=64, **small))
        return m, {"input_ids": ids}
    if name == "llama":
        m = T.LlamaForCausalLM(T.LlamaConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=3,
                                             num_attention_heads=4, num_key_value_heads=2, **small))
        return m, {"input_ids": ids}
    if name == "bert":
        m = T.BertModel(T.BertConfig(hidden_size=32, num_hidden_layers=3, num_attention_heads=4,
                                     intermediate_size=64, **small))
        return m, {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
    if name == "t5":
        m = T.T5ForConditionalGeneration(T.T5Config(d_model=32, d_kv=8, d_ff=64, num_layers=2, num_decoder_layers=2,
                                                    num_heads=4, decoder_start_token_id=0, **small))
        return m, {"input_ids": ids, "decoder_input_ids": ids[:, :4]}
    if name == "bart":
        m = T.BartForConditionalGeneration(T.BartConfig(max_position_embeddings=64, **seq2seq))
        return m, {"input_ids": ids}
    if name == "whisper":
        m = T.WhisperForConditionalGeneration(T.WhisperConfig(num_mel_bins=16, max_source_positions=16,
                                                              max_target_positions=32, decoder_start_token_id=0,
                                                              **seq2seq))
        return m, {"input_features": torch.randn(1, 16, 32), "decoder_input_ids": ids[:, :4]}
    raise KeyError(name)


def _build(name: str) -> tuple[nn.Module, Any]:
    """(model, what to pass as the input: {"input_size": ...} or the input data)."""
    if name in ("gpt2", "llama", "bert", "t5", "bart", "whisper"):
        torch.manual_seed(0)
        return _transformers(name)
    if name == "convnext_tiny":
        return _torchvision(name), _image(64, 64)
    if name == "swin_t":
        return _torchvision(name), _image(224, 224)
    if name == "vit_b_16":
        return _torchvision(name), _image(224, 224)
    if name == "regnet_y_400mf":  # computes its widths from tensor values: built on the CPU
        return _torchvision(name, meta=False), _image(64, 64)
    if name == "r3d_18":
        return _torchvision(name), {"input_size": (1, 3, 8, 56, 56)}
    if name == "deeplabv3_resnet50":
        return _torchvision(name, weights_backbone=None), _image(64, 64)
    if name in ("maskrcnn_resnet50_fpn", "retinanet_resnet50_fpn"):
        model = _torchvision(name, meta=False, min_size=128, max_size=128)
        return model, [torch.rand(3, 128, 128, generator=torch.Generator().manual_seed(0))]
    if name == "unet":
        return archplot.examples.unet(), _image(64, 64)
    if name == "lstm_tagger":
        torch.manual_seed(0)
        return LSTMTagger(), torch.randint(0, 100, (2, 9))
    raise KeyError(name)


MODELS: tuple[str, ...] = (
    "convnext_tiny", "swin_t", "vit_b_16", "regnet_y_400mf", "r3d_18", "maskrcnn_resnet50_fpn",
    "retinanet_resnet50_fpn", "deeplabv3_resnet50", "unet", "lstm_tagger", "gpt2", "llama", "bert", "t5",
    "bart", "whisper",
)
SLOW = frozenset({"maskrcnn_resnet50_fpn", "retinanet_resnet50_fpn", "swin_t"})


def build(name: str) -> tuple[nn.Module, Any]:
    return _build(name)


def trace_model(model: nn.Module, given: Any) -> archplot.Graph:
    if isinstance(given, dict) and "input_size" in given:
        return archplot.trace(model, **given)
    return archplot.trace(model, given)


def trace(name: str) -> archplot.Graph:
    model, given = _build(name)
    return trace_model(model.eval(), given)


def _label(n: Any) -> str:
    if n.kind in ("input", "output"):
        return f"{n.kind} {n.name}"
    summary = attr_summary(n)
    if n.kind == "op":
        title = n.type
    else:
        name = n.path.rsplit(".", 1)[-1] if n.path else n.name
        title = f"{name} · {n.type}" if name != n.type else n.type
    if n.repeat > 1:
        title += f" ×{n.repeat}"
    return title + (f" | {summary}" if summary else "")


def view_facts(g: archplot.Graph) -> dict[str, Any]:
    """Folds, labels and edge shapes of one view, small enough to read in a diff."""
    ids = list(g.nodes)
    index = {nid: i for i, nid in enumerate(ids)}
    folds = sorted([f"{n.path} ×{n.repeat}" + (f" ({n.attrs['varies']})" if n.attrs.get("varies") else "")
                    for n in g.nodes.values() if n.repeat > 1]
                   + [f"{s.path} ×{s.repeat}" + (f" period {s.period}" if s.period > 1 else "")
                      + (f" ({s.varies})" if s.varies else "") for s in g.scopes.values() if s.repeat > 1])
    labels = [_label(g.nodes[i]) for i in ids]
    if len(ids) > BIG_VIEW:  # a detector's post-processing loops: counts keep the file small
        edge_counts = Counter(f"{labels[index[e.source]]} -> {labels[index[e.target]]}: {shape_text(e.shape, e.dtype)}"
                              for e in g.edges)
        return {"folds": folds, "node counts": dict(sorted(Counter(labels).items())),
                "edge counts": dict(sorted(edge_counts.items()))}
    edges = sorted([index[e.source], index[e.target], shape_text(e.shape, e.dtype)] for e in g.edges)
    return {"folds": folds, "nodes": labels, "edges": edges}


def facts(name: str, graph: archplot.Graph | None = None) -> dict[str, Any]:
    g = graph if graph is not None else trace(name)
    return {"model": name, "default": view_facts(view(g)), "depth 2": view_facts(view(g, depth=2))}


def save(name: str, png_dir: Path | None = None) -> Path:
    g = trace(name)
    GOLDEN.mkdir(parents=True, exist_ok=True)
    path = GOLDEN / f"{name}.json"
    path.write_text(json.dumps(facts(name, g), ensure_ascii=False, indent=0, separators=(",", ":")) + "\n")
    if png_dir is not None:
        png_dir.mkdir(parents=True, exist_ok=True)
        archplot.draw(g).save(png_dir / f"{name}.png")
        archplot.draw(g, depth=2).save(png_dir / f"{name}_depth2.png")
    return path


def main(argv: list[str]) -> None:
    warnings.simplefilter("ignore")
    png_dir = None
    if "--png" in argv:
        i = argv.index("--png")
        png_dir = Path(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    unknown = [a for a in argv if a not in MODELS]
    if unknown:
        raise SystemExit(f"unknown model {unknown[0]!r}; choose from: {', '.join(MODELS)}")
    for name in argv or MODELS:
        path = save(name, png_dir)
        print(f"{path.relative_to(GOLDEN.parents[1])}: {path.stat().st_size / 1024:.1f} KB")


if __name__ == "__main__":
    main(sys.argv[1:])


