"""The event stream: observers see the history as it is recorded, plus the engine's own events."""

import threading
import warnings

import pytest

from asl_runtime import StateMachine
from asl_runtime.engine.events import ENGINE_EVENT_TYPES, Event


def observe(definition, input=None, **options):
    events = []
    result = StateMachine.from_json(definition).run(input, observers=[events.append], **options)
    return result, events


def aws(events):
    return [e for e in events if e.id]


def engine(events, type_=None):
    return [e for e in events if not e.id and (type_ is None or e.type == type_)]


CHOICE = {"StartAt": "Route", "States": {
    "Route": {"Type": "Choice", "Choices": [
        {"Variable": "$.amount", "NumericGreaterThan": 100, "Next": "Big"},
        {"Variable": "$.amount", "NumericGreaterThan": 10, "Next": "Medium"}], "Default": "Small"},
    "Big": {"Type": "Pass", "End": True},
    "Medium": {"Type": "Pass", "End": True},
    "Small": {"Type": "Pass", "End": True}}}


def test_observer_sees_every_history_event_in_order_with_raw_payloads():
    result, events = observe(CHOICE, {"amount": 50})
    seen = aws(events)
    history = result.history
    assert [(e.type, e.id, e.previous_id) for e in seen] == \
        [(h["type"], h["id"], h["previousEventId"]) for h in history]
    assert all(isinstance(e, Event) and e.scope == () and e.execution_arn == result.execution_arn for e in events)
    entered = seen[1]
    assert entered.type == "ChoiceStateEntered" and entered.details == {"name": "Route", "input": {"amount": 50}}
    assert [e.to_aws() for e in seen] == history  # the same events, in AWS's shape


def test_choice_rule_matched_names_the_rule_and_default():
    _, events = observe(CHOICE, {"amount": 50})
    [matched] = engine(events, "ChoiceRuleMatched")
    assert matched.details == {"name": "Route", "rule_index": 1, "next": "Medium"}
    _, events = observe(CHOICE, {"amount": 1})
    [matched] = engine(events, "ChoiceRuleMatched")
    assert matched.details == {"name": "Route", "rule_index": None, "next": "Small"}
    # the engine event comes between the Choice's entered and exited events
    types = [e.type for e in events]
    assert types.index("ChoiceStateEntered") < types.index("ChoiceRuleMatched") < types.index("ChoiceStateExited")


def test_jsonata_choice_reports_its_rule_too():
    definition = {"QueryLanguage": "JSONata", "StartAt": "Route", "States": {
        "Route": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.n > 1 %}", "Next": "Big"}],
                  "Default": "Small"},
        "Big": {"Type": "Succeed"}, "Small": {"Type": "Succeed"}}}
    result, events = observe(definition, {"n": 5})
    assert engine(events, "ChoiceRuleMatched")[0].details["rule_index"] == 0
    assert result.visits("Route")[0].choice_rule == 0
    result, _ = observe(definition, {"n": 0})
    assert result.visits("Route")[0].choice_rule == -1


FLAKY = {"StartAt": "Charge", "States": {
    "Charge": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge",
               "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 2, "MaxAttempts": 2, "BackoffRate": 3}],
               "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Refund"}], "End": True},
    "Refund": {"Type": "Pass", "End": True}}}


class Busy(Exception):
    pass


def test_retries_and_the_catch_are_told_to_observers():
    calls = []

    def charge(event, context):
        calls.append(1)
        raise Busy("try later")

    result, events = observe(FLAKY, {}, handlers={"charge": charge})
    assert result.status == "SUCCEEDED" and len(calls) == 3
    retries = engine(events, "RetryScheduled")
    assert [(r.details["attempt"], r.details["backoff_seconds"], r.details["retrier_index"]) for r in retries] == \
        [(1, 2, 0), (2, 6, 0)]
    assert retries[0].details["error"] == "Busy" and retries[0].details["name"] == "Charge"
    [catch] = engine(events, "CatchTaken")
    assert catch.details["next"] == "Refund" and catch.details["catcher_index"] == 0
    assert catch.details["error"] == "Busy"
    # the virtual clock: the second retry is scheduled 2 s after the first failure (plus no task time)
    assert retries[1].timestamp - retries[0].timestamp == pytest.approx(2)


