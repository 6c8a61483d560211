"""`asl graph`: the state machine drawn for a terminal, and as Mermaid or Graphviz dot text.

The terminal drawing is a layered layout of our own, one state per row: states come in the order
a reader follows them (depth first from StartAt, Next before Choice rules before Catchers), the
arrow to the state drawn right below is a plain ▼, every other edge is a labelled line under its
box (◆ Choice rules, ✗ Catch edges dashed). Parallel branches and Map processors are drawn inside
their state's box. One state per row keeps any machine readable at 80 columns, however wide it
branches; a grid layout (Sugiyama layering) runs out of columns at three side-by-side boxes.
"""

from __future__ import annotations

import json
import re

from rich import box
from rich.console import Group
from rich.panel import Panel
from rich.text import Text

from .graph_model import Graph, graph_of

_TYPE_MARK = {"Task": "▭", "Choice": "◆", "Parallel": "⫴", "Map": "⟳", "Wait": "⏸", "Pass": "→",
              "Succeed": "✓", "Fail": "✗"}


def reading_order(graph: Graph) -> list[str]:
    order: list[str] = []
    seen: set[str] = set()
    stack = [graph.start_at]
    while stack:
        name = stack.pop()
        if name in seen or name not in graph.nodes:
            continue
        seen.add(name)
        order.append(name)
        edges = graph.successors(name)
        ranked = sorted(edges, key=lambda e: {"next": 0, "choice": 1, "default": 2, "catch": 3}.get(e.kind, 4))
        stack.extend(reversed([e.target for e in ranked]))
    order.extend(n for n in graph.nodes if n not in seen)
    return order


def graph_text(definition: dict | Graph, width: int = 80, path: set | None = None,
               visits: dict | None = None) -> Group:
    graph = definition if isinstance(definition, Graph) else graph_of(definition)
    lines = [Text("● Start", style="bold"), Text("│"), Text("▼")]
    lines.extend(_draw(graph, width, path, visits or {}))
    return Group(*lines)


def _draw(graph: Graph, width: int, path, visits) -> list:
    out: list = []
    order = reading_order(graph)
    for i, name in enumerate(order):
        node = graph.nodes[name]
        following = order[i + 1] if i + 1 < len(order) else None
        out.append(_box(node, width, path, visits))
        edges = graph.successors(name)
        down = next((e for e in edges if e.kind in ("next", "default") and e.target == following), None)
        for edge in edges:
            if edge is down:
                continue
            out.append(_edge_line(edge, width, path))
        if node.end:
            out.append(Text("◉ End", style="dim"))
        if following is not None:
            if down is not None:
                out.extend([Text("│"), Text("▼")])
            else:
                out.append(Text(""))
    return out


def _box(node, width: int, path, visits):
    visited = path is not None and node.name in path
    title = Text(f"{_TYPE_MARK.get(node.type, '?')} {node.type}", style="cyan")
    body = [Text(node.name, style="bold")]
    if path is not None and visited:
        count = visits.get(node.name, 1)
        body[0].append(f"  ✓ visited" + (f" ×{count}" if count > 1 else ""), style="green")
    for errors in node.retriers:
        body.append(Text(f"↻ Retry {', '.join(errors)}", style="yellow"))
    inner_width = width - 4
    for i, branch in enumerate(node.branches):
        body.append(Text(f"branch {i}", style="bold blue"))
        body.extend(_nested(branch, inner_width, path, visits))
    if node.processor is not None:
        body.append(Text("ItemProcessor (each item)", style="bold blue"))
        body.extend(_nested(node.processor, inner_width, path, visits))
    style = "green" if visited else ("dim" if path is not None else "")
    kind = box.HEAVY if node.type in ("Succeed", "Fail") else (
        box.DOUBLE if node.type in ("Parallel", "Map") else box.ROUNDED)
    return Panel(Group(*body), title=title, title_align="left", box=kind, border_style=style, expand=False,
                 width=min(width, max(len(node.name) + 20, _widest(body) + 4, 30)))


def _nested(graph: Graph, width: int, path, visits) -> list:
    return [Text("↓ " + graph.start_at, style="dim")] + _draw(graph, width, path, visits)


def _widest(body) -> int:
    widest = 0
    for item in body:
        if isinstance(item, Text):
            widest = max(widest, item.cell_len)
        elif isinstance(item, Panel) and item.width:
            widest = max(widest, item.width)
    return widest


def _edge_line(edge, width: int, path) -> Text:
    taken = path is not None and edge.source in path and edge.target in path
    style = "green" if taken else ("dim" if path is not None else "")
    if edge.kind == "catch":
        text = f"╎ ✗ Catch [{edge.label}] ╌▶ {edge.target}"
        style = style or "yellow"
    elif edge.kind == "choice":
        text = f"├ ◆ {edge.label} ─▶ {edge.target}"
    elif edge.kind == "default":
        text = f"├ ◆ Default ─▶ {edge.target}"
    else:
        text = f"├──▶ {edge.target}"
    if len(text) > width:
        cut = width - len(edge.target) - 6
        text = text[:max(cut, 10)] + "… ─▶ " + edge.target
    return Text(text, style=style)


