"""Parallel: every branch gets the effective input; the result is their outputs in order."""

from ...errors import ASLError
from ..clock import ExecutionAborted
from ..concurrency import run_all


def run_parallel(frame, state, raw):
    payload = state.prepare(frame, raw)
    frame.event("ParallelStateStarted")
    name = state.name
    jobs = [(lambda child, b=branch, i=index: _branch(child, name, i, b, payload))
            for index, branch in enumerate(state.branches)]
    steps = [("Parallel", name, index) for index in range(len(jobs))]
    try:
        results, children = run_all(frame, jobs, steps=steps)
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


def _branch(child, name, index, branch, payload):
    """One branch, told to observers as started and succeeded or failed (engine events)."""
    child.note("ParallelBranchStarted", {"name": name, "index": index})
    try:
        out = child.run(branch, payload)
    except (ASLError, ExecutionAborted):
        child.note("ParallelBranchFailed", {"name": name, "index": index})
        raise
    child.note("ParallelBranchSucceeded", {"name": name, "index": index})
    return out
