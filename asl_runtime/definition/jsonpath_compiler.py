"""The fields of JSONPath states compiled into closures: the counterpart of jsonata_compiler.

Both modules fill the same model fields with callables of the same signature, so the engine runs
a state without asking which query language it was written in; what differs between the two
(paths or expressions, `States.Runtime` or `States.QueryEvaluationError`, AWS's wording for
each) is decided here, once, when the machine is loaded.
"""

from __future__ import annotations

import math
from datetime import datetime

from ..errors import RUNTIME, PathNotFound, StateRuntimeError
from ..limits import MAX_WAIT_SECONDS
from ..query import io_jsonpath as jp
from ..query.choice import ChoicePathError, compile_rule
from ..query.intrinsics import compile_intrinsic, is_intrinsic
from ..query.jsonpath import compile_path, evaluate
from ..query.timestamps import parse_timestamp
from . import item_reader as ir
from .model import Catcher, ChoiceRule


# --------------------------------------------------------------------------- input and output
def compile_io(state, sdef: dict) -> None:
    """prepare/finish/assign and the Catchers: InputPath, Parameters, ResultSelector, ResultPath, OutputPath."""
    t = state.type
    state.prepare = jp.build_prepare(sdef, use_parameters=t in ("Pass", "Task", "Parallel"))
    if t in ("Pass", "Task", "Parallel", "Map"):
        state.finish = jp.build_finish(sdef, use_result_selector=t != "Pass")
    elif t in ("Choice", "Wait", "Succeed"):
        # No result: OutputPath only.
        state.finish = jp.build_finish({k: v for k, v in sdef.items() if k == "OutputPath"})
    else:
        state.finish = None
    if "Assign" in sdef:
        state.assign = jp.build_assign(sdef["Assign"])
    state.catchers = tuple(
        Catcher(error_equals=tuple(c["ErrorEquals"]), next=c["Next"], finish=jp.build_catch_finish(c),
                assign=jp.build_assign(c["Assign"]) if "Assign" in c else None)
        for c in sdef.get("Catch", ()))


# --------------------------------------------------------------------------- Task
def task_fields(state, sdef: dict) -> None:
    state.timeout = _seconds_field(sdef, "TimeoutSeconds")
    state.heartbeat = _seconds_field(sdef, "HeartbeatSeconds")


def _seconds_field(sdef, key):
    """A callable(frame, raw_input) -> seconds or None, for TimeoutSeconds-like fields."""
    if key in sdef:
        value = sdef[key]
        return lambda frame, raw: value
    if key + "Path" in sdef:
        path = compile_path(sdef[key + "Path"])
        return lambda frame, raw: _positive_seconds(key + "Path", path, jp.select_path(path, raw, frame))
    return None


def _positive_seconds(field, path, value):
    """A *SecondsPath must select a positive integer; anything else fails the state (States.Runtime).

    The wording is the one AWS records for Map's MaxConcurrencyPath and ToleratedFailureCountPath.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0 or value != int(value):
        shown = value if isinstance(value, str) else jp.to_json(value)
        raise StateRuntimeError(RUNTIME, f'The {field} field refers to value "{shown}" which is not a valid '
                                         f'integer: {path.text}')
    return int(value)


# --------------------------------------------------------------------------- Choice
def choice_fields(state, sdef: dict) -> None:
    """Each rule: matches(frame, value) over the effective input; a match applies the state's OutputPath."""
    state.choices = tuple(_choice_rule(rule, state.finish) for rule in sdef["Choices"])


def _choice_rule(rule: dict, finish) -> ChoiceRule:
    predicate = compile_rule(rule)
    needs_context = jp.uses_context(rule)

    def matches(frame, value):
        try:
            return predicate(value, frame.context() if needs_context else None, frame.variables)
        except ChoicePathError as exc:
            raise StateRuntimeError(
                RUNTIME, f"Invalid path '{exc.path}': The choice state's condition path references an "
                         f"invalid value.") from None
    return ChoiceRule(matches, rule["Next"], finish=finish,
                      assign=jp.build_assign(rule["Assign"]) if "Assign" in rule else None)


