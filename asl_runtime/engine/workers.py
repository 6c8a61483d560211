"""The threads background executions run on, kept for a while once idle.

`StateMachine.start` (and so every StartExecution of `asl serve`) runs an execution on a thread
of its own.  Starting a thread costs more than a short execution's own work (the new thread and
the one starting it hand the interpreter lock to each other before either goes on), so a thread
whose execution ended waits `IDLE_SECONDS` for the next one before it exits.  There is no
limit on how many run at once: an execution may wait a year for a callback, and it must never
hold another up.  Each job runs in a fresh `contextvars.Context`, as on a new thread.
"""

from __future__ import annotations

import contextvars
import os
import queue
import sys
import threading

#: How long an idle worker waits for another execution before its thread exits (seconds).
IDLE_SECONDS = 30.0

_lock = threading.Lock()
_idle: list["_Worker"] = []  # the most recently idle last: it is the one reused first


class _Worker:
    __slots__ = ("jobs", "thread")

    def __init__(self):
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while True:
            try:
                job, name = self.jobs.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with _lock:
                    if self in _idle:  # else a caller has just taken it, and its job is on the way
                        _idle.remove(self)
                        return
                continue
            self.thread.name = name
            try:
                contextvars.Context().run(job)
            except BaseException:  # noqa: BLE001 - reported as a thread of its own would report it
                threading.excepthook(threading.ExceptHookArgs((*sys.exc_info(), self.thread)))
            job = None  # nothing of the execution is kept while idle
            self.thread.name = "asl-idle"
            with _lock:
                _idle.append(self)


def _forgotten_in_child() -> None:
    """A forked child has none of its parent's threads: it must not hand a job to one."""
    global _lock
    _lock = threading.Lock()
    _idle.clear()


os.register_at_fork(after_in_child=_forgotten_in_child)


def run_in_background(job, name: str) -> None:
    """Run `job()` on an idle worker thread, or on a new one when none is idle.

    `job` handles its own exceptions (one that escapes goes to threading.excepthook)."""
    with _lock:
        worker = _idle.pop() if _idle else None
    fresh = worker is None
    if fresh:
        worker = _Worker()
    worker.jobs.put((job, name))
    if fresh:
        worker.thread.start()


def idle_workers() -> int:
    """How many worker threads wait for an execution now (for tests)."""
    with _lock:
        return len(_idle)
