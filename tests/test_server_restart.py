"""`kill -9` of `asl serve --db` in the middle of running executions: nothing acknowledged is lost,
and after a restart the executions continue from their last completed state."""

import json
import os
import signal
import time

import pytest

from server_support import ROLE, client, serve_process, wait_done

SLOW = {"StartAt": "First", "States": {
    "First": {"Type": "Pass", "Result": "first", "ResultPath": "$.first", "Next": "Nap"},
    "Nap": {"Type": "Wait", "Seconds": 2, "Next": "Last"},
    "Last": {"Type": "Pass", "Result": "last", "ResultPath": "$.last", "End": True}}}


def work(activity):
    return {"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Result": 1, "ResultPath": "$.prepared", "Next": "DoWork"},
        "DoWork": {"Type": "Task", "Resource": activity, "ResultPath": "$.work", "Next": "Finish"},
        "Finish": {"Type": "Succeed"}}}


def types(sfn, arn):
    return [e["type"] for e in sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_kill_9_loses_nothing_and_running_executions_finish_after_restart(tmp_path):
    db = str(tmp_path / "sfn.sqlite")
    with serve_process("--db", db) as (server, url):
        sfn = client(url)
        done = sfn.create_state_machine(name="Done", roleArn=ROLE, definition=json.dumps(
            {"StartAt": "S", "States": {"S": {"Type": "Pass", "Result": {"ok": 1}, "End": True}}}))["stateMachineArn"]
        finished = sfn.start_execution(stateMachineArn=done, name="finished")["executionArn"]
        assert wait_done(sfn, finished)["status"] == "SUCCEEDED"
        slow = sfn.create_state_machine(name="Slow", roleArn=ROLE, definition=json.dumps(SLOW))["stateMachineArn"]
        activity = sfn.create_activity(name="Worker")["activityArn"]
        worked = sfn.create_state_machine(name="Work", roleArn=ROLE, definition=json.dumps(work(activity)))
        napping = [sfn.start_execution(stateMachineArn=slow, name=f"nap-{i}", input='{"i": %d}' % i)["executionArn"]
                   for i in range(3)]
        waiting = sfn.start_execution(stateMachineArn=worked["stateMachineArn"], name="waiting",
                                      input='{"job": 7}')["executionArn"]
        task = sfn.get_activity_task(activityArn=activity, workerName="w")
        assert json.loads(task["input"]) == {"job": 7, "prepared": 1}
        deadline = time.monotonic() + 10
        while not all("WaitStateEntered" in types(sfn, arn) for arn in napping) and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(server.pid, signal.SIGKILL)
        server.wait(10)

    with serve_process("--db", db) as (_, url):
        sfn = client(url)
        assert {m["name"] for m in sfn.list_state_machines()["stateMachines"]} == {"Done", "Slow", "Work"}
        assert sfn.describe_activity(activityArn=activity)["name"] == "Worker"
        kept = sfn.describe_execution(executionArn=finished)
        assert kept["status"] == "SUCCEEDED" and json.loads(kept["output"]) == {"ok": 1}
        assert types(sfn, finished) == ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]

        for i, arn in enumerate(napping):
            described = wait_done(sfn, arn, timeout=20)
            assert described["status"] == "SUCCEEDED", described
            assert json.loads(described["output"]) == {"i": i, "first": "first", "last": "last"}
            events = sfn.get_execution_history(executionArn=arn)["events"]
            assert [e["id"] for e in events] == list(range(1, len(events) + 1))
            assert [e["type"] for e in events] == [
                "ExecutionStarted", "PassStateEntered", "PassStateExited", "WaitStateEntered", "WaitStateExited",
                "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]  # Nap ran again, once recorded

        # The worker that took the activity task before the crash still answers with its token.
        assert sfn.describe_execution(executionArn=waiting)["status"] == "RUNNING"
        sfn.send_task_success(taskToken=task["taskToken"], output='{"result": 42}')
        described = wait_done(sfn, waiting, timeout=20)
        assert described["status"] == "SUCCEEDED"
        assert json.loads(described["output"]) == {"job": 7, "prepared": 1, "work": {"result": 42}}
