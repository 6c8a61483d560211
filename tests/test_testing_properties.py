"""Properties of the testing toolkit's building blocks, over generated definitions and outputs."""

import json
from types import SimpleNamespace

from hypothesis import given, settings, strategies as st

from asl_runtime.testing.expectations import differences
from asl_runtime.testing.source_lines import state_lines

NAMES = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=12)
JSON = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
                    max_leaves=12)


@settings(max_examples=30, derandomize=True, deadline=None)
@given(names=st.lists(NAMES, min_size=1, max_size=6, unique=True), indent=st.sampled_from([None, 1, 2, 4]),
       nested=st.booleans())
def test_every_state_name_is_found_on_its_own_line(names, indent, nested):
    states = {n: {"Type": "Pass", "Comment": '"States": {"decoy": 1}', "End": True} for n in names}
    if nested:
        states = {"Outer": {"Type": "Parallel", "End": True, "Branches": [{"StartAt": names[0], "States": states}]}}
    text = json.dumps({"Comment": "States", "StartAt": next(iter(states)), "States": states}, indent=indent)
    lines = state_lines("machine.asl.json", text)
    expected = set(names) | ({"Outer"} if nested else set())
    assert set(lines) == expected
    rows = text.splitlines()
    for name, number in lines.items():
        assert json.dumps(name) + ":" in rows[number - 1]


def result_with(output):
    return SimpleNamespace(output=output, visits_all=[], status="SUCCEEDED", error=None, cause=None, path=[],
                           visits=lambda name: [])


@settings(max_examples=40, derandomize=True, deadline=None)
@given(JSON)
def test_an_output_matches_itself_exactly_and_as_a_part(value):
    assert differences(result_with(value), {"Output": value}) == []
    if isinstance(value, dict):
        assert differences(result_with(value), {"OutputIncludes": value}) == []


@settings(max_examples=40, derandomize=True, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=5), JSON, min_size=1, max_size=4), st.data())
def test_a_changed_field_is_named_by_its_pointer(output, data):
    key = data.draw(st.sampled_from(sorted(output)))
    changed = {**output, key: {"changed": output[key]}}
    [difference] = differences(result_with(output), {"OutputIncludes": {key: changed[key]}})
    pointer = "/" + key.replace("~", "~0").replace("/", "~1")
    assert difference.startswith(f"OutputIncludes at {pointer}")
