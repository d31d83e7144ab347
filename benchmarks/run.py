"""All benchmarks in one run, written to BENCHMARKS.md (and printed).

    python benchmarks/run.py            # everything (about 20 minutes on 2 cores)
    python benchmarks/run.py --quick    # a smoke run, under two minutes; printed only
    python benchmarks/run.py --profile layout   # the top functions of one stage

Times are medians of several runs after a warm-up; tools run in their own processes where
peak memory is compared. Quote the ratios, not the seconds: machines are noisy. Peers that
are not installed are reported as skipped.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import os
import platform
import pstats
import shutil
import statistics
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

import bench_capture  # noqa: E402
import bench_layout  # noqa: E402
from synthetic import network  # noqa: E402

import archplot  # noqa: E402

OUT: list[str] = []


def say(line: str = "") -> None:
    print(line, flush=True)
    OUT.append(line)


def median_time(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 ** 2:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    import torch

    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}){mem}; Python "
            f"{platform.python_version()}, torch {torch.__version__}, archplot {archplot.__version__}")


def installed(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


# -- 1. capture against peers ---------------------------------------------------------------------

PEERS = {
    "torchview": "torchview",
    "torchinfo": "torchinfo",
    "torchviz": "torchviz",
    "torchlens": "torchlens",
}


def capture_section(models: list[str], repeats: int) -> None:
    say("## Capture: archplot against peers on the same model and input")
    say()
    say("archplot = `archplot.trace`; torchview = `draw_graph` (trace and graph building); torchinfo = "
        "`summary`; torchviz = a forward with gradients and `make_dot`; torchlens = `log_forward_pass`. "
        "Each in its own process; ratio = archplot time / peer time (below 1: archplot is faster).")
    say()
    tools = ["forward", "archplot"] + [t for t in PEERS]
    say("| model | " + " | ".join(f"{t} s" for t in tools) + " | " +
        " | ".join(f"ratio vs {t}" for t in PEERS) + " | archplot MB |")
    say("|---" * (len(tools) + len(PEERS) + 2) + "|")
    for key in models:
        rows = {}
        for tool in tools:
            if tool in PEERS and not installed(PEERS[tool]):
                rows[tool] = {"error": "skipped"}
                continue
            rows[tool] = bench_capture.measure(tool, key, repeats)
        cells = []
        for tool in tools:
            r = rows[tool]
            cells.append(f"{r['time']:.3f}" if "time" in r else ("skipped" if r.get("error") == "skipped" else "failed"))
        ratios = []
        for tool in PEERS:
            a, p = rows["archplot"], rows[tool]
            ratios.append(f"{a['time'] / p['time']:.2f}" if "time" in a and "time" in p else "-")
        mb = f"{rows['archplot']['peak_mb']:.0f}" if "peak_mb" in rows["archplot"] else "-"
        say(f"| {key} | " + " | ".join(cells) + " | " + " | ".join(ratios) + f" | {mb} |")
    say()


# -- 2. stages ------------------------------------------------------------------------------------

def stage_times(model_key: str, repeats: int) -> dict[str, float]:
    kind, name, shape = bench_capture.MODELS[model_key]
    model, device = bench_capture.build(kind, name)
    import torch

    size = shape
    dtypes = torch.long if len(shape) == 2 else None
    g = archplot.trace(model, input_size=size, dtypes=dtypes)
    out: dict[str, float] = {}
    out["capture"] = median_time(lambda: archplot.trace(model, input_size=size, dtypes=dtypes), repeats)
    from archplot.diagram import Diagram, view
    from archplot.styles.diagram import DiagramOptions

    out["transforms"] = median_time(lambda: view(g), repeats)
    v = view(g)
    out["layout+scene"] = median_time(lambda: Diagram(v, DiagramOptions()), repeats)
    d = Diagram(v, DiagramOptions())

    def svg() -> None:
        d._svg = None
        d.to_svg()

    out["svg"] = median_time(svg, repeats)
    out["png"] = median_time(lambda: d.to_png(scale=1), max(1, repeats // 2))
    out["html"] = median_time(d.to_html, max(1, repeats // 2))
    out["nodes"] = len(g.nodes)
    return out


def stages_section(models: list[str], repeats: int) -> None:
    say("## Stages of `archplot.draw(model).save(...)`, timed separately")
    say()
    say("capture = trace; transforms = the default view (hide, prune, automatic depth, fold); layout+scene = "
        "measuring labels, layout and the drawing; then each output. Times in seconds.")
    say()
    say("| model | nodes | capture | transforms | layout+scene | SVG | PNG | HTML |")
    say("|---|---|---|---|---|---|---|---|")
    for key in models:
        t = stage_times(key, repeats)
        say(f"| {key} | {t['nodes']:.0f} | " + " | ".join(f"{t[k]:.3f}" for k in
                                                          ("capture", "transforms", "layout+scene", "svg", "png", "html")) + " |")
    say()


# -- 3. growth ------------------------------------------------------------------------------------

def fit_exponent(ns: list[int], ys: list[float]) -> float:
    xs = [math.log(n) for n in ns]
    ls = [math.log(max(y, 1e-9)) for y in ys]
    mx, my = statistics.mean(xs), statistics.mean(ls)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ls)) / sum((x - mx) ** 2 for x in xs)


def growth_section(sizes: list[int], dot_timeout: float) -> None:
    say("## Growth: a fully expanded synthetic network to SVG, against graphviz `dot`")
    say()
    say("Residual blocks with occasional three-way branches; nested = stages and blocks as module boxes "
        "(DOT clusters). Peak memory by tracemalloc (Python allocations) for archplot. The exponent is "
        "the slope of log time against log nodes: 1 is linear.")
    say()
    have_dot = shutil.which("dot") is not None
    say("| graph | nodes | archplot s | archplot peak MB | dot s | dot / archplot |")
    say("|---|---|---|---|---|---|")
    for nested in (True, False):
        times, mems = [], []
        for n in sizes:
            g = network(n, nested)

            def draw() -> archplot.Diagram:
                d = archplot.draw(g, expand="**", fold=False, hide_trivial=False, prune=False)
                d.to_svg()
                return d

            d = draw()  # a warm-up, then the median of three runs (one at the largest size)
            ta = median_time(draw, 3 if n <= 20000 else 1)
            tracemalloc.start()  # a second run for memory: tracing allocations slows everything down
            draw()
            peak = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
            times.append(ta)
            mems.append(peak)
            td, status = (None, "skipped")
            if have_dot and n <= 20000:
                td, status = bench_layout.dot_svg(d.to_dot(), dot_timeout)
            elif have_dot:
                status = "not run"
            dt = f"{td:.2f}" if td else status
            ratio = f"{td / ta:.1f}×" if td else "-"
            say(f"| synthetic {'nested' if nested else 'flat'} | {len(g.nodes)} | {ta:.2f} | {peak:.0f} | {dt} | {ratio} |")
        if len(sizes) > 1:
            say(f"| fitted exponent ({'nested' if nested else 'flat'}) | | time {fit_exponent(sizes, times):.2f} | "
                f"memory {fit_exponent(sizes, mems):.2f} | | |")
    say()


def crossings_section(quick: bool, dot_timeout: float) -> None:
    say("## Edge crossings against graphviz `dot`, graphs under 1,000 nodes")
    say()
    say("Both drawings fully expanded with module boxes (DOT clusters); crossings counted the same way on "
        "both pictures (pairs of edges whose drawn curves intersect, edges that share a node not counted). "
        "Real models after hiding shape plumbing and pruning.")
    say()
    if shutil.which("dot") is None:
        say("dot is not installed: skipped.")
        say()
        return
    graphs = {f"synthetic {n} {'nested' if nested else 'flat'}": network(n, nested)
              for n in ((500,) if quick else (500, 1000)) for nested in (True, False)}
    if not quick:
        graphs.update({name: g.hide(trivial=True).prune() for name, g in bench_layout.real_graphs().items()})
    say("| graph | nodes | archplot crossings | dot crossings |")
    say("|---|---|---|---|")
    for name, g in graphs.items():
        d = archplot.draw(g, expand="**", fold=False, hide_trivial=False, prune=False)
        if len(d.graph.nodes) >= 1000:
            continue
        ours = bench_layout.count_crossings(bench_layout.segments_archplot(d))
        layout = bench_layout.dot_layout_json(d.to_dot(), dot_timeout)
        theirs = bench_layout.count_crossings(bench_layout.segments_dot(layout)) if layout else "timeout"
        say(f"| {name} | {len(d.graph.nodes)} | {ours} | {theirs} |")
    say()


def default_pictures_section() -> None:
    say("## Default pictures of real models")
    say()
    say("`archplot.draw(model)` with no options: the automatic level of detail, wrapped where long. "
        "Aspect is long side over short; crossed labels are tensor labels with a drawn edge through their box; "
        "crossed titles likewise for module box titles; edge crossings as the layout counts them.")
    say()
    say("| model | picture | aspect | nodes | edge crossings | labels crossed | titles crossed |")
    say("|---|---|---|---|---|---|---|")
    for name, g in bench_layout.real_graphs().items():
        d = archplot.draw(g)
        w, h = d.scene.width, d.scene.height
        lc, ln, tc, tn = bench_layout.crossed_texts(d)
        say(f"| {name} | {w:.0f}×{h:.0f} | {max(w, h) / min(w, h):.1f} | {d.stats['nodes']} | {d.stats['crossings']} | "
            f"{lc} of {ln} | {tc} of {tn} |")
    say()


# -- 4. the interactive view, 5. activations ------------------------------------------------------

def html_section(nodes: int) -> None:
    say(f"## The interactive view at {nodes:,} nodes (headless Chromium)")
    say()
    import subprocess

    r = subprocess.run([sys.executable, str(HERE / "bench_html.py"), "--nodes", str(nodes)], capture_output=True,
                       text=True, timeout=900)
    for line in (r.stdout.strip().splitlines() or [f"failed: {r.stderr.strip().splitlines()[-1:]}"]):
        say(f"    {line}")
    say()


def activations_section(repeats: int) -> None:
    import torch

    say("## Activations")
    say()
    t = torch.randn(1, 512, 14, 14)
    ft = median_time(lambda: archplot.feature_maps(t), repeats)
    conv = torch.nn.Conv2d(256, 512, 3, padding=1)
    at = median_time(lambda: archplot.activations(torch.nn.Sequential(conv), torch.randn(1, 256, 28, 28)), repeats)
    say(f"- `feature_maps` of a 512-channel 14×14 activation: {ft * 1000:.0f} ms")
    say(f"- `activations` of a 512-channel conv layer (hooks on, forward, hooks off): {at * 1000:.0f} ms")
    say()


# -- profile --------------------------------------------------------------------------------------

def profile(stage: str) -> None:
    g = network(5000, True)
    from archplot.diagram import Diagram, view
    from archplot.styles.diagram import DiagramOptions

    v = view(g, expand="**", fold=False, hide_trivial=False, prune=False)  # all 5,000 nodes
    d = Diagram(v, DiagramOptions())
    work = {
        "transforms": lambda: view(g),
        "layout": lambda: Diagram(v, DiagramOptions()),
        "svg": lambda: (setattr(d, "_svg", None), d.to_svg()),
        "html": d.to_html,
    }
    if stage == "capture":  # a real model: ResNet-50 at 224 px
        kind, name, shape = bench_capture.MODELS["resnet50"]
        model, _ = bench_capture.build(kind, name)
        work["capture"] = lambda: archplot.trace(model, input_size=shape)
    if stage not in work:
        raise SystemExit(f"unknown stage {stage!r}; choose one of {', '.join(work)}")
    prof = cProfile.Profile()
    prof.enable()
    work[stage]()
    prof.disable()
    s = io.StringIO()
    pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(15)
    print(s.getvalue())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="a smoke run: two models, small graphs, no dot at 20k")
    p.add_argument("--profile", metavar="STAGE", help="capture, transforms, layout, svg or html: top functions")
    p.add_argument("--output", help="where to write the report (default: BENCHMARKS.md after a full run; "
                   "a --quick run is only printed)")
    args = p.parse_args()
    warnings.simplefilter("ignore")
    if args.profile:
        profile(args.profile)
        return
    start = time.perf_counter()
    say("# archplot benchmarks")
    say()
    say(f"Machine: {machine()}. Mode: {'quick' if args.quick else 'full'}. "
        f"Made by `python benchmarks/run.py{' --quick' if args.quick else ''}`.")
    say()
    repeats = 3 if args.quick else 5
    capture_models = list(bench_capture.QUICK) if args.quick else list(bench_capture.MODELS)
    capture_section(capture_models, repeats)
    stages_section(["resnet50"] if args.quick else ["resnet50", "inception_v3", "gpt2", "llama-80L-meta"], repeats)
    if not args.quick:
        say("## Transforms on the fully expanded 80-layer meta Llama")
        say()
        import subprocess

        r = subprocess.run([sys.executable, str(HERE / "bench_transforms.py")], capture_output=True, text=True)
        for line in r.stdout.strip().splitlines():
            say(f"    {line}")
        say()
    growth_section([1000, 2000] if args.quick else [1000, 5000, 20000, 100000], 60 if args.quick else 300)
    crossings_section(args.quick, 60 if args.quick else 300)
    if not args.quick:
        default_pictures_section()
    html_section(2000 if args.quick else 20000)
    activations_section(repeats)
    if not args.quick:
        import bench_overlays

        say("## Overlay metrics: what counting params, FLOPs and memory adds to a trace")
        say()
        bench_overlays.run(repeats, say)
        say()
    say(f"Total time of this run: {time.perf_counter() - start:.0f} s.")
    path = report_path(args.quick, args.output)
    if path is not None:
        path.write_text("\n".join(OUT) + "\n", encoding="utf-8")
        print(f"wrote {path}")


def report_path(quick: bool, output: str | None) -> Path | None:
    """Where the report goes: a quick run's numbers are not the ones to publish, so it does
    not replace BENCHMARKS.md unless asked to with --output."""
    if output:
        return Path(output)
    return None if quick else HERE.parent / "BENCHMARKS.md"


if __name__ == "__main__":
    main()
