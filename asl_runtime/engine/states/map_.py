"""Map: run the item processor once per item; the result is the outputs in item order.

Inline iterations record their events in the execution's history; a distributed Map runs each
item as a child execution with its own history, as AWS does, so only MapRun events appear here.
"""

from __future__ import annotations

import heapq
from concurrent.futures import ThreadPoolExecutor
import uuid

from ...errors import EXCEED_TOLERATED_FAILURE_THRESHOLD, ASLError
from ...integrations.item_reader import ChildRun, map_run_ids, read_items, write_results
from ...query.io_jsonpath import to_json
from ...limits import MAX_THREADS
from ..clock import ExecutionAborted
from ...query.timestamps import format_epoch
from ..history import History


def run_map(frame, state, raw):
    effective = state.prepare(frame, raw)
    reader = state.item_reader
    if reader is not None:  # the items come from S3; ItemsPath and Items do not apply
        items = read_items(frame, reader, effective)
    else:
        items = state.read_items(frame, raw, effective)
    max_concurrency, tolerance = state.read_limits(frame, raw, effective)
    if state.read_batcher is not None:
        items = _batches(state.read_batcher(frame, raw, effective), items)

    frame.event("MapStateStarted", "mapStateStartedEventDetails", {"length": len(items)})
    tolerated_count, tolerated_pct = tolerance()
    map_run = None
    if state.distributed or state.result_writer is not None:
        map_run = map_run_ids(frame, state)
    if state.distributed:
        frame.event("MapRunStarted", "mapRunStartedEventDetails", {"mapRunArn": map_run[0]})
    runs = [] if state.result_writer is not None else None
    try:
        results = _iterate(frame, state, effective, items, max_concurrency, tolerated_count, tolerated_pct,
                           runs, map_run)
        if runs is not None:
            results = write_results(frame, state, state.result_writer, effective, runs, map_run)
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
    frame.last_event = len(frame.history)
    if state.distributed:
        frame.event("MapRunSucceeded")
    before = frame.last_event
    frame.event("MapStateSucceeded")
    frame.last_event = before  # AWS links MapStateExited to the event before MapStateSucceeded
    output = state.finish(frame, raw, results)
    assigned = state.assign(frame, raw, results) if state.assign is not None else None
    return output, None, assigned


