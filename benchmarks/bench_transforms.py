"""Time every transform on the fully expanded 80-layer meta Llama (about 3,600 nodes).

    python benchmarks/bench_transforms.py
"""

from __future__ import annotations

import statistics
import time
import warnings

import torch

import archplot


def main() -> None:
    warnings.simplefilter("ignore")
    model = archplot.examples.llama70b_meta()
    g = archplot.trace(model, input_size=(1, 128), dtypes=torch.long)
    print(f"{g}")
    cases = {
        "collapse(depth=2)": lambda: g.collapse(depth=2),
        "collapse(depth=3) + expand one layer": lambda: g.collapse(depth=3).expand("model.layers.40"),
        "fold_repeats (expanded)": lambda: g.fold_repeats(),
        "hide(trivial) + prune": lambda: g.hide(trivial=True).prune(),
        "focus(one layer)": lambda: g.focus("model.layers.7"),
        "fuse(Linear > SiLU)": lambda: g.fuse("Linear > SiLU"),
        "default view: depth 2, hide, prune, fold": lambda: g.collapse(depth=2).hide(trivial=True).prune().fold_repeats(),
    }
    for name, fn in cases.items():
        fn()
        times = []
        for _ in range(5):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        print(f"{name:45} {statistics.median(times) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
