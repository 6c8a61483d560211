"""The state machine as an SVG drawing (for the HTML report), laid out in layers of our own.

States are ranked by the longest forward path from StartAt (edges back to a state already on the
path are loops, drawn up the right-hand side); each rank is a row, centred. A Parallel or Map is
a box holding its branches (side by side) or its ItemProcessor, laid out the same way inside.
With `status` (state name -> outcome of its last visit) the path taken is coloured in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from .graph_model import Graph

NODE_H = 36
RANK_GAP = 46
NODE_GAP = 26
PAD = 14
TITLE_H = 22
CHAR_W = 7.2

FILL = {"SUCCEEDED": "#e6f4ea", "CAUGHT": "#fff4e0", "FAILED": "#fde8e8", "ABORTED": "#fff4e0",
        "RUNNING": "#e8f0fe"}
STROKE = {"SUCCEEDED": "#1e8e3e", "CAUGHT": "#e37400", "FAILED": "#d93025", "ABORTED": "#e37400",
          "RUNNING": "#1a73e8"}


@dataclass
class Placed:
    name: str
    type: str
    x: float
    y: float
    w: float
    h: float
    inner: list = field(default_factory=list)   # [(title, Layout, dx, dy)] for Parallel/Map


@dataclass
class Layout:
    w: float
    h: float
    nodes: dict
    graph: Graph
    back_edges: set
    lanes: dict = field(default_factory=dict)  # edge key -> x of the lane a rank-skipping edge runs in


def _ranks(graph: Graph) -> tuple[dict, set]:
    order, back, state = [], set(), {}

    def visit(name):
        state[name] = 1
        for edge in graph.successors(name):
            if edge.target not in graph.nodes:
                continue
            if state.get(edge.target) == 1:
                back.add((edge.source, edge.target, edge.kind, edge.index))
            elif edge.target not in state:
                visit(edge.target)
        state[name] = 2
        order.append(name)

    import sys
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(graph.nodes) + 100))
    try:
        if graph.start_at in graph.nodes:
            visit(graph.start_at)
        for name in graph.nodes:
            if name not in state:
                visit(name)
    finally:
        sys.setrecursionlimit(limit)
    rank = {name: 0 for name in graph.nodes}
    for name in reversed(order):  # reverse post-order is a topological order of the forward edges
        for edge in graph.successors(name):
            if edge.target in rank and (edge.source, edge.target, edge.kind, edge.index) not in back:
                rank[edge.target] = max(rank[edge.target], rank[name] + 1)
    return rank, back


def layout(graph: Graph) -> Layout:
    rank, back = _ranks(graph)
    rows: dict[int, list] = {}
    for name in graph.nodes:
        rows.setdefault(rank[name], []).append(name)
    placed: dict[str, Placed] = {}
    sizes = {}
    for name, node in graph.nodes.items():
        inner = []
        subs = list(node.branches) if node.branches else ([node.processor] if node.processor else [])
        for i, sub in enumerate(subs):
            inner.append((f"branch {i}" if node.branches else "ItemProcessor", layout(sub)))
        if inner:
            w = sum(l.w for _, l in inner) + PAD * (len(inner) + 1)
            h = TITLE_H + max(l.h + TITLE_H for _, l in inner) + PAD
            w = max(w, len(name) * CHAR_W + 90)
        else:
            w, h = max(110.0, len(name) * CHAR_W + 28), NODE_H
        sizes[name] = (w, h, inner)
    width = max((sum(sizes[n][0] for n in row) + NODE_GAP * (len(row) - 1) for row in rows.values()), default=0)
    width += 2 * PAD + (40 if back else 0)
    y = PAD
    for r in sorted(rows):
        row = rows[r]
        row_w = sum(sizes[n][0] for n in row) + NODE_GAP * (len(row) - 1)
        x = (width - row_w) / 2
        row_h = max(sizes[n][1] for n in row)
        for name in row:
            w, h, inner = sizes[name]
            node = Placed(name, graph.nodes[name].type, x, y, w, h)
            dx = x + PAD
            for title, sub in inner:
                node.inner.append((title, sub, dx, y + TITLE_H + TITLE_H))
                dx += sub.w + PAD
            placed[name] = node
            x += w + NODE_GAP
        y += row_h + RANK_GAP
    # Edges that skip ranks run down lanes left of the states, one lane each, so they cross no box.
    long = [e for e in graph.edges if e.source in placed and e.target in placed
            and (e.source, e.target, e.kind, e.index) not in back and rank[e.target] - rank[e.source] > 1]
    lanes = {}
    if long:
        margin = 24 + 12 * len(long)
        for node in placed.values():
            node.x += margin
            node.inner = [(t, sub, dx + margin, dy) for t, sub, dx, dy in node.inner]
        left = min(n.x for n in placed.values())
        for i, e in enumerate(long):
            lanes[(e.source, e.target, e.kind, e.index)] = left - 14 - 12 * i
        width += margin
    return Layout(width, y - RANK_GAP + PAD, placed, graph, back, lanes)


def svg(graph: Graph, status: dict | None = None, visits: dict | None = None) -> str:
    """A standalone <svg> element (no external references)."""
    plan = layout(graph)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="{plan.w:.0f}" height="{plan.h:.0f}" '
             f'viewBox="0 0 {plan.w:.0f} {plan.h:.0f}" role="img" aria-label="state machine graph">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#5f6368"/></marker>'
             '<marker id="arrow-catch" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#d93025"/></marker></defs>']
    _draw(plan, 0, 0, parts, status or {}, visits or {})
    parts.append("</svg>")
    return "".join(parts)


def _draw(plan: Layout, ox: float, oy: float, parts: list, status: dict, visits: dict) -> None:
    for edge in plan.graph.edges:
        a, b = plan.nodes.get(edge.source), plan.nodes.get(edge.target)
        if a is None or b is None:
            continue
        key = (edge.source, edge.target, edge.kind, edge.index)
        looped = key in plan.back_edges or b.y <= a.y
        lane = plan.lanes.get(key)
        if lane is not None and not looped:
            x1, y1 = ox + a.x, oy + a.y + a.h / 2
            x2, y2 = ox + b.x + min(24.0, b.w / 4), oy + b.y
            lx_ = ox + lane
            turn = y2 - RANK_GAP / 2
            path = (f"M{x1:.1f},{y1:.1f} C{lx_:.1f},{y1:.1f} {lx_:.1f},{y1:.1f} {lx_:.1f},{y1 + 20:.1f} "
                    f"L{lx_:.1f},{turn - 8:.1f} C{lx_:.1f},{turn:.1f} {x2:.1f},{turn:.1f} {x2:.1f},{y2:.1f}")
            lx, ly = lx_ + 3, y1 + 32
        elif looped:
            x1, y1 = ox + a.x + a.w, oy + a.y + a.h / 2
            x2, y2 = ox + b.x + b.w, oy + b.y + b.h / 2
            bend = max(x1, x2) + 30
            path = f"M{x1:.1f},{y1:.1f} C{bend:.1f},{y1:.1f} {bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
            lx, ly = bend - 4, (y1 + y2) / 2
        else:
            shift = 10 if edge.kind == "catch" else 0  # a Catch beside a Next to the same state
            x1, y1 = ox + a.x + a.w / 2 + shift, oy + a.y + a.h
            x2, y2 = ox + b.x + b.w / 2 + shift, oy + b.y
            mid = (y1 + y2) / 2
            path = f"M{x1:.1f},{y1:.1f} C{x1:.1f},{mid:.1f} {x2:.1f},{mid:.1f} {x2:.1f},{y2:.1f}"
            lx, ly = (x1 + x2) / 2 + 4, mid
        taken = edge.source in status and edge.target in status
        catch = edge.kind == "catch"
        colour = "#d93025" if catch else ("#1e8e3e" if taken else "#9aa0a6")
        dash = ' stroke-dasharray="5,4"' if catch else ""
        marker = "arrow-catch" if catch else "arrow"
        parts.append(f'<path class="edge edge-{edge.kind}" d="{path}" fill="none" stroke="{colour}" '
                     f'stroke-width="{2 if taken else 1.3}"{dash} marker-end="url(#{marker})"/>')
        label = ("catch " + edge.label) if catch else edge.label
        if label:
            text = label if len(label) <= 40 else label[:39] + "…"
            parts.append(f'<text class="edge-label" x="{lx:.1f}" y="{ly:.1f}" font-size="10" '
                         f'fill="{"#d93025" if catch else "#1a73e8"}">{escape(text)}</text>')
    for node in plan.nodes.values():
        x, y = ox + node.x, oy + node.y
        outcome = status.get(node.name)
        fill = FILL.get(outcome, "#ffffff" if not status else "#f8f9fa")
        stroke = STROKE.get(outcome, "#5f6368" if not status else "#bdc1c6")
        rx = 4 if node.type in ("Parallel", "Map") else (18 if node.type in ("Succeed", "Fail") else 8)
        dash = ' stroke-dasharray="2,0"'
        parts.append(f'<g class="node" data-state="{escape(node.name, quote=True)}">'
                     f'<rect x="{x:.1f}" y="{y:.1f}" width="{node.w:.1f}" height="{node.h:.1f}" rx="{rx}" '
                     f'fill="{fill}" stroke="{stroke}" stroke-width="{2 if outcome else 1.2}"{dash}/>')
        count = visits.get(node.name, 0)
        title = node.name + (f" ×{count}" if count > 1 else "")
        if node.inner:
            parts.append(f'<text x="{x + 8:.1f}" y="{y + 16:.1f}" font-size="12" font-weight="600">'
                         f'{escape(node.type)}: {escape(title)}</text>')
        else:
            parts.append(f'<text x="{x + node.w / 2:.1f}" y="{y + 15:.1f}" font-size="12" font-weight="600" '
                         f'text-anchor="middle">{escape(title)}</text>'
                         f'<text x="{x + node.w / 2:.1f}" y="{y + 29:.1f}" font-size="10" fill="#5f6368" '
                         f'text-anchor="middle">{escape(node.type)}</text>')
        parts.append("</g>")
        for title, sub, dx, dy in node.inner:
            parts.append(f'<text x="{ox + dx:.1f}" y="{oy + dy - 6:.1f}" font-size="10" fill="#1a73e8">'
                         f'{escape(title)}</text>')
            parts.append(f'<rect x="{ox + dx:.1f}" y="{oy + dy:.1f}" width="{sub.w:.1f}" height="{sub.h:.1f}" '
                         f'fill="none" stroke="#dadce0" stroke-dasharray="3,3"/>')
            _draw(sub, ox + dx, oy + dy, parts, status, visits)
