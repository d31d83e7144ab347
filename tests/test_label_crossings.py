"""Tensor labels keep off the drawn edges: a label goes to the side no edge runs through."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

import archplot

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_layout import crossed_texts  # noqa: E402

torchvision = pytest.importorskip("torchvision")
transformers = pytest.importorskip("transformers")


def test_no_edge_runs_through_a_tensor_label_or_box_title():
    with torch.device("meta"):
        resnet = torchvision.models.resnet50()
    bert = transformers.BertModel(transformers.BertConfig(num_hidden_layers=4, hidden_size=128,
                                                          num_attention_heads=4, intermediate_size=512)).eval()
    for d in (archplot.draw(resnet, input_size=(1, 3, 224, 224)),
              archplot.draw(resnet, input_size=(1, 3, 224, 224), depth=2, fit="none"),
              archplot.draw(bert, input_size=(1, 16), dtypes=torch.long)):
        labels_crossed, labels, titles_crossed, titles = crossed_texts(d)
        assert labels > 10 and titles > 2
        assert labels_crossed == 0 and titles_crossed == 0
