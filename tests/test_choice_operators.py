"""Choice rules: every comparison operator and its `...Path` form, StringMatches, the type tests,
and AWS's rule that a comparison between mismatched types is simply false."""

from __future__ import annotations

import pytest

from asl_runtime import StateMachine


def choose(rule: dict, input) -> str:
    """Run a Choice with one rule; 'matched' if the rule holds, 'default' otherwise."""
    definition = {
        "StartAt": "Check",
        "States": {
            "Check": {"Type": "Choice", "Choices": [{**rule, "Next": "Matched"}], "Default": "Default"},
            "Matched": {"Type": "Pass", "Result": "matched", "End": True},
            "Default": {"Type": "Pass", "Result": "default", "End": True},
        },
    }
    result = StateMachine.from_json(definition).run(input)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    return result.output


def holds(rule: dict, value) -> bool:
    return choose({"Variable": "$.v", **rule}, {"v": value}) == "matched"


# --------------------------------------------------------------------------- comparisons
@pytest.mark.parametrize("operator, operand, value, expected", [
    ("StringEquals", "abc", "abc", True),
    ("StringEquals", "abc", "abd", False),
    ("StringEquals", "", "", True),
    ("StringLessThan", "b", "a", True),
    ("StringLessThan", "b", "b", False),
    ("StringLessThan", "b", "B", True),  # code-point order: upper case sorts first
    ("StringLessThanEquals", "b", "b", True),
    ("StringLessThanEquals", "b", "c", False),
    ("StringGreaterThan", "b", "c", True),
    ("StringGreaterThan", "b", "b", False),
    ("StringGreaterThanEquals", "b", "b", True),
    ("StringGreaterThanEquals", "b", "a", False),
    ("NumericEquals", 1, 1, True),
    ("NumericEquals", 1, 1.0, True),
    ("NumericEquals", 1.5, 1.5, True),
    ("NumericEquals", 1, 2, False),
    ("NumericLessThan", 10, 9.99, True),
    ("NumericLessThan", 10, 10, False),
    ("NumericLessThan", 0, -1, True),
    ("NumericLessThanEquals", 10, 10, True),
    ("NumericLessThanEquals", 10, 11, False),
    ("NumericGreaterThan", 10, 10.01, True),
    ("NumericGreaterThan", 10, 10, False),
    ("NumericGreaterThanEquals", 10, 10, True),
    ("NumericGreaterThanEquals", 10, 9, False),
    ("BooleanEquals", True, True, True),
    ("BooleanEquals", True, False, False),
    ("BooleanEquals", False, False, True),
    ("TimestampEquals", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", True),
    ("TimestampEquals", "2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z", False),
    ("TimestampLessThan", "2024-01-01T00:00:00Z", "2023-12-31T23:59:59Z", True),
    ("TimestampLessThan", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", False),
    ("TimestampLessThanEquals", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", True),
    ("TimestampLessThanEquals", "2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z", False),
    ("TimestampGreaterThan", "2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z", True),
    ("TimestampGreaterThan", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", False),
    ("TimestampGreaterThanEquals", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", True),
    ("TimestampGreaterThanEquals", "2024-01-01T00:00:00Z", "2023-01-01T00:00:00Z", False),
])
def test_comparison_operators(operator, operand, value, expected):
    assert holds({operator: operand}, value) is expected


@pytest.mark.parametrize("operator, value, other, expected", [
    ("StringEqualsPath", "abc", "abc", True),
    ("StringEqualsPath", "abc", "abd", False),
    ("StringLessThanPath", "a", "b", True),
    ("StringLessThanEqualsPath", "b", "b", True),
    ("StringGreaterThanPath", "b", "a", True),
    ("StringGreaterThanEqualsPath", "a", "b", False),
    ("NumericEqualsPath", 3, 3.0, True),
    ("NumericLessThanPath", 2, 3, True),
    ("NumericLessThanEqualsPath", 4, 3, False),
    ("NumericGreaterThanPath", 4, 3, True),
    ("NumericGreaterThanEqualsPath", 3, 3, True),
    ("BooleanEqualsPath", True, True, True),
    ("BooleanEqualsPath", True, False, False),
    ("TimestampEqualsPath", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", True),
    ("TimestampLessThanPath", "2024-01-01T00:00:00Z", "2024-06-01T00:00:00Z", True),
    ("TimestampLessThanEqualsPath", "2024-06-01T00:00:00Z", "2024-01-01T00:00:00Z", False),
    ("TimestampGreaterThanPath", "2024-06-01T00:00:00Z", "2024-01-01T00:00:00Z", True),
    ("TimestampGreaterThanEqualsPath", "2024-01-01T00:00:00Z", "2024-06-01T00:00:00Z", False),
])
def test_path_forms_compare_two_values_of_the_input(operator, value, other, expected):
    rule = {"Variable": "$.v", operator: "$.other"}
    assert (choose(rule, {"v": value, "other": other}) == "matched") is expected


def test_a_path_operand_may_read_the_context_object():
    rule = {"Variable": "$.name", "StringEqualsPath": "$$.State.Name"}
    assert choose(rule, {"name": "Check"}) == "matched"
    assert choose(rule, {"name": "Other"}) == "default"


# --------------------------------------------------------------------------- mismatched types
@pytest.mark.parametrize("operator, operand, value", [
    ("StringEquals", "1", 1),
    ("StringEquals", "true", True),
    ("StringEquals", "null", None),
    ("StringLessThan", "b", 1),
    ("NumericEquals", 1, "1"),
    ("NumericEquals", 1, True),
    ("NumericEquals", 0, False),
    ("NumericEquals", 0, None),
    ("NumericLessThan", 5, "1"),
    ("NumericGreaterThan", 0, [1]),
    ("BooleanEquals", True, "true"),
    ("BooleanEquals", True, 1),
    ("BooleanEquals", False, 0),
    ("BooleanEquals", False, None),
    ("TimestampEquals", "2012-10-09T19:00:55Z", 1),
    ("TimestampEquals", "2012-10-09T19:00:55Z", None),
    ("TimestampEquals", "2012-10-09T19:00:55Z", "2012-10-09"),
    ("TimestampEquals", "2012-10-09T19:00:55Z", "2023-02-24 12:15:56.832957"),
    ("TimestampLessThan", "2012-10-09T19:00:55Z", "not a time"),
])
def test_a_comparison_between_mismatched_types_is_false_not_an_error(operator, operand, value):
    assert holds({operator: operand}, value) is False


def test_mismatched_types_are_false_under_not_too():
    # Not(false) is true: the mismatch does not fail the state.
    assert choose({"Not": {"Variable": "$.v", "NumericEquals": 1}}, {"v": "1"}) == "matched"


# --------------------------------------------------------------------------- timestamps
@pytest.mark.parametrize("operator, operand, value, expected", [
    # the same instant written with different offsets
    ("TimestampEquals", "2024-01-01T12:00:00Z", "2024-01-01T13:00:00+01:00", True),
    ("TimestampEquals", "2024-01-01T12:00:00Z", "2024-01-01T07:00:00-05:00", True),
    ("TimestampLessThan", "2024-01-01T12:00:00Z", "2024-01-01T12:30:00+01:00", True),
    # fractions of a second count
    ("TimestampEquals", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00.000Z", True),
    ("TimestampLessThan", "2024-01-01T00:00:00.5Z", "2024-01-01T00:00:00.25Z", True),
    ("TimestampGreaterThan", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00.001Z", True),
    ("TimestampEquals", "2024-01-01T00:00:00.123Z", "2024-01-01T00:00:00.123000Z", True),
])
def test_timestamps_compare_instants_with_offsets_and_fractions(operator, operand, value, expected):
    assert holds({operator: operand}, value) is expected


@pytest.mark.parametrize("value", [
    "2012-10-09T19:00:55",  # no offset
    "2012-10-09",
    "2012-10-09 19:00:55Z",
    "2016-12-05T25:29:29Z",
])
def test_strings_that_are_not_rfc3339_timestamps_never_compare(value):
    assert holds({"TimestampLessThanEquals": "2100-01-01T00:00:00Z"}, value) is False
    assert holds({"TimestampGreaterThan": "1900-01-01T00:00:00Z"}, value) is False


# --------------------------------------------------------------------------- StringMatches
@pytest.mark.parametrize("pattern, value, expected", [
    ("log-*.txt", "log-2024.txt", True),
    ("log-*.txt", "log-.txt", True),
    ("log-*.txt", "log-2024.csv", False),
    ("*", "", True),
    ("*", "anything at all", True),
    ("a*b*c", "aXXbYYc", True),
    ("a*b*c", "acb", False),
    ("exact", "exact", True),
    ("exact", "exactly", False),  # the whole string must match
    ("*.json", "dir/file.json", True),
    ("a.c", "abc", False),  # only * is special; the dot is literal
    ("[ab]", "a", False),
    ("[ab]", "[ab]", True),
    ("1+1", "1+1", True),
    ("line*", "line1\nline2", True),
    ("price \\*", "price *", True),  # \* is a literal star
    ("price \\*", "price 5", False),
    ("\\**", "*tail", True),
    ("\\**", "tail", False),
    ("C:\\\\dir\\\\*", "C:\\dir\\file", True),  # \\ is a literal backslash
    ("C:\\\\dir\\\\*", "C:/dir/file", False),
])
def test_string_matches(pattern, value, expected):
    assert holds({"StringMatches": pattern}, value) is expected


@pytest.mark.parametrize("value", [1, None, True, ["a"], {"a": "a"}])
def test_string_matches_on_a_non_string_is_false(value):
    assert holds({"StringMatches": "*"}, value) is False


# --------------------------------------------------------------------------- type tests
VALUES = {
    "null": None, "string": "HelloWorld", "empty string": "", "timestamp": "2012-10-09T19:00:55Z",
    "timestamp with offset": "2012-10-09T19:00:55+01:00", "date only": "2023-02-24", "true": True,
    "false": False, "zero": 0, "float": 1.1, "zero float": 0.0, "array": [], "object": {"A": 0},
}
IS = {
    "IsNull": {"null"},
    "IsString": {"string", "empty string", "timestamp", "timestamp with offset", "date only"},
    "IsBoolean": {"true", "false"},
    "IsNumeric": {"zero", "float", "zero float"},
    "IsTimestamp": {"timestamp", "timestamp with offset"},
}


@pytest.mark.parametrize("operator", sorted(IS))
@pytest.mark.parametrize("name", sorted(VALUES))
def test_type_tests_true_and_false_forms(operator, name):
    is_kind = name in IS[operator]
    assert holds({operator: True}, VALUES[name]) is is_kind
    assert holds({operator: False}, VALUES[name]) is (not is_kind)


@pytest.mark.parametrize("input, present", [
    ({"v": 1}, True), ({"v": None}, True), ({"v": ""}, True), ({"v": False}, True), ({}, False),
    ({"w": 1}, False),
])
def test_is_present(input, present):
    assert (choose({"Variable": "$.v", "IsPresent": True}, input) == "matched") is present
    assert (choose({"Variable": "$.v", "IsPresent": False}, input) == "matched") is (not present)


def test_is_present_on_a_nested_miss():
    assert choose({"Variable": "$.a.b.c", "IsPresent": False}, {"a": 1}) == "matched"


def test_is_present_guards_a_comparison_on_an_optional_field():
    rule = {"And": [{"Variable": "$.n", "IsPresent": True}, {"Variable": "$.n", "NumericGreaterThan": 1}]}
    assert choose(rule, {"n": 2}) == "matched"
    assert choose(rule, {}) == "default"  # And stops before the comparison would fail the state


# --------------------------------------------------------------------------- variables that miss
def test_a_comparison_on_a_missing_variable_fails_the_state():
    definition = {
        "StartAt": "Check",
        "States": {
            "Check": {"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": "A"}],
                      "Default": "A"},
            "A": {"Type": "Pass", "End": True},
        },
    }
    result = StateMachine.from_json(definition).run({"y": 2})
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert result.cause.startswith("An error occurred while executing the state 'Check' (entered at the event id #2).")
    assert "$.x" in result.cause
