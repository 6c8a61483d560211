"""Wait: advance the clock by Seconds or until Timestamp (instantly under the virtual clock)."""

from datetime import datetime

from ...errors import QUERY_EVALUATION_ERROR, RUNTIME, StateRuntimeError
from ...query.io_jsonpath import to_json
from ...query.timestamps import parse_timestamp


def run_wait(frame, state, raw):
    effective = state.prepare(frame, raw)  # InputPath; OutputPath then applies to what it selected
    value = state.wait_value(frame, effective)
    kind = state.wait_kind
    if kind in ("Seconds", "SecondsPath"):
        seconds = _seconds(state, kind, value)
    else:
        when = value if isinstance(value, datetime) else _timestamp(state, kind, value)
        seconds = when.timestamp() - frame.clock.now
    frame.sleep(seconds)
    output = state.finish(frame, raw, effective)
    assigned = state.assign(frame, raw, raw) if state.assign is not None else None
    return output, None, assigned


def _describe(state, value) -> str:
    path = state.definition.get(state.wait_kind, "")
    shown = value if isinstance(value, str) else to_json(value)
    return f"{path} == {shown}"


def _seconds(state, kind, value) -> float:
    if kind == "Seconds" and not state.jsonata:
        return value
    error = QUERY_EVALUATION_ERROR if state.jsonata else RUNTIME
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            isinstance(value, float) and not value.is_integer()):
        if state.jsonata:
            raise StateRuntimeError(error, f"The Seconds field cannot be parsed as a long value: {to_json(value)}")
        raise StateRuntimeError(error, f"The SecondsPath parameter cannot be parsed as a long value: "
                                       f"{_describe(state, value)}")
    if value < 0:
        if state.jsonata:
            raise StateRuntimeError(error, f"The Seconds field references a negative value: {to_json(value)}")
        raise StateRuntimeError(error, f"The SecondsPath parameter references a negative value: "
                                       f"{_describe(state, value)}")
    return int(value)


def _timestamp(state, kind, value) -> datetime:
    when = parse_timestamp(value)
    if when is None:
        if state.jsonata:
            shown = value if isinstance(value, str) else to_json(value)
            raise StateRuntimeError(
                QUERY_EVALUATION_ERROR,
                f"The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format "
                f"string: {shown}")
        raise StateRuntimeError(
            RUNTIME, f"The TimestampPath parameter does not reference a valid ISO-8601 extended offset "
                     f"date-time format string: {_describe(state, value)}")
    return when
