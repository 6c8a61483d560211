"""A distributed Map's child executions keep the execution's memory bounded, as AWS keeps each
child's history apart from the parent's: past limits.MAX_CHILD_VISITS states-visited rows, the
rows from the middle that add nothing to coverage are let go."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from asl_runtime import StateMachine
from asl_runtime.engine.states.map import run as map_run
from asl_runtime.engine.visits import coverage_key, thin

ROUTER = {"StartAt": "Fan", "States": {"Fan": {
    "Type": "Map", "End": True, "ItemsPath": "$.items", "ToleratedFailurePercentage": 100,
    "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                      "StartAt": "Route", "States": {
                          "Route": {"Type": "Choice", "Default": "Common", "Choices": [
                              {"Variable": "$", "NumericEquals": 1234, "Next": "Rare"},
                              {"Variable": "$", "NumericEquals": 1500, "Next": "Refuse"}]},
                          "Common": {"Type": "Pass", "End": True},
                          "Rare": {"Type": "Pass", "End": True},
                          "Refuse": {"Type": "Fail", "Error": "Refused"}}}}}}


def test_a_big_map_run_keeps_a_bounded_number_of_visits_and_every_path_it_took(monkeypatch):
    monkeypatch.setattr(map_run, "MAX_CHILD_VISITS", 200)
    result = StateMachine.from_json(ROUTER).run({"items": list(range(3000))}, state_machine_type="EXPRESS")
    assert result.status == "SUCCEEDED"
    visits = result.visits_all
    assert len(visits) < 300  # 3000 children x 2 states would be 6,000
    # The paths taken only once, in the middle of the run, are still there (coverage sees them).
    assert [v.scope[-1][2] for v in result.visits("Rare")] == [1234]
    assert [v.scope[-1][2] for v in result.visits("Refuse")] == [1500]
    assert {v.choice_rule for v in result.visits("Route")} == {-1, 0, 1}  # -1: the Default
    # The first and the latest children are kept whole.
    indexes = {v.scope[-1][2] for v in result.visits("Common")}
    assert {0, 1, 2998, 2999} <= indexes


def test_a_map_run_under_the_limit_keeps_every_visit():
    result = StateMachine.from_json(ROUTER).run({"items": list(range(50))}, state_machine_type="EXPRESS")
    assert len(result.visits("Route")) == 50 and len(result.visits("Common")) == 50


class _State:
    def __init__(self, name):
        self.name = name


STATES = [_State(n) for n in "ABCD"]
RECORDS = st.lists(st.tuples(st.sampled_from(STATES), st.sampled_from(["SUCCEEDED", "FAILED", "CAUGHT"]),
                             st.sampled_from([None, 0, 1])), max_size=400)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(RECORDS, st.integers(0, 20), st.integers(8, 120))
def test_thinning_keeps_every_coverage_key_the_ends_and_the_bound(rows, start, limit):
    records = [(i, state, (), None, None, status, 0.0, 0.0, None, 0.0, None, rule, None, None)
               for i, (state, status, rule) in enumerate(rows)]
    before = list(records)
    thin(records, start, limit)
    assert {coverage_key(r) for r in records} == {coverage_key(r) for r in before}
    assert records[:start] == before[:start]
    assert [r[0] for r in records] == sorted(r[0] for r in records)  # order kept
    if len(before) - start > limit:
        keep = limit // 4
        assert records[start:start + keep] == before[start:start + keep]
        assert records[-keep:] == before[-keep:] if keep else True
        assert len(records) - start <= 2 * keep + len({coverage_key(r) for r in before})
    else:
        assert records == before
