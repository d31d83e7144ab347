"""Model and input specs as the command line writes them: ``resnet18``, ``file.py:Net``,
``transformers:GPT2Model``; ``1x3x224x224``, ``image224``, ``input_ids:1x128:int64``."""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import sys
import warnings
from pathlib import Path
from typing import Any

import torch

from ..errors import InputError

_DTYPES = {"float": torch.float32, "float32": torch.float32, "float16": torch.float16, "half": torch.float16,
           "bfloat16": torch.bfloat16, "float64": torch.float64, "double": torch.float64,
           "int64": torch.long, "long": torch.long, "int32": torch.int32, "int": torch.int32, "bool": torch.bool}


def parse_input_spec(spec: str) -> tuple[Any, Any]:
    """``(input_size, dtypes)`` for :func:`archplot.trace` from a command-line spec.

    ``1x3x224x224`` one tensor; ``image224`` = 1x3x224x224; ``1x3x32x32,1x10`` two positional
    tensors; ``input_ids:1x128:int64,attention_mask:1x128:int64`` keyword tensors.
    """
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    if not parts:
        raise InputError(f"empty input spec {spec!r}; write e.g. 1x3x224x224 or input_ids:1x128:int64")
    if len(parts) > 1 and all(p.isdigit() for p in parts):  # the torchinfo habit: sizes joined by commas
        raise InputError(f"input spec {spec!r} is {len(parts)} one-dimensional inputs; "
                         f"did you mean {'x'.join(parts)}? (sizes are joined by x, inputs by commas)")
    named: dict[str, tuple[int, ...]] = {}
    named_dt: dict[str, torch.dtype] = {}
    shapes: list[tuple[int, ...]] = []
    dts: list[torch.dtype] = []
    for part in parts:
        fields = part.split(":")
        if len(fields) == 1 or (len(fields) == 2 and _is_shape_text(fields[0])):
            shape, dt = _shape(fields[0], spec), _dtype(fields[1] if len(fields) == 2 else "float32", spec)
            shapes.append(shape)
            dts.append(dt)
        elif len(fields) in (2, 3) and fields[0].isidentifier():
            named[fields[0]] = _shape(fields[1], spec)
            named_dt[fields[0]] = _dtype(fields[2] if len(fields) == 3 else "float32", spec)
        else:
            raise InputError(f"cannot read input spec part {part!r}; write SHAPE[:DTYPE] or NAME:SHAPE[:DTYPE]")
    if named and shapes:
        raise InputError(f"input spec {spec!r} mixes named and unnamed inputs; name all of them or none")
    if named:
        return named, named_dt
    return (shapes[0], dts[0]) if len(shapes) == 1 else (shapes, dts)


def _is_shape_text(text: str) -> bool:
    return bool(re.fullmatch(r"(image)?\d+(x\d+)*", text.strip()))


def _shape(text: str, spec: str) -> tuple[int, ...]:
    text = text.strip()
    m = re.fullmatch(r"image(\d+)", text)
    if m:
        return (1, 3, int(m.group(1)), int(m.group(1)))
    if not re.fullmatch(r"\d+(x\d+)*", text):
        raise InputError(f"{text!r} in input spec {spec!r} is not a shape; write sizes joined by x, e.g. 1x3x224x224")
    return tuple(int(v) for v in text.split("x"))


def _dtype(text: str, spec: str) -> torch.dtype:
    try:
        return _DTYPES[text.strip().lower()]
    except KeyError:
        raise InputError(f"unknown dtype {text!r} in input spec {spec!r}; use one of {', '.join(sorted(_DTYPES))}") from None


def load_model(spec: str, *, model_args: dict[str, Any] | None = None, meta: bool = False,
               trust_pickle: bool = False) -> tuple[torch.nn.Module, str]:
    """Build the model a spec names. Returns the module and its kind ("vision", "text" or "other")."""
    kwargs = dict(model_args or {})
    if Path(spec).suffix.lower() in (".pt", ".pth", ".bin", ".ckpt") or (Path(spec).exists() and ":" not in spec):
        return _model_file(Path(spec), trust_pickle), "other"
    device = torch.device("meta") if meta else None
    if spec.startswith("example:"):
        return _example(spec.removeprefix("example:"), kwargs)
    if spec.startswith("torchvision:") or re.fullmatch(r"[a-z][a-z0-9_]*", spec):
        name = spec.removeprefix("torchvision:")
        return _huge_on_meta(lambda dev: _torchvision(name, dict(kwargs), dev), device), "vision"
    if spec.startswith("transformers:"):
        name = spec.removeprefix("transformers:")
        kind: list[str] = []

        def build(dev: torch.device | None) -> torch.nn.Module:
            model, k = _transformers(name, dict(kwargs), dev)
            kind[:] = [k]
            return model

        return _huge_on_meta(build, device), kind[0]
    if ":" in spec:
        where, name = spec.rsplit(":", 1)
        obj = getattr(_import(where), name, None)
        if obj is None:
            raise InputError(f"{where} has no attribute {name!r}")
        return _instantiate(obj, kwargs, device, spec), "other"
    raise InputError(
        f"cannot tell what model {spec!r} is; give a torchvision name (resnet18), "
        "transformers:ClassName, path/to/file.py:NAME, package.module:NAME or example:digits"
    )


