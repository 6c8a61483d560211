"""state_machines/flaky_api_retry: back-off with full jitter, and one idempotency key per execution."""

import json
import random

import pytest

from example_support import example_dir, example_input, example_machine, fresh_handlers

HERE = example_dir("flaky_api_retry")
INPUT = example_input("flaky_api_retry")
CAPS = [1, 2, 4, 8, 16, 16]  # IntervalSeconds 1, BackoffRate 2, MaxDelaySeconds 16


@pytest.fixture
def flow():
    return example_machine("flaky_api_retry")


@pytest.fixture
def api():
    return fresh_handlers("flaky_api_retry")


def test_recovers_and_charges_once_even_when_a_response_is_lost(flow, api):
    handlers, state = api
    state["PLAN"][:] = ["throttled", "slow", "unavailable"]
    result = flow.run(INPUT, handlers=handlers)
    assert result.status == "SUCCEEDED", result.cause
    # The "slow" call charged but timed out; the retry with the same key got that charge back.
    assert result.output == {"chargeId": "ch_1", "replayed": True}
    assert len(state["CHARGES"]) == 1
    assert [c["attempt"] for c in state["CALLS"]] == [0, 1, 2, 3]  # $$.State.RetryCount
    assert len({c["key"] for c in state["CALLS"]}) == 1
    # 10 s lost to the timeout plus jittered back-offs, each between 0 and its cap.
    assert 10 <= result.duration <= 10 + sum(CAPS[:3])


def test_the_key_comes_from_the_execution(flow, api):
    handlers, state = api
    flow.run(INPUT, handlers=handlers, execution_name="pay-1")
    flow.run(INPUT, handlers=handlers, execution_name="pay-1-retry-by-operator")
    again = flow.run(INPUT, handlers=handlers, execution_name="pay-1")  # same execution ARN, same key
    assert again.output == {"chargeId": "ch_1", "replayed": True}
    assert sorted(c["chargeId"] for c in state["CHARGES"].values()) == ["ch_1", "ch_2"]


def test_full_jitter_spreads_the_back_off(flow, api):
    handlers, state = api
    random.seed(7)
    durations = []
    for _ in range(5):
        state["PLAN"][:] = ["throttled"] * 3
        durations.append(flow.run(INPUT, handlers=handlers).duration)
    assert all(0 <= d <= sum(CAPS[:3]) for d in durations)
    assert len(set(durations)) > 1  # without jitter every run would wait exactly 1 + 2 + 4 s


def test_gives_up_after_max_attempts(flow, api):
    handlers, state = api
    state["PLAN"][:] = ["unavailable"] * 10
    result = flow.run(INPUT, handlers=handlers)
    assert (result.status, result.error) == ("FAILED", "ApiUnavailable")
    assert len(state["CALLS"]) == 7 and not state["CHARGES"]  # the first call and six retries
    assert result.duration <= sum(CAPS)


def test_a_rejected_request_is_not_retried(flow, api):
    handlers, state = api
    state["PLAN"][:] = ["rejected"]
    result = flow.run(INPUT, handlers=handlers)
    assert result.error == "ApiRejected" and len(state["CALLS"]) == 1 and result.duration == 0
    assert json.loads(result.cause)["errorMessage"] == "400 amount 1999 is not allowed"
