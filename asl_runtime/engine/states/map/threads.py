"""Map iterations under the real clock: concurrently, at most MaxConcurrency (0: up to 40) at a time.

Every input is made (ItemSelector) before the first iteration starts; each iteration runs on a
pool thread in a frame of its own and records its events as they happen. A failure past the
tolerated threshold cancels the iterations not yet started.
"""

from __future__ import annotations

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
    results = []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(inputs)))) as pool:
        for index, (ok, value) in enumerate(pool.map(one, range(len(inputs)))):
            run.record(index, inputs[index], ok, value if ok else value.output(), *timings[index])
            if distributed:
                run.child_ended()
            if ok:
                results.append(value)
                continue
            try:
                results.append(run.tolerate(value, frame.clock.now))
            except ASLError:
                pool.shutdown(wait=False, cancel_futures=True)
                frame.last_event = len(frame.history)
                raise
    frame.last_event = len(frame.history)
    return results
