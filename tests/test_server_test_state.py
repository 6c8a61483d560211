"""TestState through boto3: one state on its own, with mocks, retries, catches and inspection data."""

import json

import pytest
from botocore.exceptions import ClientError

from server_support import client, error_code, running_server

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:Charge"


@pytest.fixture(scope="module")
def sfn():
    def Charge(event, context):
        return {"charged": event["amount"]}

    with running_server(handlers={"Charge": Charge}) as (_, url):
        yield client(url)


def run_test_state(sfn, state, input=None, **kwargs):
    return sfn.test_state(definition=json.dumps(state), **({"input": json.dumps(input)} if input is not None else {}),
                          **kwargs)


def test_a_pass_state_gives_its_output_and_next_state(sfn):
    out = run_test_state(sfn, {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.r", "Next": "After"}, {"a": 0})
    assert out["status"] == "SUCCEEDED" and out["nextState"] == "After"
    assert json.loads(out["output"]) == {"a": 0, "r": {"x": 1}} and "inspectionData" not in out


def test_a_task_calls_the_local_handler_and_debug_shows_each_io_step(sfn):
    state = {"Type": "Task", "Resource": LAMBDA, "InputPath": "$.order", "Parameters": {"amount.$": "$.total"},
             "ResultSelector": {"paid.$": "$.charged"}, "ResultPath": "$.payment", "End": True}
    out = run_test_state(sfn, state, {"order": {"total": 5}}, inspectionLevel="DEBUG")
    assert out["status"] == "SUCCEEDED" and "nextState" not in out
    data = out["inspectionData"]
    assert json.loads(data["input"]) == {"order": {"total": 5}}
    assert json.loads(data["afterInputPath"]) == {"total": 5}
    assert json.loads(data["afterParameters"]) == {"amount": 5}
    assert json.loads(data["result"]) == {"charged": 5}
    assert json.loads(data["afterResultSelector"]) == {"paid": 5}
    assert json.loads(data["afterResultPath"]) == {"order": {"total": 5}, "payment": {"paid": 5}}
    assert json.loads(out["output"]) == {"order": {"total": 5}, "payment": {"paid": 5}}


def test_a_mocked_result_replaces_the_call(sfn):
    state = {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
             "Parameters": {"TableName": "t", "Key": {"id": {"S": "1"}}}, "End": True}
    out = run_test_state(sfn, state, {}, mock={"result": json.dumps({"Item": {"id": {"S": "1"}}})}, inspectionLevel="INFO")
    assert out["status"] == "SUCCEEDED" and json.loads(out["output"]) == {"Item": {"id": {"S": "1"}}}


def test_a_mocked_error_is_retriable_then_caught_as_retries_run_out(sfn):
    state = {"Type": "Task", "Resource": LAMBDA, "Next": "Done",
             "Retry": [{"ErrorEquals": ["Busy"], "MaxAttempts": 2, "IntervalSeconds": 3, "BackoffRate": 2}],
             "Catch": [{"ErrorEquals": ["Other"], "Next": "Never"},
                       {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Recover"}]}
    mock = {"errorOutput": {"error": "Busy", "cause": "try later"}}
    first = run_test_state(sfn, state, {"id": 1}, mock=mock, inspectionLevel="DEBUG")
    assert (first["status"], first["error"], first["cause"]) == ("RETRIABLE", "Busy", "try later")
    assert first["inspectionData"]["errorDetails"] == {"retryIndex": 0, "retryBackoffIntervalSeconds": 3}
    second = run_test_state(sfn, state, {"id": 1}, mock=mock, inspectionLevel="DEBUG",
                  stateConfiguration={"retrierRetryCount": 1})
    assert second["inspectionData"]["errorDetails"]["retryBackoffIntervalSeconds"] == 6
    exhausted = run_test_state(sfn, state, {"id": 1}, mock=mock, inspectionLevel="DEBUG",
                     stateConfiguration={"retrierRetryCount": 2})
    assert exhausted["status"] == "CAUGHT_ERROR" and exhausted["nextState"] == "Recover"
    assert json.loads(exhausted["output"]) == {"id": 1, "error": {"Error": "Busy", "Cause": "try later"}}
    assert exhausted["inspectionData"]["errorDetails"] == {"catchIndex": 1}


def test_an_uncaught_error_fails_the_test(sfn):
    out = run_test_state(sfn, {"Type": "Task", "Resource": LAMBDA, "End": True}, {},
               mock={"errorOutput": {"error": "Boom", "cause": "c"}})
    assert (out["status"], out["error"], out["cause"]) == ("FAILED", "Boom", "c")


def test_a_choice_state_names_the_rule_it_took(sfn):
    choice = {"Type": "Choice", "Default": "Small",
              "Choices": [{"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"}]}
    assert run_test_state(sfn, choice, {"n": 11})["nextState"] == "Big"
    assert run_test_state(sfn, choice, {"n": 1})["nextState"] == "Small"


def test_variables_and_jsonata(sfn):
    state = {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $states.input.n * $factor %}",
             "Assign": {"seen": "{% $states.input.n %}"}, "End": True}
    out = run_test_state(sfn, state, {"n": 4}, variables=json.dumps({"factor": 3}), inspectionLevel="DEBUG")
    assert out["status"] == "SUCCEEDED" and json.loads(out["output"]) == 12
    assert json.loads(out["inspectionData"]["variables"]) == {"factor": 3, "seen": 4}


def test_a_state_picked_from_a_whole_definition(sfn):
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"},
                                             "B": {"Type": "Pass", "Result": "b", "End": True}}}
    out = sfn.test_state(definition=json.dumps(definition), stateName="B", input="{}")
    assert out["status"] == "SUCCEEDED" and json.loads(out["output"]) == "b"


def test_bad_requests(sfn):
    with pytest.raises(ClientError) as excinfo:
        sfn.test_state(definition="{not json")
    assert error_code(excinfo) == "InvalidDefinition"
    with pytest.raises(ClientError) as excinfo:
        run_test_state(sfn, {"Type": "Pass", "Next": "X"}, input=None, inspectionLevel="LOUD")
    assert error_code(excinfo) == "ValidationException"
    with pytest.raises(ClientError) as excinfo:
        run_test_state(sfn, {"Type": "Pass", "End": True}, {}, mock={"result": "{}"})
    assert error_code(excinfo) == "ValidationException"
    with pytest.raises(ClientError) as excinfo:
        run_test_state(sfn, {"Type": "Pass", "Frobnicate": 1, "End": True}, {})
    assert error_code(excinfo) == "InvalidDefinition"
