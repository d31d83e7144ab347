"""The automatic level of detail: the view a person would pick, chosen by the picture it makes.

Candidates are every uniform depth, each also with one run of the model's *defining block*
(its most repeated block: ResNet's Bottleneck, ConvNeXt's CNBlock, GPT-2's GPT2Block) opened.
Each candidate is laid out (and wrapped into columns where it is long, as it will be drawn)
and judged by what the reader would see: at most ``AUTO_NODES`` nodes, a shape between 1:4
and 4:1, the defining block open exactly once, few edge crossings, and then as much detail as
those allow.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Callable

from .graph import Graph
from .transforms.view import origin_of

# The default view shows at most this many nodes.
AUTO_NODES = 120
# The widest shape a default picture may have (long side over short side).
MAX_ASPECT = 4.0
# The longest side a default picture may have, in pixels at scale 1 (a detection model's whole
# pipeline opened one level too deep runs to 5,000 px and more).
MAX_SIDE = 4000.0
# Beyond this a picture is a strip, whatever it shows.
STRIP_ASPECT = 7.0
# Generic containers are never a model's defining block.
CONTAINERS = frozenset({"Sequential", "ModuleList", "ModuleDict"})

Measure = Callable[[Graph], "tuple[float, float, int]"]  # (width, height, edge crossings) of a drawn view


@dataclass
class Candidate:
    graph: Graph  # the view, folded as it will be drawn
    nodes: int
    aspect: float
    crossings: int
    block_open: int  # how many times the defining block's inside is shown
    long_side: float = 0.0

    def key(self) -> tuple[bool, bool, bool, bool, bool, int, float]:
        """Smaller is better: not tangled, not a strip, no longer than MAX_SIDE, the defining
        block open once, within 4:1, then more detail. Showing the block open is worth a
        somewhat taller picture, not one past a page."""
        tangled = self.crossings > max(4, self.nodes)
        return (tangled, self.aspect > STRIP_ASPECT, self.long_side > MAX_SIDE, self.block_open != 1,
                self.aspect > MAX_ASPECT, -self.nodes, self.aspect)


def defining_block(g: Graph) -> str | None:
    """The type of the model's most called block (ties: the larger one); None if nothing repeats.

    A block holds other modules or at least four nodes, so Conv-BN-ReLU wrappers don't count."""
    inside: dict[int, int] = defaultdict(int)
    for n in g.nodes.values():
        up: int | None = n.scope
        while up is not None:
            inside[up] += 1
            up = g.scopes[up].parent
    by_type: dict[str, list[int]] = defaultdict(list)
    for sid, s in g.scopes.items():
        module = g.modules.get(s.path)
        if s.path and module is not None and module.type not in CONTAINERS:
            by_type[module.type].append(sid)
    has_children = {s.parent for s in g.scopes.values()}
    best: tuple[tuple[int, float], str] | None = None
    for t, sids in sorted(by_type.items()):
        size = sum(inside[s] for s in sids) / len(sids)
        if len(sids) < 2 or (size < 4 and not any(s in has_children for s in sids)):
            continue
        if best is None or (len(sids), size) > best[0]:
            best = ((len(sids), size), t)
    return best[1] if best else None


def _open_scopes(g: Graph) -> set[int]:
    """Scopes whose inside is drawn (they hold a visible node other than their own collapsed box)."""
    out: set[int] = set()
    for n in g.nodes.values():
        s: int | None = n.scope
        if n.collapsed and s is not None and g.scopes[s].path == n.path:
            s = g.scopes[s].parent
        while s is not None and s not in out:
            out.add(s)
            s = g.scopes[s].parent
    return out


def _times_open(g: Graph, block: str | None) -> int:
    if block is None:
        return 1
    return sum(1 for sid in _open_scopes(g) if g.scopes[sid].path and
               getattr(g.modules.get(g.scopes[sid].path), "type", None) == block)


def _open_one_run(view: Graph, fold: bool, block: str) -> Graph | None:
    """``view`` with one run of ``block`` modules opened, so folding shows the block's inside
    once: the first folded run (``Bottleneck ×2``) drawn collapsed, else the first collapsed
    block. A block hidden inside a collapsed module first has its parent opened. None if every
    block is open already."""
    folded = view.fold_repeats() if fold else view
    shown = [n for n in folded.nodes.values() if n.collapsed and n.type == block]
    if shown:
        first = ([n for n in shown if n.repeat > 1] or shown)[0]
        return view.expand(first.repeat_paths if first.repeat > 1 else [first.path])
    origin = origin_of(view)
    open_now = {folded.scopes[sid].path for sid in _open_scopes(folded)}
    for _, s in sorted(origin.scopes.items()):
        module = origin.modules.get(s.path)
        if module is not None and module.type == block and s.path not in open_now:
            parent_open = view.expand([s.path]).collapse([s.path])
            return _open_one_run(parent_open, fold, block)
    return None


def auto_view(g: Graph, fold: bool, measure: Measure) -> Graph:
    """The candidate view of ``g`` (hidden and pruned already) that draws the best picture."""
    def folded(v: Graph) -> Graph:
        return v.fold_repeats() if fold else v

    block = defining_block(g)
    deepest = max((g.scope_depth(s) for s in g.scopes), default=0)
    views: list[Graph] = []
    for d in range(1, deepest + 2):
        base = g.collapse(depth=d) if d <= deepest else g
        views.append(base)
        if block is not None:
            opened = _open_one_run(base, fold, block)
            if opened is not None:
                views.append(opened)
    candidates: list[Candidate] = []
    for v in views:
        f = folded(v)
        if len(f.nodes) > AUTO_NODES:
            continue
        w, h, crossings = measure(f)
        candidates.append(Candidate(v, len(f.nodes), max(w, h) / max(min(w, h), 1.0), crossings,
                                    _times_open(f, block), max(w, h)))
    if not candidates:
        return g.collapse(depth=1) if deepest else g
    return min(candidates, key=Candidate.key).graph
