"""states:startExecution: nested state machines run in-process, in each integration pattern."""

import json
import subprocess
import sys

import pytest

from asl_runtime import StateMachine

CHILD = {"StartAt": "Work", "States": {
    "Work": {"Type": "Wait", "Seconds": 30, "Next": "Double"},
    "Double": {"Type": "Pass", "Parameters": {"doubled.$": "States.MathAdd($.n, $.n)"}, "End": True}}}
FAILING_CHILD = {"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "Child.Broken", "Cause": "no"}}}
CHILD_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:Doubler"


def parent(pattern="", **task_fields):
    return StateMachine.from_json({"StartAt": "Start", "States": {
        "Start": {"Type": "Task", "Resource": f"arn:aws:states:::states:startExecution{pattern}",
                  "Parameters": {"StateMachineArn": CHILD_ARN, "Input": {"n.$": "$.n"}, "Name.$": "$.name"},
                  "End": True, **task_fields}}})


def test_request_response_returns_when_the_child_starts():
    result = parent().run({"n": 2, "name": "child-1"}, state_machines={"Doubler": CHILD})
    assert result.status == "SUCCEEDED", result.cause
    out = result.output
    assert out["ExecutionArn"] == "arn:aws:states:us-east-1:123456789012:execution:Doubler:child-1"
    assert isinstance(out["StartDate"], int)  # epoch milliseconds
    assert set(out) == {"ExecutionArn", "StartDate", "SdkHttpMetadata", "SdkResponseMetadata"}
    assert result.duration == pytest.approx(0)  # the parent does not wait for the child


def test_sync_waits_and_returns_output_as_json_text():
    result = parent(".sync").run({"n": 2, "name": "c"}, state_machines={CHILD_ARN: CHILD})
    out = result.output
    assert out["Status"] == "SUCCEEDED" and out["Output"] == '{"doubled":4}' and out["Input"] == '{"n":2}'
    assert out["OutputDetails"] == {"Included": True} and out["Name"] == "c"
    assert out["StateMachineArn"] == CHILD_ARN
    assert out["StopDate"] - out["StartDate"] == 30_000
    assert result.duration == pytest.approx(30)  # the child's Wait, in the parent's virtual time
    types = [e["type"] for e in result.history]
    assert types[2:6] == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"]


def test_sync2_returns_output_as_json():
    out = parent(".sync:2").run({"n": 5, "name": "c"}, state_machines={"Doubler": CHILD}).output
    assert out["Output"] == {"doubled": 10} and out["Input"] == {"n": 5}


def test_a_failed_child_fails_the_task_with_its_description():
    result = parent(".sync").run({"n": 1, "name": "c"}, state_machines={"Doubler": FAILING_CHILD})
    assert result.error == "States.TaskFailed"
    cause = json.loads(result.cause)
    assert (cause["Status"], cause["Error"], cause["Cause"]) == ("FAILED", "Child.Broken", "no")


def test_task_timeout_applies_to_the_child_in_virtual_time():
    result = parent(".sync", TimeoutSeconds=10).run({"n": 1, "name": "c"}, state_machines={"Doubler": CHILD})
    assert result.error == "States.Timeout" and result.duration == pytest.approx(10)


def test_unknown_machine_and_duplicate_name_are_refused_as_aws_does():
    unknown = parent(".sync").run({"n": 1, "name": "c"})
    assert unknown.error == "StepFunctions.StateMachineDoesNotExistException"
    assert "Service: AWSStepFunctions; Status Code: 400" in unknown.cause
    twice = StateMachine.from_json({"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution",
              "Parameters": {"StateMachineArn": CHILD_ARN, "Name": "same"}, "ResultPath": None, "Next": "B"},
        "B": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution",
              "Parameters": {"StateMachineArn": CHILD_ARN, "Name": "same"}, "End": True}}})
    result = twice.run({}, state_machines={"Doubler": FAILING_CHILD})
    assert result.error == "StepFunctions.ExecutionAlreadyExistsException"


def test_the_child_sees_its_own_context_and_the_parent_id_it_is_given():
    child = {"StartAt": "Who", "States": {"Who": {"Type": "Pass", "End": True, "Parameters": {
        "me.$": "$$.Execution.Id", "machine.$": "$$.StateMachine.Name",
        "parent.$": "$.AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"}}}}
    sm = StateMachine.from_json({"StartAt": "Start", "States": {"Start": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2", "End": True,
        "Parameters": {"StateMachineArn": CHILD_ARN, "Name": "kid",
                       "Input": {"AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"}}}}})
    result = sm.run({}, state_machines={"Doubler": child}, execution_name="mom")
    assert result.output["Output"] == {
        "me": "arn:aws:states:us-east-1:123456789012:execution:Doubler:kid", "machine": "Doubler",
        "parent": "arn:aws:states:us-east-1:123456789012:execution:StateMachine:mom"}


