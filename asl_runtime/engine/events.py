"""The event stream: every execution publishes what it does to observers registered on run().

Two kinds of events flow: the AWS history events (the same ones `result.history` shows, with
their ids) and a few engine-only events that views and coverage need (ENGINE_EVENT_TYPES, id 0).
History is recorded at one place (`History.add`); publishing happens there too, and only when an
observer is registered: an unobserved execution takes no extra step per transition.

Additions to the fixed interface: `Event.details_key` (the `...EventDetails` member AWS puts
`details` under, None for engine events and events without details) and `Event.to_aws()`, the
event as GetExecutionHistory returns it.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass
from typing import Callable

from ..query.timestamps import format_epoch
from .history import render_details


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    id: int
    previous_id: int
    timestamp: float
    details: dict
    scope: tuple
    execution_arn: str
    details_key: str | None = None

    def to_aws(self) -> dict:
        """The event shaped as in GetExecutionHistory (JSON-ready); engine events have no AWS shape."""
        event = {"timestamp": format_epoch(self.timestamp), "type": self.type, "id": self.id,
                 "previousEventId": self.previous_id}
        if self.details_key is not None:
            event[self.details_key] = render_details(self.details)
        return event


#: Engine-only event types and the keys of their details.
ENGINE_EVENT_TYPES = {
    "RetryScheduled": ("name", "error", "cause", "retrier_index", "attempt", "backoff_seconds"),
    "CatchTaken": ("name", "error", "cause", "catcher_index", "next"),
    "ChoiceRuleMatched": ("name", "rule_index", "next"),
    "ParallelBranchStarted": ("name", "index"),
    "ParallelBranchSucceeded": ("name", "index"),
    "ParallelBranchFailed": ("name", "index"),
    "StateFailed": ("name", "error", "cause"),
    "ChildExecutionStarted": ("name", "execution_arn"),
    "ChildExecutionEnded": ("name", "execution_arn", "status"),
    # A distributed Map's child executions, for DescribeMapRun's counts ("items": in that child).
    "MapRunItemsCounted": ("name", "map_run_arn", "items", "executions"),
    "MapRunChildStarted": ("name", "map_run_arn", "index", "items"),
    "MapRunChildEnded": ("name", "map_run_arn", "index", "items", "status"),
}

Observer = Callable[[Event], None]


class Publisher:
    """Delivers events to observers; an observer that raises is warned about once and detached."""

    __slots__ = ("observers", "execution_arn", "_lock")

    def __init__(self, observers, execution_arn: str):
        self.observers = list(observers)
        self.execution_arn = execution_arn
        self._lock = threading.Lock()

    def publish(self, type_: str, id_: int, previous: int, timestamp: float, details_key, details,
                scope: tuple) -> None:
        event = Event(type_, id_, previous, timestamp, details if details is not None else {}, scope,
                      self.execution_arn, details_key)
        for observer in self.observers:
            try:
                observer(event)
            except Exception as exc:  # noqa: BLE001 - an observer never changes the outcome
                with self._lock:
                    if observer not in self.observers:
                        continue
                    self.observers = [o for o in self.observers if o is not observer]
                warnings.warn(f"execution observer {_name(observer)} raised {type(exc).__name__}: {exc}; "
                              f"it is detached from {self.execution_arn}", RuntimeWarning, stacklevel=2)


def _name(observer) -> str:
    return getattr(observer, "__qualname__", None) or type(observer).__qualname__
