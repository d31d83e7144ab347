"""Checks a decoded graph JSON completely before anything is built from it.

Graph files come from strangers. Everything the drawing code relies on is checked here, so a
bad file fails in one place with one :class:`GraphFormatError` that names the location
(``scopes[2].parent: cycle through scope 1``) instead of hanging or failing deep inside a
transform. Field types are read from the dataclasses' annotations, so a field added to
``Node`` (or ``Edge``, ``Module``, ``Scope``) is checked without changes here.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Callable

from ..errors import GraphFormatError
from .model import NODE_KINDS, Edge, Module, Node, Scope

MAX_ITEMS = 5_000_000  # nodes, edges, modules or scopes
MAX_NESTING = 32  # of JSON values in attrs and meta
MAX_DEPTH = 2_000  # of scopes and modules
MAX_DIMS = 64  # of a shape
MAX_REPEAT = 1_000_000
MAX_COUNT = 10**15  # parameters, buffers, calls, sizes


def _fail(where: str, what: str) -> GraphFormatError:
    return GraphFormatError(f"{where}: {what}")


def _name(value: Any) -> str:
    return "null" if value is None else {dict: "object", list: "array", str: "string", bool: "boolean",
                                         int: "integer", float: "number"}.get(type(value), type(value).__name__)


def _json_value(value: Any, where: str, depth: int = 0) -> None:
    if depth > MAX_NESTING:
        raise _fail(where, f"nested deeper than {MAX_NESTING} levels")
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise _fail(where, "object keys must be strings")
            _json_value(v, f"{where}.{k}", depth + 1)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _json_value(v, f"{where}[{i}]", depth + 1)
    elif not (value is None or isinstance(value, (str, int, float, bool))):
        raise _fail(where, f"{_name(value)} is not a JSON value")


def _int(value: Any, where: str, low: int = 0, high: int = MAX_COUNT) -> None:
    if type(value) is not int:
        raise _fail(where, f"expected an integer, got {_name(value)}")
    if not low <= value <= high:
        raise _fail(where, f"{value} is out of range ({low} to {high})")


def _str(value: Any, where: str) -> None:
    if not isinstance(value, str):
        raise _fail(where, f"expected a string, got {_name(value)}")


def _bool(value: Any, where: str) -> None:
    if not isinstance(value, bool):
        raise _fail(where, f"expected true or false, got {_name(value)}")


def _shape(value: Any, where: str) -> None:
    if not isinstance(value, list):
        raise _fail(where, f"a shape must be an array of sizes, got {_name(value)}")
    if len(value) > MAX_DIMS:
        raise _fail(where, f"a shape with {len(value)} dimensions (at most {MAX_DIMS})")
    for i, d in enumerate(value):
        if d is not None:
            _int(d, f"{where}[{i}]")


def _optional(check: Callable[[Any, str], None]) -> Callable[[Any, str], None]:
    def run(value: Any, where: str) -> None:
        if value is not None:
            check(value, where)
    return run


def _list_of(check: Callable[[Any, str], None]) -> Callable[[Any, str], None]:
    def run(value: Any, where: str) -> None:
        if not isinstance(value, list):
            raise _fail(where, f"expected an array, got {_name(value)}")
        for i, v in enumerate(value):
            check(v, f"{where}[{i}]")
    return run


def _dict_of(check: Callable[[Any, str], None]) -> Callable[[Any, str], None]:
    def run(value: Any, where: str) -> None:
        if not isinstance(value, dict):
            raise _fail(where, f"expected an object, got {_name(value)}")
        for k, v in value.items():
            check(v, f"{where}.{k}")
    return run


def _number(value: Any, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(where, f"expected a number, got {_name(value)}")


def _any_json(value: Any, where: str) -> None:
    _json_value(value, where)


def _object(value: Any, where: str) -> None:
    if not isinstance(value, dict):
        raise _fail(where, f"expected an object, got {_name(value)}")
    _json_value(value, where)


def _part(value: Any, where: str) -> None:
    """One node of a fused chain, as transforms.view writes it."""
    _object(value, where)
    for key, check in (("id", _int), ("name", _str), ("type", _str), ("path", _str), ("attrs", _object),
                       ("params", _int)):
        if key not in value:
            raise _fail(where, f"missing the required field {key!r}")
        check(value[key], f"{where}.{key}")


_TYPES: dict[str, Callable[[Any, str], None]] = {
    "int": _int, "str": _str, "bool": _bool, "float": _number,
    "Shape": _shape, "list[str]": _list_of(_str), "list[int]": _list_of(_int),
    "dict[str, Shape]": _dict_of(_shape), "list[Shape]": _list_of(_optional(_shape)),
    "dict[str, Any]": _object, "list[dict[str, Any]]": _list_of(_object),
    "dict[str, float]": _dict_of(_number),
}


def _checker(annotation: str) -> Callable[[Any, str], None]:
    """A check for a dataclass field's annotation text; unknown ones must at least be JSON."""
    text = annotation.replace("Optional[", "").replace(" ", "")
    optional = "|None" in text or text.startswith("None|")
    text = re.sub(r"\|None|None\|", "", text).replace(",", ", ")
    check = _TYPES.get(text, _any_json)
    return _optional(check) if optional else check


