"""Golden picture facts of real models (tests/golden/*.json, made by tools/update_golden.py).

A changed fact fails here: look at the picture again (``tools/update_golden.py NAME --png DIR``)
and, if it is right, rewrite the facts with the tool. Every model's leaf shapes are also
checked against plain forward hooks, independently of archplot.
"""

from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path

import pytest
import torch

from conftest import graph_leaf_shapes, leaf_call_shapes

pytest.importorskip("torchvision")
pytest.importorskip("transformers")

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("update_golden", ROOT / "tools" / "update_golden.py")
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)


def _cases():
    for name in golden.MODELS:
        marks = [pytest.mark.slow] if name in golden.SLOW else []
        yield pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("name", list(_cases()))
def test_picture_facts_are_unchanged(name):
    expected = json.loads((golden.GOLDEN / f"{name}.json").read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model, given = golden.build(name)
        model.eval()
        g = golden.trace_model(model, given)
    actual = json.loads(json.dumps(golden.facts(name, g), ensure_ascii=False))
    for view in ("default", "depth 2"):
        for key in expected[view]:
            assert actual[view][key] == expected[view][key], f"{name}, {view}: {key} changed"
    # The shapes drawn are the shapes the model computes, seen by plain forward hooks.
    if isinstance(given, dict) and "input_size" in given:
        args, kwargs = (torch.zeros(given["input_size"], device="meta" if _on_meta(model) else "cpu"),), None
    elif isinstance(given, dict):
        args, kwargs = (), given
    else:
        args, kwargs = (given,), None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert graph_leaf_shapes(g) == leaf_call_shapes(model, args, kwargs)


def _on_meta(model) -> bool:
    return any(p.device.type == "meta" for p in model.parameters())


def test_golden_files_stay_small():
    sizes = {p.name: p.stat().st_size for p in golden.GOLDEN.glob("*.json")}
    assert len(sizes) >= 15
    assert sum(sizes.values()) < 300_000 and max(sizes.values()) < 60_000
