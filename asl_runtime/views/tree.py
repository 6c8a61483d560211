"""The execution tree: each state with its outcome and duration, children nested under parents."""

from __future__ import annotations

import json

from rich.text import Text
from rich.tree import Tree

from .cost import estimate_cost
from .model import ExecutionModel, ScopeRun, StateVisit

GLYPH = {"SUCCEEDED": ("✓", "green"), "CAUGHT": ("⚠", "yellow"), "FAILED": ("✗", "red"),
         "ABORTED": ("■", "yellow"), "TIMED_OUT": ("⏱", "red"), "RUNNING": ("▶", "cyan")}
STATUS_STYLE = {"SUCCEEDED": "bold green", "FAILED": "bold red", "TIMED_OUT": "bold red",
                "ABORTED": "bold yellow", "RUNNING": "bold cyan"}
#: Map iterations shown in full; the rest are summed up in one line (failed ones always shown).
ITERATIONS_SHOWN = 10
CAUSE_LIMIT = 160
IO_LIMIT = 300


def seconds(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 60:
        return f"{value:.3f}s"
    if value < 3600:
        return f"{int(value // 60)}m{value % 60:06.3f}s"
    return f"{int(value // 3600)}h{int(value % 3600 // 60):02d}m{value % 60:02.0f}s"


def compact(value, limit: int | None = None) -> tuple[str, int]:
    """Compact JSON text, cut at `limit` characters; returns (text, characters left out)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    if limit is None or len(text) <= limit:
        return text, 0
    return text[:limit] + "…", len(text) - limit


def short_cause(cause) -> str:
    """A Lambda cause is a JSON error document: its errorMessage says it best."""
    if cause is None:
        return ""
    text = cause
    if isinstance(cause, str):
        try:
            doc = json.loads(cause)
        except ValueError:
            doc = None
        if isinstance(doc, dict) and isinstance(doc.get("errorMessage"), str):
            text = doc["errorMessage"]
    elif not isinstance(cause, str):
        text = json.dumps(cause, ensure_ascii=False)
    text = " ".join(str(text).split())
    return text if len(text) <= CAUSE_LIMIT else text[:CAUSE_LIMIT] + "…"


def glyph(status: str) -> Text:
    mark, style = GLYPH.get(status, ("?", ""))
    return Text(mark, style=style)


def summary_line(model: ExecutionModel) -> Text:
    """Execution STATUS  duration  transitions  cost  ARN."""
    status = model.status
    parts = [("Execution ", "bold"), (status, STATUS_STYLE.get(status, "bold"))]
    duration = model.duration
    if duration is not None:
        parts.append(f"  {seconds(duration)}" + (" simulated" if model.source == "virtual" else ""))
    transitions = model.transitions
    parts.append(f"  {transitions} state transition{'s' if transitions != 1 else ''}")
    cost = estimate_cost(model)
    if cost is not None:
        parts.append((f"  ≈ ${cost:.6f}", "dim"))
    return Text.assemble(*parts)


def execution_tree(model: ExecutionModel, show_io: bool = False, only: str | None = None) -> Tree:
    tree = Tree(summary_line(model), guide_style="dim")
    _add_states(tree, model.root, show_io, only)
    return tree


def _add_states(parent: Tree, states: list, show_io: bool, only: str | None) -> None:
    for visit in states:
        node = parent.add(visit_label(visit))
        _add_details(node, visit, show_io or (only is not None and only in (visit.name, visit.qualified_name)))
        _add_children(node, visit, show_io, only)


def visit_label(visit: StateVisit) -> Text:
    label = Text.assemble(glyph(visit.status), " ", (visit.name, "bold"), "  ", (visit.type, "cyan"),
                          "  ", (seconds(visit.duration), "magenta"))
    extra = _extra(visit)
    if extra:
        label.append("  ")
        label.append_text(extra)
    return label


def _extra(visit: StateVisit) -> Text:
    parts: list[tuple[str, str]] = []
    if visit.type == "Choice" and visit.next:
        rule = ("Default" if visit.choice_rule == -1 else f"rule {visit.choice_rule}") \
            if visit.choice_rule is not None else None
        parts.append((f"→ {visit.next}" + (f" ({rule})" if rule else ""), "blue"))
    if visit.type == "Map" and (visit.map_length is not None or visit.children):
        counts = _counts(visit.ordered_children())
        total = visit.map_length if visit.map_length is not None else len(visit.children)
        parts.append((f"{total} item{'s' if total != 1 else ''}" + (f": {counts}" if counts else ""), ""))
    if visit.type == "Parallel":
        parts.append((f"{len(visit.children)} branch{'es' if len(visit.children) != 1 else ''}", ""))
    if len(visit.attempts) > 1:
        parts.append((f"{len(visit.attempts)} attempts", "yellow"))
    if visit.status == "CAUGHT" and visit.caught is not None:
        parts.append((f"caught {visit.caught.error}" + (f" → {visit.caught.next}" if visit.caught.next else ""),
                      "yellow"))
    elif visit.status == "FAILED" and visit.error:
        cause = short_cause(visit.cause)
        parts.append((f"{visit.error}" + (f": {cause}" if cause else ""), "red"))
    elif visit.status == "ABORTED":
        parts.append(("aborted", "yellow"))
    elif visit.status == "RUNNING":
        parts.append(("running", "cyan"))
    out = Text()
    for i, (text, style) in enumerate(parts):
        if i:
            out.append("  ")
        out.append(text, style=style)
    return out


def _counts(children: list) -> str:
    tally: dict[str, int] = {}
    for child in children:
        tally[child.status] = tally.get(child.status, 0) + 1
    order = ("SUCCEEDED", "FAILED", "ABORTED", "RUNNING")
    return " ".join(f"{tally[s]} {GLYPH[s][0]}" for s in order if tally.get(s))


def _add_details(node: Tree, visit: StateVisit, show_io: bool) -> None:
    if len(visit.attempts) > 1 or (visit.attempts and visit.attempts[0].error and visit.type == "Task"):
        for attempt in visit.attempts:
            line = Text.assemble(("attempt ", "dim"), str(attempt.number), "  ", glyph(
                "SUCCEEDED" if attempt.error is None and attempt.ended is not None
                else "RUNNING" if attempt.ended is None else "FAILED"), " ",
                (seconds(None if attempt.started is None or attempt.ended is None
                         else attempt.ended - attempt.started), "magenta"))
            if attempt.error is not None:
                line.append(f"  {attempt.error}", style="red")
                cause = short_cause(attempt.cause)
                if cause:
                    line.append(f": {cause}", style="red")
            if attempt.backoff_seconds is not None:
                line.append(f"  retry after {seconds(attempt.backoff_seconds)}", style="yellow")
            elif attempt is visit.attempts[-1] and visit.status == "CAUGHT" and visit.caught:
                line.append(f"  Catch → {visit.caught.next or '?'}", style="yellow")
            node.add(line)
    for child in visit.child_executions:
        node.add(Text.assemble(("↳ child ", "dim"), child["kind"], " ", (child["arn"], "dim"),
                               f"  {child['status']}" if child.get("status") else ""))
    if show_io:
        for label, value in (("input", visit.input), ("output", visit.output)):
            if label == "output" and visit.status not in ("SUCCEEDED", "CAUGHT"):
                continue
            text, left_out = compact(value, IO_LIMIT)
            line = Text.assemble((f"{label} ", "dim"), text)
            if left_out:
                line.append(f"  ({left_out:,} more characters; --format json has it all)", style="dim")
            node.add(line)


def _add_children(node: Tree, visit: StateVisit, show_io: bool, only: str | None) -> None:
    children = visit.ordered_children()
    shown = children
    if visit.type == "Map" and len(children) > ITERATIONS_SHOWN + 1:
        keep = set(range(ITERATIONS_SHOWN)) | {len(children) - 1}
        keep |= {i for i, c in enumerate(children) if c.status == "FAILED"}
        shown = [c for i, c in enumerate(children) if i in keep]
    hidden = len(children) - len(shown)
    for i, child in enumerate(shown):
        branch = node.add(scope_label(child))
        _add_states(branch, child.states, show_io, only)
        if hidden and i == ITERATIONS_SHOWN - 1:
            node.add(Text(f"… {hidden} more iterations not shown (all {_counts(children)})", style="dim"))


def scope_label(scope: ScopeRun) -> Text:
    start = scope.started if scope.started is not None else (scope.states[0].entered if scope.states else None)
    ends = [v.left for v in scope.states if v.left is not None]
    end = scope.ended if scope.ended is not None else (max(ends) if ends else None)
    duration = None if start is None or end is None else max(0.0, end - start)
    name = f"[{scope.index}]" if scope.kind == "Map" else f"branch {scope.index}"
    return Text.assemble(glyph(scope.status), " ", (name, "bold blue"), "  ", (seconds(duration), "magenta"))
