"""The compiled state machine: one object per state, every path and template already compiled.

These are plain slotted classes filled by `compiler.py`; the engine only reads them.  Fields hold
closures so a transition is attribute access plus calls, never parsing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Retrier:
    error_equals: tuple[str, ...]
    interval_seconds: float = 1
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: float | None = None
    jitter_strategy: str = "NONE"


@dataclass(frozen=True)
class Catcher:
    error_equals: tuple[str, ...]
    next: str
    # JSONPath: ResultPath placement; JSONata: Output template (see engine/io.py)
    finish: Callable | None = None
    assign: Callable | None = None


class State:
    """Fields every state has; type-specific subclasses add theirs."""

    __slots__ = ("name", "type", "next", "end", "jsonata", "prepare", "finish",
                 "assign", "retriers", "catchers", "entered_event_type", "exited_event_type", "definition")

    def __init__(self, name: str, type_: str, definition: dict):
        self.name = name
        self.type = type_
        self.definition = definition
        self.next: str | None = definition.get("Next")
        self.end: bool = bool(definition.get("End"))
        self.jsonata = False
        # prepare(frame, raw_input) -> effective input; finish(frame, raw_input, result) -> output
        self.prepare: Callable = None
        self.finish: Callable = None
        self.assign: Callable | None = None  # assign(frame, raw_input, result) -> dict
        self.retriers: tuple[Retrier, ...] = ()
        self.catchers: tuple[Catcher, ...] = ()
        self.entered_event_type = type_ + "StateEntered"
        self.exited_event_type = type_ + "StateExited"


class PassState(State):
    __slots__ = ("result",)


class TaskState(State):
    __slots__ = ("resource", "timeout", "heartbeat", "credentials")


class ChoiceRule:
    """matches(frame, effective) -> bool; finish and assign apply when it is the rule taken."""

    __slots__ = ("matches", "next", "finish", "assign")

    def __init__(self, matches, next_, finish, assign=None):
        self.matches, self.next, self.finish, self.assign = matches, next_, finish, assign


class ChoiceState(State):
    __slots__ = ("choices", "default")


class WaitState(State):
    __slots__ = ("wait_seconds",)  # wait_seconds(frame, effective) -> seconds to wait from now


class SucceedState(State):
    __slots__ = ()


class FailState(State):
    __slots__ = ("error", "cause")  # callables(frame, input) -> str | None


class ParallelState(State):
    __slots__ = ("branches",)


class MapState(State):
    """read_items(frame, raw, effective) -> list; read_limits(...) -> (MaxConcurrency, tolerance())
    where tolerance() -> (ToleratedFailureCount, ToleratedFailurePercentage); read_batcher(...) ->
    the ItemBatcher's evaluated fields, or None without one; item_selector(frame, effective)."""

    __slots__ = ("processor", "read_items", "item_selector", "read_limits", "read_batcher", "distributed",
                 "label", "item_reader", "result_writer", "child_type")


@dataclass
class Machine:
    """A scope of states: the whole machine, a Parallel branch or a Map item processor."""

    start_at: str
    states: dict[str, State]
    jsonata: bool = False
    timeout_seconds: float | None = None
    definition: Any = field(default=None, repr=False)
    uses_variables: bool = False
