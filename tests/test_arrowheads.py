"""Every drawn edge meets its arrowhead on the head's axis, inside the head."""

from __future__ import annotations

import pytest
import torch

import archplot
from archplot.backends.scene import Group

torchvision = pytest.importorskip("torchvision")


@pytest.mark.parametrize("direction", ["TB", "LR"])
@pytest.mark.parametrize("fit", ["none", None])
def test_arrowheads_sit_on_the_curve_end(direction, fit):
    with torch.device("meta"):
        model = torchvision.models.resnet50()
    d = archplot.draw(model, input_size=(1, 3, 224, 224), depth="all", direction=direction, fit=fit)
    edges = [it for it in d.scene.items if isinstance(it, Group) and "source" in it.data]
    assert len(edges) > 100
    for it in edges:
        path, head = it.items[0], it.items[1]
        (ex, ey), (tx, ty) = path.points[-1], head.points[0]
        if direction == "TB":
            assert abs(ex - tx) < 0.01 and 0 < ty - ey < 7  # on the axis, the line's end under the head
        else:
            assert abs(ey - ty) < 0.01 and 0 < tx - ex < 7


def test_each_input_arrives_at_its_own_point_in_argument_order():
    model = torchvision.models.inception_v3(weights=None, init_weights=False, aux_logits=False).eval()
    g = archplot.trace(model, input_size=(1, 3, 299, 299))
    for direction in ("TB", "LR"):
        d = archplot.draw(g, expand="Mixed_5b", depth=1, direction=direction, fit="none")
        axis = 0 if direction == "TB" else 1
        ends: dict[int, list[float]] = {}
        for e in d.geometry()["edges"]:  # in the graph's edge order: argument order
            ends.setdefault(e["target"], []).append(e["points"][-1][axis])
        cat = [ends[n.id] for n in d.graph.nodes.values() if n.type == "cat" and n.id in ends]
        assert cat and len(cat[0]) == 4
        assert cat[0] == sorted(cat[0]) and len(set(cat[0])) == 4  # four points, first argument first
