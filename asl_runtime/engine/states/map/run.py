"""What every iteration of one Map run shares: its items, limits, failures so far and records.

Both schedulers (virtual.py, threads.py) go through a MapRun for an iteration's input, its
child-execution set-up (distributed), its MapIteration* events and the tolerated-failure check,
so the two differ only in how iterations are ordered in time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ....errors import EXCEED_TOLERATED_FAILURE_THRESHOLD, ASLError
from ....limits import MAX_CHILD_VISITS, MAX_EVENTS
from ...history import History
from ...visits import thin
from .distributed import child_execution


@dataclass
class ChildRun:
    """What a ResultWriter records about one item's child execution."""

    index: int
    input: Any
    ok: bool
    output: Any = None  # the output, or the error object {"Error", "Cause"} when it failed
    start: float = 0.0
    stop: float = 0.0


def map_run_ids(frame, state) -> tuple[str, str, str]:
    """(map run ARN, its id, the child state machine's ARN), the id stable for a given history position."""
    config = frame.execution.config
    run_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{frame.execution.arn}/{state.name}/{len(frame.history)}"))
    label = state.label or state.name
    base = f"arn:{config.partition}:states:{config.region}:{config.account_id}"
    return (f"{base}:mapRun:{config.state_machine_name}/{label}:{run_id}", run_id,
            f"{base}:stateMachine:{config.state_machine_name}/{label}")


class MapRun:
    __slots__ = ("frame", "state", "effective", "items", "max_concurrency", "tolerated_count", "tolerated_pct",
                 "map_run", "runs", "failures", "name", "distributed", "_child_events", "_visits_from")

    def __init__(self, frame, state, effective, items, max_concurrency, tolerated_count, tolerated_pct,
                 map_run, runs=None):
        self.frame, self.state, self.effective, self.items = frame, state, effective, items
        self.max_concurrency = max_concurrency
        self.tolerated_count, self.tolerated_pct = tolerated_count, tolerated_pct
        self.map_run = map_run  # (MapRunArn, ...) of a distributed Map or ResultWriter, else None
        self.runs = runs  # what takes a ChildRun per item, for the ResultWriter (Services.result_collector)
        self.failures = 0
        self.name = state.name
        self.distributed = state.distributed
        # A distributed child is an execution of its own: AWS caps a Standard one's history too.
        self._child_events = MAX_EVENTS if frame.execution.config.state_machine_type == "STANDARD" else None
        self._visits_from = len(frame.execution.visits)

    def child_ended(self) -> None:
        """After each distributed child: its states-visited rows stay bounded (limits.MAX_CHILD_VISITS)."""
        thin(self.frame.execution.visits, self._visits_from, MAX_CHILD_VISITS)

    def input_of(self, index: int):
        """The iteration's input: the item, or what ItemSelector makes of it (with $$.Map.Item)."""
        item = self.items[index]
        selector = self.state.item_selector
        if selector is None:
            return item
        self.frame.set_map_item(index, item)
        return selector(self.frame, self.effective)

    def as_child_execution(self, child, index: int, value) -> None:
        """Make `child` a distributed Map's child execution: no outer variables, its own history."""
        child.variables = {}
        child.history = History(self._child_events)
        child.last_event = 0
        child.execution = child_execution(self.frame.execution, self.state, self.map_run, index, value,
                                          child.clock.now)

    def counted(self) -> None:
        """MapRunItemsCounted: how many items and child executions the map run has (observers only)."""
        frame = self.frame
        if frame.history.observed:
            items = sum(self._items_in(index) for index in range(len(self.items)))
            frame.note("MapRunItemsCounted", {"name": self.name, "map_run_arn": self.map_run[0], "items": items,
                                              "executions": len(self.items)})

    def child_note(self, index: int, status: str | None = None) -> None:
        """MapRunChildStarted, or MapRunChildEnded with the child's status (observers only)."""
        frame = self.frame
        if frame.history.observed:
            details = {"name": self.name, "map_run_arn": self.map_run[0], "index": index,
                       "items": self._items_in(index)}
            if status is None:
                frame.note("MapRunChildStarted", details)
            else:
                details["status"] = status
                frame.note("MapRunChildEnded", details)

    def _items_in(self, index: int) -> int:
        """How many items child `index` processes: its batch's, or the one item."""
        return len(self.items[index]["Items"]) if self.state.read_batcher is not None else 1

    def details(self, index: int) -> dict:
        return {"index": index, "name": self.name}

    def iteration_event(self, child, kind: str, index: int) -> None:
        """MapIterationStarted/Succeeded/Failed/Aborted in the iteration's scope (inline Maps only)."""
        child.event("MapIteration" + kind, "mapIteration" + kind + "EventDetails", self.details(index))

    def record(self, index: int, value, ok: bool, output, begin: float, end: float) -> None:
        if self.runs is not None:
            self.runs.append(ChildRun(index, value, ok, output, begin, end))

    def tolerate(self, err: ASLError, latest: float):
        """A failed iteration's error output, unless it is one failure too many: then the Map fails."""
        self.failures += 1
        count, pct = self.tolerated_count, self.tolerated_pct
        exceeded = (count is None and pct is None) or (count is not None and self.failures > count) or (
            pct is not None and self.failures * 100.0 / len(self.items) > pct)
        if exceeded:
            clock = self.frame.clock
            if clock.virtual:
                clock.now = max(clock.now, latest)
            if count is None and pct is None:
                raise err
            raise ASLError(EXCEED_TOLERATED_FAILURE_THRESHOLD,
                           "The specified tolerated failure threshold was exceeded") from err
        return err.output()
