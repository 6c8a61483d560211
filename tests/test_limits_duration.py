"""How long an execution may run: AWS ends an EXPRESS execution after 5 minutes and a STANDARD one
after a year (TIMED_OUT, States.Timeout), whatever keeps it busy: a Wait, a callback nobody
answers, or a loop.  Under the virtual clock a loop that takes no simulated time is ended by a
transition budget per scope, with a bounded history."""

from __future__ import annotations

import pytest

from asl_runtime import StateMachine
from asl_runtime.engine import execution, history

YEAR = 365 * 24 * 3600
LOOP = {"StartAt": "Again", "States": {
    "Again": {"Type": "Pass", "Next": "Loop"},
    "Loop": {"Type": "Choice", "Choices": [{"Variable": "$.go", "BooleanEquals": True, "Next": "Again"}],
             "Default": "Done"},
    "Done": {"Type": "Succeed"}}}


def run(definition, input=None, **kwargs):
    return StateMachine.from_json(definition).run(input if input is not None else {}, **kwargs)


def wait(seconds, **top):
    return {**top, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": seconds, "End": True}}}


@pytest.fixture
def small_budget(monkeypatch):
    """A budget and an Express history window small enough for a fast test."""
    monkeypatch.setattr(execution, "TRANSITION_BUDGET", 5_000)
    monkeypatch.setattr(history, "EXPRESS_WINDOW", 2_000)


# --------------------------------------------------------------------------- the type's limit
@pytest.mark.parametrize("type_, limit", [("EXPRESS", 300), ("STANDARD", YEAR)])
def test_a_wait_past_the_types_limit_times_the_execution_out_at_the_limit(type_, limit):
    result = run(wait(40_000_000), state_machine_type=type_)
    assert (result.status, result.error) == ("TIMED_OUT", "States.Timeout")
    assert result.duration == limit
    assert result.history[-1]["type"] == "ExecutionTimedOut"
    assert result.history[-1]["executionTimedOutEventDetails"] == {"error": "States.Timeout"}


def test_an_express_execution_within_five_minutes_succeeds():
    assert run(wait(299), state_machine_type="EXPRESS").status == "SUCCEEDED"


def test_the_machines_timeout_seconds_applies_when_it_is_sooner():
    result = run(wait(600, TimeoutSeconds=60), state_machine_type="EXPRESS")
    assert (result.status, result.duration) == ("TIMED_OUT", 60)


def test_a_timeout_seconds_beyond_the_express_limit_does_not_extend_it():
    result = run(wait(600, TimeoutSeconds=3600), state_machine_type="EXPRESS")
    assert (result.status, result.duration) == ("TIMED_OUT", 300)


def test_a_callback_nobody_answers_ends_at_the_execution_limit():
    # A Task without TimeoutSeconds may wait 99,999,999 s on its token, but the execution ends first.
    definition = {"StartAt": "Ask", "States": {"Ask": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "ask", "Payload": {"token.$": "$$.Task.Token"}}, "End": True}}}
    result = run(definition, handlers={"ask": lambda event, context: None})
    assert (result.status, result.error, result.duration) == ("TIMED_OUT", "States.Timeout", YEAR)
    assert [e["type"] for e in result.history][-2:] == ["TaskSubmitted", "ExecutionTimedOut"]


def test_a_parallel_branch_reaching_the_limit_times_out_the_whole_execution():
    slow = {"StartAt": "Slow", "States": {"Slow": {"Type": "Wait", "Seconds": 400, "End": True}}}
    definition = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": [
        wait(10), slow]}}}
    result = run(definition, state_machine_type="EXPRESS")
    assert (result.status, result.duration) == ("TIMED_OUT", 300)


# --------------------------------------------------------------------------- loops without simulated time
def test_an_express_loop_that_never_waits_times_out(small_budget):
    result = run(LOOP, {"go": True}, state_machine_type="EXPRESS")
    assert (result.status, result.error) == ("TIMED_OUT", "States.Timeout")
    assert result.duration == 300  # taken to have run for the whole limit
    assert "5,000 state transitions that took no simulated time" in result.cause
    assert "EXPRESS limit of 5 minutes" in result.cause
    assert result.history[-1]["executionTimedOutEventDetails"]["cause"] == result.cause


def test_an_express_history_keeps_only_its_latest_events(small_budget):
    result = run(LOOP, {"go": True}, state_machine_type="EXPRESS")
    events = result.history
    assert len(events) <= 2_000
    assert events[-1]["id"] > 10_000  # ids still count every event of the execution
    assert [e["id"] for e in events] == list(range(events[0]["id"], events[-1]["id"] + 1))
    assert len(result.states) <= 2_000


def test_a_standard_loop_still_ends_at_25000_history_events_first():
    result = run(LOOP, {"go": True})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert len(result.history) == 25_000


def test_the_budget_is_per_scope_run_so_a_big_map_is_not_a_runaway(small_budget):
    definition = {"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": {
        "StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "End": True}}}}}}
    result = run(definition, list(range(6_000)), state_machine_type="EXPRESS")
    assert result.status == "SUCCEEDED"
    assert len(result.output) == 6_000


def test_a_loop_inside_a_map_iteration_is_caught_too(small_budget):
    definition = {"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": LOOP}}}
    result = run(definition, [{"go": False}, {"go": True}], state_machine_type="EXPRESS")
    assert (result.status, result.error, result.duration) == ("TIMED_OUT", "States.Timeout", 300)


def test_a_finite_express_loop_under_the_budget_succeeds():
    definition = {"StartAt": "Count", "States": {
        "Count": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Loop"},
        "Loop": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericLessThan": 20_000, "Next": "Count"}],
                 "Default": "Done"},
        "Done": {"Type": "Succeed"}}}
    result = run(definition, {"n": 0}, state_machine_type="EXPRESS")
    assert (result.status, result.output, result.duration) == ("SUCCEEDED", {"n": 20_000}, 0)


def test_under_the_real_clock_a_loop_ends_at_the_limit_in_real_time(monkeypatch):
    monkeypatch.setitem(execution.MAX_DURATION, "EXPRESS", 1)
    result = run(LOOP, {"go": True}, state_machine_type="EXPRESS", clock="real")
    assert (result.status, result.error, result.cause) == ("TIMED_OUT", "States.Timeout", None)
