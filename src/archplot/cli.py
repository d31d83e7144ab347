"""The ``archplot`` command: parses arguments and calls the public API, nothing else."""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import Sequence

EXAMPLES = """examples:
  archplot resnet18                                   (writes resnet18.svg)
  archplot resnet50 --depth 2 -o resnet50.png
  archplot transformers:GPT2Model --meta -o gpt2.pdf
  archplot transformers:BertModel --focus encoder.layer.0 -o layer.svg
  archplot my_net.py:Net -i 1x3x32x32 --model-args '{"width": 64}' -o net.svg
  archplot resnet18 -o graph.json && archplot graph.json -o again.svg   (redraw without re-tracing)
  archplot resnet18 -o - > resnet18.svg
  archplot resnet50 --overlay flops -o r50.svg          (colour by FLOPs; also time, memory, params, ...)
  archplot summary transformers:GPT2Model --sort time
  archplot transformers:BertModel --open              (the interactive view in a browser)
  archplot activations example:digits --layer features.0 -o acts.png
  archplot filters resnet18 --weights resnet18.pt --layer conv1 -o filters.png

  archplot diff resnet18 resnet34 -o diff.svg        (what changed; exit 1 when different)

subcommands: summary, diff, activations, filters (archplot summary --help)
"""

FORMATS = (".svg", ".png", ".pdf", ".tex", ".drawio", ".pptx", ".dot", ".gv", ".mmd", ".json", ".html")


