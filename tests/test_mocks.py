"""MockConfigFile: mocked Task responses by test case, mixed with Task states that really run."""

import json
import subprocess
import sys

import pytest

from asl_runtime import MockConfigError, StateMachine

ORDER = {"StartAt": "Reserve", "States": {
    "Reserve": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "Reserve", "Payload.$": "$"}, "ResultSelector": {"reserved.$": "$.Payload"},
                "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 1, "MaxAttempts": 3}],
                "Next": "Notify"},
    "Notify": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
               "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/orders",
                              "MessageBody.$": "$"}, "ResultPath": "$.notified", "Next": "Total"},
    "Total": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Total",
              "ResultPath": "$.total", "End": True}}}


def config(test_cases, responses, machine="Order"):
    return {"StateMachines": {machine: {"TestCases": test_cases}}, "MockedResponses": responses}


MOCKS = config(
    {"HappyPath": {"Reserve": "Reserved", "Notify": "Sent"},
     "Throttled": {"Reserve": "ThrottledTwice", "Notify": "Sent"},
     "QueueGone": {"Reserve": "Reserved", "Notify": "NoQueue"}},
    {"Reserved": {"0": {"Return": {"StatusCode": 200, "Payload": {"sku": "A", "held": True}}}},
     "ThrottledTwice": {"0-1": {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "slow down"}},
                        "2": {"Return": {"StatusCode": 200, "Payload": {"sku": "A", "held": True}}}},
     "Sent": {"0": {"Return": {"MessageId": "m-1"}}},
     "NoQueue": {"0": {"Throw": {"Error": "SQS.QueueDoesNotExistException", "Cause": "gone"}}}})


@pytest.fixture
def order():
    return StateMachine.from_json(ORDER, name="Order")


def total(event, context):
    return 42


def test_mocked_states_return_their_response_and_unmocked_states_run(order):
    result = order.run({"sku": "A"}, mock_config=MOCKS, test_case="HappyPath", handlers={"Total": total})
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"reserved": {"sku": "A", "held": True}, "notified": {"MessageId": "m-1"}, "total": 42}


def test_mocked_states_record_the_usual_history(order):
    result = order.run({}, mock_config=MOCKS, test_case="HappyPath", handlers={"Total": total})
    types = [e["type"] for e in result.history]
    assert types[:6] == ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded",
                         "TaskStateExited"]
    assert "LambdaFunctionSucceeded" in types  # the unmocked bare-ARN Task


def test_invocation_ranges_drive_retries(order):
    result = order.run({}, mock_config=MOCKS, test_case="Throttled", handlers={"Total": total})
    assert result.status == "SUCCEEDED"
    assert result.duration == pytest.approx(1 + 2)  # two back-offs: 1 s, then 2 s
    assert [e["type"] for e in result.history].count("TaskFailed") == 2


def test_a_thrown_error_fails_like_the_service(order):
    result = order.run({}, mock_config=MOCKS, test_case="QueueGone", handlers={"Total": total})
    assert (result.error, result.cause) == ("SQS.QueueDoesNotExistException", "gone")


def test_a_missing_invocation_is_a_clear_error():
    loop = {"StartAt": "Poll", "States": {
        "Poll": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "P"},
                 "Next": "Again"},
        "Again": {"Type": "Choice", "Choices": [{"Variable": "$.done", "BooleanEquals": True, "Next": "Done"}],
                  "Default": "Poll"},
        "Done": {"Type": "Succeed"}}}
    mocks = config({"T": {"Poll": "NotYet"}}, {"NotYet": {"0-1": {"Return": {"done": False}}}}, machine="Loop")
    result = StateMachine.from_json(loop, name="Loop").run({}, mock_config=mocks, test_case="T")
    assert result.error == "States.Runtime"
    assert "no entry for invocation 2" in result.cause and "'Poll'" in result.cause


def test_file_path_and_the_only_machine_with_the_test_case(tmp_path):
    path = tmp_path / "mocks.json"
    path.write_text(json.dumps(MOCKS))
    unnamed = StateMachine.from_json(ORDER)  # no name: the file's only machine with HappyPath is used
    result = unnamed.run({}, mock_config=str(path), test_case="HappyPath", handlers={"Total": total})
    assert result.status == "SUCCEEDED"
    assert ":execution:Order:" in result.execution_arn


