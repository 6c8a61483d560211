"""states:startExecution: running another state machine known to the runtime, in-process.

Request-response returns as soon as the child starts (ExecutionArn, StartDate); `.sync` waits and
returns DescribeExecution with Input/Output as JSON text; `.sync:2` the same with them as JSON.
A child that does not succeed fails the Task with States.TaskFailed, the description as cause.
Under the virtual clock the child runs on its own clock from the parent's present, and `.sync`
moves the parent forward by the child's duration.
"""

from __future__ import annotations

import json
import threading
import uuid

from ..engine.execution import Execution, ExecutionConfig
from ..errors import RUNTIME, TASK_FAILED, TIMEOUT, ASLError
from ..limits import MAX_EXECUTION_NESTING
from ..query.io_jsonpath import to_json
from . import aws
from .registry import Integration, with_callback
from .resources import SYNC, SYNC2


#: How deep executions may start one another in-process (a machine that starts itself would
#: otherwise recurse until Python's stack gives out); past it StartExecution is refused.
MAX_NESTING = MAX_EXECUTION_NESTING
MAX_CAUSE = 32_768


#: How a definition dict or file becomes a StateMachine: set by api.py, which integrations must not
#: import (the layering is integrations <- api); a callable(value, name) -> StateMachine or None.
machine_loader = None


class StateMachines:
    """The machines a Task may start, by name and by ARN."""

    def __init__(self, machines=None):
        self._by_key: dict[str, tuple[str, object]] = {}
        for key, value in (machines or {}).items():
            self.add(key, value)

    def add(self, key: str, value) -> None:
        """Register a StateMachine, a definition dict, or a definition file path under a name or ARN."""
        name = _name_of(key)
        machine = value if hasattr(value, "machine") else machine_loader(value, name)
        if machine is None:
            raise TypeError(f"state machine '{key}' must be a StateMachine, a definition dict or a file path")
        self._by_key[key] = (name, machine)
        self._by_key.setdefault(name, (name, machine))

    def resolve(self, arn: str):
        """(name, StateMachine) for a StateMachineArn (or bare name), or None."""
        return self._by_key.get(arn) or self._by_key.get(_name_of(arn))

    def __bool__(self):
        return bool(self._by_key)


def _name_of(key: str) -> str:
    parts = str(key).split(":")
    if len(parts) >= 7 and parts[0] == "arn" and parts[5] == "stateMachine":
        return parts[6]
    return str(key)


def _child_input(params):
    value = params.get("Input")
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise _refused("InvalidExecutionInput", f"Invalid State Machine Execution Input: '{value}'") from None
    return json.loads(json.dumps(value))


def _refused(code: str, message: str) -> ASLError:
    return ASLError(f"StepFunctions.{code}Exception",
                    f"{message} (Service: AWSStepFunctions; Status Code: 400; Error Code: {code}; "
                    f"Request ID: {uuid.uuid4()}; Proxy: null)")


def register(registry) -> None:
    registry.register("states", "startExecution", Integration(
        "states:startExecution", with_callback(start_execution), patterns=(SYNC, SYNC2, "waitForTaskToken")))


def start_execution(services, frame, res, params, events):
    """The Task's result for states:startExecution in the resource's integration pattern."""
    timeout = events.timeout
    if not isinstance(params, dict) or "StateMachineArn" not in params:
        raise ASLError(RUNTIME, "The field 'StateMachineArn' is required by states:startExecution")
    parent = frame.execution.config
    arn = str(params["StateMachineArn"])
    found = services.state_machines.resolve(arn)
    if found is None:
        raise _refused("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
    name, machine = found
    depth = getattr(frame.execution, "depth", 0) + 1
    if depth > MAX_NESTING:
        raise _refused("ExecutionLimitExceeded",
                       f"Execution Limit Exceeded: '{arn}' would be the {depth}th execution in a chain of "
                       f"executions started by one another's states:startExecution Tasks; asl-runtime runs "
                       f"them in-process and nests at most {MAX_NESTING}")
    child_input = _child_input(params)
    config = ExecutionConfig(account_id=parent.account_id, region=parent.region, state_machine_name=name,
                             execution_name=params.get("Name") or str(uuid.uuid4()), role_arn=parent.role_arn,
                             partition=parent.partition)
    execution = Execution(machine.machine, child_input, config, services,
                          clock="virtual" if frame.clock.virtual else "real", start=frame.clock.now,
                          wait_time_scale=getattr(frame.clock, "scale", 1.0))
    execution.depth = depth
    with services.lock:
        if execution.arn in services.executions:
            raise _refused("ExecutionAlreadyExists", f"Execution Already Exists: '{execution.arn}'")
        services.executions[execution.arn] = None  # running

    def run():
        frame.note("ChildExecutionStarted", {"name": frame.state.name, "execution_arn": execution.arn})
        outcome = execution.run()
        services.executions[execution.arn] = (execution, outcome)
        frame.note("ChildExecutionEnded", {"name": frame.state.name, "execution_arn": execution.arn,
                                           "status": outcome.status})
        return outcome

    started = aws.with_http_metadata("states", {"ExecutionArn": execution.arn,
                                                "StartDate": aws.epoch_millis(execution.start)})
    if res.pattern not in (SYNC, SYNC2):
        if frame.clock.virtual:
            run()  # on its own clock: the parent does not wait for it
        else:
            threading.Thread(target=run, name=f"asl-{execution.arn}", daemon=True).start()
        return started

    events.submitted(started)
    outcome = run()
    duration = execution.end - execution.start
    if frame.clock.virtual:
        if timeout and duration > timeout:
            frame.clock.sleep(timeout)
            raise ASLError(TIMEOUT, "")
        frame.clock.sleep(duration)
    elif timeout and duration > timeout:
        raise ASLError(TIMEOUT, "")
    description = describe(execution, child_input, outcome, parsed=res.pattern == SYNC2)
    if outcome.status != "SUCCEEDED":
        # A cause is at most 32,768 characters (botocore's SensitiveCause); nested failures would
        # otherwise grow it by a level of JSON escaping per execution.
        raise ASLError(TASK_FAILED, to_json(description)[:MAX_CAUSE])
    return description


def describe(execution, child_input, outcome, parsed: bool) -> dict:
    """DescribeExecution as .sync returns it (PascalCase; Input/Output as JSON text unless .sync:2)."""
    def text(value):
        return value if parsed else to_json(value)

    out = {"ExecutionArn": execution.arn, "Input": text(child_input), "InputDetails": {"Included": True},
           "Name": execution.config.execution_name, "StartDate": aws.epoch_millis(execution.start),
           "StateMachineArn": execution.config.state_machine_arn, "Status": outcome.status,
           "StopDate": aws.epoch_millis(execution.end)}
    if outcome.status == "SUCCEEDED":
        out["Output"] = text(outcome.output)
        out["OutputDetails"] = {"Included": True}
    else:
        if outcome.error is not None:
            out["Error"] = outcome.error
        if outcome.cause is not None:
            out["Cause"] = outcome.cause
    return dict(sorted(out.items()))
