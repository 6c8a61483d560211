"""Fuzzing the loader, the validator and the evaluators (hypothesis, fixed seeds, bounded).

Whatever goes in, the outcome is one of: accepted, a DefinitionError whose problems are located,
or a run that ends with an AWS status and output, error and history that are finite JSON.
Never a Python exception from the library."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asl_runtime import DefinitionError, StateMachine
from asl_runtime.errors import PathNotFound
from asl_runtime.query.intrinsics import FUNCTIONS
from asl_runtime.query.jsonpath import PathSyntaxError, compile_path, evaluate

FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
STATUSES = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}
EXAMPLES = sorted(Path(__file__).resolve().parents[1].glob("state_machines/*/definition.asl.json"))

scalars = (st.none() | st.booleans() | st.integers(-10**6, 10**6)
           | st.floats(allow_nan=False, allow_infinity=False, width=32) | st.text(max_size=8))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=12)


def load(source):
    """'accepted' or 'refused'; anything else raised fails the test."""
    try:
        return StateMachine.from_json(source)
    except DefinitionError as err:
        assert err.errors, "a DefinitionError names at least one problem"
        for problem in err.errors:
            assert isinstance(problem.path, str) and (problem.path == "" or problem.path.startswith("/"))
            assert isinstance(problem.message, str) and problem.message
            assert "Internal error" not in problem.message, problem.message
        return None


def check_run(sm, input):
    result = sm.run(input)
    assert result.status in STATUSES
    if result.status != "SUCCEEDED":
        assert isinstance(result.error, str) and result.error
    json.dumps(result.to_dict(history=True), allow_nan=False)
    return result


def pass_state(**fields):
    return {"StartAt": "P", "States": {"P": {"Type": "Pass", **fields, "End": True}}}


# --------------------------------------------------------------------------- loader + validator
@FUZZ
@given(json_values)
def test_any_json_value_is_accepted_or_refused_with_located_problems(value):
    load(value)


@FUZZ
@given(st.text(alphabet='{}[]":,0123456789.eE+-tfnrualsNIy \n\\', max_size=60))
def test_any_text_is_accepted_or_refused_with_located_problems(text):
    load(text)


def _mutations(definition):
    """(pointer path to a node) for every node of the definition."""
    out = [()]
    stack = [((), definition)]
    while stack:
        at, node = stack.pop()
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in children:
            out.append((*at, key))
            stack.append(((*at, key), child))
    return out


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.parent.name)
@settings(max_examples=15, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_example_definitions_are_accepted_or_refused(example, data):
    definition = json.loads(example.read_text())
    places = _mutations(definition)
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.sampled_from(places))
        if not at:
            continue
        parent = definition
        try:
            for key in at[:-1]:
                parent = parent[key]
            kind = data.draw(st.sampled_from(["replace", "delete", "rename"]))
            if kind == "replace" or isinstance(parent, list):
                parent[at[-1]] = data.draw(json_values)
            elif kind == "delete":
                del parent[at[-1]]
            else:
                parent[data.draw(st.text(max_size=6))] = parent.pop(at[-1])
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this place
    load(copy.deepcopy(definition))


# --------------------------------------------------------------------------- JSONPath
path_steps = st.sampled_from([
    ".a", ".b", "[0]", "[-1]", "[*]", ".*", "..a", "..*", "[0:2]", "[::2]", "['a','b']", "[0,1]",
    "['x y']", ".length()", "[?(@.a)]", "[?(@.a > 1)]", "[?(@ == 'x')]", "[?(@.a =~ /x.*/)]",
    "[?(@.a in [1,2])]", ".", "[", "]", "(", "'", "[?(", "..", "$", "@", " ", "\\", "[(@.length-1)]",
    "[?(@.a == word)]", "[?(@.a =~ /(/)]",
])


@FUZZ
@given(st.lists(path_steps, max_size=6).map(lambda steps: "$" + "".join(steps)), json_values)
def test_a_path_either_refuses_to_parse_or_evaluates(text, data):
    try:
        path = compile_path(text)
    except PathSyntaxError:
        return
    try:
        evaluate(path, data, {}, {})
    except PathNotFound:
        pass


@FUZZ
@given(st.lists(path_steps, max_size=5).map(lambda steps: "$" + "".join(steps)), json_values)
def test_a_path_in_a_pass_state_loads_or_is_refused_and_runs_to_an_aws_status(text, data):
    sm = load(pass_state(Parameters={"v.$": text}, ResultPath="$.out"))
    if sm is not None:
        check_run(sm, {"doc": data, "a": data})


# --------------------------------------------------------------------------- intrinsic functions
literal_args = st.sampled_from([
    "1", "-1", "0", "2.5", "1e19", "1e400", "10000000000000000000000", "true", "false", "null",
    "'x'", "''", "'{}'", "'a,b'", "'\\''", "'\\{'", "'\\\\'", "'\\\"'", "'\\n'", "'[1,2]'", "'{\"k\":1}'",
    "'1e400'", "'NaN'", "$", "$.a", "$.s", "$.n", "$.l", "$$.Execution.Id", "$.missing",
])


def intrinsic_calls(depth=2):
    name = st.sampled_from(sorted(FUNCTIONS))
    if depth == 0:
        args = st.lists(literal_args, max_size=3)
    else:
        args = st.lists(literal_args | intrinsic_calls(depth - 1), max_size=3)
    return st.builds(lambda n, a: f"{n}({', '.join(a)})", name, args)


@FUZZ
@given(intrinsic_calls())
def test_an_intrinsic_call_loads_or_is_refused_and_runs_to_an_aws_status(call):
    sm = load(pass_state(Parameters={"v.$": call}))
    if sm is not None:
        check_run(sm, {"a": {"b": 1}, "s": "text", "n": 3, "l": [1, 2, 2]})


# --------------------------------------------------------------------------- JSONata
atoms = st.sampled_from([
    "1", "-2.5", "1e300", "'x'", '"y"', "true", "null", "$states.input", "$states.input.a",
    "$states.input.l", "$states.context.Execution.Id", "[1,2,3]", '{"k": 1}', "$v", "$x",
])
operators = st.sampled_from(["+", "-", "*", "/", "%", "&", "=", "!=", "<", "and", "or", "in"])
functions = st.sampled_from(["$string", "$number", "$length", "$sum", "$count", "$keys", "$parse",
                             "$power", "$sqrt", "$round", "$abs", "$split", "$join", "$append",
                             "$exists", "$type", "$partition", "$range", "$hash", "$uuid", "$eval"])


def jsonata_expressions(depth=2):
    if depth == 0:
        return atoms
    inner = jsonata_expressions(depth - 1)
    return (atoms
            | st.builds(lambda a, o, b: f"({a} {o} {b})", inner, operators, inner)
            | st.builds(lambda f, a: f"{f}({', '.join(a)})", functions, st.lists(inner, max_size=2))
            | st.builds(lambda a: f"[{a}]", inner)
            | st.builds(lambda a, b: f"($x := {a}; {b})", inner, inner))


@FUZZ
@given(jsonata_expressions())
def test_a_jsonata_expression_loads_or_is_refused_and_runs_to_an_aws_status(expression):
    sm = load({"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {
        "Type": "Pass", "Assign": {"v": 2}, "Output": "{% " + expression + " %}", "End": True}}})
    if sm is not None:
        check_run(sm, {"a": 1, "l": [1, 2, 3]})
