"""Task tokens: the callback pattern (.waitForTaskToken) and activities, answered by send_task_*.

A Task that waits on a token opens a `PendingTask`; `send_task_success`, `send_task_failure` and
`send_task_heartbeat` answer it from a handler, a test or another thread.  Under the virtual clock
the answer is judged against the time it carries (the Task's clock when it was sent), and a token
nothing in-process has answered skips ahead to its heartbeat or timeout; under the real clock the
Task waits on a condition variable.

All of it lives in a `TaskTokens` object the runtime owns (`Services.tokens`), not in module
state: a server or a test may keep its own.  Executions share `TOKENS` unless given another, so
the module-level `send_task_*` and `get_activity_task` (asl_runtime's public API) answer any of
them.
"""

from __future__ import annotations

import json
import math
import secrets
import threading
import time
from typing import Any

from ..engine.clock import ExecutionAborted, ExecutionTimedOut, current_clock
from ..errors import HEARTBEAT_TIMEOUT, TIMEOUT, ASLError
from ..limits import DEFAULT_TASK_TIMEOUT, MAX_TOKEN_LENGTH


class TaskTokenError(Exception):
    """A send_task_* call AWS would refuse; the subclass is named like the AWS API error."""


class InvalidToken(TaskTokenError):
    pass


class TaskDoesNotExist(TaskTokenError):
    pass


class TaskTimedOut(TaskTokenError):
    """The task is closed: it timed out, or was already answered."""


class InvalidOutput(TaskTokenError):
    pass


class PendingTask:
    """One Task waiting on its token."""

    __slots__ = ("token", "clock", "started", "timeout", "heartbeat", "beats", "outcome", "answered_at",
                 "closed", "activity_arn", "input", "worker", "stop")

    def __init__(self, token, clock, timeout, heartbeat, activity_arn=None, input=None, stop=None):
        self.token = token
        self.clock = clock
        self.started = clock.now
        self.timeout = timeout if timeout else DEFAULT_TASK_TIMEOUT
        self.heartbeat = heartbeat or None
        self.beats: list[float] = []
        self.outcome = None  # ("success", value) | ("failure", error, cause)
        self.answered_at = None
        self.closed = False
        self.activity_arn = activity_arn
        self.input = input
        self.worker = None  # name of the activity worker that took it
        self.stop = stop  # the execution's stop signal (threading.Event): a stopped execution stops waiting


#: How many closed tokens are remembered, so a late answer gets TaskTimedOut, not TaskDoesNotExist.
_CLOSED_KEPT = 10_000


def new_token() -> str:
    """An opaque token, shaped like AWS's (long, URL-safe base64)."""
    return "AQB" + secrets.token_urlsafe(96)