# --------------------------------------------------------------------------- Wait
def wait_fields(state, sdef: dict) -> None:
    """wait_seconds(frame, effective): how long to wait from now, or the States.Runtime AWS records."""
    if "Seconds" in sdef:
        seconds = sdef["Seconds"]  # the validator admits only a non-negative integer
        state.wait_seconds = lambda frame, effective: seconds
    elif "Timestamp" in sdef:
        text = sdef["Timestamp"]
        when = parse_timestamp(text)

        def until_timestamp(frame, effective):
            return _until(frame, when, lambda: _timestamp_error("Timestamp parameter", text))
        state.wait_seconds = until_timestamp
    elif "SecondsPath" in sdef:
        state.wait_seconds = _seconds_path(compile_path(sdef["SecondsPath"]))
    elif "TimestampPath" in sdef:
        state.wait_seconds = _timestamp_path(compile_path(sdef["TimestampPath"]))
    else:
        raise ValueError("Wait state without Seconds, SecondsPath, Timestamp or TimestampPath")


def _until(frame, when: datetime, error) -> float:
    """Seconds from now until `when`; AWS keeps the remaining time in a signed 32-bit count."""
    seconds = when.timestamp() - frame.clock.now
    if seconds >= MAX_WAIT_SECONDS:
        raise error()
    return seconds


def _describe(path, value) -> str:
    shown = value if isinstance(value, str) else jp.to_json(value)
    return f"{path.text} == {shown}"


def _timestamp_error(what: str, shown: str) -> StateRuntimeError:
    return StateRuntimeError(RUNTIME, f"The {what} does not reference a valid ISO-8601 extended offset "
                                      f"date-time format string: {shown}")


def _seconds_path(path):
    def wait_seconds(frame, effective):
        value = jp.select_path(path, effective, frame)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                isinstance(value, float) and not value.is_integer()):
            raise StateRuntimeError(RUNTIME, f"The SecondsPath parameter cannot be parsed as a long value: "
                                             f"{_describe(path, value)}")
        if value < 0:
            raise StateRuntimeError(RUNTIME, f"The SecondsPath parameter references a negative value: "
                                             f"{_describe(path, value)}")
        return int(value)
    return wait_seconds


def _timestamp_path(path):
    def wait_seconds(frame, effective):
        value = jp.select_path(path, effective, frame)
        error = lambda: _timestamp_error("TimestampPath parameter", _describe(path, value))  # noqa: E731
        when = parse_timestamp(value)
        if when is None:
            raise error()
        return _until(frame, when, error)
    return wait_seconds


# --------------------------------------------------------------------------- Fail
def fail_fields(state, sdef: dict) -> None:
    state.error = _fail_field(sdef, "Error")
    state.cause = _fail_field(sdef, "Cause")


def _fail_field(sdef, key):
    if key in sdef:
        value = sdef[key]
        return lambda frame, raw: value
    if key + "Path" in sdef:
        text = sdef[key + "Path"]
        if is_intrinsic(text):  # AWS allows a string-valued intrinsic here, e.g. States.Format
            call = compile_intrinsic(text)
            return lambda frame, raw: _fail_string(_fail_intrinsic(call, raw, frame), key, text)
        path = compile_path(text)
        return lambda frame, raw: _fail_string(_fail_path(path, key + "Path", raw, frame), key, text)
    return lambda frame, raw: None


def _fail_string(value, key, text):
    """A Fail state's error and cause are strings: a path or intrinsic giving anything else fails."""
    if value is None or type(value) is str:
        return value
    raise StateRuntimeError(RUNTIME, f"The value of the field '{key}Path' ({text}) must be a string, "
                                     f"but was: {jp.to_json(value)}")


def _fail_intrinsic(call, raw, frame):
    try:
        return call(raw, frame.context(), frame.variables)
    except PathNotFound as exc:
        raise StateRuntimeError(
            RUNTIME, f"The JSONPath '{exc.path}' could not be found in the input '{jp.to_json(raw)}'") from None


def _fail_path(path, field, raw, frame):
    try:
        return evaluate(path, raw, frame.context() if path.root == "$$" else None, frame.variables)
    except PathNotFound:
        raise StateRuntimeError(
            RUNTIME, f"The JSONPath '{path.text}' specified for the field '{field}' could not be found "
                     f"in the input '{jp.to_json(raw)}'") from None


