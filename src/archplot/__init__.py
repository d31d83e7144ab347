"""archplot: draw PyTorch neural networks.

The public API lives here; everything else is importable but private by name.

>>> import torch, archplot
>>> g = archplot.trace(torch.nn.Linear(4, 2), input_size=(1, 4))
>>> g.to_json()[:40]
'{"format":"archplot-graph","version":1,'
"""

from __future__ import annotations

from typing import Any

from .errors import ArchplotError, GraphFormatError, InputError, TraceError
from .diagram import Diagram, draw, render
from .comparison import Diff, diff
from .graph import Edge, Graph, Module, Node, Scope
from . import transforms as _transforms  # noqa: F401  (gives Graph its transform methods)
from .inspect.images import feature_maps, filters, token_map
from .styles.classic import GraphStyle, LayeredStyle, LenetStyle

__version__ = "0.1.0"


def trace(model: Any, input_data: Any = None, *, input_size: Any = None, dtypes: Any = None,
          device: Any = None, train: bool = False, leaf_modules: Any = (), method: str = "auto",
          metrics: Any = None, **forward_kwargs: Any) -> Graph:
    """Run ``model`` once on an example input and record it as a :class:`~archplot.Graph`.

    ``input_data``: a tensor is one positional argument, a tuple the positional arguments
    (non-tensors such as ``5`` pass through), a dict the keyword arguments, a list one argument.
    ``input_size``: build random inputs instead: a shape, a list of shapes, or a dict of
    shapes; ``dtypes`` gives their dtypes (integer inputs are filled with ones).
    ``device``: where built inputs live (default: the model's device; a model on the meta
    device traces without memory for weights). ``train=True`` records the training-mode path.
    ``leaf_modules``: module classes to draw as single nodes. ``method``: "auto" (hooks on
    a real forward, works on any model that runs), "export" (torch.export, hierarchy from
    ``nn_module_stack``) or "fx" (torch.fx: no input needed, shapes when one is given;
    submodules fx cannot trace become opaque boxes). Extra keyword arguments go to
    ``forward``. The model is left as it was, also when the forward raises: hooks, modes,
    buffers, grad mode and random state restored (attributes the forward sets on itself stay,
    as after any call; an in-place change to a parameter is reported with a warning). Inputs
    built from ``input_size`` take torch's default dtype unless ``dtypes`` says otherwise.

    ``metrics``: every traced node holds params, FLOPs, MACs and activation memory
    (``Node.metrics``, for overlays); name more to measure them: "time" (``repeats`` more
    forwards), "activation_mean", "activation_std", "sparsity", "grad_norm" (a backward of
    ``loss``, default the output's sum), as a list or with options,
    ``{"time": {"repeats": 10}, "grad_norm": {"loss": fn}}``; ``False`` counts nothing.

    >>> import torch, archplot
    >>> g = archplot.trace(torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.ReLU()), input_size=(1, 4))
    >>> [n.type for n in g]
    ['Tensor', 'Linear', 'ReLU', 'Tensor']
    """
    from .capture import trace as _trace

    g = _trace(model, input_data, input_size=input_size, dtypes=dtypes, device=device, train=train,
               leaf_modules=leaf_modules, method=method, metrics=metrics, **forward_kwargs)
    g.meta["archplot"] = __version__
    return g


def load(path: Any, *, trust_pickle: bool = False) -> Graph:
    """A Graph from a file: ``.onnx`` (shape inference applied, hierarchy from name scopes),
    ``.pt2`` (a saved ``torch.export`` ExportedProgram) or archplot's own ``.json``.

    Nothing in the file runs: a ``.pt2`` is read with every pickle inside limited to plain
    tensors, its shape expressions checked to be arithmetic, and compiled code refused;
    ``trust_pickle=True`` lifts that for files whose source you trust (see the security guide).

    >>> g = archplot.load("resnet18.onnx"); archplot.draw(g, depth=1)   # doctest: +SKIP
    """
    from pathlib import Path

    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        return Graph.from_json(path)
    if suffix == ".onnx":
        from .capture.onnx_file import load_onnx

        return load_onnx(path)
    if suffix == ".pt2":
        from .capture.exported import load_pt2

        return load_pt2(path, trust_pickle=trust_pickle)
    raise InputError(f"archplot.load reads .onnx, .pt2 and .json files, not {suffix or 'files without an extension'}; "
                     "for a model in Python, use archplot.trace(model, input)")


