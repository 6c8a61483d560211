"""`asl serve` through boto3: state machines, executions, history, tokens, activities, tags."""

import json
import threading

import pytest
from botocore.exceptions import ClientError

from asl_runtime.server import operations
from server_support import PASS, ROLE, client, create, error_code, running_server, wait_done

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def endpoint():
    with running_server() as (_, url):
        yield url


@pytest.fixture
def sfn(endpoint):
    return client(endpoint)


def unique(prefix, _n=[0]):
    _n[0] += 1
    return f"{prefix}-{_n[0]}"


# ------------------------------------------------------------------ state machines
def test_create_describe_update_list_delete_a_state_machine(sfn):
    name = unique("crud")
    arn = create(sfn, name)
    assert arn == f"arn:aws:states:us-east-1:123456789012:stateMachine:{name}"
    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert described["name"] == name and described["type"] == "STANDARD" and described["status"] == "ACTIVE"
    assert json.loads(described["definition"]) == PASS and described["roleArn"] == ROLE
    revision = described["revisionId"]

    changed = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}
    updated = sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(changed))
    assert updated["revisionId"] != revision
    assert json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"]) == changed

    assert name in [m["name"] for m in sfn.list_state_machines()["stateMachines"]]
    sfn.delete_state_machine(stateMachineArn=arn)
    with pytest.raises(ClientError) as excinfo:
        sfn.describe_state_machine(stateMachineArn=arn)
    assert error_code(excinfo) == "StateMachineDoesNotExist"


def test_creating_the_same_machine_twice_is_idempotent_but_a_different_one_is_refused(sfn):
    name = unique("again")
    arn = create(sfn, name)
    assert create(sfn, name) == arn
    with pytest.raises(ClientError) as excinfo:
        create(sfn, name, {"StartAt": "S", "States": {"S": {"Type": "Succeed"}}})
    assert error_code(excinfo) == "StateMachineAlreadyExists"


def test_an_invalid_definition_is_refused_naming_the_problem_and_where(sfn):
    with pytest.raises(ClientError) as excinfo:
        create(sfn, unique("bad"), {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}})
    assert error_code(excinfo) == "InvalidDefinition"
    assert "/States/A/Next" in excinfo.value.response["Error"]["Message"]


def test_names_and_arns_are_checked_as_aws_checks_them(sfn):
    with pytest.raises(ClientError) as excinfo:
        create(sfn, "has space")
    assert error_code(excinfo) == "InvalidName"
    with pytest.raises(ClientError) as excinfo:
        sfn.describe_state_machine(stateMachineArn="not-an-arn")
    assert error_code(excinfo) == "InvalidArn"
    with pytest.raises(ClientError) as excinfo:
        sfn.create_state_machine(name=unique("role"), definition=json.dumps(PASS), roleArn="arn:aws:s3:::bucket")
    assert error_code(excinfo) == "InvalidArn"


def test_requests_are_checked_against_the_service_model(sfn):
    # botocore checks types and minimum lengths itself; the server checks the rest of the model.
    with pytest.raises(ClientError) as excinfo:
        create(sfn, "x" * 81)
    assert error_code(excinfo) == "ValidationException"
    assert "Member must have length less than or equal to 80" in excinfo.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as excinfo:
        create(sfn, unique("type"), type="BATCH")
    assert error_code(excinfo) == "ValidationException"
    assert "enum value set: [STANDARD, EXPRESS]" in excinfo.value.response["Error"]["Message"]


def test_a_missing_required_member_is_a_validation_exception(endpoint):
    raw = client(endpoint, parameter_validation=False)
    with pytest.raises(ClientError) as excinfo:
        raw.start_execution()
    assert error_code(excinfo) == "ValidationException"
    assert "Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null" \
        in excinfo.value.response["Error"]["Message"]


