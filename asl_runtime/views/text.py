"""The text view of one execution: tree, optional timeline, graph and state I/O, then the end."""

from __future__ import annotations

import json

from rich.console import Console
from rich.text import Text

from .console import layout_width
from .graph_text import graph_text
from .model import ExecutionModel
from .timeline import timeline
from .tree import compact, execution_tree

OUTPUT_LIMIT = 20_000


def render_execution_view(console: Console, model: ExecutionModel, *, show_io: bool = False,
                          state: str | None = None, show_timeline: bool = False,
                          graph_definition: dict | None = None) -> None:
    if model.execution_arn:
        console.print(Text(model.execution_arn, style="dim"), soft_wrap=True)
    console.print(execution_tree(model, show_io=show_io, only=state))
    if state is not None:
        render_state_io(console, model, state)
    if show_timeline:
        console.print(timeline(model, layout_width(console)))
    if graph_definition is not None:
        console.print(graph_text(graph_definition, width=layout_width(console), path=model.state_names(),
                                 visits=_visit_counts(model)))
    render_end(console, model)


def _visit_counts(model: ExecutionModel) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _, visit in model.walk():
        counts[visit.name] = counts.get(visit.name, 0) + 1
    return counts


def render_state_io(console: Console, model: ExecutionModel, name: str) -> None:
    visits = model.visits(name)
    if not visits:
        known = ", ".join(sorted(model.state_names())) or "none"
        console.print(Text(f"No state named {name!r} was entered (states entered: {known})", style="yellow"))
        return
    for n, visit in enumerate(visits, start=1):
        console.print(Text.assemble((f"{visit.qualified_name}", "bold"), f"  visit {n} of {len(visits)}  ",
                                    (visit.status.lower(), "dim")))
        for label, value in (("input", visit.input), ("output", visit.output)):
            if label == "output" and visit.status not in ("SUCCEEDED", "CAUGHT"):
                continue
            console.print(Text(f"  {label}", style="dim"))
            _print_json(console, value, indent="    ")


def _print_json(console: Console, value, indent: str = "") -> None:
    text = json.dumps(value, ensure_ascii=False, indent=2, default=str)
    cut = len(text) - OUTPUT_LIMIT
    if cut > 0:
        text = text[:OUTPUT_LIMIT]
    console.print(Text("\n".join(indent + line for line in text.splitlines())), soft_wrap=True)
    if cut > 0:
        console.print(Text(f"{indent}… {cut:,} more characters not shown (--format json prints it all)",
                           style="dim"))


def render_end(console: Console, model: ExecutionModel) -> None:
    if model.status == "SUCCEEDED":
        console.print(Text("Output", style="bold"))
        _print_json(console, model.output)
    elif model.status == "RUNNING":
        console.print(Text("The history ends while the execution is still running.", style="cyan"))
    else:
        console.print(Text.assemble(("Error: ", "bold red"), str(model.error)), soft_wrap=True)
        if model.cause is not None:
            cause = model.cause if isinstance(model.cause, str) else compact(model.cause)[0]
            console.print(Text.assemble(("Cause: ", "bold"), cause), soft_wrap=True)
