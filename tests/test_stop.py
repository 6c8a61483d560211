"""Stopping an execution from outside: it ends ABORTED with the events AWS records."""

import threading
import time

import pytest

from asl_runtime import StateMachine, get_activity_task
from asl_runtime.integrations import callbacks

ACTIVITY = "arn:aws:states:us-east-1:123456789012:activity:review"


def types(result):
    return [e["type"] for e in result.history]


def test_stop_during_a_real_wait_aborts_with_the_error_and_cause():
    sm = StateMachine.from_json({"StartAt": "Nap", "States": {
        "Nap": {"Type": "Wait", "Seconds": 600, "Next": "Never"},
        "Never": {"Type": "Pass", "End": True}}})
    entered = threading.Event()
    handle = sm.start({}, clock="real", observers=[lambda e: e.type == "WaitStateEntered" and entered.set()])
    assert entered.wait(10)
    assert not handle.done()
    handle.stop(error="Operator", cause="no longer needed")
    result = handle.result(timeout=10)
    assert (result.status, result.error, result.cause) == ("ABORTED", "Operator", "no longer needed")
    assert types(result)[-2:] == ["WaitStateAborted", "ExecutionAborted"]
    assert result.history[-1]["executionAbortedEventDetails"] == {"error": "Operator", "cause": "no longer needed"}
    assert result.visits("Nap")[0].status == "ABORTED" and "Never" not in result.path
    assert handle.done() and handle.arn == result.execution_arn


def test_stop_without_error_records_empty_details():
    sm = StateMachine.from_json({"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 600, "End": True}}})
    entered = threading.Event()
    handle = sm.start({}, clock="real", observers=[lambda e: e.type == "WaitStateEntered" and entered.set()])
    assert entered.wait(10)
    handle.stop()
    result = handle.result(timeout=10)
    assert result.status == "ABORTED" and result.error is None
    assert result.history[-1]["executionAbortedEventDetails"] == {}


def test_stop_under_the_real_clock_stops_map_iterations_and_their_tasks():
    started = threading.Barrier(3)
    release = threading.Event()

    def slow(event, context):
        started.wait(10)
        release.wait(10)
        return event

    sm = StateMachine.from_json({"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "End": True, "ItemProcessor": {"StartAt": "Work", "States": {
            "Work": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:slow",
                     "End": True}}}}}})
    handle = sm.start([1, 2], clock="real", handlers={"slow": slow})
    started.wait(10)  # both iterations are inside their handler
    handle.stop()
    result = handle.result(timeout=10)
    release.set()
    assert result.status == "ABORTED"
    names = types(result)
    assert names.count("MapIterationAborted") == 2 and names.count("TaskStateAborted") == 2
    assert names[-2:] == ["MapStateAborted", "ExecutionAborted"]
    assert "MapIterationSucceeded" not in names
    assert {v.status for v in result.visits("Work")} == {"ABORTED"}


def test_stop_under_the_real_clock_stops_parallel_branches_waiting_on_callbacks():
    tokens = []
    lock = threading.Lock()

    def worker(event, context):
        with lock:
            tokens.append(event["token"])

    def branch(name):
        return {"StartAt": name, "States": {name: {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "worker", "Payload": {"token.$": "$$.Task.Token"}}, "End": True}}}

    sm = StateMachine.from_json({"StartAt": "Both", "States": {"Both": {
        "Type": "Parallel", "End": True, "Branches": [branch("AskA"), branch("AskB")]}}})
    handle = sm.start({}, clock="real", handlers={"worker": worker})
    deadline = time.monotonic() + 10
    while len(tokens) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    handle.stop(cause="shutting down")
    result = handle.result(timeout=10)
    assert result.status == "ABORTED" and result.cause == "shutting down"
    names = types(result)
    assert names.count("TaskStateAborted") == 2
    assert names[-2:] == ["ParallelStateAborted", "ExecutionAborted"]


def test_stop_during_a_virtual_clock_activity_wait_takes_effect():
    """A worker took the activity task and has not answered; the virtual clock waits for it."""
    sm = StateMachine.from_json({"StartAt": "Review", "States": {
        "Review": {"Type": "Task", "Resource": ACTIVITY, "TimeoutSeconds": 3600, "End": True}}})
    taken = []
    poller = threading.Thread(target=lambda: taken.append(get_activity_task(ACTIVITY, "tester", timeout=10)))
    poller.start()
    deadline = time.monotonic() + 10
    while not callbacks.TOKENS.polling(ACTIVITY) and time.monotonic() < deadline:
        time.sleep(0.005)  # the worker is polling before the execution schedules the task
    handle = sm.start({"doc": 1})
    poller.join(10)
    assert taken and taken[0] is not None
    handle.stop(error="Cancelled")
    result = handle.result(timeout=10)
    assert (result.status, result.error) == ("ABORTED", "Cancelled")
    assert types(result)[-3:] == ["ActivityStarted", "TaskStateAborted", "ExecutionAborted"]
    assert result.duration == 0  # simulated time did not move while it waited


def test_stop_between_states_under_the_virtual_clock():
    stop_now = []

    def pause(event, context):
        stop_now[0].stop()
        return event

    sm = StateMachine.from_json({"StartAt": "Work", "States": {
        "Work": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:pause", "Next": "After"},
        "After": {"Type": "Pass", "End": True}}})
    gate = threading.Event()

    def wait_then_pause(event, context):
        gate.wait(10)
        return pause(event, context)

    handle = sm.start({}, handlers={"pause": wait_then_pause})
    stop_now.append(handle)
    gate.set()
    result = handle.result(timeout=10)
    assert result.status == "ABORTED"
    assert result.path == ["Work"]  # the Task finished; the next state never started
    assert types(result)[-2:] == ["TaskStateExited", "ExecutionAborted"]


def test_result_times_out_while_running_and_run_is_start_result():
    sm = StateMachine.from_json({"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 600, "End": True}}})
    handle = sm.start({}, clock="real")
    with pytest.raises(TimeoutError):
        handle.result(timeout=0.01)
    handle.stop()
    assert handle.result(timeout=10).status == "ABORTED"
    quick = sm.start({})  # virtual clock: the Wait takes no real time
    assert quick.result(timeout=10).status == "SUCCEEDED"
    assert quick.result().duration == sm.run({}).duration == 600