# --------------------------------------------------------------------------- Map
def map_fields(state, sdef: dict) -> None:
    """ItemsPath, ItemSelector, MaxConcurrency(Path), ToleratedFailure*(Path), ItemBatcher, S3 reader/writer."""
    items_path = jp.path_field(sdef, "ItemsPath")
    state.read_items = _items_reader(None if items_path is jp._ABSENT else items_path)
    selector = sdef.get("ItemSelector", sdef.get("Parameters"))
    state.item_selector = jp.template_runner(selector) if selector is not None else None
    concurrency = _integer_reader(sdef, "MaxConcurrency", default=0)
    count = _integer_reader(sdef, "ToleratedFailureCount", default=None)
    percentage = _percentage_reader(sdef)

    def read_limits(frame, raw, effective):
        # AWS reads the tolerated-failure fields only after it has recorded MapStateStarted.
        return (concurrency(frame, effective),
                lambda: (count(frame, effective), percentage(frame, effective)))
    state.read_limits = read_limits
    batcher = sdef.get("ItemBatcher")
    state.read_batcher = None if batcher is None else _batcher_reader(batcher)
    _reader_and_writer(state, sdef)


def _items_reader(path):
    def read_items(frame, raw, effective):
        items = effective if path is None else jp.select_path(path, effective, frame)
        if not isinstance(items, list):
            raise StateRuntimeError(RUNTIME, f"Map state input must be an array but was: {jp.to_json(items)}")
        return items
    return read_items


def _number_from_text(value, kind):
    """AWS reads these Path fields leniently: the string "1" counts as the number 1."""
    if isinstance(value, str):
        try:
            return kind(value.strip())
        except ValueError:
            return value
    return value


def _integer_reader(sdef, key, default):
    if key in sdef:
        literal = sdef[key]
        return lambda frame, effective: literal
    if key + "Path" not in sdef:
        return lambda frame, effective: default
    path = compile_path(sdef[key + "Path"])

    def read(frame, effective):
        value = _number_from_text(jp.select_path(path, effective, frame), int)
        if isinstance(value, float) and value.is_integer() and value >= 0:
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            shown = value if isinstance(value, str) else jp.to_json(value)
            raise StateRuntimeError(RUNTIME, f'The {key}Path field refers to value "{shown}" which is not a '
                                             f'valid integer: {path.text}')
        return value
    return read


def _percentage_reader(sdef):
    key = "ToleratedFailurePercentage"
    if key in sdef:
        literal = sdef[key]
        return lambda frame, effective: literal
    if key + "Path" not in sdef:
        return lambda frame, effective: None
    path = compile_path(sdef[key + "Path"])

    def read(frame, effective):
        value = _number_from_text(jp.select_path(path, effective, frame), float)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            shown = value if isinstance(value, str) else jp.to_json(value)
            raise StateRuntimeError(RUNTIME, f'The ToleratedFailurePercentagePath field refers to value "{shown}" '
                                             f'which is not a valid float: {path.text}')
        if not 0 <= value <= 100 or math.isnan(value):
            raise StateRuntimeError(RUNTIME, "ToleratedFailurePercentage must be between 0 and 100.")
        return value
    return read


def _batcher_reader(batcher: dict):
    """ItemBatcher evaluated over the effective input: MaxItemsPerBatch, MaxInputBytesPerBatch, BatchInput."""
    readers = {}
    for key in ("MaxItemsPerBatch", "MaxInputBytesPerBatch"):
        if key in batcher:
            readers[key] = (lambda frame, effective, v=batcher[key]: v)
        elif key + "Path" in batcher:
            readers[key] = (lambda frame, effective, p=compile_path(batcher[key + "Path"]):
                            jp.select_path(p, effective, frame))
    if "BatchInput" in batcher:
        readers["BatchInput"] = jp.template_runner(batcher["BatchInput"])

    def read_batcher(frame, raw, effective):
        return {key: read(frame, effective) for key, read in readers.items()}
    return read_batcher


def _reader_and_writer(state, sdef):
    """ItemReader and ResultWriter: Parameters templates over the effective input."""
    reader = sdef.get("ItemReader")
    if isinstance(reader, dict):
        config = reader.get("ReaderConfig") or {}
        max_items = None
        if "MaxItems" in config:
            limit = config["MaxItems"]
            max_items = lambda frame, effective: limit  # noqa: E731
        elif "MaxItemsPath" in config:
            path = compile_path(config["MaxItemsPath"])
            max_items = lambda frame, effective: jp.select_path(path, effective, frame)  # noqa: E731
        state.item_reader = ir.compile_item_reader(reader, _parameters(reader), max_items)
    writer = sdef.get("ResultWriter")
    if isinstance(writer, dict):
        state.result_writer = ir.compile_result_writer(writer, _parameters(writer))


def _parameters(holder: dict):
    template = holder.get("Parameters")
    if template is None:
        return lambda frame, effective: {}
    return jp.template_runner(template)