# ------------------------------------------------------------------ executions
def test_start_describe_and_list_an_execution(sfn):
    arn = create(sfn, unique("run"))
    started = sfn.start_execution(stateMachineArn=arn, name="first", input='{"n": 1}')
    assert started["executionArn"].endswith(":execution:" + arn.split(":")[-1] + ":first")
    described = wait_done(sfn, started["executionArn"])
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"hello": "world"} and json.loads(described["input"]) == {"n": 1}
    assert described["stopDate"] >= described["startDate"]
    listed = sfn.list_executions(stateMachineArn=arn)["executions"]
    assert [e["name"] for e in listed] == ["first"]
    assert sfn.list_executions(stateMachineArn=arn, statusFilter="FAILED")["executions"] == []
    metadata = sfn.describe_execution(executionArn=started["executionArn"], includedData="METADATA_ONLY")
    assert "input" not in metadata and "output" not in metadata


def test_a_failed_execution_reports_error_and_cause_and_is_redrivable(sfn):
    arn = create(sfn, unique("fail"), {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Oops",
                                                                        "Cause": "on purpose"}}})
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    described = wait_done(sfn, execution)
    assert (described["status"], described["error"], described["cause"]) == ("FAILED", "Oops", "on purpose")
    assert described["redriveStatus"] == "REDRIVABLE"


def test_execution_names_are_unique_but_a_retried_start_is_idempotent(sfn):
    waiting = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}}
    arn = create(sfn, unique("names"), waiting)
    first = sfn.start_execution(stateMachineArn=arn, name="once", input="{}")
    assert sfn.start_execution(stateMachineArn=arn, name="once", input="{}")["executionArn"] == first["executionArn"]
    with pytest.raises(ClientError) as excinfo:
        sfn.start_execution(stateMachineArn=arn, name="once", input='{"other": 1}')
    assert error_code(excinfo) == "ExecutionAlreadyExists"
    with pytest.raises(ClientError) as excinfo:
        sfn.start_execution(stateMachineArn=arn, name="bad/name")
    assert error_code(excinfo) == "InvalidName"


def test_input_must_be_json(sfn):
    arn = create(sfn, unique("input"))
    with pytest.raises(ClientError) as excinfo:
        sfn.start_execution(stateMachineArn=arn, input="{not json")
    assert error_code(excinfo) == "InvalidExecutionInput"


def test_unknown_machine_and_execution(sfn):
    missing = "arn:aws:states:us-east-1:123456789012:stateMachine:missing"
    with pytest.raises(ClientError) as excinfo:
        sfn.start_execution(stateMachineArn=missing)
    assert error_code(excinfo) == "StateMachineDoesNotExist"
    with pytest.raises(ClientError) as excinfo:
        sfn.describe_execution(executionArn="arn:aws:states:us-east-1:123456789012:execution:missing:x")
    assert error_code(excinfo) == "ExecutionDoesNotExist"


def test_list_executions_pages_with_next_token(sfn):
    arn = create(sfn, unique("paging"))
    names = [f"e{i}" for i in range(7)]
    for name in names:
        wait_done(sfn, sfn.start_execution(stateMachineArn=arn, name=name)["executionArn"])
    seen, token = [], None
    while True:
        page = sfn.list_executions(stateMachineArn=arn, maxResults=3, **({"nextToken": token} if token else {}))
        assert len(page["executions"]) <= 3
        seen += [e["name"] for e in page["executions"]]
        token = page.get("nextToken")
        if not token:
            break
    assert seen == list(reversed(names))  # newest first, each once
    paginated = [e["name"] for p in sfn.get_paginator("list_executions").paginate(
        stateMachineArn=arn, PaginationConfig={"PageSize": 2}) for e in p["executions"]]
    assert paginated == seen
    with pytest.raises(ClientError) as excinfo:
        sfn.list_executions(stateMachineArn=arn, nextToken="garbage")
    assert error_code(excinfo) == "InvalidToken"


