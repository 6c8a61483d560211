"""The fields of JSONata states compiled into closures: the JSONata counterpart of io_jsonpath.

Every `{% %}` string is parsed here, once, when the machine is loaded.  At run time a field
builds `$states` (`input`; `context` only if the field's expressions may read it; `result` or
`errorOutput` where AWS offers them) and evaluates against the variables as they were when the
state was entered: the engine merges a state's assignments only after the state has finished.
"""

from __future__ import annotations

import re

from ..errors import QUERY_EVALUATION_ERROR, ASLError, StateRuntimeError
from ..limits import MAX_WAIT_SECONDS
from ..query.io_jsonpath import to_json
from ..query.jsonata import compile_expression, compile_template, is_jsonata_string, json_type
from ..query.timestamps import parse_timestamp
from ..query.variables import check_assigned
from . import item_reader as ir
from .model import Catcher, ChoiceRule

# `$states` followed by anything but `.input`, `.result` or `.errorOutput` may read the context.
_CONTEXT_READ = re.compile(r"\$states\b(?!\s*\.\s*(?:input|result|errorOutput)\b)")


# --------------------------------------------------------------------------- evaluation
def _reads_context(value) -> bool:
    """Whether any expression inside `value` may read `$states.context` (conservative)."""
    if isinstance(value, str):
        return is_jsonata_string(value) and _CONTEXT_READ.search(value) is not None
    if isinstance(value, dict):
        return any(_reads_context(v) for v in value.values())
    if isinstance(value, list):
        return any(_reads_context(v) for v in value)
    return False


def _now_ms(frame) -> int:
    """`$now()` and `$millis()` see the execution's clock, simulated or real."""
    return int(frame.clock.now * 1000)


def _located(err: ASLError) -> ASLError:
    """The adapter's errors as StateRuntimeError, so the engine prefixes the state and event id."""
    if type(err) is ASLError:
        return StateRuntimeError(err.error, err.cause)
    return err


class _Field:
    """One JSONata-capable field: a constant, a whole `{% %}` expression, or a template."""

    __slots__ = ("name", "expression", "template", "context")

    def __init__(self, value, name: str):
        self.name = name
        self.context = _reads_context(value)
        if is_jsonata_string(value):
            self.expression = compile_expression(value, name)
            self.template = None
        else:
            self.expression = None
            self.template = compile_template(value, name)

    @property
    def constant(self):
        """The value when it holds no expression, else None."""
        if self.template is not None and self.template.is_constant:
            return self.template.source
        return None

    @property
    def is_constant(self) -> bool:
        return self.template is not None and self.template.is_constant

    def value(self, frame, states: dict):
        """The field's value; undefined and evaluation errors fail as AWS words them."""
        try:
            if self.expression is not None:
                return self.expression.evaluate_defined(states, frame.variables, _now_ms(frame))
            return self.template.evaluate(states, frame.variables, _now_ms(frame))
        except ASLError as err:
            raise _located(err) from None

    def type_error(self, expected: str, value) -> StateRuntimeError:
        if self.expression is not None:
            return _located(self.expression.type_error(expected, value))
        return StateRuntimeError(
            QUERY_EVALUATION_ERROR, f"The value of the field '{self.name}' has an unexpected type. "
                                    f"Expected '{expected}', but was '{json_type(value)}' for value: "
                                    f"{to_json(value)}")


def _field(sdef: dict, key: str) -> _Field | None:
    return _Field(sdef[key], key) if key in sdef else None


def _states(frame, raw, context: bool) -> dict:
    return {"input": raw, "context": frame.context()} if context else {"input": raw}


# --------------------------------------------------------------------------- input and output
def compile_io(state, sdef: dict) -> None:
    """prepare/finish/assign and the Catchers of a JSONata state."""
    t = state.type
    arguments = _field(sdef, "Arguments") if t in ("Task", "Parallel") else None
    output = _field(sdef, "Output") if t != "Fail" else None
    assign = _field(sdef, "Assign")
    result_key = "result" if t in ("Task", "Parallel", "Map") else None
    state.prepare = _identity_prepare if arguments is None else _prepare(arguments)
    state.finish = None if t == "Fail" else (
        _identity_finish if output is None else _finish(output, result_key))
    state.assign = None if assign is None else _assign(assign, result_key)
    catchers = []
    for c in sdef.get("Catch", ()):
        c_output = _field(c, "Output")
        c_assign = _field(c, "Assign")
        catchers.append(Catcher(
            error_equals=tuple(c["ErrorEquals"]), next=c["Next"],
            finish=_identity_finish if c_output is None else _finish(c_output, "errorOutput"),
            assign=None if c_assign is None else _assign(c_assign, "errorOutput")))
    state.catchers = tuple(catchers)


def _identity_prepare(frame, raw):
    return raw


def _identity_finish(frame, raw, result):
    return result


def _prepare(arguments: _Field):
    if arguments.is_constant:
        constant = arguments.constant
        return lambda frame, raw: constant
    context = arguments.context

    def prepare(frame, raw):
        return arguments.value(frame, _states(frame, raw, context))
    return prepare


