"""Graph files from strangers, fuzzed: a seeded mutator over real saved graphs.

Each mutated file either loads, draws and renders to SVG and HTML, or fails with one
GraphFormatError; nothing else escapes and nothing hangs (an alarm stops a case that would).
The same for the ONNX reader's scope metadata.
"""

from __future__ import annotations

import copy
import json
import random
import signal
import warnings

import pytest
import torch

import archplot
from archplot import GraphFormatError

CASES = 300
SECONDS_PER_CASE = 20  # far above what a case takes; only a hang reaches it

NAMES = ["<!--", "</script>", "__SCRIPT__", "__DATA__", "a\x01b\x0bc\x1b[31m", "\u2028\u2029", "&amp;", "\"'", "ünï €", ""]
JUNK = [None, True, -1, 0, 1, 7, 2**70, -(2**40), 1.5, float("nan"), "", "x", "<!--</script>\x01\x1b", "__DATA__",
        [], [None], [[-1]], {}, {"a": {"b": []}}, "\u2028", 10**6]


def _graphs() -> list[dict]:
    """Real saved graphs of several kinds: traced, viewed (collapsed, folded), TorchScript."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        block = archplot.examples.residual_block()
        traced = archplot.trace(block, input_size=(1, 8, 16, 16))
        seq = torch.nn.Sequential(*[torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU()) for _ in range(4)])
        deep = archplot.trace(seq, input_size=(1, 4))
        folded = archplot.draw(deep).graph
        script = archplot.trace(torch.jit.script(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh())))
    return [json.loads(g.to_json()) for g in (traced, deep, folded, script)]


def _places(value, path=()):
    """Every (container, key) inside a decoded JSON value."""
    stack = [value]
    while stack:
        item = stack.pop()
        keys = item.keys() if isinstance(item, dict) else range(len(item)) if isinstance(item, list) else ()
        for k in keys:
            yield item, k
            stack.append(item[k])


def _mutate(data: dict, rng: random.Random) -> dict:
    data = copy.deepcopy(data)
    for _ in range(rng.randint(1, 4)):
        places = list(_places(data))
        container, key = rng.choice(places)
        action = rng.random()
        if action < 0.25 and isinstance(container[key], str):
            container[key] = rng.choice(NAMES)  # the right type, hostile text
        elif action < 0.45:
            container[key] = copy.deepcopy(rng.choice(JUNK))
        elif action < 0.6 and isinstance(container, dict):
            del container[key]
        elif action < 0.75 and isinstance(container[key], int) and not isinstance(container[key], bool):
            container[key] += rng.choice([-2, -1, 1, 2, 100])  # references that point elsewhere
        elif action < 0.9 and isinstance(container, list):
            container.append(copy.deepcopy(container[key]))  # duplicate ids
        else:
            other_container, other_key = rng.choice(places)  # a value moved where another type is expected
            container[key] = copy.deepcopy(other_container[other_key])
    return data


def _hang(signum, frame):
    raise TimeoutError("a mutated graph took too long: a hang")


@pytest.mark.slow
def test_mutated_graphs_load_draw_and_render_or_fail_with_one_error():
    rng = random.Random(15)
    graphs = _graphs()
    outcomes = {"drawn": 0, "refused": 0}
    old = signal.signal(signal.SIGALRM, _hang)
    try:
        for case in range(CASES):
            text = json.dumps(_mutate(rng.choice(graphs), rng))
            signal.alarm(SECONDS_PER_CASE)
            try:
                g = archplot.Graph.from_json(text)
                d = archplot.draw(g)
                assert d.to_svg().startswith("<svg")
                assert "</html>" in d.to_html()
                d.to_dot(), d.to_mermaid()
                if outcomes["drawn"] % 10 == 0:
                    d.to_png(scale=1), d.to_pdf()
                outcomes["drawn"] += 1
            except GraphFormatError:
                outcomes["refused"] += 1
            except Exception as e:
                raise AssertionError(f"case {case}: {type(e).__name__}: {e}\n{text[:2000]}") from e
            finally:
                signal.alarm(0)
    finally:
        signal.signal(signal.SIGALRM, old)
    # both paths are exercised: a fuzzer that only produced refusals would test little
    assert outcomes["drawn"] > CASES // 10 and outcomes["refused"] > CASES // 10, outcomes


@pytest.mark.parametrize("scopes", ["5", "{'a', 'b'}", "['', 3, None, 'x']", "[[]]", "'text'", "[" * 200, "{}"])
def test_onnx_scope_metadata_of_any_shape_reads(tmp_path, scopes):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    node = helper.make_node("Relu", ["x"], ["y"], name="/block/Relu")
    node.metadata_props.add(key="pkg.torch.onnx.name_scopes", value=scopes)
    node.metadata_props.add(key="pkg.torch.onnx.class_hierarchy", value=scopes)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph), str(path))
    g = archplot.load(path)
    assert [n.type for n in g] == ["Tensor", "Relu", "Tensor"]
    archplot.draw(g).to_svg()
