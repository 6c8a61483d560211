"""Parallel: every branch gets the effective input; the result is their outputs in order."""

from ...errors import ASLError
from ..concurrency import run_all
from ..execution import run_scope


def run_parallel(frame, state, raw):
    payload = state.prepare(frame, raw)
    frame.event("ParallelStateStarted")
    jobs = [(lambda child, b=branch: run_scope(child, b, payload)) for branch in state.branches]
    try:
        results, children = run_all(frame, jobs)
    except ASLError:
        frame.last_event = len(frame.history)
        frame.failed_event = "ParallelStateFailed"  # recorded by run_state unless a Retrier takes the error
        raise
    frame.clock.join([c.clock for c in children])
    frame.last_event = len(frame.history)
    frame.event("ParallelStateSucceeded")
    frame.last_event -= 1  # AWS links ParallelStateExited to the event before ParallelStateSucceeded
    output = state.finish(frame, raw, results)
    assigned = state.assign(frame, raw, results) if state.assign is not None else None
    return output, None, assigned
