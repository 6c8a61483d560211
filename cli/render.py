"""Terminal views for people (rich): validation reports and executions."""

from __future__ import annotations

import json

from rich.table import Table
from rich.text import Text

_STATUS_STYLE = {"SUCCEEDED": "bold green", "FAILED": "bold red", "TIMED_OUT": "bold yellow",
                 "ABORTED": "bold yellow"}


def render_validation(reports) -> None:
    from asl_runtime.views.console import make_console

    console = make_console()  # piped: one problem a line, never hard-wrapped
    for report in reports:
        if report["valid"]:
            console.print(Text.assemble(("✓ ", "green"), (report["file"], "bold"), " is valid"))
            continue
        console.print(Text.assemble(("✗ ", "red"), (report["file"], "bold"),
                                    f": {len(report['errors'])} problem(s)"))
        for err in report["errors"]:
            console.print(Text.assemble("  ", (err["path"], "cyan"), "  ", err["message"]))


def _short(value, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_execution(result, show_history: bool = False, *, definition: dict | None = None,
                     clock: str = "virtual", show_io: bool = False, state: str | None = None,
                     timeline: bool = False, graph: bool = False, no_color: bool = False,
                     model=None) -> None:
    """The execution tree (then timeline, graph, I/O on request), the output or error, the history."""
    from asl_runtime.views.console import make_console
    from asl_runtime.views.text import render_execution_view

    console = make_console(no_color)
    if model is None:
        model = execution_model(result, definition, clock)
    render_execution_view(console, model, show_io=show_io, state=state, show_timeline=timeline,
                          graph_definition=definition if graph else None)
    if show_history:
        table = Table(title="History", header_style="bold",
                      caption="details cut at 60 characters (…); --format json --history has them whole")
        for col in ("id", "prev", "type", "details"):
            table.add_column(col)
        for ev in result.history:
            details = next((v for k, v in ev.items() if k.endswith("EventDetails")), None)
            table.add_row(str(ev["id"]), str(ev["previousEventId"]), ev["type"],
                          _short(details) if details is not None else "")
        console.print(table)


def run_live(run, definition, no_color: bool = False):
    """Run with the live view drawing from the event stream; (result, the model it drew)."""
    from asl_runtime.views.console import make_console
    from asl_runtime.views.live import run_live as live

    result, model = live(make_console(no_color), definition, lambda observer: run([observer]))
    model.execution_arn = result.execution_arn
    return result, model


def execution_model(result, definition, clock):
    """The views' model of a run: the same one `asl show` builds from an AWS history."""
    from asl_runtime.views.model import ExecutionModel

    model = ExecutionModel.from_history(result.history, definition=definition)
    model.execution_arn = result.execution_arn
    model.source = clock
    # What the history does not say but the engine's visit records do: the Choice rule matched.
    pending: dict = {}
    for visit in getattr(result, "visits_all", None) or ():
        pending.setdefault(visit.qualified_name, []).append(visit)
    for _, visit in model.walk():
        records = pending.get(visit.qualified_name)
        if records:
            record = records.pop(0)
            if getattr(record, "choice_rule", None) is not None:
                visit.choice_rule = record.choice_rule
    return model
