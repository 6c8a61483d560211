"""JSONPath forms deployed AWS samples use, read as Jayway JsonPath (which Step Functions runs)
reads them: a dot before a bracket, multi-name selection, and the forms Jayway refuses."""

from __future__ import annotations

import pytest

from asl_runtime import DefinitionError, StateMachine
from asl_runtime.query.jsonpath import PathSyntaxError, compile_path, evaluate


def ev(path, data):
    return evaluate(compile_path(path), data, None, None)


def pass_with(parameters):
    return StateMachine.from_json({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Parameters": parameters, "End": True}}})


SNAPSHOTS = {"Snapshots": [{"State": "available", "Id": "s1"}, {"State": "pending", "Id": "s2"}]}


# Jayway's PathCompiler.readDotToken skips one '.' and reads the next token, so `.[` is `[`.
@pytest.mark.parametrize("path, data, expected", [
    ("$.[0]", [{"body": "a"}, {"body": "b"}], {"body": "a"}),
    ("$.[0].body", [{"body": "a"}, {"body": "b"}], "a"),
    ("$.Snapshots.[0].State", SNAPSHOTS, "available"),
    ("$.Snapshots.[-1].Id", SNAPSHOTS, "s2"),
    ("$.['Snapshots'][1].State", SNAPSHOTS, "pending"),
    ("$.[?(@.OU > 0)]", [{"OU": 0}, {"OU": 2}, {"OU": 5}], [{"OU": 2}, {"OU": 5}]),
    ("$.Snapshots.[*].Id", SNAPSHOTS, ["s1", "s2"]),
])
def test_a_dot_before_a_bracket_reads_as_the_bracket_alone(path, data, expected):
    assert ev(path, data) == expected


def test_a_trailing_multi_name_selection_merges_the_names_into_one_object_per_match():
    # Jayway's PropertyPathToken: as the last token, ['a','b'] is one object of those names
    # (the ones present), so the sample's `$.[*].['bucket', 'key']` keeps two fields per item.
    records = [{"bucket": "b1", "key": "k1", "size": 10}, {"bucket": "b2", "key": "k2", "etag": "x"},
               {"bucket": "b3"}]
    assert ev("$.[*].['bucket', 'key']", records) == [
        {"bucket": "b1", "key": "k1"}, {"bucket": "b2", "key": "k2"}, {"bucket": "b3"}]
    # On a definite path the merged object is the value itself, not a list of matches.
    assert ev("$.store['color','price']", {"store": {"color": "red", "price": 1, "x": 0}}) == {
        "color": "red", "price": 1}


def test_a_multi_name_selection_before_more_steps_visits_each_name_in_turn():
    data = {"a": {"v": 1}, "b": {"v": 2}, "c": {"v": 3}}
    assert ev("$['a','b'].v", data) == [1, 2]


def test_the_sample_forms_run_in_a_pass_state():
    sm = pass_with({"first.$": "$.[0].body", "state.$": "$.[1].Snapshots.[0].State",
                    "objects.$": "$.[2].Records.[*].['bucket', 'key']"})
    result = sm.run([{"body": "hi"}, SNAPSHOTS,
                     {"Records": [{"bucket": "b", "key": "k", "size": 1}]}])
    assert result.status == "SUCCEEDED"
    assert result.output == {"first": "hi", "state": "available",
                             "objects": [{"bucket": "b", "key": "k"}]}


def test_quoted_names_unescape_as_java_strings_do():
    assert ev("$['a\\tb']", {"a\tb": 1}) == 1
    assert ev("$['it\\'s']", {"it's": 2}) == 2
    assert ev("$['\\u0041']", {"A": 3}) == 3


# --------------------------------------------------------------------------- what Jayway refuses
def test_a_filter_comparing_with_an_unquoted_word_is_refused_with_a_located_reason():
    # Jayway's FilterCompiler reads a value that is not quoted, true/false/null, a path or JSON
    # as a number literal; `Receipt` is no number, so the filter does not compile.
    with pytest.raises(DefinitionError) as err:
        pass_with({"doc.$": "$.Docs[?(@.Name==Receipt)]"})
    [problem] = err.value.errors
    assert problem.path == "/States/P/Parameters/doc.$"
    assert "unquoted word 'Receipt'" in problem.message and "'Receipt'" in problem.message
    # Quoted, it is an ordinary comparison.
    sm = pass_with({"doc.$": "$.Docs[?(@.Name=='Receipt')].Id"})
    assert sm.run({"Docs": [{"Name": "Receipt", "Id": 1}, {"Name": "Bill", "Id": 2}]}).output == {
        "doc": [1]}


def test_a_script_index_is_refused_as_jayway_refuses_it():
    # PathCompiler.readNextToken knows `['`, `[0-9-:`, `[*`, `[?(` and `[?]`; `[(` is none.
    with pytest.raises(PathSyntaxError, match="script expressions"):
        compile_path("$[(@.length-1)]")
    with pytest.raises(DefinitionError) as err:
        pass_with({"last.$": "$.items[(@.length-1)]"})
    assert err.value.errors[0].path == "/States/P/Parameters/last.$"
    assert "[-1]" in err.value.errors[0].message


def test_an_invalid_regex_in_a_filter_is_a_located_problem_not_an_internal_error():
    with pytest.raises(DefinitionError) as err:
        pass_with({"x.$": "$[?(@.a =~ /(/)]"})
    [problem] = err.value.errors
    assert problem.path == "/States/P/Parameters/x.$"
    assert "invalid regular expression /(/" in problem.message
    assert "Internal error" not in problem.message


def test_a_path_nested_too_deeply_is_a_syntax_error_not_a_recursion_error():
    with pytest.raises(PathSyntaxError, match="nested too deeply"):
        compile_path("$[?(" + "(" * 5000 + "@.a" + ")" * 5000 + ")]")


# --------------------------------------------------------------------------- Pass Parameters array
def test_a_pass_state_whose_parameters_is_an_array_builds_each_item():
    sm = pass_with([{"id.$": "$.id"}, "literal", 3, ["nested", {"n.$": "$.n"}]])
    assert sm.run({"id": "a1", "n": 2}).output == [{"id": "a1"}, "literal", 3, ["nested", {"n": 2}]]


def test_a_choice_variable_jayway_refuses_is_located_with_the_reason():
    with pytest.raises(DefinitionError) as err:
        StateMachine.from_json({"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Default": "D", "Choices": [
                {"Variable": "$.items[(@.length-1)]", "NumericEquals": 1, "Next": "D"}]},
            "D": {"Type": "Succeed"}}})
    [problem] = err.value.errors
    assert problem.path == "/States/C/Choices/0/Variable"
    assert "script expressions" in problem.message
