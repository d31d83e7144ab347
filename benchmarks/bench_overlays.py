"""What overlay metrics add to a trace.

    python benchmarks/bench_overlays.py [--repeats N]

The params/FLOPs/memory metrics are counted during every trace (torch-function level,
formulas from shapes); this compares ``trace(model, x, metrics=False)`` (no counting) with the
default ``trace(model, x)`` on ResNet-50 (CPU, 224 px) and the 80-layer meta Llama, in
alternation so that a busy machine slows both alike. The time overlay runs the forward
``repeats`` more times; it is reported as a multiple of one plain forward. Quote the ratios.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import torch


def models():
    import torchvision

    import archplot.examples

    warnings.simplefilter("ignore")
    yield "resnet50 (CPU)", torchvision.models.resnet50().eval(), torch.randn(1, 3, 224, 224)
    yield "llama 80 layers (meta)", archplot.examples.llama70b_meta().eval(), torch.ones(1, 128, dtype=torch.long,
                                                                                        device="meta")


def alternate(fns: dict[str, object], repeats: int) -> dict[str, float]:
    """Median seconds of each function, run in turns after one warm-up each."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in times.items()}


def run(repeats: int = 5, say=print) -> None:
    import archplot

    say("| model | trace, no metrics | trace with params/FLOPs/memory | overhead |")
    say("|---|---|---|---|")
    for name, model, x in models():
        t = alternate({"plain": lambda: archplot.trace(model, x, metrics=False),
                       "metrics": lambda: archplot.trace(model, x)}, repeats)
        say(f"| {name} | {t['plain']:.3f} s | {t['metrics']:.3f} s | {100 * (t['metrics'] / t['plain'] - 1):+.1f} % |")
    import torchvision

    model, x = torchvision.models.resnet50().eval(), torch.randn(1, 3, 224, 224)
    t = alternate({"forward": lambda: _forward(model, x),
                   "time": lambda: archplot.trace(model, x, metrics={"time": {"repeats": 5}}),
                   "trace": lambda: archplot.trace(model, x)}, max(2, repeats // 2))
    say("")
    say(f"time overlay on resnet50 (5 repeats): {t['time']:.2f} s = trace + {(t['time'] - t['trace']) / t['forward']:.1f} "
        f"plain forwards ({t['forward']:.3f} s each)")


def _forward(model, x):
    with torch.no_grad():
        model(x)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    run(parser.parse_args().repeats)
