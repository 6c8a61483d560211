"""wait_time_scale (Step Functions Local's WAIT_TIME_SCALE) under the real clock.

A Wait or retry back-off of N seconds takes N * scale real seconds; everything else keeps real
time. The checks use loose bounds only: a run that ignored the scale would not finish at all.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from asl_runtime import StateMachine

HOUR_WAIT = {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 3600, "End": True}}}


def _finished(handle, timeout=15):
    try:
        return handle.result(timeout=timeout)
    except TimeoutError:
        handle.stop()
        raise


def _seconds_between(history, first: str, second: str) -> float:
    stamp = {e["type"]: datetime.fromisoformat(e["timestamp"].replace("Z", "+00:00")) for e in history}
    return (stamp[second] - stamp[first]).total_seconds()


def test_a_scale_of_zero_makes_an_hours_wait_take_no_real_time():
    result = _finished(StateMachine.from_json(HOUR_WAIT).start({}, clock="real", wait_time_scale=0))
    assert result.status == "SUCCEEDED"


def test_a_small_scale_shortens_the_wait_by_that_factor():
    result = _finished(StateMachine.from_json(HOUR_WAIT).start({}, clock="real", wait_time_scale=0.0003))
    assert result.status == "SUCCEEDED"
    assert _seconds_between(result.history, "WaitStateEntered", "WaitStateExited") >= 1.0  # 3600 * 0.0003 s


def test_retry_back_off_is_scaled_too():
    definition = {"StartAt": "Call", "States": {"Call": {
        "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky", "End": True,
        "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 900, "MaxAttempts": 2}]}}}
    calls = []

    def flaky(event, context):
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("busy")
        return "ok"

    handle = StateMachine.from_json(definition).start({}, clock="real", wait_time_scale=0,
                                                      handlers={"flaky": flaky})
    result = _finished(handle)
    assert (result.status, result.output, len(calls)) == ("SUCCEEDED", "ok", 3)


@pytest.mark.parametrize("options, words", [
    ({"wait_time_scale": 0.5}, "clock='real'"),
    ({"clock": "real", "wait_time_scale": -1}, "0 or more"),
    ({"clock": "real", "wait_time_scale": "fast"}, "0 or more"),
])
def test_a_scale_that_cannot_apply_is_refused_before_the_run(options, words):
    with pytest.raises(ValueError, match=words):
        StateMachine.from_json(HOUR_WAIT).run({}, **options)