def test_state_failed_when_nothing_catches():
    _, events = observe({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Nope", "Cause": "c"}}})
    [failed] = engine(events, "StateFailed")
    assert failed.details == {"name": "F", "error": "Nope", "cause": "c"}
    assert events[-1].type == "ExecutionFailed"


MAP = {"StartAt": "Each", "States": {"Each": {
    "Type": "Map", "ItemsPath": "$.items", "End": True,
    "ItemProcessor": {"StartAt": "Double", "States": {
        "Double": {"Type": "Pass", "Parameters": {"n.$": "$"}, "End": True}}}}}}


@pytest.mark.parametrize("clock", ["virtual", "real"])
def test_map_iterations_have_their_own_scope(clock):
    result, events = observe(MAP, {"items": [1, 2, 3]}, clock=clock)
    assert result.status == "SUCCEEDED"
    for index in range(3):
        scoped = [e.type for e in events if e.scope == (("Map", "Each", index),)]
        assert scoped == ["MapIterationStarted", "PassStateEntered", "PassStateExited", "MapIterationSucceeded"]
    top = [e.type for e in events if e.scope == ()]
    assert top[:3] == ["ExecutionStarted", "MapStateEntered", "MapStateStarted"]
    assert top[-3:] == ["MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]
    assert sorted(e.id for e in aws(events)) == list(range(1, len(result.history) + 1))


PARALLEL = {"StartAt": "Both", "States": {"Both": {
    "Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
        {"StartAt": "B", "States": {"B": {"Type": "Fail", "Error": "BranchBroke"}}}],
    "Catch": [{"ErrorEquals": ["BranchBroke"], "Next": "Recovered"}]},
    "Recovered": {"Type": "Pass", "End": True}}}


def test_parallel_branches_are_started_and_ended_in_their_scope():
    result, events = observe(PARALLEL)
    assert result.status == "SUCCEEDED"
    first = [(e.type, e.details.get("index")) for e in events if e.scope == (("Parallel", "Both", 0),)]
    assert first == [("ParallelBranchStarted", 0), ("PassStateEntered", None), ("PassStateExited", None),
                     ("ParallelBranchSucceeded", 0)]
    second = [e.type for e in events if e.scope == (("Parallel", "Both", 1),)]
    assert second == ["ParallelBranchStarted", "FailStateEntered", "StateFailed", "ParallelBranchFailed"]
    assert engine(events, "CatchTaken")[0].scope == ()


def test_engine_event_ids_point_at_the_last_history_event():
    _, events = observe(CHOICE, {"amount": 500})
    [matched] = engine(events, "ChoiceRuleMatched")
    assert matched.id == 0 and matched.previous_id == 2  # after ExecutionStarted, ChoiceStateEntered
    assert set(e.type for e in engine(events)) <= set(ENGINE_EVENT_TYPES)


def test_a_raising_observer_is_warned_about_and_detached_without_changing_the_outcome():
    seen = []

    def broken(event):
        seen.append(event.type)
        raise RuntimeError("observer bug")

    steady = []
    with pytest.warns(RuntimeWarning, match="broken.*observer bug"):
        result = StateMachine.from_json(CHOICE).run({"amount": 500}, observers=[broken, steady.append])
    assert result.status == "SUCCEEDED"
    assert seen == ["ExecutionStarted"]  # called once, then detached
    assert len([e for e in steady if e.id]) == len(result.history)


def test_no_observer_records_the_same_history():
    definition = {**MAP}
    plain = StateMachine.from_json(definition).run({"items": [1, 2]})
    observed, _ = observe(definition, {"items": [1, 2]})
    strip = [{k: v for k, v in e.items() if k != "timestamp"} for e in plain.history]
    assert strip == [{k: v for k, v in e.items() if k != "timestamp"} for e in observed.history]


def test_observers_under_the_real_clock_see_every_event_of_every_thread():
    seen = []
    lock = threading.Lock()

    def collect(event):
        with lock:
            seen.append(event)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = StateMachine.from_json(MAP).run({"items": list(range(8))}, clock="real", observers=[collect])
    assert result.status == "SUCCEEDED"
    # delivered in history order, even from the iteration threads
    assert [e.id for e in seen if e.id] == list(range(1, len(result.history) + 1))
