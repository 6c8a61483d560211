"""Starting executions in the background, persisted through the store as they go.

With the engine's `StateMachine.start(..., store=...)` the engine itself writes the record, every
event, the tokens and a checkpoint after each top-level state; the server only keeps the handle
so StopExecution can reach it.
"""

from __future__ import annotations

import threading
import time

from .store_sqlite import ExecutionRecord

#: Whether the engine can continue an execution from a checkpoint (the engine seams).
CAN_RESUME = False


def start(machine, input, store, *, arn: str, state_machine_arn: str, name: str, on_done, **run_options):
    """A RunningExecution-like handle (`.arn`, `.stop()`, `.result()`, `.done()`)."""
    if CAN_RESUME:
        handle = machine.start(input, store=store, execution_name=name, **run_options)
        threading.Thread(target=_wait, args=(handle, on_done), daemon=True).start()
        return handle
    return _ThreadExecution(machine, input, store, arn, state_machine_arn, name, on_done, run_options)


def _wait(handle, on_done):
    try:
        handle.result()
    finally:
        on_done(handle.arn)


class _ThreadExecution:
    """TEMPORARY until the engine seams land: run() on a thread, persisted when it ends."""

    def __init__(self, machine, input, store, arn, state_machine_arn, name, on_done, run_options):
        self.arn = arn
        self._result = None
        self._done = threading.Event()
        run_options.pop("resume", None)
        run_options.pop("observers", None)

        def body():
            try:
                result = machine.run(input, execution_name=name, **run_options)
                previous = store.get_execution(arn)
                store.append_events(arn, result.history)
                store.save_execution(ExecutionRecord(
                    arn=arn, state_machine_arn=state_machine_arn, name=name, status=result.status,
                    input=input, output=result.output, error=result.error, cause=result.cause,
                    start_date=previous.start_date if previous else time.time(), stop_date=time.time()))
                self._result = result
            finally:
                self._done.set()
                on_done(arn)

        threading.Thread(target=body, daemon=True).start()

    def stop(self, error=None, cause=None):
        raise NotImplementedError("stopping an execution needs the engine seams")

    def result(self, timeout=None):
        self._done.wait(timeout)
        return self._result

    def done(self):
        return self._done.is_set()
