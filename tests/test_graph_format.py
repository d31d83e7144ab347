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
    ('{"format": "archplot-graph", "version": 1, "nodes": [{"id": 0}]}', r"nodes\[0\]: missing the required field 'kind'"),
    ('{"format": "archplot-graph", "version": 1, "nodes": [], "edges": [{"source": 0, "target": 1, "shape": null, "dtype": null}]}',
     r"edges\[0\].source: no node has id 0"),
    ('{"format": "archplot-graph", ', "not valid JSON"),
    ("[1, 2]", "not an archplot graph"),
])
def test_bad_json_is_a_clear_error(text, match, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(GraphFormatError, match=match):
        Graph.from_json(path)


def _graph_text(**parts):
    import json

    return json.dumps({"format": "archplot-graph", "version": 1, **parts})


_SCOPES_IN_A_CYCLE = [{"id": 0, "path": "", "call": 0, "parent": None}, {"id": 1, "path": "a", "call": 0, "parent": 2},
                      {"id": 2, "path": "a.b", "call": 0, "parent": 1}]
def _nested(depth):
    value = [1]
    for _ in range(depth):
        value = [value]
    return value


_NODE = {"id": 0, "kind": "op", "type": "add", "name": "add", "path": ""}


@pytest.mark.parametrize("parts, match", [
    (dict(scopes=_SCOPES_IN_A_CYCLE), r"scopes\[1\].parent: cycle through scope 1"),
    (dict(scopes=[{"id": 0, "path": "", "call": 0, "parent": None}, {"id": 1, "path": "a", "call": 0, "parent": 1}]),
     r"scopes\[1\].parent: cycle through scope 1"),
    (dict(modules=[{"path": "", "type": "M", "parent": "a"}, {"path": "a", "type": "A", "parent": ""}]),
     r"modules\[0\].parent: cycle through module ''"),
    (dict(modules=[{"path": "a", "type": "A", "parent": "gone"}]), r"modules\[0\].parent: no module has path 'gone'"),
    (dict(nodes=[{**_NODE, "scope": 7}]), r"nodes\[0\].scope: no scope has id 7"),
    (dict(nodes=[_NODE, _NODE]), r"nodes\[1\].id: 0 is used twice"),
    (dict(nodes=[{**_NODE, "id": "0"}]), r"nodes\[0\].id: expected an integer, got string"),
    (dict(nodes=[{**_NODE, "repeat": 0}]), r"nodes\[0\].repeat: 0 is out of range"),
    (dict(nodes=[{**_NODE, "out_shapes": [[1, "x"]]}]), r"nodes\[0\].out_shapes\[0\]\[1\]: expected an integer"),
    (dict(nodes=[{**_NODE, "in_shapes": 5}]), r"nodes\[0\].in_shapes: expected an array, got integer"),
    (dict(nodes=[{**_NODE, "params": -1}]), r"nodes\[0\].params: -1 is out of range"),
    (dict(nodes=[{**_NODE, "attrs": []}]), r"nodes\[0\].attrs: expected an object, got array"),
    (dict(nodes=[{**_NODE, "kind": "virus"}]), r"nodes\[0\].kind: 'virus' is not one of"),
    (dict(nodes=[{**_NODE, "param_shapes": {"w": {"a": 1}}}]), r"nodes\[0\].param_shapes.w: a shape must be an array"),
    (dict(nodes={"0": _NODE}), r"nodes: expected an array, got object"),
    (dict(meta=[1]), r"meta: expected an object, got array"),
    (dict(meta={"x": _nested(40)}), r"meta.x.*nested deeper"),
])
def test_every_field_and_reference_is_checked_with_its_location(parts, match):
    with pytest.raises(GraphFormatError, match=match):
        Graph.from_json(_graph_text(**parts))


def test_json_nested_beyond_the_parser_is_a_format_error():
    with pytest.raises(GraphFormatError, match="nests JSON too deeply"):
        Graph.from_json('{"format": "archplot-graph", "version": 1, "meta": ' + "[" * 100_000 + "]" * 100_000 + "}")


@pytest.mark.slow
def test_cyclic_scopes_fail_fast_in_the_cli(tmp_path):
    from test_cli import run

    (tmp_path / "cycle.json").write_text(_graph_text(nodes=[{**_NODE, "scope": 1}], scopes=_SCOPES_IN_A_CYCLE))
    r = run("cycle.json", "-o", "c.svg", cwd=tmp_path)
    assert r.returncode == 1 and "scopes[1].parent: cycle through scope 1" in r.stderr


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