class TaskTokens:
    """The tokens Tasks wait on, the activity tasks queued for workers, and who is polling."""

    def __init__(self):
        self._cond = threading.Condition()
        self._tasks: dict[str, PendingTask] = {}
        self._closed: dict[str, None] = {}  # recently closed tokens (insertion-ordered), so late answers say so
        self._activity_queues: dict[str, list[PendingTask]] = {}
        self._pollers: dict[str, int] = {}

    def polling(self, activity_arn: str) -> int:
        """How many get_activity_task calls are waiting on the activity now."""
        with self._cond:
            return self._pollers.get(activity_arn, 0)

    def open_task(self, token: str, clock, timeout=None, heartbeat=None, activity_arn=None, input=None,
                  stop=None) -> PendingTask:
        task = PendingTask(token, clock, timeout, heartbeat, activity_arn, input, stop)
        with self._cond:
            self._tasks[token] = task
            if activity_arn is not None:
                self._activity_queues.setdefault(activity_arn, []).append(task)
                self._cond.notify_all()
        return task

    def wake(self) -> None:
        """Make every waiting Task look at its execution's stop signal again."""
        with self._cond:
            self._cond.notify_all()

    def close(self, task: PendingTask) -> None:
        with self._cond:
            self._close(task)

    def _close(self, task: PendingTask) -> None:
        task.closed = True
        if self._tasks.pop(task.token, None) is not None:
            self._closed[task.token] = None
            if len(self._closed) > _CLOSED_KEPT:
                del self._closed[next(iter(self._closed))]
        queue = self._activity_queues.get(task.activity_arn)
        if queue and task in queue:
            queue.remove(task)
        self._cond.notify_all()

    # ----------------------------------------------------------------------- answering (the public API)
    def send_task_success(self, token: str, output: Any) -> None:
        """Complete the Task waiting on `token`; `output` is JSON text (a dict or list is encoded)."""
        value = _decode_output(output)
        with self._cond:
            task = self._open(token)
            task.outcome = ("success", value)
            task.answered_at = _sender_time(task)
            self._cond.notify_all()

    def send_task_failure(self, token: str, error: str | None = None, cause: str | None = None) -> None:
        """Fail the Task waiting on `token` with the given error name and cause."""
        with self._cond:
            task = self._open(token)
            task.outcome = ("failure", error, cause)
            task.answered_at = _sender_time(task)
            self._cond.notify_all()

    def send_task_heartbeat(self, token: str) -> None:
        """Tell the Task waiting on `token` that its worker is still alive (resets HeartbeatSeconds)."""
        with self._cond:
            task = self._open(token)
            task.beats.append(_sender_time(task))
            self._cond.notify_all()

    def get_activity_task(self, activity_arn: str, worker_name: str | None = None, timeout: float = 60.0):
        """(token, input) of a task scheduled on the activity, or None after `timeout` real seconds.

        Like GetActivityTask it long-polls; the input is the decoded JSON value.
        """
        end = time.monotonic() + timeout
        with self._cond:
            while True:
                queue = self._activity_queues.get(activity_arn)
                if queue:
                    task = queue.pop(0)
                    task.worker = worker_name or "asl-runtime-worker"
                    self._cond.notify_all()
                    return task.token, json.loads(json.dumps(task.input))
                remaining = end - time.monotonic()
                if remaining <= 0:
                    return None
                self._pollers[activity_arn] = self._pollers.get(activity_arn, 0) + 1
                try:
                    self._cond.wait(remaining)
                finally:
                    self._pollers[activity_arn] -= 1

    def _open(self, token) -> PendingTask:
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken(f"Invalid Token: '{token}'")
        task = self._tasks.get(token)
        if task is None and token in self._closed:
            raise TaskTimedOut(f"Task Timed Out: '{token}'")
        if task is None:
            raise TaskDoesNotExist(f"Task Does Not Exist: '{token}'")
        if task.closed or task.outcome is not None:
            raise TaskTimedOut(f"Task Timed Out: '{token}'")
        return task

    # ----------------------------------------------------------------------- waiting
    def wait(self, task: PendingTask, on_started=None):
        """The Task's result once its token is answered; raises the timeout or the sent failure.

        `on_started(worker)` runs (on the execution's thread) when an activity worker takes the task.
        """
        if task.clock.virtual:
            return self._wait_virtual(task, on_started)
        return self._wait_real(task, on_started)

    def _wait_virtual(self, task, on_started):
        with self._cond:
            # A worker thread polling this activity will take it and answer: that is in-process work.
            while task.outcome is None and (task.worker is not None or self._pollers.get(task.activity_arn, 0) > 0
                                            and task in self._activity_queues.get(task.activity_arn, ())):
                if _stopped(task):
                    break
                self._cond.wait()
            worker = task.worker
            stopped = task.outcome is None and _stopped(task)
            if stopped:
                self._close(task)
        if stopped:
            if worker is not None and on_started is not None:
                on_started(worker)  # the worker had taken it: AWS recorded that before the stop
            raise ExecutionAborted()
        if worker is not None and on_started is not None:
            on_started(worker)
        fail_at, error = _first_deadline(task, task.answered_at if task.outcome is not None else math.inf)
        answered = task.outcome is not None and task.answered_at <= fail_at
        self.close(task)
        clock = task.clock
        ends_at = task.answered_at if answered else fail_at
        if clock.deadline is not None and ends_at > clock.deadline:
            clock.now = clock.deadline  # the machine's TimeoutSeconds came first
            raise ExecutionTimedOut()
        if answered:
            if clock.now < task.answered_at:  # answered later in simulated time, e.g. by a child execution
                clock.now = task.answered_at
            return _deliver(task.outcome)
        if clock.now < fail_at:
            clock.sleep(fail_at - clock.now)
        else:
            clock.now = fail_at  # the handler ran past the deadline: the Task ended there
        raise ASLError(error, "")

    def _wait_real(self, task, on_started):
        announced = False
        with self._cond:
            while task.outcome is None:
                if _stopped(task):
                    self._close(task)
                    raise ExecutionAborted()
                if task.worker is not None and not announced and on_started is not None:
                    announced = True
                    worker = task.worker
                    self._cond.release()
                    try:
                        on_started(worker)
                    finally:
                        self._cond.acquire()
                    continue
                now = time.time()
                deadline = task.started + task.timeout
                error = TIMEOUT
                if task.heartbeat:
                    beat_deadline = max([task.started] + task.beats) + task.heartbeat
                    if beat_deadline < deadline:
                        deadline, error = beat_deadline, HEARTBEAT_TIMEOUT
                if now >= deadline:
                    self._close(task)
                    raise ASLError(error, "")
                limit = deadline - now
                if task.clock.deadline is not None:
                    if now >= task.clock.deadline:
                        self._close(task)
                        task.clock.check()
                    limit = min(limit, max(0.0, task.clock.deadline - now))
                self._cond.wait(limit)
            self._close(task)
            worker = task.worker if not announced else None
        if worker is not None and on_started is not None:
            on_started(worker)  # the worker answered before this thread saw it take the task
        return _deliver(task.outcome)


