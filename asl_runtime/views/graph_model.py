"""The definition as a graph, for drawing: `definition.graph.graph_of` when the engine has it.

Until the engine-seams graph (definition/graph.py) is on main this module builds the same
Graph/Node/Edge shapes itself from the definition dict; `graph_of` prefers the engine's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

_OPS = {"Equals": "==", "LessThan": "<", "GreaterThan": ">", "LessThanEquals": "<=",
        "GreaterThanEquals": ">=", "Matches": "matches"}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str            # "next" | "choice" | "default" | "catch"
    index: int | None = None
    label: str = ""


@dataclass(frozen=True)
class Node:
    name: str
    type: str
    end: bool = False
    comment: str | None = None
    branches: tuple = ()
    processor: "Graph | None" = None
    retriers: tuple = ()
    catchers: tuple = ()


@dataclass(frozen=True)
class Graph:
    start_at: str
    nodes: dict = field(default_factory=dict)
    edges: tuple = ()

    def successors(self, name) -> list[Edge]:
        return [e for e in self.edges if e.source == name]

    def reachable(self) -> set[str]:
        seen, todo = set(), [self.start_at]
        while todo:
            name = todo.pop()
            if name in seen or name not in self.nodes:
                continue
            seen.add(name)
            todo.extend(e.target for e in self.successors(name))
        return seen


def graph_of(definition: dict):
    try:
        from ..definition.graph import graph_of as engine_graph_of  # the engine seam, once landed
    except ImportError:
        return build_graph(definition)
    return engine_graph_of(definition)


def build_graph(definition: dict) -> Graph:
    states = definition.get("States") or {}
    nodes, edges = {}, []
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        type_ = state.get("Type", "?")
        branches = tuple(build_graph(b) for b in state.get("Branches") or [] if isinstance(b, dict))
        processor_def = state.get("ItemProcessor") or state.get("Iterator")
        processor = build_graph(processor_def) if isinstance(processor_def, dict) else None
        retriers = tuple(tuple(r.get("ErrorEquals") or ()) for r in state.get("Retry") or [] if isinstance(r, dict))
        catchers = tuple(tuple(c.get("ErrorEquals") or ()) for c in state.get("Catch") or [] if isinstance(c, dict))
        nodes[name] = Node(name, type_, bool(state.get("End")) or type_ in ("Succeed", "Fail"),
                           state.get("Comment"), branches, processor, retriers, catchers)
        if isinstance(state.get("Next"), str):
            edges.append(Edge(name, state["Next"], "next", None, ""))
        for i, rule in enumerate(state.get("Choices") or []):
            if isinstance(rule, dict) and isinstance(rule.get("Next"), str):
                edges.append(Edge(name, rule["Next"], "choice", i, rule_text(rule)))
        if isinstance(state.get("Default"), str):
            edges.append(Edge(name, state["Default"], "default", None, "Default"))
        for i, catcher in enumerate(state.get("Catch") or []):
            if isinstance(catcher, dict) and isinstance(catcher.get("Next"), str):
                edges.append(Edge(name, catcher["Next"], "catch", i, ", ".join(catcher.get("ErrorEquals") or ())))
    return Graph(definition.get("StartAt", ""), nodes, tuple(edges))


def rule_text(rule: dict) -> str:
    """A Choice rule as people write it: `$.amount > 100`, `not ($.x == "a")`, JSONata as is."""
    if "Condition" in rule:
        text = str(rule["Condition"])
        return text[2:-2].strip() if text.startswith("{%") and text.endswith("%}") else text
    for op, joiner in (("And", " and "), ("Or", " or ")):
        if isinstance(rule.get(op), list):
            return "(" + joiner.join(rule_text(r) for r in rule[op] if isinstance(r, dict)) + ")"
    if isinstance(rule.get("Not"), dict):
        return "not " + rule_text(rule["Not"])
    variable = rule.get("Variable", "?")
    for key, value in rule.items():
        if key in ("Variable", "Next", "Comment", "Assign", "Output"):
            continue
        if key.startswith("Is"):
            return f"{variable} {key[2:].lower()}" if value is True else f"{variable} not {key[2:].lower()}"
        path = key.endswith("Path")
        base = key[:-4] if path else key
        for kind in ("String", "Numeric", "Boolean", "Timestamp"):
            if base.startswith(kind) and base[len(kind):] in _OPS:
                shown = value if path else json.dumps(value, ensure_ascii=False)
                return f"{variable} {_OPS[base[len(kind):]]} {shown}"
    return variable
