"""Running a local handler as a Task's work: its clock, the Task's timeout, the machine's deadline, stop.

Under the virtual clock the handler runs inline and the time it took (asl_runtime.sleep) is
judged afterwards; under the real clock it runs on a thread that the Task stops waiting for at
TimeoutSeconds, at the machine's deadline, or when the execution is stopped.
"""

from __future__ import annotations

import threading
import time

from ..engine.clock import ExecutionAborted, ExecutionTimedOut, current_clock
from ..errors import TIMEOUT, ASLError


def run_handler(frame, timeout, call):
    """`call()`'s value; States.Timeout past `timeout` seconds, ExecutionTimedOut past the machine's."""
    clock = frame.clock
    if clock.virtual:
        start = clock.now
        deadline = start + timeout if timeout else None
        value = _with_clock(clock, call)
        if deadline is not None and clock.now > deadline and (clock.deadline is None or deadline <= clock.deadline):
            clock.now = deadline
            raise ASLError(TIMEOUT, "")
        if clock.deadline is not None and clock.now > clock.deadline:
            clock.now = clock.deadline  # the machine's TimeoutSeconds passed while the handler ran
            raise ExecutionTimedOut()
        return value
    outcome = {}

    def target():
        try:
            outcome["value"] = _with_clock(clock, call)
        except ASLError as exc:  # TaskFailed: the handler names the Task's error itself
            outcome["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    # Wait for the Task's timeout or the machine's deadline, whichever comes first, or a stop.
    machine_left = None if clock.deadline is None else max(0.0, clock.deadline - clock.now)
    waits = [w for w in (timeout, machine_left) if w is not None]
    _join(worker, min(waits) if waits else None, frame.execution.stop_event)
    if worker.is_alive():
        if machine_left is not None and (timeout is None or machine_left < timeout):
            raise ExecutionTimedOut()
        raise ASLError(TIMEOUT, "")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def remaining_ms(frame, timeout):
    """A context's get_remaining_time_in_millis: until the Task's timeout (900 s without one)."""
    clock = frame.clock
    deadline = clock.now + timeout if timeout else None
    return lambda: int(max(0.0, (deadline - clock.now) if deadline else 900.0) * 1000)


def _with_clock(clock, call):
    token = current_clock.set(clock)  # asl_runtime.sleep() inside the handler uses the Task's clock
    try:
        return call()
    finally:
        current_clock.reset(token)


def _join(worker: threading.Thread, limit: float | None, stop: threading.Event) -> None:
    """Wait for a handler thread up to `limit` seconds; a stopped execution stops waiting."""
    end = None if limit is None else time.monotonic() + limit
    while worker.is_alive():
        if stop.is_set():
            raise ExecutionAborted()
        left = None if end is None else end - time.monotonic()
        if left is not None and left <= 0:
            return
        worker.join(0.05 if left is None else min(0.05, left))
