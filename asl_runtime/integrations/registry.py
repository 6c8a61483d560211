"""The integrations a Task can call, by what its Resource names: `(service, action, pattern)`.

One module per integration registers itself here (lambda_function, activity, optimized, sdk,
start_execution, http). An entry says which events AWS records for it and which integration
patterns it supports; the callback pattern (.waitForTaskToken) is added around any entry that
supports it, once, here. What the runtime serves, and the error for what it does not, are read
from the entries themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..errors import RUNTIME, ASLError
from .resources import REQUEST_RESPONSE, WAIT_FOR_TASK_TOKEN, Resource
from .task_events import TaskEvents

#: The `service` of entries keyed by Resource kind rather than by service: a function ARN, an activity.
LAMBDA_FUNCTION = "lambda-function"
ACTIVITY = "activity"
#: The `action` of an entry serving every action of its service (aws-sdk:SERVICE:*).
ANY_ACTION = "*"


@dataclass(frozen=True)
class Integration:
    """What serves one Resource: `call(services, frame, res, payload, events) -> result`.

    `events` is the TaskEvents family of the call (it knows the Task's timeout and heartbeat and
    records TaskSubmitted, ActivityStarted and the like); `patterns` lists the integration
    patterns it supports besides request-response.
    """

    name: str
    call: Callable
    events: type = TaskEvents
    patterns: tuple[str, ...] = ()


class Registry:
    """`(service, action) -> Integration`, read by Services.invoke for every Task."""

    def __init__(self):
        self._entries: dict[tuple[str, str], Integration] = {}

    def register(self, service: str, action: str, integration: Integration) -> None:
        self._entries[(service, action)] = integration

    def served(self) -> list[str]:
        """What the runtime serves, as `service:action` names (`*` for every action)."""
        return sorted(f"{s}:{a}" for s, a in self._entries if s not in (LAMBDA_FUNCTION, ACTIVITY))

    def resolve(self, state_name: str, res: Resource) -> Integration:
        """The integration for a parsed Resource, or the States.Runtime naming what is served."""
        if res.kind == "lambda":
            key = (LAMBDA_FUNCTION, ANY_ACTION)
        elif res.kind == "activity":
            key = (ACTIVITY, ANY_ACTION)
        elif res.kind == "sdk":
            key = ("aws-sdk", ANY_ACTION)
        else:
            key = (res.service, res.action)
        integration = self._entries.get(key)
        if integration is None:
            raise _unsupported(state_name, res, f"asl-runtime serves {', '.join(self.served())}; mock other "
                                                f"resources with a MockConfigFile")
        if res.pattern != REQUEST_RESPONSE and res.pattern not in integration.patterns:
            supported = ", ".join(f".{p}" for p in integration.patterns) or "request-response only"
            raise _unsupported(state_name, res, f"{integration.name} supports {supported}, "
                                                f"not the .{res.pattern} pattern")
        return integration


def _unsupported(state_name: str, res: Resource, why: str) -> ASLError:
    return ASLError(RUNTIME, f"The resource '{res.arn}' of state '{state_name}' is not supported: {why}.")


def with_callback(call: Callable) -> Callable:
    """The .waitForTaskToken pattern around a request-response call: make the request, record
    TaskSubmitted with its response, then wait until a worker answers the Task's token."""
    def callback(services, frame, res, payload, events):
        if res.pattern != WAIT_FOR_TASK_TOKEN:
            return call(services, frame, res, payload, events)
        tokens = services.tokens
        task = tokens.open_task(frame.task_token, frame.clock, events.timeout, events.heartbeat,
                                stop=frame.execution.stop_event)
        try:
            submitted = call(services, frame, res, payload, events)
        except BaseException:
            tokens.close(task)
            raise
        events.submitted(submitted)
        return wait_for_token(frame, tokens, task)
    return callback


def wait_for_token(frame, tokens, task, on_started=None):
    """Wait on a token with the execution's store told the token is out, then answered."""
    store = frame.execution.persistence
    if store is None:
        return tokens.wait(task, on_started)
    store.token_issued(task.token, frame)
    try:
        return tokens.wait(task, on_started)
    finally:
        store.token_closed(task.token)


def parameters_of(res: Resource, params) -> dict:
    """The request of an action that takes a JSON object (absent: an empty one)."""
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise ASLError(RUNTIME, f"The parameters of {res.service}:{res.action} must be a JSON object")
    return params