_SPECIAL: dict[tuple[type, str], Callable[[Any, str], None]] = {(Node, "parts"): _list_of(_part)}
_FIELDS: dict[type, list[tuple[str, Callable[[Any, str], None], bool]]] = {
    cls: [(f.name, _SPECIAL.get((cls, f.name)) or _checker(str(f.type)),
           f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)  # type: ignore[misc]
          for f in dataclasses.fields(cls)]
    for cls in (Node, Edge, Module, Scope)
}

# Ranges beyond the types: what the drawing code relies on.
_RANGES = {
    (Node, "repeat"): (1, MAX_REPEAT), (Scope, "repeat"): (1, MAX_REPEAT),
    (Node, "id"): (0, 2**53), (Scope, "id"): (0, 2**53),
    (Edge, "source"): (0, 2**53), (Edge, "target"): (0, 2**53), (Edge, "source_output"): (0, 1_000_000),
}


def _items(data: dict, key: str, cls: type) -> list[dict]:
    items = data.get(key, [])
    if not isinstance(items, list):
        raise _fail(key, f"expected an array, got {_name(items)}")
    if len(items) > MAX_ITEMS:
        raise _fail(key, f"{len(items)} entries (at most {MAX_ITEMS})")
    for i, item in enumerate(items):
        where = f"{key}[{i}]"
        if not isinstance(item, dict):
            raise _fail(where, f"expected an object, got {_name(item)}")
        for name, check, required in _FIELDS[cls]:
            if name in item:
                check(item[name], f"{where}.{name}")
                low_high = _RANGES.get((cls, name))
                if low_high is not None:
                    _int(item[name], f"{where}.{name}", *low_high)
            elif required:
                raise _fail(where, f"missing the required field {name!r}")
    return items


def _repeats(items: list[dict], key: str) -> None:
    """A folded run of ``repeat`` blocks names each of them."""
    for i, item in enumerate(items):
        repeat, paths = item.get("repeat", 1), item.get("repeat_paths", [])
        if repeat > 1 and len(paths) != repeat:
            raise _fail(f"{key}[{i}].repeat_paths", f"{len(paths)} paths for a run of {repeat} blocks")


def _unique(items: list[dict], key: str, field: str) -> dict[Any, int]:
    """Identifier -> index in ``items``, refusing duplicates."""
    seen: dict[Any, int] = {}
    for i, item in enumerate(items):
        ident = item[field]
        if ident in seen:
            raise _fail(f"{key}[{i}].{field}", f"{ident!r} is used twice (also by {key}[{seen[ident]}])")
        seen[ident] = i
    return seen


