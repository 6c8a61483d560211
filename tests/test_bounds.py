"""Inputs at and past the edges: nesting, numbers JSON cannot hold, runaway JSONata, AWS's
escape rules in intrinsic strings. Each ends as AWS ends it (a refused definition or input, a
States.Runtime / States.QueryEvaluationError failure), never as a Python exception."""

from __future__ import annotations

import json
import math

import pytest

from asl_runtime import DefinitionError, StateMachine
from asl_runtime.errors import InvalidExecutionInput
from asl_runtime.query import jsonata as jsonata_module
from asl_runtime.query.json_limits import MAX_NESTING


def nested(depth: int, leaf=1):
    value = leaf
    for _ in range(depth):
        value = {"a": value}
    return value


def pass_machine(**fields):
    return StateMachine.from_json({"StartAt": "P", "States": {"P": {"Type": "Pass", **fields,
                                                                     "End": True}}})


def intrinsic(expr, input=None):
    return pass_machine(Parameters={"x.$": expr}).run(input or {})


def assert_finite_json(result):
    json.dumps(result.to_dict(history=True), allow_nan=False)


# --------------------------------------------------------------------------- nesting
def test_definition_text_nested_past_the_limit_is_a_load_error():
    text = '{"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": ' + "[" * 5000 + "]" * 5000 + \
        ', "End": true}}}'
    with pytest.raises(DefinitionError, match="nested more than"):
        StateMachine.from_json(text)


def test_a_definition_dict_nested_past_the_limit_is_refused_not_run():
    with pytest.raises(DefinitionError, match="nested more than"):
        pass_machine(Result=nested(1000))


def test_input_nested_past_the_limit_is_invalid_execution_input():
    sm = pass_machine()
    with pytest.raises(InvalidExecutionInput, match="nested more than"):
        sm.run(nested(1000))


def test_input_at_the_limit_runs_through_paths_intrinsics_and_history():
    sm = StateMachine.from_json({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Parameters": {"copy.$": "$", "text.$": "States.JsonToString($)"},
              "ResultPath": "$.r", "End": True}}})
    value = nested(MAX_NESTING - 3)
    result = sm.run(value)
    assert result.status == "SUCCEEDED"
    assert result.output["r"]["copy"] == value
    assert_finite_json(result)


def test_a_result_path_of_990_segments_is_a_located_definition_error():
    # The value it places would be nested 990 levels deep, past what a run may hold.
    with pytest.raises(DefinitionError) as err:
        pass_machine(Result=1, ResultPath="$" + ".k" * 990)
    assert err.value.errors[0].path == "/States/P/ResultPath"
    assert "990 steps" in err.value.errors[0].message


def test_a_long_result_path_within_the_limit_places_the_value():
    result = pass_machine(Result=1, ResultPath="$" + ".k" * 400).run({})
    assert result.status == "SUCCEEDED"
    value = result.output
    for _ in range(400):
        value = value["k"]
    assert value == 1


def test_json_text_nested_too_deeply_fails_string_to_json_with_states_runtime():
    result = intrinsic("States.StringToJson($.t)", {"t": "[" * 5000 + "]" * 5000})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "nested more than" in result.cause


# --------------------------------------------------------------------------- numbers
@pytest.mark.parametrize("text, what", [
    ('{"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": NaN, "End": true}}}', "NaN"),
    ('{"StartAt": "P", "States": {"P": {"Type": "Pass",\n "Result": -Infinity, "End": true}}}',
     "-Infinity"),
    ('{"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 1e400, "End": true}}}', "1e400"),
])
def test_numbers_json_cannot_hold_are_refused_in_definition_text_with_their_place(text, what):
    with pytest.raises(DefinitionError) as err:
        StateMachine.from_json(text)
    message = err.value.errors[0].message
    assert what in message and "line" in message and "column" in message


def test_a_definition_dict_holding_infinity_is_refused():
    with pytest.raises(DefinitionError, match="not JSON"):
        pass_machine(Result=math.inf)


@pytest.mark.parametrize("expr", [
    "States.StringToJson('1e400')",
    "States.StringToJson('NaN')",
    "States.MathAdd(States.StringToJson('1e400'), 1)",
    "States.MathRandom(States.StringToJson('-1e400'), 1)",
    "States.ArrayRange(0, 1e19, 1)",
    "States.ArrayRange(0, 10000000000000000000000, 1)",
    "States.MathRandom(States.StringToJson('1e300'), States.StringToJson('1.7e308'))",
])
def test_out_of_range_numbers_in_intrinsics_fail_with_states_runtime(expr):
    result = intrinsic(expr)
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert result.cause.startswith("An error occurred while executing the state 'P'")
    assert "Invalid arguments in States." in result.cause
    assert_finite_json(result)


