"""The definition as a graph: states, transitions and nesting, as data.

Built from the definition dict (no compiling), so the validator can use it on a definition that
is not valid yet: a transition to a missing state is an edge whose target is not a node.  Views,
coverage and the validator's reachability check read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str            # "next" | "choice" | "default" | "catch"
    index: int | None    # the choice rule's or catcher's index
    label: str           # the Choice rule as text, the catcher's ErrorEquals joined; "" for next


@dataclass(frozen=True)
class Node:
    name: str
    type: str
    end: bool                                  # End: true, Succeed or Fail
    comment: str | None = None
    branches: tuple["Graph", ...] = ()         # Parallel branches, in order
    processor: "Graph | None" = None           # Map ItemProcessor (or Iterator)
    retriers: tuple[tuple[str, ...], ...] = ()  # each Retrier's ErrorEquals
    catchers: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Graph:
    start_at: str
    nodes: dict            # name -> Node, in definition order
    edges: tuple[Edge, ...]

    def successors(self, name: str) -> list[Edge]:
        return [e for e in self.edges if e.source == name]

    def reachable(self) -> set[str]:
        """The states reachable from StartAt in this scope (not counting nested scopes)."""
        if self.start_at not in self.nodes:
            return set()
        out: dict[str, list[str]] = {}
        for edge in self.edges:
            out.setdefault(edge.source, []).append(edge.target)
        seen, todo = {self.start_at}, [self.start_at]
        while todo:
            for target in out.get(todo.pop(), ()):
                if target in self.nodes and target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen


def graph_of(definition: dict, nested: bool = True) -> Graph:
    """The graph of a definition (or of a branch / item processor: anything with StartAt, States).

    `nested=False` leaves Parallel branches and Map processors out (one scope's reachability).
    """
    states = definition.get("States") if isinstance(definition, dict) else None
    states = states if isinstance(states, dict) else {}
    nodes, edges = {}, []
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        nodes[name] = _node(name, state, nested)
        edges.extend(_edges(name, state))
    start = definition.get("StartAt") if isinstance(definition, dict) else None
    return Graph(start if isinstance(start, str) else "", nodes, tuple(edges))


def _node(name: str, state: dict, nested: bool) -> Node:
    type_ = state.get("Type") if isinstance(state.get("Type"), str) else ""
    branches = ()
    processor = None
    if not nested:
        pass
    elif type_ == "Parallel" and isinstance(state.get("Branches"), list):
        branches = tuple(graph_of(b) for b in state["Branches"] if isinstance(b, dict))
    elif type_ == "Map":
        inner = state.get("ItemProcessor", state.get("Iterator"))
        if isinstance(inner, dict):
            processor = graph_of(inner)
    comment = state.get("Comment")
    return Node(name=name, type=type_, end=state.get("End") is True or type_ in ("Succeed", "Fail"),
                comment=comment if isinstance(comment, str) else None, branches=branches, processor=processor,
                retriers=_error_lists(state.get("Retry")), catchers=_error_lists(state.get("Catch")))


def _error_lists(entries) -> tuple:
    out = []
    for entry in entries if isinstance(entries, list) else ():
        errors = entry.get("ErrorEquals") if isinstance(entry, dict) else None
        out.append(tuple(e for e in errors if isinstance(e, str)) if isinstance(errors, list) else ())
    return tuple(out)


def _edges(name: str, state: dict):
    if isinstance(state.get("Next"), str):
        yield Edge(name, state["Next"], "next", None, "")
    choices = state.get("Choices")
    for i, rule in enumerate(choices if isinstance(choices, list) else ()):
        if isinstance(rule, dict) and isinstance(rule.get("Next"), str):
            yield Edge(name, rule["Next"], "choice", i, rule_text(rule))
    if isinstance(state.get("Default"), str):
        yield Edge(name, state["Default"], "default", None, "Default")
    catchers = state.get("Catch")
    for i, catcher in enumerate(catchers if isinstance(catchers, list) else ()):
        if isinstance(catcher, dict) and isinstance(catcher.get("Next"), str):
            errors = catcher.get("ErrorEquals")
            label = ", ".join(e for e in errors if isinstance(e, str)) if isinstance(errors, list) else ""
            yield Edge(name, catcher["Next"], "catch", i, label)


_OPERATORS = {"Equals": "==", "LessThan": "<", "GreaterThan": ">", "LessThanEquals": "<=",
              "GreaterThanEquals": ">=", "Matches": "matches"}
_KINDS = ("String", "Numeric", "Boolean", "Timestamp")


def rule_text(rule: dict) -> str:
    """A Choice rule as people write it: `$.amount > 100`, `($.a == 1 and not $.b present)`;
    a JSONata Condition as written, without its {% %} delimiters."""
    if "Condition" in rule:
        text = rule["Condition"] if isinstance(rule["Condition"], str) else json.dumps(rule["Condition"])
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
        for kind in _KINDS:
            if base.startswith(kind) and base[len(kind):] in _OPERATORS:
                shown = value if path else json.dumps(value, ensure_ascii=False, default=str)
                return f"{variable} {_OPERATORS[base[len(kind):]]} {shown}"
    return variable