def _stopped(task: PendingTask) -> bool:
    return task.stop is not None and task.stop.is_set()


def _sender_time(task: PendingTask) -> float:
    """When, in simulated time, the answer was sent: by the sender's clock when it is a handler of
    this or another in-process execution (a child that waited 10 s answers at +10 s), else the Task's."""
    clock = current_clock.get()
    if task.clock.virtual and clock is not None and clock.virtual:
        return max(clock.now, task.started)
    return task.clock.now


def _decode_output(output):
    if isinstance(output, (bytes, bytearray)):
        output = output.decode("utf-8")
    if isinstance(output, str):
        try:
            return json.loads(output)
        except ValueError as exc:
            raise InvalidOutput(f"Invalid Output: the output is not valid JSON ({exc})") from None
    try:
        return json.loads(json.dumps(output))
    except (TypeError, ValueError) as exc:
        raise InvalidOutput(f"Invalid Output: {exc}") from None


def _first_deadline(task, end: float) -> tuple[float, str]:
    """When the Task times out if its token is answered at `end`, and with which error."""
    deadline = task.started + task.timeout
    if task.heartbeat:
        last = task.started
        for beat in sorted(task.beats) + [end]:
            if beat - last > task.heartbeat:
                beat_deadline = last + task.heartbeat
                if beat_deadline < deadline:
                    return beat_deadline, HEARTBEAT_TIMEOUT
                break
            last = max(last, beat)
    return deadline, TIMEOUT


def _deliver(outcome):
    if outcome[0] == "success":
        return outcome[1]
    raise ASLError(outcome[1], outcome[2])


#: The tokens of every execution not given its own (StateMachine.run/start, the CLI, the plugin).
TOKENS = TaskTokens()
send_task_success = TOKENS.send_task_success
send_task_failure = TOKENS.send_task_failure
send_task_heartbeat = TOKENS.send_task_heartbeat
get_activity_task = TOKENS.get_activity_task
