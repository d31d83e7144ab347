"""Trace the same models with archplot and torchview in one run; print time ratios and memory.

    python benchmarks/bench_capture.py [--quick]

Times are medians of several runs after one warm-up; quote the ratios, not the seconds.
Peak memory is the growth of the process's peak RSS over the run of each tool, measured in a
fresh subprocess per (tool, model) so one tool's allocations do not hide the other's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import warnings

MODELS = {
    "resnet50": ("torchvision", "resnet50", (1, 3, 224, 224)),
    "inception_v3": ("torchvision", "inception_v3", (1, 3, 299, 299)),
    "vit_b_16": ("torchvision", "vit_b_16", (1, 3, 224, 224)),
    "efficientnet_b0": ("torchvision", "efficientnet_b0", (1, 3, 224, 224)),
    "gpt2": ("transformers", "GPT2Model", (1, 128)),
    "bert": ("transformers", "BertModel", (1, 128)),
    "t5-encoder": ("transformers", "T5EncoderModel", (1, 128)),
    "llama-7b-meta": ("llama7b", None, (1, 128)),
    "llama-80L-meta": ("llama70b", None, (1, 128)),
}
QUICK = ("resnet50", "gpt2")


def build(kind, name):
    import torch

    warnings.simplefilter("ignore")
    if kind == "torchvision":
        import torchvision

        return torchvision.models.get_model(name, weights=None).eval(), torch.device("cpu")
    import transformers

    if kind == "llama7b":  # the default LlamaConfig: 32 layers, hidden size 4096
        with torch.device("meta"):
            return transformers.LlamaModel(transformers.LlamaConfig()).eval(), torch.device("meta")
    if kind == "llama70b":
        import archplot.examples

        return archplot.examples.llama70b_meta().eval(), torch.device("meta")
    cls = getattr(transformers, name)
    return cls(cls.config_class()).eval(), torch.device("cpu")


def run_one(tool, model_key, repeats):
    """Runs in a subprocess: prints JSON with the median time and peak RSS growth."""
    import resource

    import torch

    kind, name, shape = MODELS[model_key]
    model, device = build(kind, name)
    dtype = torch.long if len(shape) == 2 else torch.float32
    x = torch.ones(shape, dtype=dtype, device=device) if dtype == torch.long else torch.randn(shape, device=device)
    if tool == "archplot":
        import archplot

        def work():
            archplot.trace(model, x)
    elif tool == "torchview":
        from torchview import draw_graph

        def work():
            draw_graph(model, input_data=x, depth=10 ** 6, device=device, expand_nested=True)
    elif tool == "torchinfo":
        import torchinfo

        def work():
            torchinfo.summary(model, input_data=x, verbose=0, device=device)
    elif tool == "torchviz":
        from torchviz import make_dot

        def first(out):
            if isinstance(out, torch.Tensor):
                return out
            return out[0] if isinstance(out, (tuple, list)) else next(v for v in out.values() if isinstance(v, torch.Tensor))

        def work():
            with torch.enable_grad():
                make_dot(first(model(x)).float().sum(), params=dict(model.named_parameters()))
    elif tool == "torchlens":
        import torchlens

        def work():
            torchlens.log_forward_pass(model, x, vis_opt="none")
    elif tool == "forward":
        def work():
            with torch.no_grad():
                model(x)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    work()  # warm-up
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        work()
        times.append(time.perf_counter() - t)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
    print(json.dumps({"time": statistics.median(times), "peak_mb": peak / 1024}))


def measure(tool, model_key, repeats):
    r = subprocess.run([sys.executable, __file__, "--child", tool, model_key, str(repeats)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["failed"])[-1]
        return {"error": last[:120]}
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="two models, fewer repeats")
    p.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        run_one(args.child[0], args.child[1], int(args.child[2]))
        return
    repeats = 3 if args.quick else 5
    keys = QUICK if args.quick else tuple(MODELS)
    print(f"{'model':18} {'forward s':>10} {'archplot s':>11} {'torchview s':>12} {'ratio a/t':>10} "
          f"{'archplot MB':>12} {'torchview MB':>13}")
    for key in keys:
        rows = {tool: measure(tool, key, repeats) for tool in ("forward", "archplot", "torchview")}

        def cell(tool, field, fmt):
            r = rows[tool]
            return format(r[field], fmt) if field in r else "skipped" if "No module named" in r.get("error", "") else "failed"

        ratio = (f"{rows['archplot']['time'] / rows['torchview']['time']:.2f}"
                 if "time" in rows["archplot"] and "time" in rows["torchview"] else "-")
        print(f"{key:18} {cell('forward', 'time', '.3f'):>10} {cell('archplot', 'time', '.3f'):>11} "
              f"{cell('torchview', 'time', '.3f'):>12} {ratio:>10} {cell('archplot', 'peak_mb', '.0f'):>12} "
              f"{cell('torchview', 'peak_mb', '.0f'):>13}", flush=True)
        for tool, r in rows.items():
            if "error" in r and "No module named" not in r["error"]:
                print(f"    {tool}: {r['error']}")


if __name__ == "__main__":
    main()
