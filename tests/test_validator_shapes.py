"""The schema check judged by state shapes reports exactly what the whole-document check does."""

import copy

from asl_runtime.definition import validator


def whole(definition):
    return [p for e in validator.schema_validator().iter_errors(definition) for p in validator.problems_from(e)]


def chain(n, **extra):
    states = {f"S{i}": {"Type": "Pass", "Parameters": {"step": i, "v.$": "$.v"}, "Next": f"S{i + 1}", **extra}
              for i in range(n)}
    states[f"S{n}"] = {"Type": "Succeed"}
    return {"StartAt": "S0", "States": states}


def test_states_that_differ_only_in_free_fields_share_a_shape():
    validator._VALID_SHAPES.clear()
    assert list(validator.schema_problems(chain(50))) == []
    assert len(validator._VALID_SHAPES) == 2  # the Pass shape and the Succeed shape


def test_a_bad_state_after_valid_shapes_is_reported_as_the_whole_check_reports_it():
    definition = chain(10)
    definition["States"]["S4"]["Next"] = ""           # a name must not be empty
    definition["States"]["S6"]["Parameters"] = [1]     # Pass Parameters may be an object or an array
    definition["States"]["S7"]["Result"] = None
    definition["States"]["S8"]["Comment"] = 7          # not a string
    definition["States"]["S9"]["Bogus"] = True
    assert list(validator.schema_problems(definition)) == whole(definition)
    assert {p.path for p in validator.schema_problems(definition)} >= {
        "/States/S4/Next", "/States/S8/Comment", "/States/S9/Bogus"}


def test_a_bad_top_level_field_with_good_states_is_reported():
    definition = chain(3)
    definition["TimeoutSeconds"] = 0
    assert list(validator.schema_problems(definition)) == whole(definition) != []


def test_every_example_machine_gives_the_same_problems_both_ways(tmp_path):
    import json
    import pathlib
    root = pathlib.Path(__file__).resolve().parents[1]
    files = sorted(root.glob("state_machines/**/*.json")) + sorted(root.glob("tests/data/**/*.json"))
    checked = 0
    for path in files:
        try:
            definition = json.loads(path.read_text())
        except ValueError:
            continue
        if not isinstance(definition, dict) or "States" not in definition:
            continue
        for variant in (definition, _broken(definition)):
            assert list(validator.schema_problems(variant)) == whole(variant), path
        checked += 1
    assert checked > 0


def _broken(definition):
    """The same machine with the first state's Type misspelled and a field of the wrong type."""
    broken = copy.deepcopy(definition)
    first = next(iter(broken["States"].values()))
    if isinstance(first, dict):
        first["Type"] = str(first.get("Type")) + "x"
        first["Comment"] = 1
    return broken


def test_a_timestamp_that_validates_is_one_the_engine_can_wait_for():
    """One RFC 3339 parser: lower-case t/z are refused at load, not at run time."""
    import asl_runtime
    from asl_runtime import StateMachine

    for text, valid in (("2016-03-14T01:59:00Z", True), ("2016-03-14t01:59:00z", False),
                        ("2016-03-14T01:59:00+02:00", True), ("2016-03-14T01:59:60Z", False),
                        ("2016-02-30T01:59:00Z", False)):
        definition = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Timestamp": text, "End": True}}}
        choice = {"StartAt": "C", "States": {"C": {"Type": "Choice", "Default": "D", "Choices": [
            {"Variable": "$.t", "TimestampLessThan": text, "Next": "D"}]}, "D": {"Type": "Succeed"}}}
        assert (asl_runtime.validate(definition) == []) is valid, text
        assert (asl_runtime.validate(choice) == []) is valid, text
        if valid:
            assert StateMachine.from_json(definition).run({}).status == "SUCCEEDED"
