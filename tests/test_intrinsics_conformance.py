"""Intrinsic functions against outcomes recorded on AWS (shared/conformance/localstack/intrinsic).

Each case there is a one-state Pass machine whose `Parameters` hold intrinsic calls.  The test
evaluates those calls with this module alone (no engine), applies the state's paths, then
normalises and compares the output the way the conformance runner does.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from asl_runtime.query.intrinsics import compile_intrinsic, is_intrinsic
from asl_runtime.query.jsonpath import compile_path, set_at

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "conformance"
CASES = sorted((CORPUS / "localstack" / "intrinsic").glob("*.json"))

# The recording replaced MathRandom's result with this token (the case's normalise rules do the
# same to ours), so the value itself is checked before normalising.
RANDOM_TOKEN = "RandomNumberGenerated"


def _lib():
    sys.path.insert(0, str(CORPUS))
    try:
        import conformance_lib
    finally:
        sys.path.remove(str(CORPUS))
    return conformance_lib


def _pass_state(case):
    """The single Pass state with intrinsic Parameters, or None when the case has another shape."""
    states = case["definition"].get("States", {})
    if len(states) != 1 or case["expected"].get("status") != "SUCCEEDED":
        return None
    (name, state), = states.items()
    params = state.get("Parameters")
    if state.get("Type") != "Pass" or not isinstance(params, dict):
        return None
    if not any(k.endswith(".$") and is_intrinsic(v) for k, v in params.items()):
        return None
    return name, state


def _context(case, state_name):
    """The context object AWS gave the recorded run, rebuilt from the case's context values."""
    ctx = case["context"]
    region, account = ctx["region"], ctx["account_id"]
    machine, execution = ctx["state_machine_name"], ctx["execution_name"]
    return {
        "Execution": {
            "Id": f"arn:aws:states:{region}:{account}:execution:{machine}:{execution}",
            "Input": case["input"],
            "Name": execution,
            "RoleArn": ctx["role_arn"],
            "StartTime": "2024-01-01T00:00:00.000Z",
            "RedriveCount": 0,
        },
        "State": {"EnteredTime": "2024-01-01T00:00:00.000Z", "Name": state_name, "RetryCount": 0},
        "StateMachine": {
            "Id": f"arn:aws:states:{region}:{account}:stateMachine:{machine}",
            "Name": machine,
        },
    }


def _run_pass(state, state_input, context):
    """Just enough of a Pass state: InputPath, Parameters, ResultPath, OutputPath."""
    effective = compile_path(state.get("InputPath", "$")).get(state_input)
    result = {}
    for key, value in state["Parameters"].items():
        if key.endswith(".$"):
            fn = compile_intrinsic(value) if is_intrinsic(value) else None
            result[key[:-2]] = (fn(effective, context, {}) if fn
                                else compile_path(value).get(effective))
        else:
            result[key] = value
    output = set_at(state_input, compile_path(state.get("ResultPath", "$")), result)
    return compile_path(state.get("OutputPath", "$")).get(output)


def _check_random(expected, actual):
    """Where the recording hid a random number, ours must at least be an integer."""
    if expected == RANDOM_TOKEN:
        assert type(actual) is int, f"expected a random integer, got {actual!r}"
    elif isinstance(expected, dict) and isinstance(actual, dict):
        for key, value in expected.items():
            _check_random(value, actual.get(key))


@pytest.mark.skipif(not CASES, reason="conformance corpus not present")
@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem.removeprefix("intrinsic_functions."))
def test_recorded_case(path):
    case = json.loads(path.read_text())
    found = _pass_state(case)
    if found is None:
        pytest.skip("not a single Pass state with intrinsic Parameters")
    name, state = found
    output = _run_pass(state, case["input"], _context(case, name))

    _check_random(case["expected"]["output"], output)
    lib = _lib()
    raw = {"output": json.dumps(output, separators=(",", ":"))}
    got = lib.normalise(raw, case.get("normalise", []), case["context"],
                        case.get("recorded_as", "flat"), "SUCCEEDED")["output"]
    expected = case["expected"]["output"]
    assert lib.matches(expected, got), f"expected {expected!r}, got {got!r}"


def test_corpus_is_mostly_this_shape():
    """Guard against the skip above silently swallowing the corpus."""
    if not CASES:
        pytest.skip("conformance corpus not present")
    shaped = sum(_pass_state(json.loads(p.read_text())) is not None for p in CASES)
    assert shaped >= len(CASES) * 0.9
