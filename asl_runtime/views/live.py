"""The live view (`asl run --live`): the running states, Map progress, retries as they happen.

An observer of the engine's event stream feeds the same ExecutionModel every other view draws;
rich's Live redraws a frame of it a few times a second. The live area is transient: when the
execution ends it is cleared and the ordinary execution view is printed, so a terminal's
scroll-back keeps one clean final frame. Nothing is drawn live unless the console is a terminal.
"""

from __future__ import annotations

import threading
import time

from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from .model import Event, ExecutionModel
from .tree import GLYPH, seconds, short_cause

BAR = 24
RECENT = 6


class LiveModel:
    """A thread-safe ExecutionModel fed by the engine's observer calls."""

    def __init__(self, definition: dict | None = None):
        self.model = ExecutionModel(definition)
        self.model.source = "real"
        self.lock = threading.Lock()
        self.log: list[Text] = []

    def __call__(self, event) -> None:
        converted = from_engine_event(event)
        with self.lock:
            self.model.feed(converted)
            note = _note(converted)
            if note is not None:
                self.log.append(note)
                del self.log[:-RECENT]


def from_engine_event(event) -> Event:
    """The engine's Event (engine/events.py) as the model's; engine-only events have no history id."""
    event_id = getattr(event, "id", None) or None
    return Event(type=event.type, id=event_id, previous_id=getattr(event, "previous_id", None),
                 timestamp=getattr(event, "timestamp", None), details=dict(getattr(event, "details", None) or {}),
                 scope=tuple(getattr(event, "scope", None) or ()))


def _note(event: Event) -> Text | None:
    d = event.details
    if event.type == "RetryScheduled":
        return Text.assemble(("↻ ", "yellow"), (str(d.get("name")), "bold"), f" failed with {d.get('error')}",
                             f"; retry {d.get('attempt')} in {seconds(d.get('backoff_seconds'))}", style="yellow")
    if event.type == "CatchTaken":
        return Text.assemble(("⚠ ", "yellow"), (str(d.get("name")), "bold"),
                             f" caught {d.get('error')} → {d.get('next')}", style="yellow")
    if event.type == "StateFailed":
        return Text.assemble(("✗ ", "red"), (str(d.get("name")), "bold"),
                             f" failed: {d.get('error')} {short_cause(d.get('cause'))}", style="red")
    return None


def frame(live: LiveModel, now: float | None = None) -> Group:
    """One frame: the execution line, each running state (Maps with their progress), recent news."""
    with live.lock:
        model = live.model
        now = time.time() if now is None else now
        lines = [Text.assemble(("Execution ", "bold"), (model.status, "bold cyan" if model.status == "RUNNING"
                                                        else "bold"),
                               f"  {seconds(None if model.started is None else max(0.0, now - model.started))}",
                               f"  {model.transitions} state transitions")]
        for depth, visit in model.walk():
            if not visit.open:
                continue
            mark, style = GLYPH["RUNNING"]
            line = Text("  " * (depth + 1))
            line.append(f"{mark} ", style=style)
            line.append(visit.qualified_name, style="bold")
            line.append(f"  {visit.type}", style="cyan")
            if visit.entered is not None:
                line.append(f"  {seconds(max(0.0, now - visit.entered))}", style="magenta")
            if visit.attempts and visit.attempts[-1].error is not None:
                line.append(f"  {visit.attempts[-1].error}, retrying", style="yellow")
            elif len(visit.attempts) > 1:
                last = visit.attempts[-2]
                line.append(f"  attempt {len(visit.attempts)} (after {last.error})", style="yellow")
            if visit.type == "Map":
                line.append("  ")
                line.append_text(progress(visit))
            lines.append(line)
        if live.log:
            lines.append(Text("recent", style="dim"))
            lines.extend(Text("  ") + note for note in live.log)
        return Group(*lines)


def progress(visit) -> Text:
    """[████▒▒····] done/failed/running of N for a Map."""
    total = visit.map_length if visit.map_length is not None else len(visit.children)
    done = sum(1 for c in visit.children.values() if c.status == "SUCCEEDED")
    failed = sum(1 for c in visit.children.values() if c.status in ("FAILED", "ABORTED"))
    running = sum(1 for c in visit.children.values() if c.status == "RUNNING")
    if total <= 0:
        return Text("0 items", style="dim")
    cells_done = round(done / total * BAR)
    cells_failed = min(BAR - cells_done, round(failed / total * BAR))
    cells_running = min(BAR - cells_done - cells_failed, round(running / total * BAR))
    bar = Text("[")
    bar.append("█" * cells_done, style="green")
    bar.append("█" * cells_failed, style="red")
    bar.append("▒" * cells_running, style="cyan")
    bar.append("·" * (BAR - cells_done - cells_failed - cells_running), style="dim")
    bar.append("]")
    bar.append(f" {done} done, {failed} failed, {running} running of {total}")
    return bar


def run_live(console: Console, definition: dict | None, start):
    """Run `start(observer)` (which runs the execution and returns its result) under a Live view."""
    live_model = LiveModel(definition)
    with Live(console=console, get_renderable=lambda: frame(live_model), refresh_per_second=8,
              transient=True, redirect_stdout=False, redirect_stderr=False):
        result = start(live_model)
    return result, live_model.model