# ---------------------------------------------------------------------- mermaid and dot
def _ident(prefix: str, name: str) -> str:
    return prefix + re.sub(r"[^A-Za-z0-9_]", "_", name)


def _quote(text: str) -> str:
    return text.replace('"', "#quot;")


def mermaid(definition: dict | Graph) -> str:
    graph = definition if isinstance(definition, Graph) else graph_of(definition)
    lines = ["flowchart TD", "  start_((Start))"]
    ids: dict = {}
    _mermaid_graph(graph, "", lines, ids, "  ")
    lines.append(f"  start_ --> {ids[('', graph.start_at)]}" if ('', graph.start_at) in ids else "")
    return "\n".join(line for line in lines if line) + "\n"


def _mermaid_graph(graph: Graph, prefix: str, lines: list, ids: dict, indent: str) -> None:
    for name, node in graph.nodes.items():
        ids[(prefix, name)] = _ident(prefix + "s_", name)
    for name, node in graph.nodes.items():
        node_id = ids[(prefix, name)]
        label = _quote(f"{name}")
        if node.branches or node.processor is not None:
            lines.append(f'{indent}subgraph {node_id}["{node.type}: {label}"]')
            subs = list(node.branches) if node.branches else [node.processor]
            for i, sub in enumerate(subs):
                sub_prefix = f"{prefix}{name}_{i}_"
                sub_id = _ident("b_", sub_prefix)
                title = f"branch {i}" if node.branches else "ItemProcessor"
                lines.append(f'{indent}  subgraph {sub_id}["{title}"]')
                _mermaid_graph(sub, sub_prefix, lines, ids, indent + "    ")
                lines.append(f"{indent}  end")
            lines.append(f"{indent}end")
        elif node.type == "Choice":
            lines.append(f'{indent}{node_id}{{"{label}"}}')
        elif node.type in ("Succeed", "Fail"):
            lines.append(f'{indent}{node_id}(["{label}"])')
        else:
            lines.append(f'{indent}{node_id}["{label}"]')
    for edge in graph.edges:
        source, target = ids.get((prefix, edge.source)), ids.get((prefix, edge.target))
        if source is None or target is None:
            continue
        if edge.kind == "catch":
            lines.append(f'{indent}{source} -.->|"catch {_quote(edge.label)}"| {target}')
        elif edge.kind in ("choice", "default"):
            lines.append(f'{indent}{source} -->|"{_quote(edge.label)}"| {target}')
        else:
            lines.append(f"{indent}{source} --> {target}")
    for name, node in graph.nodes.items():
        if node.end:
            # Mermaid reads a lowercase `end` as a keyword: the end marker is `stop`.
            lines.append(f"{indent}{ids[(prefix, name)]} --> {_ident(prefix + 'stop_', '')}(( ))")


def dot(definition: dict | Graph) -> str:
    graph = definition if isinstance(definition, Graph) else graph_of(definition)
    lines = ["digraph StateMachine {", "  compound=true;", '  node [shape=box, style="rounded", fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];', '  start_ [shape=circle, label="Start", width=0.4];']
    ids: dict = {}
    _dot_graph(graph, "", lines, ids, "  ")
    lines.append(f"  start_ -> {ids[('', graph.start_at)]};" if ("", graph.start_at) in ids else "")
    lines.append("}")
    return "\n".join(line for line in lines if line) + "\n"


def _dot_graph(graph: Graph, prefix: str, lines: list, ids: dict, indent: str) -> None:
    for name in graph.nodes:
        ids[(prefix, name)] = _ident(prefix + "s_", name)
    for name, node in graph.nodes.items():
        node_id = ids[(prefix, name)]
        shape = {"Choice": "diamond", "Succeed": "doublecircle", "Fail": "octagon"}.get(node.type, "box")
        label = json.dumps(name + "\n(" + node.type + ")")
        lines.append(f"{indent}{node_id} [label={label}, shape={shape}];")
        subs = list(node.branches) if node.branches else ([node.processor] if node.processor else [])
        for i, sub in enumerate(subs):
            sub_prefix = f"{prefix}{name}_{i}_"
            title = f"{name}: branch {i}" if node.branches else f"{name}: ItemProcessor"
            lines.append(f"{indent}subgraph {_ident('cluster_', sub_prefix)} {{")
            lines.append(f"{indent}  label={json.dumps(title)}; style=dashed;")
            _dot_graph(sub, sub_prefix, lines, ids, indent + "  ")
            lines.append(f"{indent}}}")
            lines.append(f"{indent}{node_id} -> {ids[(sub_prefix, sub.start_at)]} [style=dotted, arrowhead=none];"
                         if (sub_prefix, sub.start_at) in ids else "")
    for edge in graph.edges:
        source, target = ids.get((prefix, edge.source)), ids.get((prefix, edge.target))
        if source is None or target is None:
            continue
        if edge.kind == "catch":
            lines.append(f"{indent}{source} -> {target} [style=dashed, color=red, "
                         f"label={json.dumps('catch ' + edge.label)}];")
        elif edge.kind in ("choice", "default"):
            lines.append(f"{indent}{source} -> {target} [label={json.dumps(edge.label)}];")
        else:
            lines.append(f"{indent}{source} -> {target};")
