"""The timeline: one bar per state visit in (simulated) time, the critical path marked.

The critical path is the chain of visits the execution's duration is made of: every top-level
state (they run one after another), and inside each Map or Parallel on the path the iteration or
branch that finished last. Its bars are solid (█), the others shaded (▒), so it reads without
colour too.
"""

from __future__ import annotations

from rich.console import Group
from rich.text import Text

from .model import ExecutionModel, StateVisit
from .tree import ITERATIONS_SHOWN, seconds


def critical_path(model: ExecutionModel) -> set[int]:
    """The `seq` numbers of the visits on the critical path."""
    marked: set[int] = set()

    def walk(states):
        for visit in states:
            marked.add(visit.seq)
            children = visit.ordered_children()
            if children:
                last = max(children, key=_scope_end)
                walk(last.states)

    walk(model.root)
    return marked


def _scope_end(scope) -> float:
    ends = [v.left for v in scope.states if v.left is not None]
    if scope.ended is not None:
        ends.append(scope.ended)
    return max(ends) if ends else float("-inf")


def rows(model: ExecutionModel) -> list[tuple[int, StateVisit, str | None]]:
    """(depth, visit, iteration/branch label or None) as the tree shows them (Maps capped)."""
    out: list = []

    def walk(states, depth, label):
        for i, visit in enumerate(states):
            out.append((depth, visit, label if i == 0 else None))
            children = visit.ordered_children()
            keep = range(len(children))
            if visit.type == "Map" and len(children) > ITERATIONS_SHOWN + 1:
                keep = sorted(set(range(ITERATIONS_SHOWN)) | {len(children) - 1}
                              | {j for j, c in enumerate(children) if c.status == "FAILED"})
            for j in keep:
                child = children[j]
                walk(child.states, depth + 1, f"[{child.index}]" if child.kind == "Map" else f"b{child.index}")

    walk(model.root, 0, None)
    return out


def timeline(model: ExecutionModel, width: int = 80) -> Group:
    start = model.started
    end = None
    if start is not None:
        duration = model.duration
        end = start + duration if duration is not None else None
    lines = [Text("Timeline", style="bold")]
    if start is None or end is None:
        lines.append(Text("  (this history has no timestamps to draw a timeline from)", style="dim"))
        return Group(*lines)
    span = max(end - start, 1e-9)
    table = rows(model)
    label_width = min(32, max([len(_label(d, v, tag)) for d, v, tag in table] + [5]))
    bar_width = max(10, width - label_width - 12)
    critical = critical_path(model)
    for depth, visit, tag in table:
        label = _label(depth, visit, tag)
        if len(label) > label_width:
            label = label[: label_width - 1] + "…"
        line = Text(label.ljust(label_width) + " ", style="bold" if visit.seq in critical else "")
        entered = visit.entered if visit.entered is not None else start
        left = visit.left if visit.left is not None else end
        a = int(round((entered - start) / span * bar_width))
        b = int(round((left - start) / span * bar_width))
        a = min(max(a, 0), bar_width - 1)
        b = min(max(b, a + 1), bar_width)
        on_path = visit.seq in critical
        line.append(" " * a)
        line.append(("█" if on_path else "▒") * (b - a),
                    style=("red" if visit.status == "FAILED" else "magenta") if on_path else "dim")
        line.append(" " * (bar_width - b))
        line.append(f" {seconds(visit.duration):>9}", style="magenta")
        lines.append(line)
    scale = Text(" " * label_width + " ")
    scale.append("0s".ljust(bar_width - len(seconds(span))) + seconds(span), style="dim")
    lines.append(scale)
    lines.append(Text(" " * label_width + " █ critical path  ▒ other branches and iterations", style="dim"))
    return Group(*lines)


def _label(depth: int, visit: StateVisit, tag: str | None) -> str:
    prefix = "  " * depth
    if tag:
        prefix = "  " * max(0, depth - 1) + tag.ljust(2)[:4] + " "
    return prefix + visit.name