def _depth(text: str) -> int | str:
    if text == "all":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'all', not {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    p = argparse.ArgumentParser(
        prog="archplot", description="Draw a PyTorch model.", epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("model", help="torchvision name, transformers:Class, file.py:NAME, package.module:NAME, "
                   "example:digits or a .json graph")
    p.add_argument("-i", "--input", help="input spec: 1x3x224x224, image224, input_ids:1x128:int64,... (default: by model kind)")
    p.add_argument("-o", "--output", help="output file, format by extension (svg png pdf tex drawio pptx dot mmd json "
                   "html); "
                   "'-' writes SVG to stdout; default MODEL.svg (MODEL.html with --open)")
    p.add_argument("--model-args", help="constructor keyword arguments as JSON, e.g. '{\"depth\": 4}'")
    p.add_argument("--meta", action="store_true", help="build the model on the meta device (no memory for weights)")
    p.add_argument("--method", choices=("auto", "fx", "export"), default="auto",
                   help="auto: hooks on a real forward; fx: torch.fx (no input needed); export: torch.export")
    p.add_argument("--trust-pickle", action="store_true",
                   help="allow loading a pickled full model (.pt/.pth); unpickling runs code from the file")
    view = p.add_argument_group("level of detail")
    view.add_argument("--depth", type=_depth, help="show modules nested at most this deep, or 'all' "
                      "(default: chosen by the picture: ~120 nodes, the main block open once)")
    view.add_argument("--collapse", action="append", metavar="PATTERN", help="collapse matching modules (repeatable)")
    view.add_argument("--expand", action="append", metavar="PATTERN", help="expand matching modules (repeatable)")
    view.add_argument("--focus", metavar="PATH", help="draw only the inside of this module")
    view.add_argument("--no-fold", action="store_true", help="do not fold repeated blocks into one")
    view.add_argument("--show-trivial", action="store_true", help="keep view/reshape/getitem/dropout nodes")
    look = p.add_argument_group("look")
    look.add_argument("--direction", choices=("TB", "LR"), default="TB", help="top-to-bottom or left-to-right")
    look.add_argument("--fit", choices=("page", "slide", "column", "none"),
                      help="wrap a long picture into columns to fit this shape (default: wrap beyond 4:1)")
    look.add_argument("--max-aspect", type=float, metavar="N", help="wrap a long picture to at most N:1")
    look.add_argument("--theme", choices=("light", "dark", "print"), default="light")
    look.add_argument("--title", help="a title above the diagram")
    look.add_argument("--style", choices=("diagram", "graph", "layered", "lenet"), default="diagram",
                      help="the default diagram, or a classic style")
    look.add_argument("--overlay", action="append", metavar="METRIC",
                      help="colour nodes by params, flops, macs, time, memory, live_memory, activation_mean, "
                      "activation_std, sparsity or grad_norm (repeatable: the .html view switches between them)")
    look.add_argument("--top-k", type=int, metavar="K", help="with --overlay: colour only the K largest values")
    look.add_argument("--scale", type=float, help="PNG pixels per diagram pixel (default 2)")
    look.add_argument("--dpi", type=float, help="PNG resolution (96 dpi = scale 1)")
    paper = p.add_argument_group("papers and slides")
    paper.add_argument("--width", type=_width, help="print width of .pdf .tex .pptx: column (3.25 in), page (6.75 in), "
                       "slide (13.33x7.5 in) or inches; text stays at 6 pt or more")
    paper.add_argument("--fit-to", choices=("width", "contain"), help="scale to the width, or fit within width and "
                       "height (default for slide)")
    paper.add_argument("--standalone", action="store_true", help=".tex: a whole document that compiles on its own")
    paper.add_argument("--editable", action="store_true", help=".svg: one group per module box, named by its path")
    p.add_argument("--open", action="store_true", help="open the output (an .html view by default) in a browser")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="print progress and timings on stderr (always, when stderr is a terminal)")
    p.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    p.add_argument("--version", action="version", version=f"archplot {__version__}")
    return p


def _inspect_parser(command: str) -> argparse.ArgumentParser:
    from . import __version__

    p = argparse.ArgumentParser(
        prog=f"archplot {command}",
        description=("Draw the activations of one layer for an input image." if command == "activations"
                     else "Draw the learned filters of one layer."),
    )
    p.add_argument("model", help="torchvision name, transformers:Class, file.py:NAME, package.module:NAME, example:digits")
    p.add_argument("--layer", required=True, help="qualified name of the layer (e.g. layer1.0.conv1)")
    p.add_argument("-o", "--output", help=f"PNG file (default {command}.png)")
    p.add_argument("--weights", help="a state dict saved with torch.save (loaded with weights_only=True)")
    p.add_argument("--model-args", help="constructor keyword arguments as JSON")
    if command == "activations":
        p.add_argument("--image", help="an image file (resized and normalised with ImageNet mean/std); "
                       "example:digits uses its first digit when omitted")
        p.add_argument("--size", type=int, default=224, help="image size (default 224)")
        p.add_argument("--max-channels", type=int, help="draw at most this many channels")
        p.add_argument("--cmap", default="viridis", help="viridis, magma, inferno, plasma, gray, coolwarm")
    else:
        p.add_argument("--mode", default="auto", choices=("auto", "rgb", "mean", "channels"))
        p.add_argument("--max-filters", type=int, help="draw at most this many filters")
    p.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    p.add_argument("--version", action="version", version=f"archplot {__version__}")
    return p


def _inspect(command: str, argv: Sequence[str]) -> int:
    args = _inspect_parser(command).parse_args(argv)
    out = args.output or f"{command}.png"
    prog = f"archplot {command}"
    if command == "activations" and not args.image and args.model != "example:digits":
        return _usage(prog, "give an input image with --image path/to/image.png (only example:digits has its own)")
    problem = _check_output(out) or _spec_problem(args)
    if problem:
        return _usage(prog, problem)
    try:
        import archplot

        from .capture.specs import load_model, parse_model_args

        model, kind = load_model(args.model, model_args=parse_model_args(args.model_args))
        if args.weights:
            archplot.load_weights(model, args.weights)
        if command == "filters":
            image = archplot.filters(model, layer=args.layer, mode=args.mode, max_filters=args.max_filters)
        else:
            if args.image:
                source = args.image
            else:  # example:digits: its first digit
                from .examples import digits

                source = digits()[0][:1]
            acts = archplot.activations(model, source, layers=args.layer, size=args.size)
            if not acts:
                raise archplot.InputError(f"layer {args.layer!r} produced no tensor for this input")
            image = archplot.feature_maps(next(iter(acts.values())), max_channels=args.max_channels, cmap=args.cmap)
        image.save(out)
    except Exception as e:  # noqa: BLE001 - one line for the user, traceback with --debug
        return _fail(e, args.debug)
    return 0


def _fail(e: Exception, debug: bool) -> int:
    from .errors import ArchplotError

    if debug:
        raise e
    message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    print(f"archplot: error: {message if isinstance(e, ArchplotError) else f'{type(e).__name__}: {message}'}",
          file=sys.stderr)
    if not isinstance(e, ArchplotError):  # archplot's own errors say what to do; a traceback adds nothing
        print("archplot: hint: run with --debug for the full traceback", file=sys.stderr)
    return 1


def _usage(command: str, message: str) -> int:
    print(f"{command}: error: {message}", file=sys.stderr)
    return 2


def _check_output(out: str | None) -> str | None:
    """Why ``out`` cannot be written (its directory is missing), or None."""
    if out and out != "-" and not Path(out).resolve().parent.is_dir():
        return f"the directory of {out} does not exist; create it first"
    return None


def _one_line_warnings() -> None:
    """Warnings from torch and other libraries as one line each, without source paths."""
    import warnings

    def show(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001 - warnings' signature
        text = (str(message).strip().splitlines() or [""])[0]
        print(f"archplot: warning: {text}", file=sys.stderr)

    warnings.showwarning = show
    warnings.filterwarnings("ignore", category=FutureWarning)  # deprecations of torch APIs are not the user's
    warnings.filterwarnings("ignore", category=DeprecationWarning)


def _summary(argv: Sequence[str]) -> int:
    p = argparse.ArgumentParser(prog="archplot summary", description="Print a table of a model's layers.")
    p.add_argument("model", help="as for archplot MODEL (also .onnx, .pt2, .json files)")
    p.add_argument("-i", "--input", help="input spec (default: by model kind)")
    p.add_argument("--depth", type=int, default=3, help="module nesting shown (default 3)")
    p.add_argument("--markdown", action="store_true", help="a Markdown table")
    p.add_argument("--sort", metavar="COLUMN", help="most expensive first by num_params, mult_adds, flops, memory, "
                   "time (measured), activation_mean, activation_std, sparsity or grad_norm")
    p.add_argument("--model-args", help="constructor keyword arguments as JSON")
    p.add_argument("--meta", action="store_true", help="build the model on the meta device")
    p.add_argument("--method", choices=("auto", "fx", "export"), default="auto")
    p.add_argument("--trust-pickle", action="store_true", help="allow a pickled full model file")
    p.add_argument("--debug", action="store_true")
    args = p.parse_args(argv)
    if args.depth < 1:
        return _usage("archplot summary", f"--depth must be 1 or more, not {args.depth}")
    problem = _spec_problem(args)
    if problem:
        return _usage("archplot summary", problem)
    try:
        import archplot

        s = archplot.summary(_graph(args, False), depth=args.depth, sort=args.sort)
        print(s.to_markdown() if args.markdown else s)
    except Exception as e:  # noqa: BLE001 - one line for the user, traceback with --debug
        return _fail(e, args.debug)
    return 0


def _width(text: str) -> str | float:
    """--width: a preset name or inches."""
    if text in ("column", "page", "slide"):
        return text
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not column, page, slide or a number of inches") from None


def _diff(argv: Sequence[str]) -> int:
    p = argparse.ArgumentParser(
        prog="archplot diff", description="Compare two models: print what changed and draw both in one picture. "
        "Exit status 0 when they are equal, 1 when they differ, 2 on errors (like diff).")
    p.add_argument("a", help="the first model: as for archplot MODEL (also .json, .onnx, .pt2 files)")
    p.add_argument("b", help="the second model")
    p.add_argument("-i", "--input", action="append", help="input spec for both models; give it twice for a and b")
    p.add_argument("--input-a", help="input spec for the first model")
    p.add_argument("--input-b", help="input spec for the second model")
    p.add_argument("-o", "--output", help="also draw the diff: svg png pdf html (tabs: diff, a, b) or json")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                   help="how to print the list of changes (default text)")
    p.add_argument("--ignore", action="append", metavar="NAME",
                   help="leave out a type or part of one (dropout), an attribute (eps) or a module glob; repeatable")
    p.add_argument("--model-args", help="constructor keyword arguments as JSON (for both models)")
    p.add_argument("--meta", action="store_true", help="build the models on the meta device")
    p.add_argument("--method", choices=("auto", "fx", "export"), default="auto")
    p.add_argument("--trust-pickle", action="store_true", help="allow pickled full model files")
    p.add_argument("--direction", choices=("TB", "LR"), default="TB")
    p.add_argument("--theme", choices=("light", "dark", "print"), default="light")
    p.add_argument("--title", help="a title above the picture (default: A → B)")
    p.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    args = p.parse_args(argv)
    inputs = args.input or []
    if len(inputs) > 2:
        p.error(f"--input is given once (both models) or twice (a, then b), not {len(inputs)} times")
    if args.output and Path(args.output).suffix.lower() not in FORMATS:
        p.error(f"cannot write {Path(args.output).suffix or 'files without an extension'}; use one of {', '.join(FORMATS)}")
    input_a = args.input_a or (inputs[0] if inputs else None)
    input_b = args.input_b or (inputs[-1] if inputs else None)
    try:
        import archplot

        sides = []
        for spec, input_spec in ((args.a, input_a), (args.b, input_b)):
            side = argparse.Namespace(**{**vars(args), "model": spec, "input": input_spec})
            sides.append(_graph(side, False))
        names = tuple(re.sub(r"[^\w.-]+", "_", Path(m.split(":")[-1]).stem or "model") for m in (args.a, args.b))
        if names[0] == names[1]:
            names = (args.a, args.b) if args.a != args.b else (f"{names[0]} (a)", f"{names[1]} (b)")
        d = archplot.diff(sides[0], sides[1], names=names, ignore=tuple(args.ignore or ()),
                          direction=args.direction, theme=args.theme, title=args.title)
        if args.format == "json":
            import json

            print(json.dumps(d.to_dict(), indent=2, ensure_ascii=False))
        else:
            sys.stdout.write(d.to_markdown() if args.format == "markdown" else d.to_text())
        if args.output:
            d.save(args.output)
    except Exception as e:  # noqa: BLE001 - one line for the user, traceback with --debug
        _fail(e, args.debug)
        return 2
    return 0 if d.equal else 1


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _one_line_warnings()
    if argv and argv[0] == "diff":
        return _diff(argv[1:])
    if argv and argv[0] in ("activations", "filters"):
        return _inspect(argv[0], argv[1:])
    if argv and argv[0] == "summary":
        return _summary(argv[1:])
    args = _parser().parse_args(argv)
    verbose = args.verbose or sys.stderr.isatty()  # progress for people at a terminal, silence in pipes
    stem = re.sub(r"[^\w.-]+", "_", Path(args.model.split(":")[-1]).stem or "model")
    out = args.output or stem + (".html" if args.open else ".svg")
    if out != "-" and Path(out).suffix.lower() not in FORMATS:
        return _usage("archplot", f"cannot write {Path(out).suffix or 'files without an extension'}; "
                      f"use one of {', '.join(FORMATS)}")
    if isinstance(args.depth, int) and args.depth < 1:
        return _usage("archplot", f"--depth must be 1 or more (top-level modules are depth 1), not {args.depth}")
    for name in ("scale", "dpi"):
        value = getattr(args, name)
        if value is not None and not 0 < value < float("inf"):
            return _usage("archplot", f"--{name} must be a positive number, not {value}")
    problem = _check_output(out) or _spec_problem(args)
    if problem:
        return _usage("archplot", problem)
    try:
        t0 = time.perf_counter()
        graph = _graph(args, verbose)
        import archplot

        t = time.perf_counter()
        if args.style != "diagram":
            diagram = archplot.draw(graph, style=args.style, theme=args.theme, title=args.title)
        else:
            diagram = archplot.draw(graph, depth=args.depth, collapse=args.collapse, expand=args.expand,
                                    focus=args.focus, fold=not args.no_fold, hide_trivial=not args.show_trivial,
                                    direction=args.direction, theme=args.theme, title=args.title,
                                    overlay=args.overlay, top_k=args.top_k, fit=args.fit, max_aspect=args.max_aspect)
        if verbose:
            print(f"archplot: laid out {len(diagram.graph.nodes)} nodes in {time.perf_counter() - t:.2f} s",
                  file=sys.stderr)
        if out == "-":
            sys.stdout.write(diagram.to_svg())
        elif Path(out).suffix.lower() == ".json":
            graph.to_json(out)  # the full graph, so it can be redrawn at any level of detail
        else:
            extra = {k: v for k, v in (("width", args.width), ("fit_to", args.fit_to),
                                       ("standalone", args.standalone), ("editable", args.editable)) if v}
            diagram.save(out, scale=args.scale, dpi=args.dpi, **extra)
        if args.open and out != "-":
            import webbrowser

            if not webbrowser.open(Path(out).resolve().as_uri()):
                print(f"archplot: no web browser found to open {out}; open the file yourself", file=sys.stderr)
        if verbose:
            print(f"archplot: wrote {out} in {time.perf_counter() - t0:.2f} s", file=sys.stderr)
    except Exception as e:  # noqa: BLE001 - one line for the user, traceback with --debug
        return _fail(e, args.debug)
    return 0


def _spec_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with the input spec or --model-args, found before the model is built."""
    from .capture.specs import parse_input_spec, parse_model_args
    from .errors import InputError

    try:
        if getattr(args, "input", None):
            parse_input_spec(args.input)
        parse_model_args(args.model_args)
    except InputError as e:
        return str(e)
    return None


def _graph(args: argparse.Namespace, verbose: bool):
    import archplot

    if Path(args.model).suffix.lower() in (".json", ".onnx", ".pt2"):
        return archplot.load(args.model, trust_pickle=getattr(args, "trust_pickle", False))
    from .capture.specs import default_input, load_model, parse_input_spec, parse_model_args

    t = time.perf_counter()
    model, kind = load_model(args.model, model_args=parse_model_args(args.model_args), meta=args.meta,
                             trust_pickle=getattr(args, "trust_pickle", False))
    if verbose:
        print(f"archplot: built {type(model).__name__} in {time.perf_counter() - t:.2f} s", file=sys.stderr)
    import torch

    if isinstance(model, torch.jit.ScriptModule):  # TorchScript: its graphs are read, no input needed
        return archplot.trace(model)
    size, dtypes = parse_input_spec(args.input) if args.input else default_input(kind, model, args.model)
    t = time.perf_counter()
    # the metrics an overlay or a sort needs that are measured with extra forwards
    asked = (getattr(args, "overlay", None) or []) + [getattr(args, "sort", None)]
    metrics = [m for m in ("time", "activation_mean", "activation_std", "sparsity", "grad_norm") if m in asked]
    graph = archplot.trace(model, input_size=size, dtypes=dtypes, method=getattr(args, "method", "auto"),
                           metrics=metrics or None)
    if verbose:
        print(f"archplot: traced {len(graph.nodes)} nodes in {time.perf_counter() - t:.2f} s", file=sys.stderr)
    return graph


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