def show(model_or_graph: Any, input_data: Any = None, **options: Any) -> Any:
    """Draw and open the interactive view in a web browser; returns the HTML file's path.

    Takes the options of :func:`draw`.

    >>> archplot.show(model, input_size=(1, 3, 224, 224), depth=2)   # doctest: +SKIP
    """
    import tempfile
    import webbrowser
    from pathlib import Path

    d = draw(model_or_graph, input_data, **options)
    name = str(d.graph.meta.get("model", "model"))
    path = Path(tempfile.mkdtemp(prefix="archplot-")) / f"{''.join(c if c.isalnum() else '_' for c in name)}.html"
    d.save(path)
    webbrowser.open(path.as_uri())
    return path


def summary(model_or_graph: Any, input_data: Any = None, *, input_size: Any = None, depth: int = 3,
            columns: Any = None, sort: str | None = None, **trace_options: Any) -> Any:
    """A table of layers with input and output shapes, parameters (and %), kernel sizes,
    multiply-adds and trainability, with totals and memory estimates, and the overlay metrics
    the graph holds (FLOPs, activation memory; time and activation statistics when measured).
    ``sort="time"`` lists the most expensive modules first (any numeric column; a measured
    metric named here is measured). ``print()`` it.

    >>> print(archplot.summary(model, input_size=(1, 3, 224, 224), depth=2))   # doctest: +SKIP
    >>> print(archplot.summary(model, input_size=(1, 3, 224, 224), sort="time"))   # doctest: +SKIP
    """
    from .graph.metrics import MEASURED_METRICS
    from .table import summarize

    if not isinstance(model_or_graph, Graph):
        wanted = [c for c in [*(columns or []), sort] if c in MEASURED_METRICS]
        if wanted and "metrics" not in trace_options:
            trace_options["metrics"] = wanted
        model_or_graph = trace(model_or_graph, input_data, input_size=input_size, **trace_options)
    return summarize(model_or_graph, depth=depth, columns=columns, sort=sort)


def autograd_graph(output: Any, params: Any = None, *, show_attrs: bool = False, show_saved: bool = False) -> Graph:
    """The backward graph of ``output`` from its ``grad_fn`` chain, as a :class:`Graph`
    (see :func:`archplot.capture.autograd.autograd_graph`).

    >>> g = archplot.autograd_graph(model(x).sum(), dict(model.named_parameters()))   # doctest: +SKIP
    """
    from .capture.autograd import autograd_graph as _autograd

    return _autograd(output, params, show_attrs=show_attrs, show_saved=show_saved)


def activations(model: Any, input: Any, layers: Any = None, **options: Any) -> Any:
    """Outputs of chosen layers for one input, by qualified name.

    ``layers``: a name, a glob, a class, an index among the leaf layers, ``(class, index)``, or
    a list; ``None`` takes every leaf layer. ``input`` may be a tensor (tuple, dict) or an
    image path or PIL image. Hooks are always removed and the model left as it was.

    >>> acts = archplot.activations(model, "cat.jpg", layers=torch.nn.Conv2d)   # doctest: +SKIP
    """
    from .inspect.activations import activations as _activations

    return _activations(model, input, layers, **options)


def load_image(image: Any, **options: Any) -> Any:
    """An image path or PIL image as a normalised 1×C×H×W tensor: the shorter side resized to
    ``size``, the centre cropped, ``(x - mean) / std`` (ImageNet values by default).

    >>> x = archplot.load_image("cat.jpg", size=224)   # doctest: +SKIP
    """
    from .inspect.activations import load_image as _load_image

    return _load_image(image, **options)


def load_weights(model: Any, path: Any, *, strict: bool = True) -> Any:
    """Load plain weights (``torch.load(weights_only=True)``) into ``model``; files that would
    need unpickling objects are refused.

    >>> archplot.load_weights(model, "weights.pt")   # doctest: +SKIP
    """
    from .inspect.activations import load_weights as _load_weights

    return _load_weights(model, path, strict=strict)


def __getattr__(name: str) -> Any:
    if name == "examples":  # built-in example models, imported on first use (they need torch)
        import importlib

        return importlib.import_module(".examples", __name__)
    raise AttributeError(f"module 'archplot' has no attribute {name!r}")


__all__ = [
    "ArchplotError", "Diagram", "Diff", "diff", "draw", "render", "show", "summary", "autograd_graph", "load", "Edge", "Graph", "GraphFormatError", "InputError", "Module", "Node", "Scope",
    "TraceError", "__version__", "trace", "activations", "feature_maps", "filters", "token_map", "load_image",
    "load_weights", "GraphStyle", "LayeredStyle", "LenetStyle",
]
