"""What ran, as data: result.path, result.visits(), attempts, catches, choice rules."""

import pytest

from asl_runtime import StateMachine


class Busy(Exception):
    pass


class Declined(Exception):
    pass


SAGA = {"StartAt": "Reserve", "States": {
    "Reserve": {"Type": "Pass", "Next": "Charge"},
    "Charge": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge",
               "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 1, "MaxAttempts": 1}],
               "Catch": [{"ErrorEquals": ["Declined"], "Next": "Release"}], "Next": "Done"},
    "Release": {"Type": "Pass", "Next": "Failed"},
    "Failed": {"Type": "Fail", "Error": "OrderFailed"},
    "Done": {"Type": "Succeed"}}}


def test_path_visits_attempts_and_the_catch():
    answers = iter([Busy("busy"), Declined("card declined")])

    def charge(event, context):
        raise next(answers)

    result = StateMachine.from_json(SAGA).run({"order": 1}, handlers={"charge": charge})
    assert result.status == "FAILED" and result.error == "OrderFailed"
    assert result.path == ["Reserve", "Charge", "Release", "Failed"]
    assert result.transitions == 4
    [visit] = result.visits("Charge")
    assert visit.status == "CAUGHT" and visit.output == {"Error": "Declined", "Cause": visit.caught.cause}
    assert visit.input == {"order": 1} and visit.next == "Release" and visit.type == "Task"
    assert [(a.error, a.backoff_seconds) for a in visit.attempts] == [("Busy", 1), ("Declined", None)]
    assert visit.attempts[1].started == pytest.approx(visit.attempts[0].ended + 1)
    assert (visit.caught.error, visit.caught.catcher_index, visit.caught.next) == ("Declined", 0, "Release")
    assert result.visits("Failed")[0].status == "FAILED" and result.visits("Failed")[0].output is None
    assert result.visits("Reserve")[0].attempts[0].error is None
    assert result.visits("Reserve")[0].choice_rule is None
    assert result.started <= result.visits_all[0].entered and result.stopped >= result.visits_all[-1].left
    assert result.stopped - result.started == pytest.approx(result.duration)


MAP_IN_PARALLEL = {"StartAt": "Outer", "States": {"Outer": {
    "Type": "Parallel", "Next": "After", "Branches": [
        {"StartAt": "Inner", "States": {"Inner": {
            "Type": "Map", "End": True, "ItemProcessor": {"StartAt": "X", "States": {
                "X": {"Type": "Pass", "End": True}}}}}},
        {"StartAt": "Y", "States": {"Y": {"Type": "Pass", "End": True}}}]},
    "After": {"Type": "Pass", "End": True}}}


@pytest.mark.parametrize("clock", ["virtual", "real"])
def test_nested_states_are_qualified_by_their_map_and_parallel(clock):
    result = StateMachine.from_json(MAP_IN_PARALLEL).run([10, 20, 30], clock=clock)
    assert result.status == "SUCCEEDED"
    assert result.path[0] == "Outer" and result.path[-1] == "After"
    assert sorted(result.path[1:-1]) == sorted(["Outer[0]/Inner", "Outer[0]/Inner[0]/X", "Outer[0]/Inner[1]/X",
                                                "Outer[0]/Inner[2]/X", "Outer[1]/Y"])
    if clock == "virtual":  # one branch after the other: the order is the definition's
        assert result.path[1:-1] == ["Outer[0]/Inner", "Outer[0]/Inner[0]/X", "Outer[0]/Inner[1]/X",
                                     "Outer[0]/Inner[2]/X", "Outer[1]/Y"]
    assert [v.input for v in result.visits("X")] == [10, 20, 30]
    [second] = result.visits("Outer[0]/Inner[1]/X")
    assert second.scope == (("Parallel", "Outer", 0), ("Map", "Inner", 1)) and second.output == 20
    assert result.transitions == 7


def test_choice_visits_record_the_matched_rule():
    definition = {"StartAt": "Route", "States": {
        "Route": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "One"}],
                  "Default": "Other"},
        "One": {"Type": "Succeed"}, "Other": {"Type": "Succeed"}}}
    sm = StateMachine.from_json(definition)
    assert sm.run({"n": 1}).visits("Route")[0].choice_rule == 0
    assert sm.run({"n": 2}).visits("Route")[0].choice_rule == -1
    assert sm.run({"n": 2}).visits("Route")[0].next == "Other"