def _with_result(frame, raw, result, result_key: str | None, context: bool) -> dict:
    """`$states` with the state's result under `result_key` ("result", "errorOutput") if it has one."""
    states = _states(frame, raw, context)
    if result_key is not None:
        states[result_key] = result
    return states


def _finish(output: _Field, result_key: str | None):
    if output.is_constant:
        constant = output.constant
        return lambda frame, raw, result: constant
    context = output.context

    def finish(frame, raw, result):
        return output.value(frame, _with_result(frame, raw, result, result_key, context))
    return finish


def _assign(assign: _Field, result_key: str | None):
    context = assign.context

    def run(frame, raw, result):
        values = assign.value(frame, _with_result(frame, raw, result, result_key, context))
        return check_assigned(frame.state.name, values, frame.variables)
    return run


# --------------------------------------------------------------------------- numbers
def _checked_field(sdef: dict, key: str, check, missing=None):
    """A field holding a literal, or one expression whose result `check(field, value)` vets."""
    if key not in sdef:
        return missing
    value = sdef[key]
    if not is_jsonata_string(value):
        return lambda frame, raw: value
    field = _Field(value, key)

    def evaluate(frame, raw):
        return check(field, field.value(frame, _states(frame, raw, field.context)))
    return evaluate


def _number_field(sdef: dict, key: str):
    """TimeoutSeconds/HeartbeatSeconds: callable(frame, raw) -> positive integer, or None."""
    return _checked_field(sdef, key, lambda field, result: _positive_integer(field, key, result))


