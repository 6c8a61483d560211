"""The context object (`$$`): what the execution, the state machine, the current state and a Map
item look like, and how the run's options (names, account, region, type) shape the ARNs."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from asl_runtime import StateMachine

FN = "arn:aws:lambda:us-east-1:123456789012:function:"
TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def context_of(definition_state=None, input=None, **options):
    """The whole context object as a Pass state named Query sees it."""
    state = definition_state or {"Type": "Pass", "Parameters": {"ctx.$": "$$"}, "End": True}
    result = StateMachine.from_json({"StartAt": "Query", "States": {"Query": state}}).run(
        input if input is not None else {"message": "hi"}, **options)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    return result.output["ctx"], result


def parse_time(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")


def test_the_context_object_of_a_pass_state():
    # recorded: test_query_context_object_values
    ctx, result = context_of(execution_name="exec-1", state_machine_name="Orders", account_id="111111111111",
                             region="us-east-1", role_arn="arn:aws:iam::111111111111:role/Runner")
    assert set(ctx) == {"Execution", "StateMachine", "State"}
    assert ctx["Execution"] == {
        "Id": "arn:aws:states:us-east-1:111111111111:execution:Orders:exec-1",
        "Input": {"message": "hi"},
        "StartTime": ctx["Execution"]["StartTime"],
        "Name": "exec-1",
        "RoleArn": "arn:aws:iam::111111111111:role/Runner",
        "RedriveCount": 0,
    }
    assert ctx["StateMachine"] == {"Id": "arn:aws:states:us-east-1:111111111111:stateMachine:Orders", "Name": "Orders"}
    assert ctx["State"] == {"Name": "Query", "EnteredTime": ctx["State"]["EnteredTime"]}  # no RetryCount on Pass
    assert TIME.fullmatch(ctx["Execution"]["StartTime"])
    assert TIME.fullmatch(ctx["State"]["EnteredTime"])
    assert ctx["Execution"]["Id"] == result.execution_arn


def test_individual_fields():
    state = {"Type": "Pass", "End": True, "Parameters": {"ctx": {
        "id.$": "$$.Execution.Id", "name.$": "$$.Execution.Name", "input.$": "$$.Execution.Input.message",
        "role.$": "$$.Execution.RoleArn", "redrives.$": "$$.Execution.RedriveCount",
        "machine.$": "$$.StateMachine.Name", "machine_id.$": "$$.StateMachine.Id", "state.$": "$$.State.Name"}}}
    ctx, _ = context_of(state, execution_name="e", state_machine_name="M")
    assert ctx == {
        "id": "arn:aws:states:us-east-1:123456789012:execution:M:e", "name": "e", "input": "hi",
        "role": ctx["role"], "redrives": 0, "machine": "M",
        "machine_id": "arn:aws:states:us-east-1:123456789012:stateMachine:M", "state": "Query"}
    assert ctx["role"].startswith("arn:aws:iam::123456789012:role/")


def test_defaults_look_like_aws():
    ctx, result = context_of()
    execution = ctx["Execution"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", execution["Name"])
    assert execution["Id"] == f"arn:aws:states:us-east-1:123456789012:execution:StateMachine:{execution['Name']}"
    assert ctx["StateMachine"]["Id"] == "arn:aws:states:us-east-1:123456789012:stateMachine:StateMachine"


def test_each_run_gets_its_own_default_name():
    machine = StateMachine.from_json({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    assert machine.run({}).execution_arn != machine.run({}).execution_arn


@pytest.mark.parametrize("account, region", [("111122223333", "eu-west-1"), ("999999999999", "ap-southeast-2")])
def test_arns_follow_the_account_and_region(account, region):
    ctx, result = context_of(account_id=account, region=region, execution_name="x", state_machine_name="sm")
    assert ctx["Execution"]["Id"] == f"arn:aws:states:{region}:{account}:execution:sm:x"
    assert ctx["StateMachine"]["Id"] == f"arn:aws:states:{region}:{account}:stateMachine:sm"
    assert result.execution_arn == ctx["Execution"]["Id"]


def test_the_name_given_to_from_json_names_the_state_machine():
    machine = StateMachine.from_json({"StartAt": "Q", "States": {"Q": {
        "Type": "Pass", "Parameters": {"name.$": "$$.StateMachine.Name"}, "End": True}}}, name="Billing")
    assert machine.run({}).output == {"name": "Billing"}
    assert machine.run({}, state_machine_name="Other").output == {"name": "Other"}  # the run option wins


def test_express_execution_arn():
    ctx, result = context_of(state_machine_type="EXPRESS", execution_name="e1", express_execution_id="abc-123",
                             state_machine_name="Fast", account_id="111111111111")
    assert ctx["Execution"]["Id"] == "arn:aws:states:us-east-1:111111111111:express:Fast:e1:abc-123"
    assert result.execution_arn == ctx["Execution"]["Id"]
    assert ctx["StateMachine"]["Id"] == "arn:aws:states:us-east-1:111111111111:stateMachine:Fast"


def test_an_express_execution_has_no_redrive_count():
    # recorded (StartSyncExecution): test_express_sync.TestExpressSync.test_query_runtime_memory;
    # Express executions cannot be redriven, and their context object has no RedriveCount.
    ctx, _ = context_of(state_machine_type="EXPRESS", execution_name="e1", state_machine_name="Fast",
                        role_arn="arn:aws:iam::111111111111:role/Runner")
    assert ctx["Execution"] == {
        "Id": ctx["Execution"]["Id"], "Input": {"message": "hi"}, "Name": "e1",
        "RoleArn": "arn:aws:iam::111111111111:role/Runner", "StartTime": ctx["Execution"]["StartTime"]}


def test_express_execution_id_defaults_to_a_fresh_id():
    _, result = context_of(state_machine_type="EXPRESS", execution_name="e1", state_machine_name="Fast")
    assert re.fullmatch(r"arn:aws:states:us-east-1:123456789012:express:Fast:e1:[0-9a-f-]{36}", result.execution_arn)


def test_execution_input_is_the_original_input_in_every_state():
    definition = {"StartAt": "Change", "States": {
        "Change": {"Type": "Pass", "Result": {"changed": True}, "Next": "Query"},
        "Query": {"Type": "Pass", "InputPath": "$$.Execution.Input", "End": True}}}
    assert StateMachine.from_json(definition).run({"original": 1}).output == {"original": 1}


def test_state_name_and_entered_time_follow_the_current_state():
    definition = {"StartAt": "First", "States": {
        "First": {"Type": "Pass", "Parameters": {"name.$": "$$.State.Name", "at.$": "$$.State.EnteredTime"},
                  "ResultPath": "$.first", "Next": "Nap"},
        "Nap": {"Type": "Wait", "Seconds": 90, "Next": "Second"},
        "Second": {"Type": "Pass", "Parameters": {"name.$": "$$.State.Name", "at.$": "$$.State.EnteredTime",
                                                  "start.$": "$$.Execution.StartTime"},
                   "ResultPath": "$.second", "End": True}}}
    out = StateMachine.from_json(definition).run({}).output
    assert (out["first"]["name"], out["second"]["name"]) == ("First", "Second")
    assert parse_time(out["second"]["at"]) - parse_time(out["first"]["at"]) == timedelta(seconds=90)
    assert out["first"]["at"] == out["second"]["start"]


def test_retry_count_increments_across_retries_and_entered_time_stays():
    seen = []

    def flaky(event, context):
        seen.append(event)
        if len(seen) < 3:
            raise RuntimeError("try again")
        return event

    definition = {"StartAt": "Call", "States": {"Call": {
        "Type": "Task", "Resource": FN + "flaky", "End": True,
        "Parameters": {"retry.$": "$$.State.RetryCount", "entered.$": "$$.State.EnteredTime"},
        "Retry": [{"ErrorEquals": ["RuntimeError"], "IntervalSeconds": 5}]}}}
    assert StateMachine.from_json(definition).run({}, handlers={"flaky": flaky}).status == "SUCCEEDED"
    assert [e["retry"] for e in seen] == [0, 1, 2]
    assert len({e["entered"] for e in seen}) == 1


def test_retry_count_starts_at_zero_in_each_state():
    definition = {"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": FN + "echo", "Parameters": {"n.$": "$$.State.RetryCount"},
              "ResultPath": "$.a", "Next": "B"},
        "B": {"Type": "Task", "Resource": FN + "echo", "Parameters": {"n.$": "$$.State.RetryCount"},
              "ResultPath": "$.b", "End": True}}}
    out = StateMachine.from_json(definition).run({}, handlers={"echo": lambda e, c: e}).output
    assert out == {"a": {"n": 0}, "b": {"n": 0}}


def test_map_item_index_and_value_in_the_item_selector():
    definition = {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.letters", "End": True,
        "ItemSelector": {"position.$": "$$.Map.Item.Index", "letter.$": "$$.Map.Item.Value",
                         "whole.$": "$$.Map.Item", "state.$": "$$.State.Name"},
        "ItemProcessor": {"StartAt": "Keep", "States": {"Keep": {"Type": "Pass", "End": True}}}}}}
    out = StateMachine.from_json(definition).run({"letters": ["a", {"b": 2}]}).output
    assert out == [
        {"position": 0, "letter": "a", "whole": {"Index": 0, "Value": "a"}, "state": "Each"},
        {"position": 1, "letter": {"b": 2}, "whole": {"Index": 1, "Value": {"b": 2}}, "state": "Each"},
    ]


def test_states_inside_a_map_iteration_see_their_own_state_name():
    definition = {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "End": True,
        "ItemProcessor": {"StartAt": "Inner", "States": {"Inner": {
            "Type": "Pass", "Parameters": {"state.$": "$$.State.Name", "execution.$": "$$.Execution.Name"},
            "End": True}}}}}}
    out = StateMachine.from_json(definition).run([1], execution_name="run-7").output
    assert out == [{"state": "Inner", "execution": "run-7"}]


def test_context_in_a_choice_rule_and_a_fail_state():
    # recorded: test_variable, test_error_cause_path
    definition = {"StartAt": "Check", "States": {
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$$.Execution.Input.value",
                                                 "NumericLessThanEquals": 0, "Next": "Stop"}],
                  "Default": "Fine"},
        "Stop": {"Type": "Fail", "ErrorPath": "$$.State.Name", "CausePath": "$$.Execution.Name"},
        "Fine": {"Type": "Succeed"}}}
    machine = StateMachine.from_json(definition)
    failed = machine.run({"value": 0}, execution_name="n1")
    assert (failed.status, failed.error, failed.cause) == ("FAILED", "Stop", "n1")
    assert machine.run({"value": 5}).status == "SUCCEEDED"


@pytest.mark.parametrize("execution_type, kind", [("STANDARD", "execution"), ("EXPRESS", "express")])
def test_a_distributed_map_child_is_an_execution_of_its_own(execution_type, kind):
    # Each child workflow execution of a Map Run belongs to the state machine NAME/LABEL and has
    # its own name; its input is its item.
    who = {"Type": "Pass", "End": True, "Parameters": {
        "id.$": "$$.Execution.Id", "name.$": "$$.Execution.Name", "input.$": "$$.Execution.Input",
        "machine.$": "$$.StateMachine"}}
    definition = {"StartAt": "Fan", "States": {"Fan": {"Type": "Map", "Label": "Orders", "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": execution_type},
                          "StartAt": "Who", "States": {"Who": who}}}}}
    result = StateMachine.from_json(definition).run([{"n": 1}, {"n": 2}], execution_name="parent",
                                                  state_machine_name="Shop")
    assert result.status == "SUCCEEDED", result.cause
    first, second = result.output
    assert first["machine"] == {"Id": "arn:aws:states:us-east-1:123456789012:stateMachine:Shop/Orders",
                                "Name": "Shop/Orders"}
    assert first["id"].startswith(f"arn:aws:states:us-east-1:123456789012:{kind}:Shop/Orders:{first['name']}")
    assert first["id"] != result.execution_arn and first["name"] != "parent"
    assert first["name"] != second["name"]
    assert (first["input"], second["input"]) == ({"n": 1}, {"n": 2})


def test_an_inline_map_iteration_sees_the_parent_execution():
    definition = {"StartAt": "Each", "States": {"Each": {"Type": "Map", "End": True, "ItemProcessor": {
        "StartAt": "Who", "States": {"Who": {"Type": "Pass", "Parameters": {"id.$": "$$.Execution.Id"},
                                             "End": True}}}}}}
    result = StateMachine.from_json(definition).run([1])
    assert result.output == [{"id": result.execution_arn}]
