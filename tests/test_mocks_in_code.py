"""run(mocks=...): mocking states in code, passing through to the real handler, and handlers that
name their own error (TaskFailed) or are found by state name."""

import pytest

from asl_runtime import PASS_THROUGH, MockConfigError, StateMachine, TaskFailed

CHARGE = {"StartAt": "ChargeCard", "States": {
    "ChargeCard": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:payments",
                   "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 1,
                              "MaxAttempts": 2}],
                   "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Declined"}],
                   "Next": "Done"},
    "Declined": {"Type": "Pass", "End": True},
    "Done": {"Type": "Succeed"}}}

BUSY = {"Throw": {"Error": "Lambda.ServiceException", "Cause": "busy"}}


@pytest.fixture
def charge():
    return StateMachine.from_json(CHARGE)


def test_a_list_of_responses_answers_each_attempt_in_turn(charge):
    result = charge.run({}, mocks={"ChargeCard": [BUSY, BUSY, {"Return": {"charged": True}}]})
    assert result.status == "SUCCEEDED"
    assert result.output == {"charged": True}


def test_throttled_twice_then_the_real_handler_runs(charge):
    calls = []

    def payments(event, context):
        calls.append(event)
        return {"charged": True, "by": "handler"}

    result = charge.run({"amount": 5}, handlers={"payments": payments},
                        mocks={"ChargeCard": [BUSY, BUSY, PASS_THROUGH]})
    assert result.output == {"charged": True, "by": "handler"}
    assert calls == [{"amount": 5}]  # the mocked attempts never reached the handler


def test_responses_keyed_like_a_mock_config_file(charge):
    result = charge.run({}, mocks={"ChargeCard": {"0-1": BUSY, "2": {"Return": 7}}})
    assert result.output == 7


def test_running_out_of_responses_names_the_state_and_the_invocation(charge):
    result = charge.run({}, mocks={"ChargeCard": [BUSY]})
    # The retry has no response: States.Runtime, which States.ALL does not catch.
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "'ChargeCard'" in result.cause and "invocation 1" in result.cause


def test_pass_through_falls_back_to_the_mock_config_test_case_as_its_first_call(charge):
    config = {"StateMachines": {"Charge": {"TestCases": {"Ok": {"ChargeCard": "Charged"}}}},
              "MockedResponses": {"Charged": {"0": {"Return": {"from": "test case"}}}}}
    result = charge.run({}, state_machine_name="Charge", mock_config=config, test_case="Ok",
                        mocks={"ChargeCard": [BUSY, PASS_THROUGH]})
    assert result.output == {"from": "test case"}


@pytest.mark.parametrize("mocks, message", [
    ({"Charge": [BUSY]}, "no state 'Charge'"),
    ({"ChargeCard": []}, "at least one response"),
    ({"ChargeCard": [{"Returns": 1}]}, "mocks['ChargeCard'][0]: must be an object with exactly one of"),
    ({"ChargeCard": [{"Throw": {"Error": 5}}]}, "mocks['ChargeCard'][0]/Throw"),
    ({"ChargeCard": {"x": BUSY}}, "mocks['ChargeCard']/x: an invocation key"),
    ({"ChargeCard": [{"PassThrough": "yes"}]}, "PassThrough: must be true"),
    (["ChargeCard"], "must be a dict"),
])
def test_a_bad_mock_is_refused_before_anything_runs(charge, mocks, message):
    with pytest.raises(MockConfigError, match=None) as info:
        charge.run({}, mocks=mocks)
    assert message in str(info.value)


@pytest.mark.parametrize("clock", ["virtual", "real"])
def test_a_handler_raises_any_error_name_with_its_cause(charge, clock):
    attempts = []

    def payments(event, context):
        attempts.append(1)
        raise TaskFailed("Lambda.ServiceException", "busy")

    result = charge.run({}, handlers={"payments": payments}, clock=clock)
    assert len(attempts) == 3  # retried as the service error, twice
    assert result.output["error"] == {"Error": "Lambda.ServiceException", "Cause": "busy"}


def test_a_handler_can_fail_its_task_with_states_timeout():
    machine = StateMachine.from_json({"StartAt": "Slow", "States": {"Slow": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "slow"},
        "End": True}}})

    def slow(event, context):
        raise TaskFailed("States.Timeout", "took too long")

    result = machine.run({}, handlers={"slow": slow})
    assert (result.error, result.cause) == ("States.Timeout", "took too long")
    assert "TaskTimedOut" in [e["type"] for e in result.history]


def test_a_handler_keyed_by_state_name_wins_over_the_function_name(charge):
    result = charge.run({}, handlers={"payments": lambda e, c: "function", "ChargeCard": lambda e, c: "state"})
    assert result.output == "state"


def test_the_function_name_still_finds_its_handler(charge):
    assert charge.run({}, handlers={"payments": lambda e, c: "function"}).output == "function"


def test_a_state_inside_a_map_is_mocked_by_its_name():
    machine = StateMachine.from_json({"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.items", "End": True,
        "ItemProcessor": {"StartAt": "Price", "States": {"Price": {
            "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:price", "End": True}}}}}})
    result = machine.run({"items": [1, 2, 3]}, mocks={"Price": [{"Return": 10}, {"Return": 20}, {"Return": 30}]})
    assert result.output == [10, 20, 30]
