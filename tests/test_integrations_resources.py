"""How a Task's Resource ARN is read: which integration, action and pattern AWS would run."""

import pytest

from asl_runtime import StateMachine
from asl_runtime.integrations.resources import ResourceError, parse_resource


@pytest.mark.parametrize("arn, kind, service, action, pattern", [
    ("arn:aws:states:::lambda:invoke", "service", "lambda", "invoke", ""),
    ("arn:aws:states:::lambda:invoke.waitForTaskToken", "service", "lambda", "invoke", "waitForTaskToken"),
    ("arn:aws:states:::dynamodb:getItem", "service", "dynamodb", "getItem", ""),
    ("arn:aws:states:::states:startExecution.sync", "service", "states", "startExecution", "sync"),
    ("arn:aws:states:::states:startExecution.sync:2", "service", "states", "startExecution", "sync:2"),
    ("arn:aws:states:::aws-sdk:dynamodb:getItem", "sdk", "dynamodb", "getItem", ""),
    ("arn:aws:states:::aws-sdk:sfn:startExecution.waitForTaskToken", "sdk", "sfn", "startExecution",
     "waitForTaskToken"),
    ("arn:aws-cn:states:::sqs:sendMessage", "service", "sqs", "sendMessage", ""),
])
def test_integration_arns(arn, kind, service, action, pattern):
    res = parse_resource(arn)
    assert (res.kind, res.service, res.action, res.pattern) == (kind, service, action, pattern)


def test_history_label_keeps_the_pattern_suffix():
    assert parse_resource("arn:aws:states:::states:startExecution.sync:2").resource_label == "startExecution.sync:2"
    assert parse_resource("arn:aws:states:::sqs:sendMessage").resource_label == "sendMessage"


@pytest.mark.parametrize("arn, name, qualifier", [
    ("arn:aws:lambda:us-east-1:123456789012:function:Reserve", "Reserve", None),
    ("arn:aws:lambda:us-east-1:123456789012:function:Reserve:prod", "Reserve", "prod"),
    ("arn:aws:lambda:us-east-1:123456789012:function:Reserve:7", "Reserve", "7"),
    ("123456789012:function:Reserve", "Reserve", None),
    ("function:Reserve:$LATEST", "Reserve", "$LATEST"),
])
def test_lambda_function_arns_with_qualifiers_and_partial_forms(arn, name, qualifier):
    res = parse_resource(arn)
    assert (res.kind, res.name, res.qualifier) == ("lambda", name, qualifier)


def test_activity_arn():
    res = parse_resource("arn:aws:states:eu-west-1:123456789012:activity:Approve")
    assert (res.kind, res.name, res.region) == ("activity", "Approve", "eu-west-1")


@pytest.mark.parametrize("arn", [
    "arn:aws:states:::lambda",                       # no action
    "arn:aws:states:::sqs:sendMessage.later",        # no such pattern
    "arn:aws:states:::aws-sdk:dynamodb",             # SDK integration without an action
    "arn:aws:s3:::bucket",                           # not something a Task runs
    "Reserve",
])
def test_unknown_resources_are_refused(arn):
    with pytest.raises(ResourceError):
        parse_resource(arn)


def test_an_integration_aws_has_but_asl_runtime_does_not_serve_fails_the_execution_naming_it():
    # glue:startJobRun is a real optimized integration; asl-runtime has no Glue, so the run (not
    # the load) fails, naming the resource and the state.
    sm = StateMachine.from_json({"StartAt": "Crawl", "States": {
        "Crawl": {"Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun", "End": True}}})
    result = sm.run({})
    assert result.status == "FAILED" and result.error == "States.Runtime"
    assert "arn:aws:states:::glue:startJobRun" in result.cause and "'Crawl'" in result.cause
