"""An execution persisted through a store, and resumed from its checkpoint."""

import json
import threading

from asl_runtime import StateMachine, send_task_success
from asl_runtime.engine.store import Checkpoint, InMemoryStore

ORDER = {"StartAt": "Reserve", "States": {
    "Reserve": {"Type": "Pass", "Result": "reserved", "ResultPath": "$.stock", "Assign": {"attempt": 1},
                "Next": "Ship"},
    "Ship": {"Type": "Wait", "Seconds": 60, "Next": "Done"},
    "Done": {"Type": "Pass", "Parameters": {"stock.$": "$.stock", "attempt.$": "$attempt"}, "End": True}}}


def test_the_store_holds_the_record_the_events_and_a_checkpoint_per_top_level_state():
    store = InMemoryStore()
    sm = StateMachine.from_json(ORDER)
    result = sm.run({"order": 7}, store=store, execution_name="order-7")
    record = store.get_execution(result.execution_arn)
    assert (record.status, record.output, record.name) == ("SUCCEEDED", result.output, "order-7")
    assert record.input == {"order": 7} and record.start_date == result.started
    assert record.stop_date == result.stopped and record.checkpoint is None  # ended: nothing to resume
    assert store.events(result.execution_arn) == result.history
    assert [r.arn for r in store.list_executions(status="SUCCEEDED")] == [result.execution_arn]
    assert store.list_executions(state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:Other") == []


class Recording(InMemoryStore):
    """Keeps every checkpoint it was given, as a server's store would have seen them."""

    def __init__(self):
        super().__init__()
        self.checkpoints = []

    def save_execution(self, record):
        if record.checkpoint is not None:
            self.checkpoints.append(Checkpoint.from_dict(json.loads(json.dumps(record.checkpoint.to_dict()))))
        super().save_execution(record)


def test_resume_from_a_checkpoint_continues_with_the_same_arn_and_history():
    store = Recording()
    sm = StateMachine.from_json(ORDER)
    whole = sm.run({"order": 7}, store=store, execution_name="order-7")
    assert [c.next_state for c in store.checkpoints] == ["Ship", "Done"]
    after_reserve = store.checkpoints[0]
    assert after_reserve.variables == {"attempt": 1}
    assert after_reserve.input == {"order": 7, "stock": "reserved"}
    # A restarted server: a fresh store and the checkpoint it had saved.
    fresh = InMemoryStore()
    resumed = sm.start(resume=after_reserve, execution_name="order-7", store=fresh).result(timeout=10)
    assert resumed.execution_arn == whole.execution_arn
    assert resumed.output == whole.output == {"stock": "reserved", "attempt": 1}
    strip = lambda events: [{k: v for k, v in e.items() if k != "timestamp"} for e in events]  # noqa: E731
    assert strip(resumed.history) == strip(whole.history)
    assert resumed.path == ["Ship", "Done"]  # what ran in this process
    # the store got only the events recorded after the checkpoint
    assert strip(fresh.events(resumed.execution_arn)) == strip(whole.history[len(after_reserve.history):])
    assert resumed.stopped - resumed.started == whole.duration  # the Wait's 60 s on the original clock


def test_a_waiting_token_is_in_the_store_until_it_is_answered():
    store = InMemoryStore()
    sm = StateMachine.from_json({"StartAt": "Ask", "States": {"Ask": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "worker", "Payload": {"token.$": "$$.Task.Token"}}, "End": True}}})
    seen = threading.Event()
    handle = sm.start({}, clock="real", store=store, handlers={"worker": lambda e, c: seen.set()})
    assert seen.wait(10)
    for _ in range(1000):
        tokens = store.tokens(handle.arn)
        if tokens:
            break
        threading.Event().wait(0.01)
    [token] = tokens
    assert token["state_name"] == "Ask" and token["scope"] == () and token["arn"] == handle.arn
    assert store.get_execution(handle.arn).status == "RUNNING"
    send_task_success(token["token"], {"ok": True})
    assert handle.result(timeout=10).output == {"ok": True}
    assert store.tokens() == [] and store.get_execution(handle.arn).status == "SUCCEEDED"


def test_start_returns_once_the_store_has_the_running_record():
    store = InMemoryStore()
    gate = threading.Event()
    sm = StateMachine.from_json({"StartAt": "Hold", "States": {"Hold": {
        "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:hold", "End": True}}})
    handle = sm.start({"n": 1}, clock="real", store=store, execution_name="held",
                      handlers={"hold": lambda e, c: gate.wait(10) and e})
    record = store.get_execution(handle.arn)  # no wait: saved before start() returned
    assert (record.status, record.input, record.start_date) == ("RUNNING", {"n": 1}, handle.start_date)
    gate.set()
    assert handle.result(timeout=10).started == handle.start_date


class Keeping(InMemoryStore):
    """Keeps the record objects the store held after each save."""

    def __init__(self):
        super().__init__()
        self.kept = []

    def save_execution(self, record):
        super().save_execution(record)
        self.kept.append(self._executions[record.arn])


def test_a_saved_record_and_its_checkpoint_do_not_change_as_the_run_goes_on():
    store = Keeping()
    result = StateMachine.from_json(ORDER).run({"order": 7}, store=store, execution_name="order-7")
    started, after_reserve, after_ship, ended = store.kept
    assert started.status == after_reserve.status == "RUNNING" and ended.status == "SUCCEEDED"
    assert after_reserve.checkpoint.next_state == "Ship" and after_ship.checkpoint.next_state == "Done"
    # each checkpoint holds the events up to its state, not the run's later ones
    assert after_reserve.checkpoint.history == result.history[:len(after_reserve.checkpoint.history)]
    assert len(after_reserve.checkpoint.history) < len(after_ship.checkpoint.history) < len(result.history)
    assert ended.checkpoint is None and after_ship.checkpoint is not None