def _iterate(frame, state, effective, items, max_concurrency, tolerated_count, tolerated_pct, runs=None,
             map_run=None):
    """Run every item; returns the outputs in item order (failed items as error objects when tolerated).

    `runs`, when a list, receives a ChildRun per item for the ResultWriter.
    """
    if not frame.clock.virtual:  # the real clock's time cannot be set, so even one item takes this path
        return _iterate_on_threads(frame, state, effective, items, max_concurrency, tolerated_count,
                                   tolerated_pct, runs, map_run)
    processor = state.processor
    selector = state.item_selector
    distributed = state.distributed
    name = state.name
    results = []
    failures = 0
    total = len(items)
    start = latest = frame.clock.now
    # One child frame serves every iteration in turn (iterations are sequential in virtual time);
    # each starts from the Map's start time, or when a MaxConcurrency slot frees.
    child = frame.child()
    scope = frame.scope
    outer_variables = frame.variables
    fresh_variables = processor.uses_variables
    add = child.history.add  # in the iteration's scope (child.scope is set per item)
    slots = [] if max_concurrency else None  # end times of busy slots
    for index, item in enumerate(items):
        if selector is not None:
            frame.set_map_item(index, item)
            value = selector(frame, effective)
        else:
            value = item
        child.clock.now = heapq.heappop(slots) if slots is not None and len(slots) >= max_concurrency else start
        child.scope = scope + (("Map", name, index),)
        if distributed:
            child.variables = {}  # a child workflow of its own: outer variables are out of reach
            child.history = History(25_000 if frame.execution.config.state_machine_type == "STANDARD" else None)
            child.last_event = 0
            child.execution = child_execution(frame.execution, state, map_run, index, value, child.clock.now)
        else:
            if fresh_variables:
                child.variables = dict(outer_variables)
            child.last_event = add("MapIterationStarted", frame.last_event, child.clock.now,
                                   "mapIterationStartedEventDetails", {"index": index, "name": name})
        begin = child.clock.now
        try:
            results.append(child.run(processor, value))
        except ASLError as err:
            if runs is not None:
                runs.append(_child_run(index, value, False, err.output(), begin, child.clock.now))
            latest = max(latest, child.clock.now)
            if slots is not None:
                heapq.heappush(slots, child.clock.now)
            failures += 1
            if not distributed:
                # MapIterationFailed and what follows it (MapStateFailed, or a retry's MapStateStarted)
                # share their predecessor, as AWS records them.
                child.last_event = frame.last_event = len(frame.history)
                child.event("MapIterationFailed", "mapIterationFailedEventDetails", {"index": index, "name": name})
            _check_tolerance(frame, latest, err, failures, total, tolerated_count, tolerated_pct)
            results.append(err.output())
            continue
        except ExecutionAborted:
            if not distributed:
                child.last_event = len(frame.history)
                child.event("MapIterationAborted", "mapIterationAbortedEventDetails", {"index": index, "name": name})
            frame.clock.now = max(latest, child.clock.now)
            raise
        end = child.clock.now
        if runs is not None:
            runs.append(_child_run(index, value, True, results[-1], begin, end))
        if end > latest:
            latest = end
        if slots is not None:
            heapq.heappush(slots, end)
        if not distributed:
            frame.last_event = child.last_event  # the next MapIterationStarted links past MapIterationSucceeded
            add("MapIterationSucceeded", child.last_event, end, "mapIterationSucceededEventDetails",
                {"index": index, "name": name})
    frame.set_map_item(None, None)
    frame.clock.now = latest
    return results


def child_execution(parent, state, map_run, index, value, start):
    """A distributed Map's child: an execution of its own, of the state machine `NAME/LABEL`.

    It shares the parent's integrations and table of visited states; what differs is what its
    context object (`$$.Execution`, `$$.StateMachine`) says, built only if a state reads it.
    """
    global _ChildExecution
    if _ChildExecution is None:
        _ChildExecution = _child_execution_class(type(parent))
    child = _ChildExecution.__new__(_ChildExecution)
    child.__dict__.update(parent.__dict__)
    child.map_child = (state, map_run, index, value, start)
    child._child_context = None
    return child


_ChildExecution = None


def _child_execution_class(base):
    class ChildExecution(base):
        """An Execution whose context describes one child workflow execution of a Map Run."""

        def _context_parts(self):
            parts = self._child_context
            if parts is None:
                state, map_run, index, value, start = self.map_child
                config = self.config
                machine_name = f"{config.state_machine_name}/{state.label or state.name}"
                # The name the ResultWriter's metadata gives the same child (item_reader._metadata).
                name = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{map_run[0] if map_run else self.__dict__['arn']}/{index}"))
                base_arn = f"arn:{config.partition}:states:{config.region}:{config.account_id}"
                if state.child_type == "EXPRESS":
                    arn = f"{base_arn}:express:{machine_name}:{name}:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"
                else:
                    arn = f"{base_arn}:execution:{machine_name}:{name}"
                execution = {"Id": arn, "Input": value, "StartTime": format_epoch(start), "Name": name,
                             "RoleArn": config.role_arn}
                if state.child_type != "EXPRESS":
                    execution["RedriveCount"] = 0
                parts = self._child_context = (
                    arn, execution, {"Id": f"{base_arn}:stateMachine:{machine_name}", "Name": machine_name})
            return parts

        context_execution = property(lambda self: self._context_parts()[1])
        context_state_machine = property(lambda self: self._context_parts()[2])

    return ChildExecution


