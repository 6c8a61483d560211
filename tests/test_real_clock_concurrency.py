"""Under the real clock, Map iterations and Parallel branches run at the same time.

Each handler waits at a barrier that only opens when all of them have arrived, so a sequential
engine would fail the run (the barrier times out) instead of merely being slow.
"""

import threading

from asl_runtime import StateMachine

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:meet"


def meeting(parties):
    barrier = threading.Barrier(parties, timeout=10)

    def meet(event, context):
        barrier.wait()
        return event

    return meet


def test_map_iterations_run_concurrently_up_to_max_concurrency():
    sm = StateMachine.from_json({
        "StartAt": "M",
        "States": {"M": {"Type": "Map", "MaxConcurrency": 3, "End": True, "ItemProcessor": {
            "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": LAMBDA, "End": True}}}}},
    })
    result = sm.run([1, 2, 3], handlers={"meet": meeting(3)}, clock="real")
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == [1, 2, 3]
    types = [e["type"] for e in result.history]
    assert types.count("MapIterationStarted") == types.count("MapIterationSucceeded") == 3


def test_parallel_branches_run_concurrently():
    def branch(name):  # state names are unique across a whole machine
        return {"StartAt": name, "States": {name: {"Type": "Task", "Resource": LAMBDA, "End": True}}}

    sm = StateMachine.from_json({"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Branches": [branch("A"), branch("B")], "End": True}}})
    result = sm.run({"x": 1}, handlers={"meet": meeting(2)}, clock="real")
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == [{"x": 1}, {"x": 1}]


def test_real_clock_map_failure_fails_the_map():
    def meet(event, context):
        if event == 2:
            raise ValueError("bad item")
        return event

    sm = StateMachine.from_json({
        "StartAt": "M",
        "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": {
            "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": LAMBDA, "End": True}}}}},
    })
    result = sm.run([1, 2, 3], handlers={"meet": meet}, clock="real")
    assert result.status == "FAILED"
    assert result.error == "ValueError"


def test_real_clock_map_over_one_item_or_none():
    sm = StateMachine.from_json({
        "StartAt": "M",
        "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": {
            "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}},
    })
    for items in ([], [7]):
        result = sm.run(items, clock="real")
        assert result.status == "SUCCEEDED", result.cause
        assert result.output == items


def test_real_clock_machine_timeout_stops_waiting_for_a_slow_handler():
    release = threading.Event()

    def slow(event, context):
        release.wait(10)  # held until the test lets go, after the run has timed out
        return event

    sm = StateMachine.from_json({"StartAt": "T", "TimeoutSeconds": 1, "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:slow", "End": True}}})
    sm.machine.timeout_seconds = 0.05  # below AWS's 1 s minimum only so the test waits 50 ms
    try:
        result = sm.run({}, handlers={"slow": slow}, clock="real")
    finally:
        release.set()
    assert result.status == "TIMED_OUT"
