"""Nothing leaves the machine unless the user says so (DESIGN.md "Offline by default").

A Task that is neither mocked nor a local handler would call AWS with whatever credentials the
machine has; without moto, a configured endpoint or the explicit opt-in it fails at once, naming
the state and the opt-in, and no name is resolved and no connection attempted.
"""

import json
import socket
import subprocess
import sys

import pytest

from asl_runtime import StateMachine

PUT = {"StartAt": "SaveOrder", "States": {"SaveOrder": {
    "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
    "Parameters": {"TableName": "orders", "Item": {"id": {"S": "1"}}}, "End": True}}}


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    """Any name lookup or connection fails the test (and nothing reaches the network)."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise NetworkUsed(f"network used: {args[:2]}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    for var in ("ASL_AWS_ENDPOINT_URL", "ASL_ALLOW_AWS", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
        monkeypatch.delenv(var, raising=False)
    # Credentials as a developer's machine has them: they must not be used.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALLOOKING")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    return attempts


@pytest.mark.parametrize("definition, state", [
    (PUT, "SaveOrder"),
    ({"StartAt": "List", "States": {"List": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:listBuckets",
                                             "End": True}}}, "List"),
    ({"StartAt": "Notify", "States": {"Notify": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
                                                 "Parameters": {"TopicArn": "t", "Message": "m"}, "End": True}}},
     "Notify"),
])
def test_an_aws_task_fails_at_once_naming_the_state_and_the_opt_in(no_network, definition, state):
    pytest.importorskip("boto3")
    result = StateMachine.from_json(definition).run({})
    assert result.status == "FAILED" and result.error == "States.TaskFailed"
    assert f"State '{state}'" in result.cause
    for opt_in in ("--allow-aws", "ASL_ALLOW_AWS=1", "allow_aws=True", "ASL_AWS_ENDPOINT_URL", "moto"):
        assert opt_in in result.cause
    assert no_network == []


def test_the_refusal_is_a_task_failure_a_catcher_sees_with_the_reason(no_network):
    pytest.importorskip("boto3")
    definition = json.loads(json.dumps(PUT))
    definition["States"]["SaveOrder"]["Catch"] = [{"ErrorEquals": ["States.TaskFailed"], "Next": "Saved"}]
    definition["States"]["Saved"] = {"Type": "Pass", "End": True}
    result = StateMachine.from_json(definition).run({})
    assert result.status == "SUCCEEDED" and result.output["Error"] == "States.TaskFailed"
    assert "--allow-aws" in result.output["Cause"] and no_network == []


def test_a_lambda_without_handler_is_not_invoked_remotely(no_network):
    definition = {"StartAt": "Charge", "States": {"Charge": {
        "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Charge", "End": True}}}
    result = StateMachine.from_json(definition).run({})
    assert result.error == "Lambda.ResourceNotFoundException" and no_network == []


def test_with_the_opt_in_the_call_goes_out(no_network):
    pytest.importorskip("boto3")
    result = StateMachine.from_json(PUT).run({}, allow_aws=True)
    # The guard stopped it at the name lookup: the opt-in really lets the call reach the network.
    assert no_network, result
    assert result.status == "FAILED" and result.error.startswith("DynamoDB.")


def test_the_environment_opt_in_is_read_too(no_network, monkeypatch):
    pytest.importorskip("boto3")
    monkeypatch.setenv("ASL_ALLOW_AWS", "1")
    StateMachine.from_json(PUT).run({})
    assert no_network


def test_a_configured_endpoint_receives_the_call(no_network, monkeypatch):
    pytest.importorskip("boto3")
    monkeypatch.setenv("ASL_AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    result = StateMachine.from_json(PUT).run({})
    assert result.error.startswith("DynamoDB.") and no_network  # tried the endpoint, not refused


def test_moto_receives_the_call_without_any_opt_in(monkeypatch):
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    monkeypatch.delenv("ASL_ALLOW_AWS", raising=False)
    monkeypatch.delenv("ASL_AWS_ENDPOINT_URL", raising=False)
    with moto.mock_aws():
        boto3.client("dynamodb", region_name="us-east-1").create_table(
            TableName="orders", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        result = StateMachine.from_json(PUT).run({})
    assert result.status == "SUCCEEDED", result.cause


def test_asl_run_refuses_by_default_and_takes_allow_aws(tmp_path):
    pytest.importorskip("boto3")
    path = tmp_path / "put.asl.json"
    path.write_text(json.dumps(PUT))
    env = {"PATH": "/usr/bin:/bin", "AWS_ACCESS_KEY_ID": "AKIAREALLOOKING", "AWS_SECRET_ACCESS_KEY": "x"}
    out = subprocess.run([sys.executable, "-m", "asl_runtime.cli.main", "run", str(path), "--format", "json"],
                         capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 1, out.stderr
    report = json.loads(out.stdout)
    assert report["error"] == "States.TaskFailed" and "--allow-aws" in report["cause"]
    helped = subprocess.run([sys.executable, "-m", "asl_runtime.cli.main", "run", "--help"],
                            capture_output=True, text=True, timeout=60, env=env)
    assert "--allow-aws" in helped.stdout