def test_history_pages_forward_and_in_reverse_with_or_without_data(sfn):
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": True}}}
    arn = create(sfn, unique("history"), definition)
    execution = sfn.start_execution(stateMachineArn=arn, input='{"secret": 1}')["executionArn"]
    wait_done(sfn, execution)
    events = sfn.get_execution_history(executionArn=execution)["events"]
    assert [e["type"] for e in events] == ["ExecutionStarted", "PassStateEntered", "PassStateExited",
                                           "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
    assert [e["id"] for e in events] == [1, 2, 3, 4, 5, 6]
    first = sfn.get_execution_history(executionArn=execution, maxResults=4)
    rest = sfn.get_execution_history(executionArn=execution, maxResults=4, nextToken=first["nextToken"])
    assert [e["id"] for e in first["events"] + rest["events"]] == [1, 2, 3, 4, 5, 6] and "nextToken" not in rest
    backwards = sfn.get_execution_history(executionArn=execution, reverseOrder=True, maxResults=2)
    assert [e["id"] for e in backwards["events"]] == [6, 5]
    more = sfn.get_execution_history(executionArn=execution, reverseOrder=True, nextToken=backwards["nextToken"])
    assert [e["id"] for e in more["events"]] == [4, 3, 2, 1]
    bare = sfn.get_execution_history(executionArn=execution, includeExecutionData=False)["events"]
    assert "input" not in bare[0]["executionStartedEventDetails"]
    assert json.loads(events[0]["executionStartedEventDetails"]["input"]) == {"secret": 1}


def test_describe_state_machine_for_execution_is_the_definition_it_ran(sfn):
    arn = create(sfn, unique("for-exec"))
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(
        {"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}))
    described = sfn.describe_state_machine_for_execution(executionArn=execution)
    assert described["stateMachineArn"] == arn and described["roleArn"] == ROLE
    assert "definition" in described and described["updateDate"]


# ------------------------------------------------------------------ express
def test_start_sync_execution_runs_an_express_machine_to_its_end(sfn):
    arn = create(sfn, unique("express"), type="EXPRESS")
    result = sfn.start_sync_execution(stateMachineArn=arn, input='{"a": 1}')
    assert result["status"] == "SUCCEEDED" and json.loads(result["output"]) == {"hello": "world"}
    assert ":express:" in result["executionArn"] and result["billingDetails"]["billedDurationInMilliseconds"] >= 100
    failing = create(sfn, unique("express-fail"), {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}},
                     type="EXPRESS")
    failed = sfn.start_sync_execution(stateMachineArn=failing)
    assert (failed["status"], failed["error"]) == ("FAILED", "E") and "output" not in failed


def test_express_only_operations_refuse_standard_machines_and_vice_versa(sfn):
    standard = create(sfn, unique("std"))
    with pytest.raises(ClientError) as excinfo:
        sfn.start_sync_execution(stateMachineArn=standard)
    assert error_code(excinfo) == "StateMachineTypeNotSupported"
    express = create(sfn, unique("exp"), type="EXPRESS")
    with pytest.raises(ClientError) as excinfo:
        sfn.list_executions(stateMachineArn=express)
    assert error_code(excinfo) == "StateMachineTypeNotSupported"


# ------------------------------------------------------------------ activities and task tokens
def test_an_activity_worker_polls_and_answers_through_the_api(sfn):
    activity = sfn.create_activity(name=unique("work"))["activityArn"]
    assert sfn.describe_activity(activityArn=activity)["activityArn"] == activity
    definition = {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": activity, "End": True}}}
    arn = create(sfn, unique("activity-machine"), definition)
    execution = sfn.start_execution(stateMachineArn=arn, input='{"job": 7}')["executionArn"]
    task = sfn.get_activity_task(activityArn=activity, workerName="w1")
    assert json.loads(task["input"]) == {"job": 7}
    sfn.send_task_heartbeat(taskToken=task["taskToken"])
    sfn.send_task_success(taskToken=task["taskToken"], output='{"done": true}')
    described = wait_done(sfn, execution)
    assert described["status"] == "SUCCEEDED" and json.loads(described["output"]) == {"done": True}
    types = [e["type"] for e in sfn.get_execution_history(executionArn=execution)["events"]]
    assert "ActivityStarted" in types and "ActivitySucceeded" in types
    with pytest.raises(ClientError) as excinfo:
        sfn.send_task_success(taskToken=task["taskToken"], output="{}")
    assert error_code(excinfo) == "TaskTimedOut"  # already answered


def test_send_task_failure_fails_the_task(sfn):
    activity = sfn.create_activity(name=unique("fails"))["activityArn"]
    arn = create(sfn, unique("activity-fail"), {"StartAt": "Work", "States": {"Work": {
        "Type": "Task", "Resource": activity, "End": True}}})
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    task = sfn.get_activity_task(activityArn=activity)
    sfn.send_task_failure(taskToken=task["taskToken"], error="Worker.Broke", cause="disk full")
    described = wait_done(sfn, execution)
    assert (described["status"], described["error"], described["cause"]) == ("FAILED", "Worker.Broke", "disk full")


def test_token_errors_have_aws_names(sfn):
    with pytest.raises(ClientError) as excinfo:
        sfn.send_task_success(taskToken="AQBnope", output="{}")
    assert error_code(excinfo) == "TaskDoesNotExist"
    with pytest.raises(ClientError) as excinfo:
        sfn.get_activity_task(activityArn="arn:aws:states:us-east-1:123456789012:activity:none")
    assert error_code(excinfo) == "ActivityDoesNotExist"


def test_a_callback_task_waits_for_its_token(endpoint):
    tokens = []
    got = threading.Event()

    def notify(event, context):
        tokens.append(event["token"])
        got.set()
        return {}

    with running_server(handlers={"notify": notify}) as (_, url):
        sfn = client(url)
        definition = {"StartAt": "Ask", "States": {"Ask": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "notify", "Payload": {"token.$": "$$.Task.Token"}}, "End": True}}}
        arn = create(sfn, "callback", definition)
        execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
        assert got.wait(10)
        assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
        with pytest.raises(ClientError) as excinfo:
            sfn.send_task_success(taskToken=tokens[0], output="not json")
        assert error_code(excinfo) == "InvalidOutput"
        sfn.send_task_success(taskToken=tokens[0], output='{"approved": true}')
        assert json.loads(wait_done(sfn, execution)["output"]) == {"approved": True}


# ------------------------------------------------------------------ tags and validation
def test_tags_on_state_machines_and_activities(sfn):
    arn = create(sfn, unique("tagged"), tags=[{"key": "team", "value": "a"}])
    sfn.tag_resource(resourceArn=arn, tags=[{"key": "env", "value": "dev"}, {"key": "team", "value": "b"}])
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "team", "value": "b"},
                                                                   {"key": "env", "value": "dev"}]
    sfn.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "env", "value": "dev"}]
    with pytest.raises(ClientError) as excinfo:
        sfn.list_tags_for_resource(resourceArn="arn:aws:states:us-east-1:123456789012:stateMachine:none")
    assert error_code(excinfo) == "ResourceNotFound"
    activity = sfn.create_activity(name=unique("tagged-activity"), tags=[{"key": "k", "value": "v"}])["activityArn"]
    assert sfn.list_tags_for_resource(resourceArn=activity)["tags"] == [{"key": "k", "value": "v"}]


