"""Both query languages compile to the same model shapes, so the engine never branches on one.

A JSONPath state and its JSONata counterpart fill the same fields with callables of the same
signature; the engine's source does not mention JSONata at all.  Behaviour per language (AWS's
error names and wording) is pinned by the conformance cases and tests/test_jsonata_states.py.
"""

from __future__ import annotations

import ast
import inspect
import pathlib

import pytest

from asl_runtime import StateMachine
from asl_runtime.definition.compiler import compile_machine

ENGINE = pathlib.Path(__file__).resolve().parent.parent / "asl_runtime" / "engine"

JSONPATH = {
    "Choice": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Done"}],
               "Default": "Done"},
    "Wait": {"Type": "Wait", "SecondsPath": "$.n", "Next": "Done"},
    "Task": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSecondsPath": "$.n",
             "Next": "Done"},
    "Fail": {"Type": "Fail", "ErrorPath": "$.e"},
    "Map": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrencyPath": "$.n",
            "ItemBatcher": {"MaxItemsPerBatchPath": "$.n"},
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, "Next": "Done"},
}
JSONATA = {
    "Choice": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.n > 1 %}", "Next": "Done"}],
               "Default": "Done"},
    "Wait": {"Type": "Wait", "Seconds": "{% $states.input.n %}", "Next": "Done"},
    "Task": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": "{% $states.input.n %}",
             "Next": "Done"},
    "Fail": {"Type": "Fail", "Error": "{% $states.input.e %}"},
    "Map": {"Type": "Map", "Items": "{% $states.input.items %}", "MaxConcurrency": "{% $states.input.n %}",
            "ItemBatcher": {"MaxItemsPerBatch": "{% $states.input.n %}"},
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, "Next": "Done"},
}
#: The model fields each state type's engine code calls, per the model's docstrings.
CALLED = {"Choice": ["prepare", "finish"], "Wait": ["prepare", "finish", "wait_seconds"],
          "Task": ["prepare", "finish", "timeout"], "Fail": ["error", "cause"],
          "Map": ["prepare", "finish", "read_items", "read_limits", "read_batcher", "item_selector"]}


def _state(state_def: dict, language: str):
    definition = {"QueryLanguage": language, "StartAt": "S",
                  "States": {"S": state_def, "Done": {"Type": "Succeed"}}}
    return compile_machine(definition).states["S"]


def _arity(fn) -> int:
    return len(inspect.signature(fn).parameters)


@pytest.mark.parametrize("type_", sorted(CALLED))
def test_each_state_type_has_the_same_callable_fields_in_both_languages(type_):
    jsonpath, jsonata = _state(JSONPATH[type_], "JSONPath"), _state(JSONATA[type_], "JSONata")
    for name in CALLED[type_]:
        a, b = getattr(jsonpath, name), getattr(jsonata, name)
        if name == "item_selector":  # neither definition has one
            assert a is None and b is None
            continue
        assert callable(a) and callable(b), name
        assert _arity(a) == _arity(b), name


def test_choice_rules_have_the_same_shape_in_both_languages():
    for language, state_def in (("JSONPath", JSONPATH["Choice"]), ("JSONata", JSONATA["Choice"])):
        (rule,) = _state(state_def, language).choices
        assert _arity(rule.matches) == 2 and _arity(rule.finish) == 3 and rule.next == "Done"


def test_the_engine_source_never_asks_which_query_language_a_state_uses():
    """No `.jsonata` read, no JSONata module imported, no JSONata-named helper (docstrings may say it)."""
    offenders = []
    for path in sorted(ENGINE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Attribute):
                names.append(node.attr)
            elif isinstance(node, ast.Name):
                names.append(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.append(node.name)
            elif isinstance(node, ast.ImportFrom):
                names += [node.module or ""] + [alias.name for alias in node.names]
            elif isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            if any("jsonata" in name.lower() for name in names):
                offenders.append(f"{path.relative_to(ENGINE.parent)}:{node.lineno}")
    assert offenders == []


@pytest.mark.parametrize("language", ["JSONPath", "JSONata"])
def test_the_same_machine_gives_the_same_result_in_either_language(language):
    """A Wait, a Choice and a batching Map: one behaviour, two spellings."""
    states = JSONPATH if language == "JSONPath" else JSONATA
    choice = dict(states["Choice"], Choices=[dict(states["Choice"]["Choices"][0], Next="Map")])
    map_ = {k: v for k, v in states["Map"].items() if k != "Next"}
    definition = {"QueryLanguage": language, "StartAt": "Wait",
                  "States": {"Wait": dict(states["Wait"], Next="Choice"), "Choice": choice,
                             "Map": dict(map_, End=True), "Done": {"Type": "Succeed"}}}
    result = StateMachine(definition).run({"n": 2, "items": [1, 2, 3]})
    assert result.status == "SUCCEEDED", result.error
    assert result.output == [{"Items": [1, 2]}, {"Items": [3]}]
    assert [p for p in result.path if "." not in p and "[" not in p] == ["Wait", "Choice", "Map"]
    assert result.duration == 2  # the Wait's two simulated seconds (iterations take none)
