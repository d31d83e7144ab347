"""Graph <-> JSON-ready dicts, JSON text and networkx. No torch import."""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from ..errors import GraphFormatError
from .model import Edge, Graph, Module, Node, Scope
from .validate import validate

FORMAT = "archplot-graph"
VERSION = 1

_NODE_FIELDS = [f.name for f in fields(Node)]
_EDGE_FIELDS = [f.name for f in fields(Edge)]
_MODULE_FIELDS = [f.name for f in fields(Module)]
_SCOPE_FIELDS = [f.name for f in fields(Scope)]


def graph_to_dict(g: Graph) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "meta": g.meta,
        "nodes": [asdict(n) for n in g.nodes.values()],
        "edges": [asdict(e) for e in g.edges],
        "modules": [asdict(m) for m in g.modules.values()],
        "scopes": [asdict(s) for s in g.scopes.values()],
    }


def _build(cls: type, names: list[str], item: Any, where: str) -> Any:
    if not isinstance(item, dict):
        raise GraphFormatError(f"{where} must be a JSON object, got {type(item).__name__}")
    try:
        return cls(**{k: item[k] for k in names if k in item})
    except TypeError as e:
        raise GraphFormatError(f"{where} is missing a required field: {e}") from e


def _check_metrics(metrics: Any, where: str) -> None:
    """Overlay numbers: an object of name -> finite number."""
    if not isinstance(metrics, dict):
        raise GraphFormatError(f"{where} must be an object of metric name -> number, got {type(metrics).__name__}")
    for k, v in metrics.items():
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
            raise GraphFormatError(f"{where}[{k!r}] must be a finite number, got {v!r}")


def graph_from_dict(data: Any) -> Graph:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise GraphFormatError(
            f"not an archplot graph (format is {found!r}, expected {FORMAT!r}); "
            "load files written by Graph.to_json() or archplot's .json output"
        )
    if data.get("version") != VERSION:
        raise GraphFormatError(
            f"archplot graph version {data.get('version')!r} is not supported by this archplot "
            f"(it reads version {VERSION}); upgrade archplot or re-trace the model"
        )
    validate(data)
    g = Graph(nodes={}, edges=[], modules={}, scopes={}, meta=dict(data.get("meta") or {}))
    for i, item in enumerate(data.get("nodes", [])):
        n = _build(Node, _NODE_FIELDS, item, f"nodes[{i}]")
        _check_metrics(n.metrics, f"nodes[{i}].metrics")
        g.nodes[n.id] = n
    for i, item in enumerate(data.get("edges", [])):
        e = _build(Edge, _EDGE_FIELDS, item, f"edges[{i}]")
        if e.source not in g.nodes or e.target not in g.nodes:
            raise GraphFormatError(f"edges[{i}] refers to a node id that is not in 'nodes'")
        g.edges.append(e)
    for i, item in enumerate(data.get("modules", [])):
        m = _build(Module, _MODULE_FIELDS, item, f"modules[{i}]")
        g.modules[m.path] = m
    for i, item in enumerate(data.get("scopes", [])):
        s = _build(Scope, _SCOPE_FIELDS, item, f"scopes[{i}]")
        g.scopes[s.id] = s
    if 0 not in g.scopes:
        g.scopes[0] = Scope(0, "", 0, None)
    return g


def graph_to_json(g: Graph, path: Any = None, *, indent: int | None = None) -> str:
    text = json.dumps(graph_to_dict(g), indent=indent, separators=(",", ":") if indent is None else None)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def graph_from_json(path_or_text: Any) -> Graph:
    if isinstance(path_or_text, (bytes, bytearray)):
        path_or_text = path_or_text.decode("utf-8", errors="replace")
    if isinstance(path_or_text, str) and path_or_text.lstrip().startswith("{"):
        text, where = path_or_text, "JSON text"
    else:
        if not isinstance(path_or_text, (str, os.PathLike)):
            raise GraphFormatError(
                f"Graph.from_json expects a path or JSON text, got {type(path_or_text).__name__}"
            )
        where = str(path_or_text)
        try:
            text = Path(path_or_text).read_text(encoding="utf-8")
        except FileNotFoundError as e:
            raise GraphFormatError(f"no such file: {where}") from e
        except (OSError, UnicodeDecodeError) as e:
            raise GraphFormatError(f"cannot read {where} as a JSON graph: {e}") from e
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise GraphFormatError(f"{where} is not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})") from e
    except RecursionError as e:
        raise GraphFormatError(f"{where} nests JSON too deeply to be an archplot graph") from e
    return graph_from_dict(data)


def graph_to_networkx(g: Graph) -> Any:
    try:
        import networkx as nx
    except ImportError as e:  # pragma: no cover - networkx is a dependency
        raise ImportError("Graph.to_networkx() needs networkx: pip install networkx") from e
    G = nx.MultiDiGraph(**g.meta)
    for n in g.nodes.values():
        G.add_node(n.id, **asdict(n))
    for edge in g.edges:
        G.add_edge(edge.source, edge.target, shape=edge.shape, dtype=edge.dtype, source_output=edge.source_output)
    return G