def test_validate_state_machine_definition_gives_aws_codes_and_locations(sfn):
    ok = sfn.validate_state_machine_definition(definition=json.dumps(PASS))
    assert ok["result"] == "OK" and ok["diagnostics"] == []
    broken = sfn.validate_state_machine_definition(definition=json.dumps(
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}))
    assert broken["result"] == "FAIL"
    found = {(d["code"], d.get("location")) for d in broken["diagnostics"]}
    assert ("MISSING_TRANSITION_TARGET", "/States/A/Next") in found
    not_json = sfn.validate_state_machine_definition(definition="{")
    assert [d["code"] for d in not_json["diagnostics"]] == ["INVALID_JSON_DESCRIPTION"]
    duplicated = sfn.validate_state_machine_definition(definition=json.dumps(
        {"StartAt": "A", "States": {"A": {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}]}}}))
    assert "DUPLICATE_STATE_NAME" in [d["code"] for d in duplicated["diagnostics"]]
    limited = sfn.validate_state_machine_definition(definition=json.dumps(
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "C": {"Type": "Pass", "Next": "D"}}}),
        maxResults=1)
    assert len(limited["diagnostics"]) == 1 and limited["truncated"] is True


# ------------------------------------------------------------------ stop
def test_a_short_execution_has_ended_when_start_execution_answers_and_leaves_nothing_behind(monkeypatch):
    """StartExecution answers once a short execution is over (START_GRACE is widened here so that a
    slow machine still shows it), so the first DescribeExecution finds it ended; and no ended
    execution stays in the server's table of running ones."""
    monkeypatch.setattr(operations, "START_GRACE", 10.0)
    with running_server() as (server, url):
        sfn = client(url)
        arn = create(sfn, "quick")
        for i in range(30):
            execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"i": i}))["executionArn"]
            assert sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED"
        assert server.service.running == {}


