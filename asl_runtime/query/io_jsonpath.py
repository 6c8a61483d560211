"""Input and output processing of JSONPath states, built once per state as closures.

input -> InputPath -> Parameters -> (work) -> ResultSelector -> ResultPath -> OutputPath.
Each builder returns the identity when its fields are absent, so a bare state costs nothing.
"""

from __future__ import annotations

import json

from ..errors import RESULT_PATH_MATCH_FAILURE, RUNTIME, ASLError, PathNotFound, StateRuntimeError
from .jsonpath import compile_path, evaluate, set_at
from .template import TemplateFieldError, compile_template
from .variables import check_assigned

_ABSENT = object()


# One encoder for every call: json.dumps with options builds a new one each time (history events,
# the server's store and its responses all come through here).
_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def to_json(value) -> str:
    """Compact JSON as AWS quotes payloads inside causes."""
    return _ENCODE(value)


def path_field(state_def: dict, key: str):
    """A path field's compiled value: _ABSENT when missing, None when null, else a CompiledPath."""
    if key not in state_def:
        return _ABSENT
    value = state_def[key]
    return None if value is None else compile_path(value)


def select_path(path, raw, frame):
    """InputPath / OutputPath / ItemsPath selection with AWS's failure wording."""
    try:
        return evaluate(path, raw, frame.context() if path.root == "$$" else None, frame.variables)
    except PathNotFound as exc:
        raise StateRuntimeError(RUNTIME, f"Invalid path '{path.text}' : {exc}") from None


def template_runner(template):
    """Compile a payload template into run(frame, input) with AWS's failure wording."""
    build, uses_context = compile_template(template)

    def run(frame, value):
        try:
            return build(value, frame.context() if uses_context else None, frame.variables)
        except TemplateFieldError as exc:
            raise StateRuntimeError(
                RUNTIME, f"The JSONPath '{exc.path}' specified for the field '{exc.key}' could not be "
                         f"found in the input '{to_json(exc.input_value)}'") from None
        except PathNotFound as exc:  # a path argument inside an intrinsic function
            raise StateRuntimeError(
                RUNTIME, f"The JSONPath '{exc.path}' could not be found in the input "
                         f"'{to_json(value)}'") from None
    return run


def build_prepare(state_def: dict, use_parameters: bool = True):
    """prepare(frame, raw_input) -> effective input (InputPath then Parameters)."""
    input_path = path_field(state_def, "InputPath")
    params = template_runner(state_def["Parameters"]) if use_parameters and "Parameters" in state_def else None
    if input_path is _ABSENT and params is None:
        return _identity_prepare

    def prepare(frame, raw):
        value = raw
        if input_path is None:
            value = {}
        elif input_path is not _ABSENT:
            value = select_path(input_path, raw, frame)
        if params is not None:
            value = params(frame, value)
        return value
    return prepare


def _identity_prepare(frame, raw):
    return raw


def apply_result_path(result_path, raw, result):
    """Place `result` into the raw input as ResultPath says."""
    if result_path is _ABSENT:
        return result
    if result_path is None:
        return raw
    if not result_path.parsed.segments:
        return result
    try:
        return set_at(raw, result_path, result)
    except PathNotFound:
        raise ASLError(RESULT_PATH_MATCH_FAILURE,
                       f"Unable to apply ResultPath \"{result_path.text}\" to input \"{to_json(raw)}\"") from None


def build_finish(state_def: dict, use_result_selector: bool = True):
    """finish(frame, raw_input, result) -> output (ResultSelector, ResultPath, OutputPath)."""
    selector = (template_runner(state_def["ResultSelector"])
                if use_result_selector and "ResultSelector" in state_def else None)
    result_path = path_field(state_def, "ResultPath")
    output_path = path_field(state_def, "OutputPath")
    if selector is None and result_path is _ABSENT and output_path is _ABSENT:
        return _identity_finish

    def finish(frame, raw, result):
        if selector is not None:
            result = selector(frame, result)
        value = apply_result_path(result_path, raw, result)
        if output_path is None:
            return {}
        if output_path is not _ABSENT:
            return select_path(output_path, value, frame)
        return value
    return finish


def _identity_finish(frame, raw, result):
    return result


def build_catch_finish(catcher_def: dict):
    """A Catcher's ResultPath: where the error output goes in the raw input."""
    result_path = path_field(catcher_def, "ResultPath")

    def finish(frame, raw, error_output):
        return apply_result_path(result_path, raw, error_output)
    return finish


def build_assign(assign_def):
    """JSONPath `Assign`: `$` is the state's result before ResultSelector (a Pass's Result or
    effective input, a Choice's or Wait's input, a Catcher's error output)."""
    run = template_runner(assign_def)

    def assign(frame, raw, result):
        return check_assigned(frame.state.name, run(frame, result), frame.variables)
    return assign


def uses_context(*values) -> bool:
    return any("$$" in json.dumps(v) for v in values if v is not None)


__all__ = ["build_prepare", "build_finish", "build_catch_finish", "build_assign", "template_runner",
           "select_path", "path_field", "to_json"]
