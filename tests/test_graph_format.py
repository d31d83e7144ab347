"""The JSON graph: lossless round trip, clear errors for other files, and networkx export."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

import archplot
from archplot import Graph, GraphFormatError


@pytest.fixture(scope="module")
def resnet_graph():
    torchvision = pytest.importorskip("torchvision")
    with torch.device("meta"):
        model = torchvision.models.resnet18()
    return archplot.trace(model, input_size=(1, 3, 224, 224))


def test_round_trip_is_lossless(resnet_graph, tmp_path):
    path = tmp_path / "g.json"
    text = resnet_graph.to_json(path)
    assert path.read_text() == text
    for loaded in (Graph.from_json(path), Graph.from_json(str(path)), Graph.from_json(text)):
        assert loaded == resnet_graph
        assert loaded.to_json() == text
    data = json.loads(text)
    assert data["format"] == "archplot-graph" and data["version"] == 1
    node = next(n for n in data["nodes"] if n["path"] == "layer1.0.conv1")
    assert {"id", "kind", "type", "path", "attrs", "params", "in_shapes", "out_shapes"} <= set(node)
    assert {"source", "target", "shape", "dtype"} <= set(data["edges"][0])
    assert {"path", "type", "parent", "params", "calls", "dynamic"} <= set(data["modules"][0])


def test_saved_graph_loads_without_torch(resnet_graph, tmp_path):
    path = tmp_path / "g.json"
    resnet_graph.to_json(path)
    code = (
        "import sys, archplot; g = archplot.Graph.from_json(sys.argv[1]); "
        "assert 'torch' not in sys.modules, 'torch was imported'; print(len(g.nodes))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(len(resnet_graph.nodes))


@pytest.mark.parametrize("text, match", [
    ('{"format": "onnx", "version": 1}', "not an archplot graph"),
    ('{"format": "archplot-graph", "version": 99}', "version 99 is not supported"),
    ('{"format": "archplot-graph", "version": 1, "nodes": [{"id": 0}]}', r"nodes\[0\] is missing a required field"),
    ('{"format": "archplot-graph", "version": 1, "nodes": [], "edges": [{"source": 0, "target": 1, "shape": null, "dtype": null}]}',
     "refers to a node id"),
    ('{"format": "archplot-graph", ', "not valid JSON"),
    ("[1, 2]", "not an archplot graph"),
])
def test_bad_json_is_a_clear_error(text, match, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(GraphFormatError, match=match):
        Graph.from_json(path)


def test_missing_file():
    with pytest.raises(GraphFormatError, match="no such file"):
        Graph.from_json("does/not/exist.json")


def test_networkx(resnet_graph):
    nx = pytest.importorskip("networkx")
    G = resnet_graph.to_networkx()
    assert G.number_of_nodes() == len(resnet_graph.nodes)
    assert G.number_of_edges() == len(resnet_graph.edges)
    assert nx.is_directed_acyclic_graph(G)
    conv = next(i for i, d in G.nodes(data=True) if d["path"] == "conv1")
    assert G.nodes[conv]["attrs"]["kernel_size"] == [7, 7]
    (_, _, data), = G.in_edges(conv, data=True)
    assert data["shape"] == [1, 3, 224, 224]


def test_node_copy_keeps_every_field():
    from dataclasses import fields

    from archplot import Node

    values = {}
    for i, f in enumerate(fields(Node)):
        values[f.name] = {"id": 7, "scope": 3, "params": 11, "repeat": 2, "dynamic": True, "collapsed": True}.get(
            f.name, [f"v{i}"] if "shapes" in f.name or f.name in ("repeat_paths", "parts") else
            {f"k{i}": i} if f.name in ("attrs", "param_shapes") else f"value{i}")
    node = Node(**values)
    clone = node.copy()
    assert clone is not node and clone == node
    assert all(getattr(clone, name) == value for name, value in values.items())