def test_stop_execution_aborts_a_waiting_execution_with_error_and_cause(sfn):
    arn = create(sfn, unique("stop"), {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}})
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    stopped = sfn.stop_execution(executionArn=execution, error="Operator.Stop", cause="maintenance")
    described = sfn.describe_execution(executionArn=execution)
    assert (described["status"], described["error"], described["cause"]) == ("ABORTED", "Operator.Stop", "maintenance")
    assert described["stopDate"] == stopped["stopDate"]
    last = sfn.get_execution_history(executionArn=execution, reverseOrder=True, maxResults=1)["events"][0]
    assert last["type"] == "ExecutionAborted"
    assert last["executionAbortedEventDetails"] == {"error": "Operator.Stop", "cause": "maintenance"}
    assert described["redriveStatus"] == "REDRIVABLE"
    # Stopping an execution that has ended changes nothing.
    assert sfn.stop_execution(executionArn=execution)["stopDate"] == stopped["stopDate"]
    assert sfn.describe_execution(executionArn=execution)["status"] == "ABORTED"


def test_stop_reaches_a_task_waiting_for_its_activity_worker(sfn):
    activity = sfn.create_activity(name=unique("never"))["activityArn"]
    arn = create(sfn, unique("stop-activity"), {"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": activity, "End": True}}})
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    sfn.stop_execution(executionArn=execution)
    assert sfn.describe_execution(executionArn=execution)["status"] == "ABORTED"


# ------------------------------------------------------------------ redrive
def test_redrive_continues_from_the_failed_state_without_rerunning_the_ones_that_succeeded(endpoint):
    calls = []

    def reserve(event, context):
        calls.append("reserve")
        return {"reserved": True}

    def charge(event, context):
        calls.append("charge")
        if calls.count("charge") == 1:
            raise RuntimeError("card service down")
        return {"charged": True}

    definition = {"StartAt": "Reserve", "States": {
        "Reserve": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:reserve",
                    "ResultPath": "$.reserve", "Next": "Charge"},
        "Charge": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge",
                   "ResultPath": "$.charge", "End": True}}}
    with running_server(handlers={"reserve": reserve, "charge": charge}) as (_, url):
        sfn = client(url)
        arn = create(sfn, "redrive", definition)
        execution = sfn.start_execution(stateMachineArn=arn, input='{"order": 1}')["executionArn"]
        failed = wait_done(sfn, execution)
        assert (failed["status"], failed["error"]) == ("FAILED", "RuntimeError")
        assert failed["redriveStatus"] == "REDRIVABLE" and failed["redriveCount"] == 0
        redriven = sfn.redrive_execution(executionArn=execution)
        done = wait_done(sfn, execution)
        assert done["status"] == "SUCCEEDED" and done["redriveCount"] == 1
        assert done["redriveDate"] == redriven["redriveDate"]
        assert json.loads(done["output"]) == {"order": 1, "reserve": {"reserved": True}, "charge": {"charged": True}}
        assert calls == ["reserve", "charge", "charge"]  # Reserve did not run again
        events = sfn.get_execution_history(executionArn=execution)["events"]
        kinds = [e["type"] for e in events]
        assert kinds.count("ExecutionFailed") == 1 and kinds.count("ExecutionRedriven") == 1
        assert kinds[-1] == "ExecutionSucceeded" and [e["id"] for e in events] == list(range(1, len(events) + 1))
        assert sfn.list_executions(stateMachineArn=arn, redriveFilter="REDRIVEN")["executions"][0]["name"] == \
            execution.split(":")[-1]
        with pytest.raises(ClientError) as excinfo:
            sfn.redrive_execution(executionArn=execution)
        assert error_code(excinfo) == "ExecutionNotRedrivable"  # it succeeded


