"""A handler named after a state stands in for that state's service call.

Lambda Tasks find their handler by function or state name (lambda_function.py) and activities by
activity name (activity.py); any other Task (HTTP Task, optimized service, AWS SDK,
states:startExecution) is served by the handler named after its state when there is one, instead
of the request. The handler gets the Task's request (its resolved Parameters or Arguments) and a
`TaskContext`; what it returns is the Task's result, inside the same Task events, timeout and
callback pattern as the real call. `TaskFailed(error, cause)` fails it with that error (say
`States.Http.StatusCode.503`); any other exception with its class name and message.
"""

from __future__ import annotations

import json

from ..errors import RUNTIME, ASLError
from .handler_run import remaining_ms, run_handler
from .registry import Integration, with_callback
from .resources import PATTERNS

#: Resource kinds a state-named handler may stand in for.
_KINDS = ("service", "sdk")


class TaskContext:
    """What a stand-in handler receives besides the request."""

    def __init__(self, state_name: str, resource: str, task_token: str | None, remaining_ms):
        self.state_name = state_name
        self.resource = resource
        self.task_token = task_token
        self._remaining = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self._remaining()


def stand_in_for(handlers, state, res) -> Integration | None:
    """The integration running the handler that stands in for this Task, or None."""
    if not handlers or res.kind not in _KINDS or res.service == "lambda":  # lambda:invoke: Lambda's own lookup
        return None
    # Only a handler defined under the state's name: a handlers file's resolve() answers for
    # function names, and must not capture every service Task.
    if state.name not in handlers:
        return None
    handler = handlers[state.name]

    def call(services, frame, res, payload, events):
        return _run(handler, frame, res, payload, events.timeout)
    # Any pattern the Resource names: the stand-in is the request, the callback wait stays.
    return Integration(f"the handler '{state.name}'", with_callback(call), patterns=PATTERNS)


def _run(handler, frame, res, payload, timeout):
    context = TaskContext(frame.state.name, res.arn, frame.task_token, remaining_ms(frame, timeout))
    event = json.loads(json.dumps(payload))  # the handler gets its own copy, as a service would
    return _result(run_handler(frame, timeout, lambda: _call(handler, event, context)), frame.state.name)


def _call(handler, event, context):
    try:
        return handler(event, context)
    except ASLError:  # TaskFailed: the handler names the error itself
        raise
    except Exception as exc:  # noqa: BLE001 - the stand-in's failure fails the Task
        raise ASLError(type(exc).__name__, str(exc)) from None


def _result(value, state_name: str):
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as exc:
        raise ASLError(RUNTIME, f"The handler standing in for state '{state_name}' returned a value that is "
                                f"not JSON: {exc}") from None