def test_a_fail_cause_path_giving_a_non_string_fails_with_states_runtime():
    sm = StateMachine.from_json({"StartAt": "F", "States": {"F": {
        "Type": "Fail", "Error": "E", "CausePath": "States.MathAdd(1, 2)"}}})
    result = sm.run({})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "must be a string" in result.cause
    assert_finite_json(result)
    sm = StateMachine.from_json({"StartAt": "F", "States": {"F": {
        "Type": "Fail", "Error": "E", "CausePath": "States.StringToJson('1e400')"}}})
    result = sm.run({})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert_finite_json(result)


# --------------------------------------------------------------------------- runaway JSONata
RUNAWAY = "{% ($f := function($n) { $f($n + 1) }; $f(0)) %}"  # tail-recursive: never overflows


@pytest.mark.parametrize("clock", ["virtual", "real"])
def test_a_jsonata_function_that_never_returns_fails_with_query_evaluation_error(monkeypatch, clock):
    monkeypatch.setattr(jsonata_module, "MAX_EVALUATION_SECONDS", 0.2)
    sm = StateMachine.from_json({"QueryLanguage": "JSONata", "StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 5,
        "Arguments": {"FunctionName": "f", "Payload": RUNAWAY}, "End": True}}})
    result = sm.run({}, handlers={"f": lambda event, context: event}, clock=clock)
    assert (result.status, result.error) == ("FAILED", "States.QueryEvaluationError")
    assert "threw an error during evaluation" in result.cause and "D1012" in result.cause


def test_a_jsonata_recursion_that_overflows_fails_with_query_evaluation_error():
    sm = StateMachine.from_json({"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {
        "Type": "Pass", "Output": "{% ($f := function($n) { 1 + $f($n + 1) }; $f(0)) %}",
        "End": True}}})
    result = sm.run({})
    assert (result.status, result.error) == ("FAILED", "States.QueryEvaluationError")
    assert "D1011" in result.cause


# --------------------------------------------------------------------------- intrinsic escapes
def test_documented_intrinsic_escapes_stand_for_the_character():
    # AWS: \' \{ \} and \\ are the reserved characters' escapes in intrinsic strings.
    result = intrinsic(r"States.Format('it\'s \{literal\} {} a\\b', 'x')")
    assert result.output == {"x": "it's {literal} x a\\b"}


def test_an_escaped_double_quote_is_accepted_and_reads_as_the_quote():
    # AWS creates these machines (LocalStack's AWS-recorded escape-sequence scenarios).
    result = intrinsic(r"States.Format('He said, \"Hello, {}!\"', 'Test \"Name\" Here')")
    assert result.output == {"x": 'He said, "Hello, Test "Name" Here!"'}
    # Read as a quote, the JSON text below is not JSON any more: the call fails at run time.
    result = intrinsic(r"""States.StringToJson('{"text":"An \"escaped\" quote"}')""")
    assert (result.status, result.error) == ("FAILED", "States.Runtime")


def test_backslash_n_and_t_in_an_intrinsic_string_are_control_characters():
    assert intrinsic(r"States.StringSplit('a\nb\tc', '\n')").output == {"x": ["a", "b\tc"]}


# --------------------------------------------------------------------------- the CLI
@pytest.mark.parametrize("text, says", [
    ('{"a":' * 5000 + "1" + "}" * 5000, "nested more than"),   # past what json.loads recurses
    ('{"a":' * 700 + "1" + "}" * 700, "nested more than"),     # parses, but past the limit
    ('{"a": 1e400}', "out of range"),
])
def test_asl_run_refuses_input_it_cannot_hold_as_a_usage_error(tmp_path, text, says):
    from click.testing import CliRunner

    from asl_runtime.cli.main import main

    definition = tmp_path / "m.asl.json"
    definition.write_text(json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))
    source = tmp_path / "input.json"
    source.write_text(text)
    result = CliRunner().invoke(main, ["run", str(definition), "--input-file", str(source),
                                       "--format", "json"])
    assert result.exit_code == 2
    assert says in result.output and "internal error" not in result.output