def test_a_redriven_execution_sees_its_redrive_count_in_the_context_object():
    """$$.Execution.RedriveCount is 0 on the first run and counts each RedriveExecution after it."""
    attempts = []

    def flaky(event, context):
        attempts.append(event["redrives"])
        if len(attempts) < 3:
            raise RuntimeError(f"attempt {len(attempts)} fails")
        return {"attempts": len(attempts)}

    definition = {"StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky",
                 "Parameters": {"redrives.$": "$$.Execution.RedriveCount"}, "End": True}}}
    with running_server(handlers={"flaky": flaky}) as (_, url):
        sfn = client(url)
        execution = sfn.start_execution(stateMachineArn=create(sfn, "recount", definition), input="{}")["executionArn"]
        assert wait_done(sfn, execution)["status"] == "FAILED"
        sfn.redrive_execution(executionArn=execution)
        assert wait_done(sfn, execution)["status"] == "FAILED"
        sfn.redrive_execution(executionArn=execution)
        done = wait_done(sfn, execution)
        assert (done["status"], done["redriveCount"]) == ("SUCCEEDED", 2)
    assert attempts == [0, 1, 2]


# ------------------------------------------------------------------ map runs
def test_a_distributed_map_records_its_map_run(sfn):
    definition = {"StartAt": "Fan", "States": {"Fan": {
        "Type": "Map", "Label": "Fan", "MaxConcurrency": 5, "ToleratedFailurePercentage": 10, "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Double", "States": {"Double": {"Type": "Pass", "End": True}}}}}}
    arn = create(sfn, unique("dmap"), definition)
    execution = sfn.start_execution(stateMachineArn=arn, input="[1, 2, 3]")["executionArn"]
    assert wait_done(sfn, execution)["status"] == "SUCCEEDED"
    runs = sfn.list_map_runs(executionArn=execution)["mapRuns"]
    assert len(runs) == 1 and runs[0]["executionArn"] == execution
    run = sfn.describe_map_run(mapRunArn=runs[0]["mapRunArn"])
    assert run["status"] == "SUCCEEDED" and run["maxConcurrency"] == 5 and run["toleratedFailurePercentage"] == 10
    assert run["itemCounts"]["total"] == 3 and run["itemCounts"]["succeeded"] == 3
    with pytest.raises(ClientError) as excinfo:
        sfn.update_map_run(mapRunArn=run["mapRunArn"], maxConcurrency=1)
    assert error_code(excinfo) == "ValidationException"
    with pytest.raises(ClientError) as excinfo:
        sfn.describe_map_run(mapRunArn=run["mapRunArn"] + "x")
    assert error_code(excinfo) == "ResourceNotFound"


def _batch_checker(**map_fields):
    """A distributed Map over batches of two items whose child fails when its batch holds a negative."""
    return {"StartAt": "Fan", "States": {"Fan": {
        "Type": "Map", "Label": "Check", "ItemBatcher": {"MaxItemsPerBatch": 2}, "End": True, **map_fields,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Negative?", "States": {
                              "Negative?": {"Type": "Choice", "Default": "Fine", "Choices": [
                                  {"Variable": "$.Items[0]", "NumericLessThan": 0, "Next": "Refuse"},
                                  {"Variable": "$.Items[1]", "NumericLessThan": 0, "Next": "Refuse"}]},
                              "Refuse": {"Type": "Fail", "Error": "Negative"},
                              "Fine": {"Type": "Succeed"}}}}}}


def _map_run_of(sfn, execution):
    (listed,) = sfn.list_map_runs(executionArn=execution)["mapRuns"]
    return sfn.describe_map_run(mapRunArn=listed["mapRunArn"])


