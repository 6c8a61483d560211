"""Simulated and real time.

Under the virtual clock nothing sleeps: Wait states, retry back-off and handler sleeps move a
number forward.  Parallel branches and Map iterations each get a fork of the clock so that their
time overlaps; the parent then jumps to the latest fork (the critical path).
"""

from __future__ import annotations

import contextvars
import threading
import time


class ExecutionTimedOut(Exception):
    """The machine's TimeoutSeconds (or its type's limit) elapsed; not an ASL error, so nothing
    catches it.  `cause` says why when the end was not a plain deadline."""

    def __init__(self, cause: str | None = None):
        super().__init__(cause or "States.Timeout")
        self.cause = cause


class ExecutionAborted(Exception):
    """The execution was stopped from outside (StopExecution); nothing catches it either."""


class VirtualClock:
    __slots__ = ("now", "deadline")
    virtual = True

    def __init__(self, now: float, deadline: float | None = None):
        self.now = now
        self.deadline = deadline

    def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        target = self.now + seconds
        if self.deadline is not None and target > self.deadline:
            self.now = self.deadline
            raise ExecutionTimedOut()
        self.now = target

    def fork(self) -> "VirtualClock":
        return VirtualClock(self.now, self.deadline)

    def join(self, forks) -> None:
        self.now = max([self.now] + [f.now for f in forks])

    def check(self) -> None:
        if self.deadline is not None and self.now >= self.deadline:
            raise ExecutionTimedOut()


class RealClock:
    """Wall time.  `cancelled` is the execution's stop signal: a sleep ends early when it is set.

    `scale` is Step Functions Local's WAIT_TIME_SCALE: a Wait state or a retry back-off of N
    seconds takes N * scale real seconds (0: none); Tasks, timeouts and deadlines keep real time.
    """

    __slots__ = ("deadline", "cancelled", "scale")
    virtual = False

    def __init__(self, deadline: float | None = None, cancelled: threading.Event | None = None,
                 scale: float = 1.0):
        self.deadline = deadline
        self.cancelled = cancelled if cancelled is not None else threading.Event()
        self.scale = scale

    @property
    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        seconds *= self.scale
        if seconds <= 0:
            return
        if self.deadline is not None and time.time() + seconds > self.deadline:
            if self.cancelled.wait(max(0.0, self.deadline - time.time())):
                raise ExecutionAborted()
            raise ExecutionTimedOut()
        if self.cancelled.wait(seconds):
            raise ExecutionAborted()

    def fork(self) -> "RealClock":
        return self

    def join(self, forks) -> None:
        pass

    def check(self) -> None:
        if self.deadline is not None and time.time() >= self.deadline:
            raise ExecutionTimedOut()


#: The clock of the Task whose handler is running on this thread (for asl_runtime.sleep).
current_clock: contextvars.ContextVar = contextvars.ContextVar("asl_runtime_clock", default=None)


def sleep(seconds: float) -> None:
    """Take time inside a handler: simulated under the virtual clock, real otherwise."""
    clock = current_clock.get()
    if clock is None:
        time.sleep(seconds)
    elif clock.virtual:
        clock.now += seconds  # deadlines are judged by the Task after the handler returns
    else:
        time.sleep(seconds)