EXAMPLES = ("digits", "residual_block")
HUGE = 2_000_000_000  # parameters; more than this and the model is built on the meta device


def _huge_on_meta(build: Any, device: torch.device | None) -> torch.nn.Module:
    """Build on the meta device when asked, or when the model is huge (its weights would not
    fit or would take long to initialise; a drawing does not need them)."""
    if device is not None:
        return build(device)
    try:
        probe = build(torch.device("meta"))
    except NotImplementedError:
        return build(None)
    if sum(p.numel() for p in probe.parameters()) > HUGE:
        return probe
    return build(None)


def _archive_names(path: Path) -> list[str]:
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            return z.namelist()
    except (zipfile.BadZipFile, OSError):
        return []


def _is_torchscript(names: list[str]) -> bool:
    return any(n.split("/", 1)[-1].startswith(("code/", "constants.pkl")) for n in names)


def _is_pickle(path: Path, names: list[str]) -> bool:
    """A torch.save file: a zip holding data.pkl, or a bare pickle (protocol 2+ starts with 0x80)."""
    if names:
        return any(n.split("/", 1)[-1] == "data.pkl" for n in names)
    return _starts_with(path, b"\x80")


def _starts_with(path: Path, magic: bytes) -> bool:
    with path.open("rb") as f:
        return f.read(len(magic)) == magic