def _check_tolerance(frame, latest, err, failures, total, tolerated_count, tolerated_pct):
    """Re-raise a failed iteration's error unless ToleratedFailure* allows it."""
    exceeded = (tolerated_count is None and tolerated_pct is None) or (
        tolerated_count is not None and failures > tolerated_count) or (
        tolerated_pct is not None and failures * 100.0 / total > tolerated_pct)
    if not exceeded:
        return
    if frame.clock.virtual:
        frame.clock.now = max(frame.clock.now, latest)
    if tolerated_count is None and tolerated_pct is None:
        raise err
    raise ASLError(EXCEED_TOLERATED_FAILURE_THRESHOLD,
                       "The specified tolerated failure threshold was exceeded") from err


def _child_run(index, value, ok, output, begin, end):
    return ChildRun(index, value, ok, output, begin, end)


def _iterate_on_threads(frame, state, effective, items, max_concurrency, tolerated_count, tolerated_pct,
                        runs=None, map_run=None):
    """Real clock: iterations run concurrently, at most MaxConcurrency (0: up to 40) at a time."""
    processor, name, distributed = state.processor, state.name, state.distributed
    inputs = []
    for index, item in enumerate(items):
        if state.item_selector is not None:
            frame.set_map_item(index, item)
            inputs.append(state.item_selector(frame, effective))
        else:
            inputs.append(item)
    frame.set_map_item(None, None)

    def one(index):
        if frame.execution.stopping:
            raise ExecutionAborted()  # queued behind MaxConcurrency when the stop came: never started
        child = frame.child(("Map", name, index))
        if distributed:
            child.variables = {}
            child.history = History(None)
            child.last_event = 0
            child.execution = child_execution(frame.execution, state, map_run, index, inputs[index],
                                              child.clock.now)
        else:
            child.event("MapIterationStarted", "mapIterationStartedEventDetails", {"index": index, "name": name})
        begin = child.clock.now
        try:
            out = child.run(processor, inputs[index])
        except ASLError as err:
            if not distributed:
                child.event("MapIterationFailed", "mapIterationFailedEventDetails", {"index": index, "name": name})
            if runs is not None:
                timings[index] = (begin, child.clock.now)
            return False, err
        except ExecutionAborted:
            if not distributed:
                child.event("MapIterationAborted", "mapIterationAbortedEventDetails", {"index": index, "name": name})
            raise
        if not distributed:
            child.event("MapIterationSucceeded", "mapIterationSucceededEventDetails", {"index": index, "name": name})
        if runs is not None:
            timings[index] = (begin, child.clock.now)
        return True, out

    timings = [(0.0, 0.0)] * len(items)
    workers = max_concurrency if max_concurrency and max_concurrency > 0 else MAX_THREADS
    results, failures = [], 0
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(items)))) as pool:
        for index, (ok, value) in enumerate(pool.map(one, range(len(items)))):
            if runs is not None:
                runs.append(_child_run(index, inputs[index], ok, value if ok else value.output(), *timings[index]))
            if ok:
                results.append(value)
                continue
            failures += 1
            try:
                _check_tolerance(frame, frame.clock.now, value, failures, len(items), tolerated_count,
                                 tolerated_pct)
            except ASLError:
                pool.shutdown(wait=False, cancel_futures=True)
                frame.last_event = len(frame.history)
                raise
            results.append(value.output())
    frame.last_event = len(frame.history)
    return results


def _batches(spec, items):
    """ItemBatcher (its fields evaluated): group items into {"Items": [...], "BatchInput": ...} objects."""
    size = spec.get("MaxItemsPerBatch")
    max_bytes = spec.get("MaxInputBytesPerBatch")
    batch_input = spec.get("BatchInput")
    batches, current, current_bytes = [], [], 0
    for item in items:
        item_bytes = len(to_json(item).encode())
        if current and ((size and len(current) >= size) or (max_bytes and current_bytes + item_bytes > max_bytes)):
            batches.append(current)
            current, current_bytes = [], 0
        current.append(item)
        current_bytes += item_bytes
    if current:
        batches.append(current)
    out = []
    for batch in batches:
        entry = {"Items": batch}
        if batch_input is not None:
            entry["BatchInput"] = batch_input
        out.append(entry)
    return out
