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
    for error in schema_validator().iter_errors(definition):
        yield from problems_from(error)


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