def torchscript_setstate(path: Path) -> str | None:
    """The archive file whose TorchScript code defines ``__setstate__`` (run by ``torch.jit.load``), if any."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if "/code/" in "/" + name and name.endswith(".py") and re.search(rb"\bdef __setstate__\b", z.read(name)):
                return name
    return None


def _load_torchscript(path: Path, trust_pickle: bool) -> torch.nn.Module:
    """A TorchScript archive: read, not run. ``torch.jit.load`` runs the code of ``__setstate__``
    methods (which can create and write files), so archives that have one need trust."""
    if not trust_pickle:
        where = torchscript_setstate(path)
        if where is not None:
            raise InputError(f"{path} is TorchScript whose code defines __setstate__ ({where}), which loading it "
                             "would run; pass --trust-pickle (trust_pickle=True) only if you trust its source")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return torch.jit.load(str(path), map_location="cpu")
        except Exception as e:  # noqa: BLE001 - a damaged archive
            first = (str(e).strip().splitlines() or [""])[0][:200]
            raise InputError(f"cannot read {path} as TorchScript ({type(e).__name__}: {first}); "
                             "is the file complete?") from e


def _model_file(path: Path, trust_pickle: bool) -> torch.nn.Module:
    """A saved model: a pickled module only when the user trusts it; a state dict is explained."""
    import pickle

    if path.is_dir():
        raise InputError(f"{path} is a directory; give a model file, or a model's code as file.py:NAME")
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    if path.suffix == ".py":
        raise InputError(f"{path} is Python code: name the model in it, e.g. {path}:Net")
    names = _archive_names(path)
    if _is_torchscript(names):
        return _load_torchscript(path, trust_pickle)
    if not names and _starts_with(path, b"PK"):
        raise InputError(f"{path} is a damaged zip archive (truncated?); save the model again")
    if not _is_pickle(path, names):
        raise InputError(f"{path} is not a model file archplot can read (not TorchScript, not torch.save); "
                         "give a torchvision name, file.py:NAME, or a .onnx, .pt2 or .json file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            obj = torch.load(str(path), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        if not trust_pickle:
            raise InputError(f"{path} holds pickled Python objects (a whole saved model?); loading it runs code "
                             "from the file, so pass --trust-pickle if you trust its source") from e
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                obj = torch.load(str(path), map_location="cpu", weights_only=False)
        except Exception as e2:  # noqa: BLE001 - a damaged file
            raise InputError(f"cannot read {path}: {type(e2).__name__}: {e2}") from e2
    except (RuntimeError, EOFError, ValueError, OSError) as e:
        raise InputError(f"cannot read {path} as a torch.save file ({type(e).__name__}); is it complete?") from e
    if isinstance(obj, torch.nn.Module):
        return obj
    if isinstance(obj, dict):
        raise InputError(f"{path} is a state dict: it holds weights but no architecture; name the model's code "
                         "instead (file.py:Net or a torchvision name): the drawing does not depend on weights")
    raise InputError(f"{path} holds a {type(obj).__name__}, not a model")


def _example(name: str, kwargs: dict[str, Any]) -> tuple[torch.nn.Module, str]:
    from .. import examples

    if name == "digits":
        return examples.digits_cnn(**kwargs)[0], "digits"
    if name == "residual_block":
        return examples.residual_block(**kwargs), "residual_block"
    raise InputError(f"unknown example {name!r}; choose one of {', '.join(sorted(EXAMPLES))}")


def _torchvision(name: str, kwargs: dict[str, Any], device: torch.device | None) -> torch.nn.Module:
    try:
        import torchvision
    except ImportError as e:
        raise InputError(f"model {name!r} needs torchvision: pip install torchvision") from e
    names = torchvision.models.list_models()
    if name not in names:
        import difflib

        close = difflib.get_close_matches(name, names, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see torchvision.models.list_models()"
        raise InputError(f"unknown torchvision model {name!r}{hint}")
    kwargs.setdefault("weights", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if device is not None:
            try:
                with device:
                    return torchvision.models.get_model(name, **kwargs)
            except NotImplementedError:
                pass  # a constructor that reads tensor values: build on the CPU
        return torchvision.models.get_model(name, **kwargs)


def _transformers(name: str, kwargs: dict[str, Any], device: torch.device | None) -> tuple[torch.nn.Module, str]:
    try:
        import transformers
    except ImportError as e:
        raise InputError(f"model {name!r} needs transformers: pip install transformers") from e
    if "/" in name:
        raise InputError(f"{name!r} is a Hugging Face hub id; archplot downloads nothing: name the model class "
                         "(transformers:GPT2Model), or load the model in Python and call archplot.draw(model, ...)")
    cls = getattr(transformers, name, None) if name.isidentifier() else None
    if not isinstance(cls, type) or not issubclass(cls, torch.nn.Module):
        import difflib

        names = [n for n in dir(transformers) if n.endswith(("Model", "LMHeadModel")) or "For" in n]
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.7)
        hint = f"did you mean {', '.join(close)}?" if close else "use a class name such as GPT2Model or BertModel"
        raise InputError(f"transformers has no model class {name!r}; {hint}")
    config_cls = getattr(cls, "config_class", None)
    if config_cls is None:
        raise InputError(f"transformers.{name} has no config class to build it from")
    config = config_cls(**kwargs)
    with device or torch.device("cpu"):
        model = cls(config)
    main = getattr(cls, "main_input_name", "input_ids")
    return model, ("vision" if main == "pixel_values" else "text" if main == "input_ids" else "other")


def _import(where: str) -> Any:
    if where.endswith(".py"):
        path = Path(where)
        if not path.is_file():
            raise InputError(f"no such file: {where}")
        spec = importlib.util.spec_from_file_location(f"_archplot_user_{path.stem}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as e:
            raise InputError(f"importing {where} failed: {type(e).__name__}: {e}") from e
        return module
    try:
        return importlib.import_module(where)
    except ImportError as e:
        raise InputError(f"cannot import {where!r}: {e}") from e


def _instantiate(obj: Any, kwargs: dict[str, Any], device: torch.device | None, spec: str) -> torch.nn.Module:
    if isinstance(obj, torch.nn.Module):
        if kwargs:
            raise InputError(f"{spec} is already a module instance; it takes no --model-args")
        return obj
    if not callable(obj):
        raise InputError(f"{spec} is a {type(obj).__name__}, not a module, class or function returning one")
    try:
        with device or torch.device("cpu"):
            model = obj(**kwargs)
    except TypeError as e:
        raise InputError(f"calling {spec} failed: {e}; pass constructor arguments with --model-args '{{...}}'") from e
    if not isinstance(model, torch.nn.Module):
        raise InputError(f"{spec} returned a {type(model).__name__}, not a torch.nn.Module")
    return model


def default_input(kind: str, model: torch.nn.Module, name: str) -> tuple[Any, Any]:
    """A sensible example input per model kind, so most models need no input spec."""
    if kind == "vision":
        size = 299 if "inception" in name else 224
        return (1, 3, size, size), torch.float32
    if kind == "text":
        return {"input_ids": (1, 16)}, {"input_ids": torch.long}
    if kind == "digits":
        return (1, 1, 16, 16), torch.float32
    if kind == "residual_block":
        return (1, 8, 16, 16), torch.float32
    raise InputError(f"archplot cannot guess the input of {name}; give one with -i, e.g. -i 1x3x224x224")


def parse_model_args(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"--model-args must be a JSON object such as '{{\"depth\": 4}}': {e.msg}") from e
    if not isinstance(value, dict):
        raise InputError("--model-args must be a JSON object such as '{\"depth\": 4}'")
    return value
