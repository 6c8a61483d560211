"""Integrations as a registry: `(service, action, pattern) -> integration`, tokens owned by the runtime.

What asl-runtime serves, and the error for what it does not, come from the registered entries;
an integration registered by a user runs inside the same Task events and callback pattern as the
built-in ones; the tokens Tasks wait on belong to a TaskTokens object, not to module state.
"""

from __future__ import annotations

import pytest

from asl_runtime import StateMachine, send_task_success
from asl_runtime.errors import ASLError
from asl_runtime.integrations.callbacks import TaskDoesNotExist, TaskTokens
from asl_runtime.integrations.registry import Integration, Registry, with_callback
from asl_runtime.integrations.resources import parse_resource
from asl_runtime.integrations.services import REGISTRY, Services, default_registry

RUN_TASK = "arn:aws:states:::ecs:runTask"


def _machine(resource, **fields):
    return StateMachine({"StartAt": "Run", "States": {"Run": {"Type": "Task", "Resource": resource,
                                                              "End": True, **fields}}})


def _types(result):
    return [e["type"] for e in result.history]


def test_the_registry_lists_every_built_in_integration():
    served = REGISTRY.served()
    for name in ("lambda:invoke", "dynamodb:getItem", "dynamodb:putItem", "dynamodb:updateItem",
                 "dynamodb:deleteItem", "sqs:sendMessage", "sns:publish", "events:putEvents",
                 "states:startExecution", "http:invoke", "aws-sdk:*"):
        assert name in served
    assert served == sorted(served)


def test_an_action_nobody_serves_fails_naming_what_is_served():
    result = _machine(RUN_TASK, Parameters={"Cluster": "c"}).run({})
    assert result.status == "FAILED" and result.error == "States.Runtime"
    assert f"The resource '{RUN_TASK}' of state 'Run' is not supported" in result.cause
    assert "asl-runtime serves " + ", ".join(REGISTRY.served()) in result.cause
    assert "mock other resources with a MockConfigFile" in result.cause


@pytest.mark.parametrize("resource, words", [
    ("arn:aws:states:::dynamodb:putItem.waitForTaskToken",
     "dynamodb:putItem supports request-response only, not the .waitForTaskToken pattern"),
    ("arn:aws:states:::aws-sdk:s3:listBuckets.sync",
     "an AWS SDK integration supports .waitForTaskToken, not the .sync pattern"),
    ("arn:aws:states:::http:invoke.sync", "http:invoke supports request-response only, not the .sync pattern"),
])
def test_a_pattern_an_integration_does_not_support_is_refused_by_its_entry(resource, words):
    with pytest.raises(ASLError) as caught:
        REGISTRY.resolve("Run", parse_resource(resource))
    assert caught.value.error == "States.Runtime" and words in caught.value.cause


def test_a_registered_integration_runs_inside_the_task_events():
    calls = []

    def run_task(services, frame, res, payload, events):
        calls.append((res.service, res.action, payload, events.timeout))
        return {"Tasks": [{"LastStatus": "RUNNING"}]}

    registry = default_registry()
    registry.register("ecs", "runTask", Integration("ecs:runTask", run_task))
    result = _machine(RUN_TASK, Parameters={"Cluster": "c"}, TimeoutSeconds=30).run(
        {}, services=Services(registry=registry))
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"Tasks": [{"LastStatus": "RUNNING"}]}
    assert calls == [("ecs", "runTask", {"Cluster": "c"}, 30)]
    assert _types(result)[2:6] == ["TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited"]
    scheduled = result.history[2]["taskScheduledEventDetails"]
    assert (scheduled["resourceType"], scheduled["resource"], scheduled["timeoutInSeconds"]) == ("ecs", "runTask", 30)
    with pytest.raises(ASLError):
        REGISTRY.resolve("Run", parse_resource(RUN_TASK))


def test_a_registered_integration_gets_the_callback_pattern_from_the_registry():
    """with_callback: the request is made, TaskSubmitted records its response, the token answers."""
    tokens = TaskTokens()

    def run_task(services, frame, res, payload, events):
        services.tokens.send_task_success(payload["Overrides"]["token"], {"exitCode": 0})
        return {"Tasks": []}

    registry = default_registry()
    registry.register("ecs", "runTask", Integration("ecs:runTask", with_callback(run_task),
                                                    patterns=("waitForTaskToken",)))
    machine = _machine(RUN_TASK + ".waitForTaskToken", Parameters={"Overrides": {"token.$": "$$.Task.Token"}})
    result = machine.run({}, services=Services(registry=registry, tokens=tokens))
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"exitCode": 0}
    assert _types(result)[2:6] == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"]
    assert result.history[4]["taskSubmittedEventDetails"]["output"] == '{"Tasks":[]}'


def test_task_tokens_belong_to_the_runtime_that_issued_them():
    """A Services with its own TaskTokens: the module-level API (the default tokens) cannot see its token."""
    tokens, seen = TaskTokens(), []

    def worker(event, context):
        seen.append(event["token"])
        with pytest.raises(TaskDoesNotExist):
            send_task_success(event["token"], "{}")
        tokens.send_task_success(event["token"], '{"done": true}')

    machine = _machine("arn:aws:states:::lambda:invoke.waitForTaskToken",
                       Parameters={"FunctionName": "worker", "Payload": {"token.$": "$$.Task.Token"}})
    result = machine.run({}, services=Services(handlers={"worker": worker}, tokens=tokens))
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"done": True} and len(seen) == 1