@pytest.mark.parametrize("pattern", [".sync", ".sync:2"])
def test_a_sync_task_has_a_task_token_in_its_context(pattern):
    # A real AWS sample (a distributed data-stream aggregator) hands $$.Task.Token to the child it
    # starts with .sync:2; AWS's context object has Task.Token for these Tasks too.
    child = {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}
    sm = StateMachine.from_json({"StartAt": "Start", "States": {"Start": {
        "Type": "Task", "Resource": f"arn:aws:states:::states:startExecution{pattern}", "End": True,
        "Parameters": {"StateMachineArn": CHILD_ARN, "Input": {"token.$": "$$.Task.Token"}},
        "ResultSelector": {"output.$": "$.Output"}}}})
    output = sm.run({}, state_machines={"Doubler": child}).output["output"]
    token = (json.loads(output) if pattern == ".sync" else output)["token"]
    assert isinstance(token, str) and len(token) > 100


def test_a_jsonata_sync_task_has_states_context_task_token():
    child = {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}
    sm = StateMachine.from_json({"QueryLanguage": "JSONata", "StartAt": "Start", "States": {"Start": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2", "End": True,
        "Arguments": {"StateMachineArn": CHILD_ARN, "Input": {"token": "{% $states.context.Task.Token %}"}},
        "Output": "{% $states.result.Output.token %}"}}})
    result = sm.run({}, state_machines={"Doubler": child})
    assert result.status == "SUCCEEDED", result.cause
    assert isinstance(result.output, str) and len(result.output) > 100


def test_a_request_response_task_has_no_task_token():
    sm = StateMachine.from_json({"StartAt": "Start", "States": {"Start": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution", "End": True,
        "Parameters": {"StateMachineArn": CHILD_ARN, "Input": {"token.$": "$$.Task.Token"}}}}})
    result = sm.run({}, state_machines={"Doubler": CHILD})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")


def test_nested_machines_under_the_real_clock():
    result = parent(".sync:2").run({"n": 1, "name": "c"}, clock="real", state_machines={"Doubler": {
        "StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "ok", "End": True}}}})
    assert result.output["Output"] == "ok"


def test_cli_state_machine_option(tmp_path):
    parent_file, child_file = tmp_path / "parent.json", tmp_path / "child.json"
    parent_file.write_text(json.dumps(parent(".sync:2").definition))
    child_file.write_text(json.dumps(CHILD))
    cmd = [sys.executable, "-m", "asl_runtime.cli.main", "run", str(parent_file), "--format", "json",
           "--input", '{"n": 4, "name": "c"}']
    ok = subprocess.run(cmd + ["--state-machine", f"Doubler={child_file}"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["output"]["Output"] == {"doubled": 8}
    by_arn = subprocess.run(cmd + ["--state-machine", f"{CHILD_ARN}={child_file}"], capture_output=True, text=True)
    assert by_arn.returncode == 0, by_arn.stderr
    missing = subprocess.run(cmd + ["--state-machine", "Doubler"], capture_output=True, text=True)
    assert missing.returncode == 2 and "NAME=FILE" in missing.stderr
    unreadable = subprocess.run(cmd + ["--state-machine", f"Doubler={tmp_path / 'nope.json'}"],
                                capture_output=True, text=True)
    assert unreadable.returncode == 2 and "cannot read" in unreadable.stderr and "Traceback" not in unreadable.stderr


SELF = {"StartAt": "Again", "States": {"Again": {
    "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2", "End": True,
    "Parameters": {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:Recursive"}}}}


def test_a_machine_that_starts_itself_is_refused_past_the_nesting_bound():
    machine = StateMachine.from_json(SELF, name="Recursive")
    result = machine.run({}, state_machines={"Recursive": machine})
    assert (result.status, result.error) == ("FAILED", "States.TaskFailed")
    assert len(result.cause) <= 32_768  # AWS's limit on a cause (botocore: SensitiveCause)
    assert result.cause.startswith('{"Cause":')  # the child's description, as .sync:2 reports it


def test_the_innermost_start_fails_with_execution_limit_exceeded():
    from asl_runtime.integrations import start_execution
    catch = {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2", "End": True,
             "Parameters": {"StateMachineArn": "Recursive"},
             "Catch": [{"ErrorEquals": ["StepFunctions.ExecutionLimitExceededException"], "Next": "Bottom"}]}
    machine = StateMachine.from_json({"StartAt": "Again", "States": {
        "Again": catch, "Bottom": {"Type": "Pass", "Result": "bottom", "End": True}}}, name="Recursive")
    result = machine.run({}, state_machines={"Recursive": machine})
    assert result.status == "SUCCEEDED"
    depth, output = 1, result.output
    while isinstance(output, dict):
        depth, output = depth + 1, output["Output"]
    assert (output, depth) == ("bottom", start_execution.MAX_NESTING + 1)
