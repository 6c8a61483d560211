"""The threads background executions run on: reused while idle, each job as on a fresh thread."""

import contextvars
import threading
import time

from asl_runtime import StateMachine
from asl_runtime.engine import workers

MARK = contextvars.ContextVar("mark", default="unset")


def _run(job) -> tuple[int, object]:
    """Run `job` in the background; (the thread's ident, what the job returned)."""
    done = threading.Event()
    out = {}

    def wrapped():
        out["ident"] = threading.get_ident()
        out["thread"] = threading.current_thread()
        try:
            out["value"] = job()
        finally:
            done.set()

    workers.run_in_background(wrapped, "asl-test")
    assert done.wait(10)
    _until(lambda: out["thread"].name == "asl-idle")  # the worker has gone back to the idle list
    return out["ident"], out.get("value")


def _until(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_an_idle_worker_runs_the_next_job_and_each_job_gets_a_fresh_context():
    def set_mark():
        MARK.set("first")
        return threading.current_thread().name

    first, name = _run(set_mark)
    assert name == "asl-test"
    second, seen = _run(MARK.get)
    assert second == first  # the same thread, not a new one
    assert seen == "unset"  # what the last job set in its context is gone


def test_a_job_that_raises_is_reported_and_the_worker_carries_on(monkeypatch):
    reported = []
    monkeypatch.setattr(threading, "excepthook", reported.append)  # as a thread of its own reports it

    def boom():
        raise RuntimeError("the job failed")

    first, _ = _run(boom)
    [args] = reported
    assert args.exc_type is RuntimeError and str(args.exc_value) == "the job failed"
    assert args.thread.ident == first
    second, value = _run(lambda: 42)
    assert (second, value) == (first, 42)


def test_an_idle_worker_exits_after_idle_seconds(monkeypatch):
    # Workers left idle by other tests wait their 30 s; this one's wait starts with the short one.
    monkeypatch.setattr(workers, "IDLE_SECONDS", 0.05)
    busy, release = threading.Event(), threading.Event()
    threads = []

    def hold():
        threads.append(threading.current_thread())
        busy.set()
        release.wait(10)

    # Take every idle worker first, so the job under test gets a new thread with the short wait.
    holders = workers.idle_workers()
    for _ in range(holders):
        workers.run_in_background(release.wait, "asl-holder")
    workers.run_in_background(hold, "asl-short")
    assert busy.wait(10)
    release.set()
    threads[0].join(10)
    assert not threads[0].is_alive()


def test_many_executions_at_once_each_get_a_thread_and_finish():
    """No limit on how many run at once: 50 executions all waiting on one event all finish."""
    gate = threading.Event()
    sm = StateMachine.from_json({"StartAt": "Wait", "States": {"Wait": {
        "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:gate", "End": True}}})
    handles = [sm.start({"i": i}, clock="real", handlers={"gate": lambda e, c: gate.wait(10) and e})
               for i in range(50)]
    gate.set()
    assert [h.result(timeout=10).output for h in handles] == [{"i": i} for i in range(50)]


def test_a_forked_child_runs_executions_on_threads_of_its_own():
    import os

    _run(lambda: None)  # the parent has an idle worker now
    assert workers.idle_workers() >= 1
    pid = os.fork()
    if pid == 0:  # the child: the parent's idle workers are not here
        code = 1
        try:
            ok = workers.idle_workers() == 0 and StateMachine.from_json(
                {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}).start({}).result(timeout=10)
            code = 0 if ok and ok.status == "SUCCEEDED" else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