def _positive_integer(field: _Field, key: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise field.type_error("number", value)
    if value <= 0 or value != int(value):
        raise StateRuntimeError(QUERY_EVALUATION_ERROR,
                                f"The {key} field must be a positive integer, but was: {to_json(value)}")
    return int(value)


# --------------------------------------------------------------------------- Task
def task_fields(state, sdef: dict) -> None:
    state.timeout = _number_field(sdef, "TimeoutSeconds")
    state.heartbeat = _number_field(sdef, "HeartbeatSeconds")


# --------------------------------------------------------------------------- Choice
def choice_fields(state, sdef: dict) -> None:
    """Each rule's Condition, and the Output and Assign it applies when it matches (Default: the state's)."""
    state.choices = tuple(_choice_rule(rule) for rule in sdef["Choices"])


def _choice_rule(rule: dict) -> ChoiceRule:
    condition = rule["Condition"]
    if is_jsonata_string(condition):
        field = _Field(condition, "Condition")

        def matches(frame, value):
            matched = field.value(frame, _states(frame, value, field.context))
            if not isinstance(matched, bool):
                raise field.type_error("boolean", matched)
            return matched
    else:
        literal = condition is True
        matches = lambda frame, value: literal  # noqa: E731
    output = _field(rule, "Output")
    assign = _field(rule, "Assign")
    return ChoiceRule(
        matches, rule["Next"],
        finish=_identity_finish if output is None else _finish(output, None),
        assign=None if assign is None else _assign(assign, None))


# --------------------------------------------------------------------------- Wait and Fail
def wait_fields(state, sdef: dict) -> None:
    """wait_seconds(frame, input): Seconds or Timestamp, literal or expression, checked as AWS does."""
    if "Seconds" in sdef:
        seconds = _literal_or_field(sdef["Seconds"], "Seconds")
        state.wait_seconds = lambda frame, raw: _checked_seconds(seconds(frame, raw))
        return
    if "Timestamp" in sdef:
        value = sdef["Timestamp"]
        if is_jsonata_string(value):
            timestamp = _literal_or_field(value, "Timestamp")
            state.wait_seconds = lambda frame, raw: _seconds_until(frame, timestamp(frame, raw), None)
        else:
            when = parse_timestamp(value)
            state.wait_seconds = lambda frame, raw: _seconds_until(frame, value, when)
        return
    raise ValueError("Wait state without Seconds or Timestamp")


def _literal_or_field(value, name: str):
    if not is_jsonata_string(value):
        return lambda frame, raw: value
    field = _Field(value, name)
    return lambda frame, raw: field.value(frame, _states(frame, raw, field.context))


def _checked_seconds(value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            isinstance(value, float) and not value.is_integer()):
        raise StateRuntimeError(QUERY_EVALUATION_ERROR,
                                f"The Seconds field cannot be parsed as a long value: {to_json(value)}")
    if value < 0:
        raise StateRuntimeError(QUERY_EVALUATION_ERROR,
                                f"The Seconds field references a negative value: {to_json(value)}")
    return int(value)


def _seconds_until(frame, value, when) -> float:
    """Seconds from now until the Timestamp; one AWS cannot read or hold (32-bit seconds) fails."""
    if when is None:
        when = parse_timestamp(value)
    if when is not None:
        seconds = when.timestamp() - frame.clock.now
        if seconds < MAX_WAIT_SECONDS:
            return seconds
    shown = value if isinstance(value, str) else to_json(value)
    raise StateRuntimeError(
        QUERY_EVALUATION_ERROR,
        f"The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {shown}")


def fail_fields(state, sdef: dict) -> None:
    """error(frame, raw) and cause(frame, raw): literal strings or expressions returning strings."""
    state.error, state.cause = _fail_field(sdef, "Error"), _fail_field(sdef, "Cause")


def _fail_field(sdef: dict, key: str):
    return _checked_field(sdef, key, _string_result, missing=lambda frame, raw: None)


def _string_result(field, result):
    if not isinstance(result, str):
        raise field.type_error("string", result)
    return result


# --------------------------------------------------------------------------- Map
def map_fields(state, sdef: dict) -> None:
    """Items, ItemSelector, MaxConcurrency, the tolerated failure thresholds and ItemBatcher of a JSONata Map."""
    items = _field(sdef, "Items")
    state.read_items = lambda frame, raw, effective: _map_items(frame, items, raw)
    selector = _field(sdef, "ItemSelector")
    state.item_selector = None if selector is None else _item_selector(selector)
    concurrency = _map_number(sdef, "MaxConcurrency", 0)
    count = _map_number(sdef, "ToleratedFailureCount", None)
    percentage = _map_number(sdef, "ToleratedFailurePercentage", None)

    def read_limits(frame, raw, effective):
        # Every expression is evaluated before MapStateStarted, as AWS records a JSONata Map.
        max_concurrency = _map_integer(frame, raw, concurrency, "MaxConcurrency")
        limits = (_map_integer(frame, raw, count, "ToleratedFailureCount"),
                  _map_percentage(frame, raw, percentage))
        return max_concurrency, lambda: limits
    state.read_limits = read_limits
    batcher = sdef.get("ItemBatcher")
    if isinstance(batcher, dict):
        fields = {key: _Field(value, f"ItemBatcher/{key}") for key, value in batcher.items()}
        state.read_batcher = lambda frame, raw, effective: _batcher_spec(frame, fields, raw)
    _reader_and_writer(state, sdef)


def _reader_and_writer(state, sdef: dict) -> None:
    """ItemReader and ResultWriter: Arguments (and ReaderConfig.MaxItems) evaluated over the state input."""
    reader = sdef.get("ItemReader")
    if isinstance(reader, dict):
        config = reader.get("ReaderConfig") or {}
        max_items = None
        if "MaxItems" in config:
            field = _Field(config["MaxItems"], "ReaderConfig/MaxItems")
            max_items = lambda frame, raw: _number(frame, raw, field)  # noqa: E731
        state.item_reader = ir.compile_item_reader(reader, _arguments(reader, "ItemReader"), max_items)
    writer = sdef.get("ResultWriter")
    if isinstance(writer, dict):
        state.result_writer = ir.compile_result_writer(writer, _arguments(writer, "ResultWriter"))


def _arguments(holder: dict, where: str):
    if "Arguments" not in holder:
        return lambda frame, raw: {}
    field = _Field(holder["Arguments"], f"{where}/Arguments")
    return lambda frame, raw: field.value(frame, _states(frame, raw, field.context))


def _item_selector(selector: _Field):
    if selector.is_constant:
        constant = selector.constant
        return lambda frame, raw: constant

    def select(frame, raw):
        # The context carries Map.Item.Index and Map.Item.Value of the current iteration.
        return selector.value(frame, {"input": raw, "context": frame.context()})
    return select


def _map_number(sdef: dict, key: str, default):
    return _Field(sdef[key], key) if key in sdef else default


def _map_items(frame, items, raw) -> list:
    """The array a JSONata Map iterates: `Items`, or the state input itself."""
    if items is None:
        if not isinstance(raw, list):
            raise StateRuntimeError(QUERY_EVALUATION_ERROR,
                                    f"Map state input must be an array but was: {to_json(raw)}")
        return raw
    value = items.value(frame, _states(frame, raw, items.context))
    if not isinstance(value, list):
        raise items.type_error("array", value)
    return value


def _number(frame, raw, spec):
    if not isinstance(spec, _Field):
        return spec
    if spec.is_constant:
        return spec.constant
    value = spec.value(frame, _states(frame, raw, spec.context))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise spec.type_error("number", value)
    return value


def _map_integer(frame, raw, spec, key):
    value = _number(frame, raw, spec)
    if value is None:
        return None
    if value < 0 or value != int(value):
        raise StateRuntimeError(QUERY_EVALUATION_ERROR,
                                f"The {key} field must be a non-negative integer, but was: {to_json(value)}")
    return int(value)


def _map_percentage(frame, raw, spec):
    value = _number(frame, raw, spec)
    if value is None:
        return None
    if not 0 <= value <= 100:
        raise StateRuntimeError(QUERY_EVALUATION_ERROR,
                                f"The ToleratedFailurePercentage field must be between 0 and 100, but was: "
                                f"{to_json(value)}")
    return value


def _batcher_spec(frame, fields: dict, raw) -> dict:
    """ItemBatcher with its expressions evaluated: the same shape a JSONPath Map's batcher has."""
    spec = {}
    for key, field in fields.items():
        spec[key] = field.constant if field.is_constant else field.value(
            frame, _states(frame, raw, field.context))
    return spec


__all__ = ["compile_io", "task_fields", "choice_fields", "wait_fields", "fail_fields", "map_fields"]
