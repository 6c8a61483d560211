"""What a Task calls: the run options executions share, and dispatch through the registry.

For each Task a mocked response (MockConfigFile test case, or mocks in code) comes first; then a
handler named after the state, for a Task that is not a Lambda function or activity
(stand_in.py); else the registry names the integration serving the Resource (registry.py). Each
runs inside the events AWS records for its family (task_events.py).
"""

from __future__ import annotations

import threading
from typing import Callable

from ..errors import RUNTIME, ASLError
from . import activity, callbacks, http, item_reader, lambda_function, optimized, sdk, start_execution
from .aws import Clients
from .connections import Connections
from .registry import Registry
from .resources import SYNC, SYNC2, WAIT_FOR_TASK_TOKEN, Resource, ResourceError, parse_resource
from .stand_in import stand_in_for
from .start_execution import StateMachines
from .task_events import ActivityEvents, LambdaFunctionEvents, TaskEvents

_TOKEN_PATTERNS = (WAIT_FOR_TASK_TOKEN, SYNC, SYNC2)


def default_registry() -> Registry:
    """Every integration asl-runtime serves, one module each."""
    registry = Registry()
    for module in (lambda_function, activity, optimized, sdk, start_execution, http):
        module.register(registry)
    return registry


#: The registry Services use unless given one (it holds no per-run state).
REGISTRY = default_registry()


class Services:
    """The integrations available to executions: handlers, AWS clients, mocks, nested machines.

    `endpoint_url` (or the ASL_AWS_ENDPOINT_URL variable) sends every AWS call to that endpoint,
    `service_endpoints` ({boto3 service name: URL}) one service's; `allow_aws` (or ASL_ALLOW_AWS=1)
    lets calls reach AWS itself, which is refused by default. `tokens` holds the task tokens
    Tasks wait on (callbacks.TOKENS, shared with the public send_task_* functions, unless given);
    `registry` the integrations (REGISTRY unless given).
    """

    def __init__(self, handlers: dict[str, Callable] | None = None, *, mocks=None, state_machines=None,
                 endpoint_url: str | None = None, connections=None, allow_aws: bool | None = None,
                 service_endpoints: dict | None = None, tokens: callbacks.TaskTokens | None = None,
                 registry: Registry | None = None):
        self.handlers = handlers or {}
        self.mocks = mocks  # mocks.MockedTestCase or None
        self.state_machines = state_machines if isinstance(state_machines, StateMachines) \
            else StateMachines(state_machines)
        self.aws = Clients(endpoint_url, allow_aws=allow_aws, service_endpoints=service_endpoints)
        self.executions: dict = {}  # nested executions started by states:startExecution, by ARN
        self.lock = threading.Lock()
        self.connections = Connections.load(connections)  # EventBridge connections of HTTP Tasks
        self.tokens = tokens if tokens is not None else callbacks.TOKENS
        self.registry = registry if registry is not None else REGISTRY

    def derive(self, handlers=None, mocks=None, state_machines=None, connections=None,
               allow_aws=None) -> "Services":
        """A copy sharing clients, executions and tokens, with these run options added."""
        copy = object.__new__(Services)
        copy.__dict__.update(self.__dict__)
        if connections is not None:
            copy.connections = Connections.load(connections)
        if allow_aws is not None and bool(allow_aws) != self.aws.allow_aws:
            copy.aws = Clients(self.aws.endpoint_url, allow_aws=allow_aws,
                               service_endpoints=self.aws.service_endpoints)
        if handlers:
            copy.handlers = {**self.handlers, **handlers}
        if mocks is not None:
            copy.mocks = mocks
        if state_machines:
            copy.state_machines = StateMachines()
            copy.state_machines._by_key.update(self.state_machines._by_key)
            for key, value in state_machines.items():
                copy.state_machines.add(key, value)
        return copy

    def wake(self) -> None:
        """An execution was stopped: Tasks waiting on tokens look at their stop signal again."""
        self.tokens.wake()

    # ------------------------------------------------------------------ dispatch
    def task_token(self, state) -> str | None:
        """A fresh token when the Task waits: for a callback (.waitForTaskToken), and for a job
        (.sync, .sync:2), whose context object carries a `Task.Token` too."""
        try:
            res = parse_resource(state.resource)
        except ResourceError:
            return None
        return callbacks.new_token() if res.pattern in _TOKEN_PATTERNS else None

    def invoke(self, frame, state, payload, timeout, heartbeat):
        """The Task's result: its mock's response, or its integration's, inside AWS's Task events."""
        mocked = self.mocks.response_for(frame, state) if self.mocks is not None else None
        try:
            res = parse_resource(state.resource)
        except ResourceError as exc:
            if mocked is None:
                raise ASLError(RUNTIME, f"The resource of state '{state.name}' cannot be run: {exc}.") from None
            # A mock stands in for any resource, even one asl-runtime cannot read.
            res = Resource(state.resource, "service", service="unknown", action=state.resource)
        if mocked is not None:
            events = _MOCKED_FAMILIES.get(res.kind, TaskEvents)(frame, res, payload, timeout, heartbeat)
            return events.run(None, mocked)
        # A handler named after the state stands in for the service call; else the registry's entry.
        integration = stand_in_for(self.handlers, state, res) or self.registry.resolve(state.name, res)
        events = integration.events(frame, res, payload, timeout, heartbeat)
        return events.run(lambda events: integration.call(self, frame, res, payload, events))

    # ------------------------------------------------------------------ a distributed Map's S3 side
    def read_items(self, frame, reader, effective) -> list:
        """The items an ItemReader names (s3:getObject, s3:listObjectsV2)."""
        return item_reader.read_items(frame, reader, effective)

    def result_collector(self, state, map_run):
        """What a Map Run with a ResultWriter appends each ChildRun to (`write_results` takes it)."""
        return item_reader.result_collector(state.result_writer, map_run)

    def write_results(self, frame, state, effective, runs, map_run):
        """The ResultWriter's export; returns the Map's output ({MapRunArn, ResultWriterDetails})."""
        return item_reader.write_results(frame, state, state.result_writer, effective, runs, map_run)


#: The events a mocked Task records: its Resource's family, whether or not asl-runtime serves it.
_MOCKED_FAMILIES = {"lambda": LambdaFunctionEvents, "activity": ActivityEvents}