def _acyclic(parents: dict[Any, Any], key: str, index: dict[Any, int], kind: str) -> None:
    """Every parent chain ends at a root, within MAX_DEPTH steps. Each item is walked once."""
    done: set[Any] = set()
    for start in parents:
        path: list[Any] = []
        on_path: set[Any] = set()
        node = start
        while node is not None and node not in done:
            if node in on_path:
                raise _fail(f"{key}[{index[start]}].parent", f"cycle through {kind} {node!r}")
            on_path.add(node)
            path.append(node)
            if len(path) > MAX_DEPTH:
                raise _fail(f"{key}[{index[start]}].parent", f"nested deeper than {MAX_DEPTH} levels")
            node = parents.get(node)
        done.update(path)


def _edges_acyclic(node_index: dict[Any, int], edges: list[dict]) -> None:
    """Tensors flow forward: the edges form no cycle (Kahn's algorithm)."""
    succs: dict[Any, list[Any]] = {n: [] for n in node_index}
    indegree = dict.fromkeys(node_index, 0)
    for e in edges:
        succs[e["source"]].append(e["target"])
        indegree[e["target"]] += 1
    ready = [n for n, d in indegree.items() if d == 0]
    seen = 0
    while ready:
        n = ready.pop()
        seen += 1
        for m in succs[n]:
            indegree[m] -= 1
            if indegree[m] == 0:
                ready.append(m)
    if seen < len(node_index):
        i = next(i for i, e in enumerate(edges) if indegree[e["target"]] > 0)
        raise _fail(f"edges[{i}]", f"node {edges[i]['target']} is on a cycle of edges; tensors flow forward only")


def validate(data: Any) -> None:
    """Raise :class:`GraphFormatError` unless ``data`` (a decoded graph JSON) is a complete,
    consistent graph: field types and ranges, unique ids, every reference resolves, parent
    chains end, nesting bounded."""
    meta = data.get("meta")
    if meta is not None:
        _object(meta, "meta")
        for key in ("model", "method", "root", "title"):  # text the outputs show
            if key in meta:
                _str(meta[key], f"meta.{key}")
    nodes = _items(data, "nodes", Node)
    edges = _items(data, "edges", Edge)
    modules = _items(data, "modules", Module)
    scopes = _items(data, "scopes", Scope)
    _repeats(nodes, "nodes")
    _repeats(scopes, "scopes")
    node_index = _unique(nodes, "nodes", "id")
    scope_index = _unique(scopes, "scopes", "id")
    module_index = _unique(modules, "modules", "path")
    scope_ids = set(scope_index) | {0}  # the root scope may be left out
    for i, n in enumerate(nodes):
        if n["kind"] not in NODE_KINDS:
            raise _fail(f"nodes[{i}].kind", f"{n['kind']!r} is not one of {', '.join(NODE_KINDS)}")
        if n.get("scope", 0) not in scope_ids:
            raise _fail(f"nodes[{i}].scope", f"no scope has id {n['scope']!r}")
    for i, e in enumerate(edges):
        for end in ("source", "target"):
            if e[end] not in node_index:
                raise _fail(f"edges[{i}].{end}", f"no node has id {e[end]!r}")
    _edges_acyclic(node_index, edges)
    scope_parents = {}
    for i, s in enumerate(scopes):
        parent = s["parent"]
        if s["id"] == 0:
            if parent is not None:
                raise _fail(f"scopes[{i}].parent", "the root scope (id 0) has no parent; use null")
            continue
        if parent is None:
            raise _fail(f"scopes[{i}].parent", "only the root scope (id 0) may have no parent")
        if parent not in scope_ids:
            raise _fail(f"scopes[{i}].parent", f"no scope has id {parent!r}")
        scope_parents[s["id"]] = parent
    _acyclic(scope_parents, "scopes", scope_index, "scope")
    module_parents = {}
    for i, m in enumerate(modules):
        parent = m["parent"]
        if parent is not None and parent not in module_index:
            raise _fail(f"modules[{i}].parent", f"no module has path {parent!r}")
        module_parents[m["path"]] = parent
    _acyclic(module_parents, "modules", module_index, "module")
