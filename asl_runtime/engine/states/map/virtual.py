"""Map iterations in simulated time: one after another, each starting when a slot is free.

Each iteration starts at the Map's start time or, under MaxConcurrency, when the earliest busy
slot ends, so the Map takes as long in simulated time as it would on AWS. One child frame
serves every iteration in turn, which keeps a 10,000-item Map cheap. The events link as AWS
records them: an iteration's MapIterationSucceeded and the next MapIterationStarted both follow
the iteration's last event; MapIterationFailed follows the newest event in the history.
"""

from __future__ import annotations

import heapq

from ....errors import ASLError
from ...clock import ExecutionAborted


def run_in_virtual_time(run) -> list:
    frame, state = run.frame, run.state
    processor, distributed = state.processor, run.distributed
    results = []
    start = latest = frame.clock.now
    child = frame.child()
    scope = frame.scope
    outer_variables = frame.variables
    fresh_variables = processor.uses_variables
    add = child.history.add  # in the iteration's scope (child.scope is set per item)
    slots = [] if run.max_concurrency else None  # end times of busy slots
    for index in range(len(run.items)):
        value = run.input_of(index)
        child.clock.now = heapq.heappop(slots) if slots is not None and len(slots) >= run.max_concurrency else start
        child.scope = scope + (("Map", run.name, index),)
        if distributed:
            run.as_child_execution(child, index, value)
            run.child_note(index)
        else:
            if fresh_variables:
                child.variables = dict(outer_variables)
            child.last_event = add("MapIterationStarted", frame.last_event, child.clock.now,
                                   "mapIterationStartedEventDetails", run.details(index))
        begin = child.clock.now
        try:
            output = child.run(processor, value)
        except ASLError as err:
            end = child.clock.now
            run.record(index, value, False, err.output(), begin, end)
            if distributed:
                run.child_note(index, "FAILED")
                run.child_ended()
            latest = max(latest, end)
            if slots is not None:
                heapq.heappush(slots, end)
            if not distributed:
                # MapIterationFailed and what follows it (MapStateFailed, or a retry's MapStateStarted)
                # share their predecessor, as AWS records them.
                child.last_event = frame.last_event = len(frame.history)
                run.iteration_event(child, "Failed", index)
            results.append(run.tolerate(err, latest))
            continue
        except ExecutionAborted:
            if distributed:
                run.child_note(index, "ABORTED")
            else:
                child.last_event = len(frame.history)
                run.iteration_event(child, "Aborted", index)
            frame.clock.now = max(latest, child.clock.now)
            raise
        results.append(output)
        end = child.clock.now
        run.record(index, value, True, output, begin, end)
        if distributed:
            run.child_note(index, "SUCCEEDED")
            run.child_ended()
        if end > latest:
            latest = end
        if slots is not None:
            heapq.heappush(slots, end)
        if not distributed:
            frame.last_event = child.last_event  # the next MapIterationStarted links past MapIterationSucceeded
            add("MapIterationSucceeded", child.last_event, end, "mapIterationSucceededEventDetails",
                run.details(index))
    frame.set_map_item(None, None)
    frame.clock.now = latest
    return results
