"""Layout and SVG: archplot against graphviz `dot` on the same graphs, in one run.

    python benchmarks/bench_layout.py [--quick] [--dot-timeout SECONDS]

Both draw the fully expanded graph (modules as nested boxes / DOT clusters) to SVG. Times are
medians (archplot: 3 runs after a warm-up; dot: 1 run, it is slow); quote the ratios. Edge
crossings are counted geometrically on both drawings (dot's splines by their control polygons,
archplot's curves sampled), for graphs under 1,000 nodes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synthetic import network  # noqa: E402

import archplot  # noqa: E402


def archplot_svg(g: archplot.Graph) -> tuple[float, archplot.Diagram]:
    times = []
    d = None
    for _ in range(4):
        t = time.perf_counter()
        d = archplot.draw(g, expand="**", fold=False, hide_trivial=False, prune=False)
        d.to_svg()
        times.append(time.perf_counter() - t)
    return statistics.median(times[1:]), d


def dot_svg(dot_text: str, timeout: float) -> tuple[float | None, str]:
    """dot's time to SVG, or None and why not ("timeout", "crashed")."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "g.dot"
        src.write_text(dot_text)
        t = time.perf_counter()
        try:
            subprocess.run(["dot", "-Tsvg", "-o", str(Path(tmp) / "g.svg"), str(src)], check=True, timeout=timeout,
                           capture_output=True)
        except subprocess.TimeoutExpired:
            return None, "timeout"
        except subprocess.CalledProcessError:
            return None, "crashed"
        return time.perf_counter() - t, "ok"


def dot_layout_json(dot_text: str, timeout: float) -> dict | None:
    try:
        r = subprocess.run(["dot", "-Tjson"], input=dot_text, text=True, capture_output=True, timeout=timeout, check=True)
    except (subprocess.TimeoutExpired, subprocess.CalledProcessError):
        return None
    return json.loads(r.stdout)


def segments_dot(layout: dict) -> list[tuple[int, list[tuple[float, float]]]]:
    out = []
    for i, e in enumerate(layout.get("edges", [])):
        for op in e.get("_draw_", []):
            if op.get("op") in ("b", "B"):
                out.append((i, [tuple(p) for p in op["points"]], (e["tail"], e["head"])))
    return out


def segments_archplot(d: archplot.Diagram) -> list:
    from archplot.backends.scene import sample_path

    curve = "h" if d.options.direction == "LR" else "v"
    return [(i, sample_path([tuple(p) for p in e["points"]], curve), (e["source"], e["target"]))
            for i, e in enumerate(d.geometry()["edges"])]