def test_a_map_runs_item_and_execution_counts_say_how_each_child_ended(sfn):
    """Eight items in batches of two are four child executions; the batch [-3, 4] fails, tolerated."""
    arn = create(sfn, unique("counts"), _batch_checker(ToleratedFailureCount=1))
    execution = sfn.start_execution(stateMachineArn=arn, input="[1, 2, -3, 4, 5, 6, 7, 8]")["executionArn"]
    assert wait_done(sfn, execution)["status"] == "SUCCEEDED"
    run = _map_run_of(sfn, execution)
    zero = dict.fromkeys(("pending", "running", "timedOut", "aborted", "resultsWritten"), 0)
    assert run["itemCounts"] == {**zero, "total": 8, "succeeded": 6, "failed": 2}
    assert run["executionCounts"] == {**zero, "total": 4, "succeeded": 3, "failed": 1}


def test_describe_map_run_counts_the_children_while_they_run(sfn):
    """Three items, two at a time, each child waiting for an activity worker: while the first two
    wait, one item is pending; answering them lets the third start, and the run ends counted."""
    activity = sfn.create_activity(name=unique("item-worker"))["activityArn"]
    definition = {"StartAt": "Fan", "States": {"Fan": {
        "Type": "Map", "MaxConcurrency": 2, "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": activity,
                                                                 "End": True}}}}}}
    execution = sfn.start_execution(stateMachineArn=create(sfn, unique("live"), definition),
                                    input="[1, 2, 3]")["executionArn"]
    first = [sfn.get_activity_task(activityArn=activity) for _ in range(2)]
    run = _map_run_of(sfn, execution)
    assert run["status"] == "RUNNING"
    counts = run["itemCounts"]
    assert (counts["total"], counts["running"], counts["pending"], counts["succeeded"]) == (3, 2, 1, 0)
    for task in first:
        sfn.send_task_success(taskToken=task["taskToken"], output="{}")
    last = sfn.get_activity_task(activityArn=activity)
    sfn.send_task_success(taskToken=last["taskToken"], output="{}")
    assert wait_done(sfn, execution)["status"] == "SUCCEEDED"
    run = _map_run_of(sfn, execution)
    assert run["status"] == "SUCCEEDED" and "stopDate" in run
    assert (run["itemCounts"]["succeeded"], run["itemCounts"]["running"], run["itemCounts"]["pending"]) == (3, 0, 0)


def test_a_failed_map_run_counts_what_never_started_as_pending(sfn):
    """One child at a time and no failure tolerated: the first failing batch fails the run, and the
    batches after it never start."""
    arn = create(sfn, unique("failrun"), _batch_checker(MaxConcurrency=1))
    execution = sfn.start_execution(stateMachineArn=arn, input="[-1, 2, 3, 4, 5, 6]")["executionArn"]
    assert wait_done(sfn, execution)["status"] == "FAILED"
    run = _map_run_of(sfn, execution)
    assert run["status"] == "FAILED"
    counts = run["executionCounts"]
    assert (counts["total"], counts["failed"], counts["running"]) == (3, 1, 0)
    assert counts["pending"] + counts["succeeded"] + counts["aborted"] == 2 and counts["succeeded"] <= 1
    assert run["itemCounts"]["total"] == 6 and run["itemCounts"]["failed"] == 2


# ------------------------------------------------------------------ every operation
def test_every_operation_of_the_service_model_is_served(endpoint):
    """Each of botocore's operations answers with its own result or error, never UnknownOperation."""
    import botocore.loaders

    model = botocore.loaders.Loader().load_service_model("stepfunctions", "service-2")
    raw = client(endpoint, parameter_validation=False)
    served = []
    for operation in model["operations"]:
        method = getattr(raw, "".join("_" + c.lower() if c.isupper() else c for c in operation).lstrip("_"))
        try:
            method()  # no members at all: a ValidationException for most, a result for the List ones
        except ClientError as exc:
            assert exc.response["Error"]["Code"] != "UnknownOperationException", operation
            assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 400, operation
        served.append(operation)
    assert len(served) == len(model["operations"]) == 37
