"""Starting executions in the background, persisted through the store as they go.

`StateMachine.start(..., store=...)` makes the engine write the record, every event, the tokens
and a checkpoint after each top-level state; the server keeps the handle so StopExecution can
reach it, until the execution's last event.
"""

from __future__ import annotations

_ENDED = frozenset({"ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"})


def start(machine, input, store, *, name: str, on_done, observers=(), **run_options):
    """A RunningExecution (`.arn`, `.stop()`, `.result()`, `.done()`); `on_done(arn)` at its end."""

    def ended(event):
        if event.type in _ENDED and not event.scope:
            on_done(event.execution_arn)

    return machine.start(input, store=store, execution_name=name, observers=[ended, *observers], **run_options)
