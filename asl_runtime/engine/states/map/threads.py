"""Map iterations under the real clock: concurrently, at most MaxConcurrency (0: up to 40) at a time.

Every input is made (ItemSelector) before the first iteration starts; each iteration runs on a
pool thread in a frame of its own and records its events as they happen. A failure past the
tolerated threshold cancels the iterations not yet started.  At most twice the concurrency of
iterations are queued at a time.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor

from ....errors import ASLError
from ....limits import MAX_THREADS
from ...clock import ExecutionAborted


def run_on_threads(run) -> list:
    frame, processor, distributed = run.frame, run.state.processor, run.distributed
    inputs = [run.input_of(index) for index in range(len(run.items))]
    frame.set_map_item(None, None)
    timings = [(0.0, 0.0)] * len(inputs)

    def one(index):
        if frame.execution.stopping:
            raise ExecutionAborted()  # queued behind MaxConcurrency when the stop came: never started
        child = frame.child(("Map", run.name, index))
        if distributed:
            run.as_child_execution(child, index, inputs[index])
            run.child_note(index)
        else:
            run.iteration_event(child, "Started", index)
        begin = child.clock.now
        try:
            output = child.run(processor, inputs[index])
        except ASLError as err:
            if distributed:
                run.child_note(index, "FAILED")
            else:
                run.iteration_event(child, "Failed", index)
            timings[index] = (begin, child.clock.now)
            return False, err
        except ExecutionAborted:
            if distributed:
                run.child_note(index, "ABORTED")
            else:
                run.iteration_event(child, "Aborted", index)
            raise
        if distributed:
            run.child_note(index, "SUCCEEDED")
        else:
            run.iteration_event(child, "Succeeded", index)
        timings[index] = (begin, child.clock.now)
        return True, output

    workers = run.max_concurrency if run.max_concurrency and run.max_concurrency > 0 else MAX_THREADS
    workers = max(1, min(workers, len(inputs)))
    results = []
    # Iterations are handed to the pool a few at a time, in item order: a million-item Map holds
    # a window of futures, not a million of them.
    window = 2 * workers
    waiting: deque = deque()
    queued = 0
    with ThreadPoolExecutor(max_workers=workers) as pool:
        try:
            while queued < len(inputs) and len(waiting) < window:
                waiting.append(pool.submit(one, queued))
                queued += 1
            index = 0
            while waiting:
                ok, value = waiting.popleft().result()
                if queued < len(inputs):
                    waiting.append(pool.submit(one, queued))
                    queued += 1
                run.record(index, inputs[index], ok, value if ok else value.output(), *timings[index])
                if distributed:
                    run.child_ended()
                index += 1
                if ok:
                    results.append(value)
                    continue
                try:
                    results.append(run.tolerate(value, frame.clock.now))
                except ASLError:
                    frame.last_event = len(frame.history)
                    raise
        finally:
            for future in waiting:  # not started yet: they never will be
                future.cancel()
    frame.last_event = len(frame.history)
    return results
