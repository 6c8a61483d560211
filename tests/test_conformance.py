"""Every case of the AWS-recorded conformance corpus: status, output, error and cause must match.

Cases that do not yet pass are listed with a reason in conformance_known_failures.txt; that list
only shrinks (a listed case that now passes fails the test, so it gets removed).
"""

import json

import pytest

from conformance_support import available, case_files, handlers, known_failures, run_case, runner

pytestmark = pytest.mark.skipif(not available(), reason="shared/conformance corpus not present")

CASES = case_files()
KNOWN = known_failures()


@pytest.fixture(scope="module")
def lambda_handlers():
    return handlers()


@pytest.fixture(scope="module")
def judge():
    return runner().judge


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path, lambda_handlers, judge):
    case = json.loads(path.read_text())
    if case.get("mocks"):
        pytest.skip("mocked-service cases are covered by the mock-file tests")
    result = run_case(case, lambda_handlers)
    passed, cause_ok, reason = judge(case, result)
    ok = passed and cause_ok is not False
    why = reason or "cause differs"
    if case["id"] in KNOWN:
        assert not ok, f"listed as a known failure but now passes: remove {case['id']} from the list"
        pytest.xfail(KNOWN[case["id"]])
    assert ok, f"{why}\nexpected: {json.dumps(case['expected'])[:2000]}\ngot: {json.dumps(result)[:2000]}"


def test_known_failures_are_real_cases():
    ids = {json.loads(p.read_text())["id"] for p in CASES}
    assert set(KNOWN) <= ids, f"stale entries: {sorted(set(KNOWN) - ids)}"
