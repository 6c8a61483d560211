"""Failure injection, state by state: what is injected where, and how each outcome is read."""

import pytest

from asl_runtime import StateMachine
from asl_runtime.testing.injection import inject_all, points, rewrite

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:work"
FLOW = {"StartAt": "Work", "States": {
    "Work": {"Type": "Task", "Resource": LAMBDA, "ResultPath": None,
             "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 1, "MaxAttempts": 2}],
             "Catch": [{"ErrorEquals": ["Broken"], "Next": "Undo"}], "Next": "Fan"},
    "Fan": {"Type": "Parallel", "ResultPath": None, "Next": "Done",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Undo"}],
            "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}]},
    "Undo": {"Type": "Pass", "Next": "Failed"},
    "Failed": {"Type": "Fail", "Error": "Undone"},
    "Done": {"Type": "Succeed"}}}


def test_points_name_each_error_with_the_attempts_its_retry_allows():
    found = {p.state: p for p in points(FLOW)}
    assert set(found) == {"Work", "Fan"}
    assert found["Work"].errors == ("Busy", "Broken", "States.TaskFailed", "States.Timeout",
                                    "Lambda.ServiceException")
    assert found["Work"].attempts == {"Busy": 3, "Broken": 1, "States.TaskFailed": 1, "States.Timeout": 1,
                                      "Lambda.ServiceException": 1}
    assert found["Fan"].errors == ("States.TaskFailed", "States.Timeout", "Lambda.ServiceException")


def test_a_service_task_is_not_given_a_lambda_error():
    definition = {"StartAt": "Send", "States": {"Send": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": True,
        "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/1/q", "MessageBody": "x"}}}}
    assert points(definition)[0].errors == ("States.TaskFailed", "States.Timeout")


def test_a_parallel_is_failed_from_a_task_put_first_in_its_first_branch():
    [fan] = [p for p in points(FLOW) if p.state == "Fan"]
    copied, name = rewrite(FLOW, fan)
    branch = copied["States"]["Fan"]["Branches"][0]
    assert branch["StartAt"] == name and branch["States"][name]["Next"] == "A"
    assert branch["States"][name]["ResultPath"] is None
    assert FLOW["States"]["Fan"]["Branches"][0]["StartAt"] == "A"  # the original is untouched
    StateMachine.from_json(copied)  # still a valid definition


def test_in_a_jsonata_machine_the_inserted_task_passes_its_input_on_with_output():
    definition = {"QueryLanguage": "JSONata", "StartAt": "Each", "States": {"Each": {
        "Type": "Map", "Items": "{% $states.input.items %}", "End": True,
        "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}}}}}
    copied, name = rewrite(definition, points(definition)[0])
    inserted = copied["States"]["Each"]["ItemProcessor"]["States"][name]
    assert inserted["Output"] == "{% $states.input %}" and "ResultPath" not in inserted
    StateMachine.from_json(copied)


def run_flow(handler):
    def run(definition, mocks):
        machine = StateMachine.from_json(definition or FLOW)
        return machine.run({}, handlers={"work": handler}, mocks=mocks)
    return run


@pytest.fixture
def injections():
    return inject_all(FLOW, run_flow(lambda event, context: {}))


def outcome(injections, state, error, attempt):
    [found] = [i for i in injections if (i.state, i.error, i.attempt) == (state, error, attempt)]
    return found


def test_a_retried_error_recovers_until_the_retries_run_out(injections):
    assert outcome(injections, "Work", "Busy", 1).outcome == "recovered"
    assert outcome(injections, "Work", "Busy", 2).outcome == "recovered"
    exhausted = outcome(injections, "Work", "Busy", 3)
    assert (exhausted.outcome, exhausted.status) == ("unhandled", "FAILED")  # no Catch for Busy


def test_a_caught_error_reports_its_target_and_the_compensation_path(injections):
    caught = outcome(injections, "Work", "Broken", 1)
    assert (caught.outcome, caught.catch_target, caught.caught_by) == ("caught", "Undo", "Work")
    assert caught.path == ["Work", "Undo", "Failed"] and caught.status == "FAILED"
    assert caught.compensation == ["Undo", "Failed"]
    assert caught.to_dict()["compensation"] == ["Undo", "Failed"]


def test_a_failure_inside_a_parallel_is_caught_by_the_parallel(injections):
    caught = outcome(injections, "Fan", "States.TaskFailed", 1)
    assert (caught.outcome, caught.catch_target) == ("caught", "Undo")
    assert caught.path == ["Work", "Fan", "Undo", "Failed"]  # the inserted Task never shows


def test_each_injection_is_one_record_in_the_contract_shape(injections):
    assert len(injections) == 3 + 1 + 1 + 1 + 1 + 3
    assert set(injections[0].to_dict()) >= {"state", "error", "attempt", "outcome", "catch_target", "path", "status"}


def test_states_the_run_never_reaches_are_skipped():
    found = inject_all(FLOW, run_flow(lambda event, context: {}), reached=lambda state: state == "Work")
    assert {i.state for i in found} == {"Work"}