def test_mocks_for_states_inside_parallel_and_map():
    definition = {"StartAt": "Fan", "States": {"Fan": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemsPath": "$.items", "End": True,
                                                "ItemProcessor": {"StartAt": "Work", "States": {"Work": {
                                                    "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                                    "Parameters": {"FunctionName": "W"}, "End": True}}}}}}]}}}
    mocks = config({"T": {"Work": "Counted"}}, {"Counted": {"0": {"Return": "a"}, "1": {"Return": "b"}}},
                   machine="Fan")
    result = StateMachine.from_json(definition, name="Fan").run({"items": [1, 2]}, mock_config=mocks, test_case="T")
    assert result.output == [["a", "b"]]


@pytest.mark.parametrize("document, message", [
    ([], "must be a JSON object"),
    ({"StateMachines": {}, "Extra": 1}, "unknown field"),
    ({"StateMachines": {"Order": {}}}, "TestCases"),
    ({"StateMachines": {"Order": {"TestCases": {"T": {"Reserve": "Nope"}}}}, "MockedResponses": {}},
     "does not define"),
    ({"StateMachines": {}, "MockedResponses": {"R": {"first": {"Return": 1}}}}, "invocation key"),
    ({"StateMachines": {}, "MockedResponses": {"R": {"2-1": {"Return": 1}}}}, "ends before it starts"),
    ({"StateMachines": {}, "MockedResponses": {"R": {"0-2": {"Return": 1}, "1": {"Return": 2}}}},
     "more than one response"),
    ({"StateMachines": {}, "MockedResponses": {"R": {"0": {"Return": 1, "Throw": {"Error": "E"}}}}},
     "exactly one of Return, Throw or PassThrough"),
    ({"StateMachines": {}, "MockedResponses": {"R": {"0": {"Throw": {"Cause": "no error"}}}}}, "Error"),
])
def test_malformed_files_are_refused_before_running(order, document, message):
    with pytest.raises(MockConfigError, match=message):
        order.run({}, mock_config=document, test_case="T")


def test_unknown_test_case_machine_or_state(order):
    with pytest.raises(MockConfigError, match="no test case 'Sad'"):
        order.run({}, mock_config=MOCKS, test_case="Sad")
    with pytest.raises(MockConfigError, match="no state machine named 'Other'"):
        order.run({}, mock_config=MOCKS, test_case="HappyPath", state_machine_name="Other")
    ghost = config({"T": {"Ghost": "R"}}, {"R": {"0": {"Return": 1}}})
    with pytest.raises(MockConfigError, match="'Ghost'"):
        order.run({}, mock_config=ghost, test_case="T")
    with pytest.raises(MockConfigError, match="go together"):
        order.run({}, mock_config=MOCKS)
    with pytest.raises(MockConfigError, match="cannot read"):
        order.run({}, mock_config="/nonexistent/mocks.json", test_case="T")


def test_cli_mock_config_and_test_case(tmp_path):
    definition, mocks, handlers = tmp_path / "order.json", tmp_path / "mocks.json", tmp_path / "handlers.py"
    definition.write_text(json.dumps(ORDER))
    mocks.write_text(json.dumps(MOCKS))
    handlers.write_text("def Total(event, context):\n    return 42\n")
    base = [sys.executable, "-m", "asl_runtime.cli.main", "run", str(definition), "--format", "json",
            "--handlers", str(handlers), "--mock-config", str(mocks)]
    ok = subprocess.run(base + ["--test-case", "HappyPath", "--state-machine-name", "Order"],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["output"]["total"] == 42
    env_named = subprocess.run(base + ["--test-case", "QueueGone"], capture_output=True, text=True,
                               env={**__import__("os").environ, "ASL_STATE_MACHINE_NAME": "Order"})
    assert env_named.returncode == 1 and json.loads(env_named.stdout)["error"] == "SQS.QueueDoesNotExistException"
    bad = subprocess.run(base + ["--test-case", "Nope"], capture_output=True, text=True)
    assert bad.returncode == 2 and "no state machine has a test case 'Nope'" in bad.stderr
    assert "Traceback" not in bad.stderr
    alone = subprocess.run(base, capture_output=True, text=True)
    assert alone.returncode == 2 and "go together" in alone.stderr


def test_any_resource_can_be_mocked():
    # Neither Glue nor Batch is served by asl-runtime; a mocked response stands in for both.
    definition = {"StartAt": "Crawl", "States": {
        "Crawl": {"Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun.sync", "Next": "Odd"},
        "Odd": {"Type": "Task", "Resource": "arn:aws:states:::batch:submitJob.sync", "End": True}}}
    mocks = config({"T": {"Crawl": "Done", "Odd": "Done"}}, {"Done": {"0": {"Return": {"ok": True}}}}, machine="M")
    result = StateMachine.from_json(definition, name="M").run({}, mock_config=mocks, test_case="T")
    assert result.status == "SUCCEEDED" and result.output == {"ok": True}