def count_crossings(edges: list) -> int:
    """Pairs of edges that cross (edges sharing an endpoint node do not count), via a grid."""
    cell = 40.0
    grid: dict[tuple[int, int], list[tuple[int, tuple, tuple]]] = {}
    ends = {}
    for i, pts, nodes in edges:
        ends[i] = nodes
        for a, b in zip(pts, pts[1:]):
            x0, x1 = sorted((a[0], b[0]))
            y0, y1 = sorted((a[1], b[1]))
            for gx in range(int(x0 // cell), int(x1 // cell) + 1):
                for gy in range(int(y0 // cell), int(y1 // cell) + 1):
                    grid.setdefault((gx, gy), []).append((i, a, b))
    crossing = set()
    for segs in grid.values():
        for k, (i, a, b) in enumerate(segs):
            for j, c, d in segs[k + 1:]:
                if i == j or (i, j) in crossing or (j, i) in crossing:
                    continue
                if set(ends[i]) & set(ends[j]):
                    continue
                if _intersect(a, b, c, d):
                    crossing.add((i, j))
    return len(crossing)


def crossed_texts(d: archplot.Diagram) -> tuple[int, int, int, int]:
    """(tensor labels crossed by an edge, tensor labels, box titles crossed, box titles), with
    the drawn curves sampled; a text is crossed when a curve runs through its box."""
    from archplot.backends.scene import Group, Text, sample_path
    from archplot.backends.text import text_width

    def box(t: Text) -> tuple[float, float, float, float]:
        w = text_width(t.text, t.size, t.bold)
        x0 = t.x - w if t.anchor == "end" else (t.x - w / 2 if t.anchor == "middle" else t.x)
        return x0, t.y - t.size * 0.8, x0 + w, t.y + t.size * 0.2

    # labels and titles are the top-level texts: titles bold on a halo, labels plain
    texts = [it for it in d.scene.items if isinstance(it, Text) and it.text.strip()]
    labels = [box(t) for t in texts if not t.bold and t.halo is None and "×" in t.text]
    titles = [box(t) for t in texts if t.bold and t.halo is not None]
    curve = "h" if d.options.direction == "LR" else "v"
    points = [p for it in d.scene.items if isinstance(it, Group) and "source" in it.data
              for p in sample_path([tuple(q) for q in it.items[0].points], curve)]
    cell = 32.0
    grid: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for x, y in points:
        grid.setdefault((int(x // cell), int(y // cell)), []).append((x, y))

    def crossed(r: tuple[float, float, float, float]) -> bool:
        for gx in range(int(r[0] // cell), int(r[2] // cell) + 1):
            for gy in range(int(r[1] // cell), int(r[3] // cell) + 1):
                if any(r[0] < x < r[2] and r[1] < y < r[3] for x, y in grid.get((gx, gy), ())):
                    return True
        return False

    return sum(map(crossed, labels)), len(labels), sum(map(crossed, titles)), len(titles)


def _intersect(a, b, c, d) -> bool:
    def orient(p, q, r):
        v = (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
        return 0 if abs(v) < 1e-9 else (1 if v > 0 else -1)

    return orient(a, b, c) * orient(a, b, d) < 0 and orient(c, d, a) * orient(c, d, b) < 0


def real_graphs() -> dict[str, archplot.Graph]:
    import torch
    import torchvision
    import transformers

    warnings.simplefilter("ignore")
    out = {}
    with torch.device("meta"):
        out["resnet50"] = archplot.trace(torchvision.models.resnet50(), input_size=(1, 3, 224, 224))
        out["inception_v3"] = archplot.trace(torchvision.models.inception_v3(init_weights=False, aux_logits=False),
                                             input_size=(1, 3, 299, 299))
        out["densenet121"] = archplot.trace(torchvision.models.densenet121(), input_size=(1, 3, 224, 224))
    ids = {"input_size": (1, 16), "dtypes": torch.long}
    out["bert-4L"] = archplot.trace(transformers.BertModel(transformers.BertConfig(num_hidden_layers=4)), **ids)
    out["gpt2-2L"] = archplot.trace(transformers.GPT2Model(transformers.GPT2Config(n_layer=2)).eval(), **ids)
    out["t5-encoder-2L"] = archplot.trace(transformers.T5EncoderModel(transformers.T5Config(
        num_layers=2, d_model=64, d_ff=128, num_heads=4, vocab_size=100)).eval(), **ids)
    out["llama-2L"] = archplot.trace(transformers.LlamaModel(transformers.LlamaConfig(
        num_hidden_layers=2, hidden_size=256, intermediate_size=512, num_attention_heads=4, num_key_value_heads=2,
        vocab_size=1000)).eval(), **ids)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="1k and 5k nodes only, no real models")
    p.add_argument("--dot-timeout", type=float, default=300.0)
    args = p.parse_args()
    have_dot = shutil.which("dot") is not None
    sizes = (500, 1000, 5000) if args.quick else (500, 1000, 5000, 20000)
    graphs = {f"synthetic {n} {'nested' if nested else 'flat'}": network(n, nested)
              for n in sizes for nested in (True, False)}
    if not args.quick:
        graphs.update(real_graphs())
    print(f"{'graph':28} {'nodes':>6} {'archplot s':>11} {'dot s':>9} {'dot/archplot':>13} "
          f"{'crossings a':>12} {'crossings dot':>14}")
    for name, g in graphs.items():
        g = g.hide(trivial=True).prune() if not name.startswith("synthetic") else g
        ta, d = archplot_svg(g)
        dot_text = d.to_dot()
        td, status = None, "skipped"
        cd = ca = "-"
        if have_dot:
            td, status = dot_svg(dot_text, args.dot_timeout)
            if len(d.graph.nodes) < 1000:
                ca = str(count_crossings(segments_archplot(d)))
                layout = dot_layout_json(dot_text, args.dot_timeout)
                cd = str(count_crossings(segments_dot(layout))) if layout else "timeout"
        dt = status if td is None else f"{td:.2f}"
        ratio = f"{td / ta:.1f}×" if td else "-"
        print(f"{name:28} {len(d.graph.nodes):>6} {ta:>11.2f} {dt:>9} {ratio:>13} {ca:>12} {cd:>14}", flush=True)


if __name__ == "__main__":
    main()
