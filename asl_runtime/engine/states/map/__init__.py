"""Map: run the item processor once per item; the result is the outputs in item order.

Inline iterations record their events in the execution's history; a distributed Map runs each
item as a child execution with its own history, as AWS does, so only MapRun events appear here.
The state (this module) reads the items and limits and records the Map's own events; a MapRun
(run.py) is what every iteration shares; the iterations run one after another in simulated time
(virtual.py) or on threads under the real clock (threads.py).
"""

from __future__ import annotations

from ....errors import ASLError
from ...clock import ExecutionAborted
from .batching import batches
from .run import MapRun, map_run_ids
from .threads import run_on_threads
from .virtual import run_in_virtual_time


def run_map(frame, state, raw):
    effective = state.prepare(frame, raw)
    reader = state.item_reader
    if reader is not None:  # the items come from S3; ItemsPath and Items do not apply
        items = frame.execution.services.read_items(frame, reader, effective)
    else:
        items = state.read_items(frame, raw, effective)
    max_concurrency, tolerance = state.read_limits(frame, raw, effective)
    if state.read_batcher is not None:
        items = batches(state.read_batcher(frame, raw, effective), items)

    frame.event("MapStateStarted", "mapStateStartedEventDetails", {"length": len(items)})
    tolerated_count, tolerated_pct = tolerance()
    map_run = map_run_ids(frame, state) if state.distributed or state.result_writer is not None else None
    if state.distributed:
        frame.event("MapRunStarted", "mapRunStartedEventDetails", {"mapRunArn": map_run[0]})
    services = frame.execution.services
    runs = services.result_collector(state, map_run) if state.result_writer is not None else None
    run = MapRun(frame, state, effective, items, max_concurrency, tolerated_count, tolerated_pct, map_run, runs)
    if state.distributed:
        run.counted()
    try:
        # The real clock's time cannot be set, so even one item runs on a thread under it.
        results = run_in_virtual_time(run) if frame.clock.virtual else run_on_threads(run)
        if runs is not None:
            results = services.write_results(frame, state, effective, runs, map_run)
    except ASLError:
        if state.distributed:
            frame.event("MapRunFailed")
        frame.failed_event = "MapStateFailed"  # recorded by run_state unless a Retrier takes the error
        raise
    except ExecutionAborted:
        if state.distributed:
            frame.last_event = len(frame.history)
            frame.event("MapRunAborted")
        raise
    finally:
        close = getattr(runs, "close", None)  # exported results spool to temporary files
        if close is not None:
            close()
    frame.last_event = len(frame.history)
    if state.distributed:
        frame.event("MapRunSucceeded")
    before = frame.last_event
    frame.event("MapStateSucceeded")
    frame.last_event = before  # AWS links MapStateExited to the event before MapStateSucceeded
    output = state.finish(frame, raw, results)
    assigned = state.assign(frame, raw, results) if state.assign is not None else None
    return output, None, assigned
