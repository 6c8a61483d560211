"""Checks a definition the way CreateStateMachine does, so a bad one fails before it runs.

Our JSON Schema reports shapes and types, then `rules.py` the rest; both as located Problems."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from ..query.json_limits import MAX_NESTING, too_deep
from . import rules
from .problems import Problem, pointer

SCHEMA_FILE = "asl.schema.json"

_JSON_TYPE_NOUNS = {
    "string": "a string", "integer": "an integer", "number": "a number",
    "boolean": "a boolean", "object": "a JSON object", "array": "an array", "null": "null",
}


def validate(definition, state_machine_type: str | None = None) -> list[Problem]:
    """Every problem AWS would report for `definition`; an empty list means it is valid.

    `state_machine_type` "EXPRESS" adds what CreateStateMachine refuses in Express machines."""
    problem = _not_json(definition)
    if problem:
        return [problem]
    try:
        problems = list(schema_problems(definition))
        problems.extend(rules.check(definition, state_machine_type))
    except RecursionError:
        return [Problem("", "The definition is nested too deeply to check.")]
    except Exception as exc:  # the contract is to report, never to raise
        return [Problem("", f"The validator failed unexpectedly ({type(exc).__name__}: {exc}).")]
    return list(dict.fromkeys(problems))


def _not_json(definition) -> Problem | None:
    """A dict given directly may hold what JSON text cannot: NaN, Infinity, runaway nesting."""
    if too_deep(definition):
        return Problem("", f"The definition is nested more than {MAX_NESTING} levels deep, more "
                           "than asl-runtime reads.")
    try:
        json.dumps(definition, allow_nan=False)
    except ValueError as exc:
        return Problem("", f"The definition is not JSON: {exc}.")
    except TypeError:
        return None  # reported with its location by the schema check
    return None


# --------------------------------------------------------------------------- the schema
def load_schema() -> dict:
    """The ASL schema shipped as package data, or from the checkout when not installed."""
    try:
        text = resources.files("asl_runtime.schemas").joinpath(SCHEMA_FILE).read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError, TypeError):
        text = (Path(__file__).resolve().parents[2] / "schemas" / SCHEMA_FILE).read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def schema_validator() -> jsonschema.Draft202012Validator:
    """Compiled once: building the validator costs more than validating a definition."""
    return jsonschema.Draft202012Validator(load_schema())


def schema_problems(definition):
    if _valid_by_shapes(definition):
        return
    for error in schema_validator().iter_errors(definition):
        yield from problems_from(error)


# --------------------------------------------------------------------------- states by shape
# Checking every state against the schema is most of a load.  The schema looks at some fields of a
# state only for their JSON type (Parameters, Result, Assign, Output, ...) and at names only for
# being non-empty strings; with those values replaced by what the schema sees of them, the many
# states of a machine fall into a few shapes.  A shape found valid once is valid for every state
# that has it; anything else (a new shape, any error) takes the whole-document check, so problems
# are reported exactly as before.

@lru_cache(maxsize=1)
def _shape_rules() -> tuple[dict, "jsonschema.Draft202012Validator", "jsonschema.Draft202012Validator"]:
    """(state type -> {field: "type" | "name"}, a validator for one state, one for the document
    without its states)."""
    schema = load_schema()
    defs = schema["$defs"]

    def resolve(sub):
        while isinstance(sub, dict) and "$ref" in sub and len(sub) == 1:
            sub = defs[sub["$ref"].rsplit("/", 1)[-1]]
        return sub

    fields = {}
    for type_ in ("Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"):
        kinds = {}
        for name, sub in defs[type_].get("properties", {}).items():
            sub = resolve(sub)
            keys = set(sub) - {"title", "description"}
            if keys <= {"type"}:
                kinds[name] = "type"
            elif keys <= {"type", "minLength"} and sub.get("type") == "string" and sub.get("minLength", 0) <= 1:
                kinds[name] = "name"
        fields[type_] = kinds
    one_state = jsonschema.Draft202012Validator({"$schema": schema.get("$schema"), "$defs": defs,
                                                 "$ref": "#/$defs/state"})
    return fields, one_state, schema_validator()


def _json_type(value) -> str:
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "int" if value.is_integer() else "float"
    return type(value).__name__


def _shape(state: dict, fields: dict) -> str:
    kinds = fields.get(state.get("Type"), {})
    shape = {}
    for key, value in state.items():
        kind = kinds.get(key)
        if kind == "type":
            shape[key] = ("~", _json_type(value))
        elif kind == "name":
            shape[key] = ("~", _json_type(value), isinstance(value, str) and value != "")
        else:
            shape[key] = value
    return json.dumps(shape, sort_keys=True, allow_nan=False)


_VALID_SHAPES: dict[str, None] = {}  # insertion-ordered: the oldest shapes go first
_SHAPES_KEPT = 4096


def _valid_by_shapes(definition) -> bool:
    """True when the definition is valid as far as the schema goes, judged state by state."""
    if not isinstance(definition, dict) or not isinstance(definition.get("States"), dict):
        return False
    fields, one_state, whole = _shape_rules()
    if not whole.is_valid({**definition, "States": {}}):
        return False
    for state in definition["States"].values():
        if not isinstance(state, dict):
            return False
        try:
            shape = _shape(state, fields)
        except (TypeError, ValueError):
            return False  # not JSON: the whole-document check says where
        if shape in _VALID_SHAPES:
            continue
        if not one_state.is_valid(state):
            return False
        _VALID_SHAPES[shape] = None
        if len(_VALID_SHAPES) > _SHAPES_KEPT:
            del _VALID_SHAPES[next(iter(_VALID_SHAPES))]
    return True


# --------------------------------------------------------------------------- error -> Problem
def problems_from(error: ValidationError):
    """One or more Problems for a schema error, located at the offending value."""
    path = list(error.absolute_path)
    if error.validator == "additionalProperties":
        known = error.schema.get("properties", {})
        for key in error.instance:
            if key not in known:
                yield Problem(pointer(*path, key),
                              f"Field {key} is not supported by the {_title(error)}.")
        return
    if error.validator == "required":
        # jsonschema reports each missing field as its own error; each names them all here
        # and the duplicates are dropped by `validate`.
        for field in error.validator_value:
            if field not in error.instance:
                yield Problem(pointer(*path),
                              f"Required field {field} is missing from the {_title(error)}.")
        return
    if error.validator in ("anyOf", "oneOf"):
        chosen = _most_useful_alternative(error)
        if chosen is not None:
            yield from problems_from(chosen)
            return
    yield Problem(pointer(*path), _sentence(error, path))


def _most_useful_alternative(error: ValidationError) -> ValidationError | None:
    """The sub-error of an alternative whose kind of value matches the instance, if any.

    An integer that is too small should be told so, not that it is not a JSONata string.
    """
    relevant = [e for e in error.context
                if not (e.validator in ("type", "pattern") and not e.relative_path)]
    return best_match(relevant) if relevant else None


def _sentence(error: ValidationError, path: list) -> str:
    name = _name(path)
    value = error.validator_value
    kind = error.validator
    if kind == "type":
        wanted = value if isinstance(value, list) else [value]
        expected = " or ".join(_JSON_TYPE_NOUNS.get(t, t) for t in wanted)
        return f"{name} must be {expected}, not {_noun_of(error.instance)}."
    if kind in ("enum", "const"):
        options = value if kind == "enum" else [value]
        listed = ", ".join(json.dumps(o) for o in options)
        return f"{name} must be one of {listed}; got {_short(error.instance)}."
    if kind == "minimum":
        return f"{name} must be at least {value}; got {_short(error.instance)}."
    if kind == "maximum":
        return f"{name} must be at most {value}; got {_short(error.instance)}."
    if kind in ("minItems", "minLength"):
        return f"{name} must not be empty."
    if kind in ("anyOf", "oneOf"):
        return f"{name} must be {_alternatives(value)}, not {_noun_of(error.instance)}."
    return f"{name}: {error.message}."


def _alternatives(schemas: list) -> str:
    nouns = []
    for alt in schemas:
        if "$ref" in alt and alt["$ref"].endswith("/jsonataExpression"):
            nouns.append("a JSONata expression string \"{% ... %}\"")
        elif "type" in alt:
            nouns.append(_JSON_TYPE_NOUNS.get(alt["type"], str(alt["type"])))
    return " or ".join(nouns) or "a different value"


def _title(error: ValidationError) -> str:
    if error.schema.get("title"):
        return error.schema["title"]
    state_type = error.instance.get("Type") if isinstance(error.instance, dict) else None
    return f"{state_type} state" if isinstance(state_type, str) else "object"


def _name(path: list) -> str:
    """How a sentence refers to the value at `path`."""
    if not path:
        return "The definition"
    last = path[-1]
    if len(path) >= 2 and path[-2] == "States" and isinstance(last, str):
        return f"State {last!r}"
    if isinstance(last, int):
        return f"Entry {last} of {_name(path[:-1])}"
    return str(last)


def _noun_of(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return f"a string ({_short(value)})" if len(value) <= 40 else "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a JSON object"
    return f"a {type(value).__name__} (not JSON)"


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
