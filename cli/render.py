"""Terminal views for people (rich): validation reports and executions."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table
from rich.text import Text

_STATUS_STYLE = {"SUCCEEDED": "bold green", "FAILED": "bold red", "TIMED_OUT": "bold yellow",
                 "ABORTED": "bold yellow"}


def render_validation(reports) -> None:
    console = Console()
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


def render_execution(result, show_history: bool = False) -> None:
    console = Console()
    console.print(Text.assemble(("Execution ", "bold"), (result.status, _STATUS_STYLE.get(result.status, "")),
                                f"  ({result.duration:.3f}s simulated)  ", (result.execution_arn, "dim")))
    if result.states:
        table = Table(title="States visited", show_lines=False, header_style="bold")
        table.add_column("#", justify="right", style="dim")
        table.add_column("State")
        table.add_column("Type", style="cyan")
        table.add_column("Entered (+s)", justify="right")
        table.add_column("Took (s)", justify="right")
        table.add_column("Outcome")
        start = result.states[0][2]
        numbered = list(enumerate(result.states, start=1))
        shown = numbered if len(numbered) <= 200 else numbered[:100] + numbered[-100:]
        styles = {"SUCCEEDED": "green", "FAILED": "red", "CAUGHT": "yellow"}
        for i, (name, type_, entered, left, outcome) in shown:
            table.add_row(str(i), name, type_, f"{entered - start:.3f}", f"{left - entered:.3f}",
                          Text(outcome.lower(), style=styles.get(outcome, "")))
        if len(result.states) > 200:
            table.caption = f"{len(result.states)} states visited; first and last 100 shown"
        console.print(table)
    if result.status == "SUCCEEDED":
        console.print(Text("Output", style="bold"))
        console.print_json(json.dumps(result.output, ensure_ascii=False))
    else:
        console.print(Text.assemble(("Error: ", "bold red"), str(result.error)))
        if result.cause is not None:
            console.print(Text.assemble(("Cause: ", "bold"), str(result.cause)))
    if show_history:
        table = Table(title="History", header_style="bold")
        for col in ("id", "prev", "type", "details"):
            table.add_column(col)
        for ev in result.history:
            details = next((v for k, v in ev.items() if k.endswith("EventDetails")), None)
            table.add_row(str(ev["id"]), str(ev["previousEventId"]), ev["type"],
                          _short(details) if details is not None else "")
        console.print(table)
