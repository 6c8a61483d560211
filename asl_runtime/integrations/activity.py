"""Activities: a Task whose Resource is an activity ARN, done by a worker that polls for it.

A worker takes the task (get_activity_task, GetActivityTask in `asl serve`, or an in-process
handler named after the activity) and answers its token with send_task_success/failure/heartbeat.
"""

from __future__ import annotations

import json

from ..engine.clock import current_clock
from ..errors import ASLError
from .callbacks import InvalidOutput, new_token
from .registry import ACTIVITY, ANY_ACTION, Integration, wait_for_token
from .task_events import ActivityEvents


def register(registry) -> None:
    registry.register(ACTIVITY, ANY_ACTION, Integration("an activity", run_activity, ActivityEvents))


class ActivityContext:
    """What an in-process activity worker receives besides the input: its task token."""

    def __init__(self, task_token: str, activity_arn: str):
        self.task_token = task_token
        self.activity_arn = activity_arn


def run_activity(services, frame, res, payload, events):
    tokens = services.tokens
    worker = services.handlers.get(res.name) or services.handlers.get(res.arn)
    task = tokens.open_task(new_token(), frame.clock, events.timeout, events.heartbeat,
                            activity_arn=None if worker else res.arn, input=payload,
                            stop=frame.execution.stop_event)
    if worker is not None:
        events.started(res.name)
        _run_worker(frame, tokens, worker, task, res, payload)
        return wait_for_token(frame, tokens, task)
    return wait_for_token(frame, tokens, task, on_started=events.started)


def _run_worker(frame, tokens, worker, task, res, payload):
    """An in-process worker: its return value answers the token unless it answered itself."""
    context = ActivityContext(task.token, res.arn)
    event = json.loads(json.dumps(payload))
    clock_token = current_clock.set(frame.clock)
    try:
        try:
            value = worker(event, context)
        except ASLError as exc:  # TaskFailed: the worker names the error and cause itself
            if task.outcome is None and not task.closed:
                tokens.send_task_failure(task.token, exc.error, exc.cause)
            return
        except Exception as exc:  # noqa: BLE001 - a worker's failure fails the activity task
            if task.outcome is None and not task.closed:
                tokens.send_task_failure(task.token, type(exc).__name__, str(exc))
            return
        if task.outcome is None and not task.closed:
            try:
                tokens.send_task_success(task.token, json.dumps(value) if isinstance(value, str) else value)
            except InvalidOutput as exc:
                tokens.send_task_failure(task.token, "InvalidOutput", str(exc))
    finally:
        current_clock.reset(clock_token)
