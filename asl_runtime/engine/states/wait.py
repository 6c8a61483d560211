"""Wait: advance the clock by Seconds or until Timestamp (instantly under the virtual clock)."""

from datetime import datetime

from ...errors import QUERY_EVALUATION_ERROR, RUNTIME, StateRuntimeError
from ...query.io_jsonpath import to_json
from ...query.timestamps import parse_timestamp


#: AWS keeps a Wait's remaining time in a signed 32-bit count of seconds: a Timestamp 24,855 days
#: ahead is waited for (the execution then times out at its 1-year limit), one 24,856 days ahead
#: fails the state at once (localstack's AWS-validated test_timestamp_too_far_in_future_boundary).
MAX_WAIT_SECONDS = 2**31


def run_wait(frame, state, raw):
    effective = state.prepare(frame, raw)  # InputPath; OutputPath then applies to what it selected
    value = state.wait_value(frame, effective)
    kind = state.wait_kind
    if kind in ("Seconds", "SecondsPath"):
        seconds = _seconds(state, kind, value)
    else:
        when = value if isinstance(value, datetime) else _timestamp(state, kind, value)
        seconds = when.timestamp() - frame.clock.now
        if seconds >= MAX_WAIT_SECONDS:
            raise _unrepresentable(state, kind, value)
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


def _unrepresentable(state, kind, value) -> StateRuntimeError:
    """A Timestamp too far ahead fails like one AWS cannot read (the cause's wording is assumed)."""
    if state.jsonata:
        shown = value if isinstance(value, str) else to_json(value)
        return StateRuntimeError(
            QUERY_EVALUATION_ERROR,
            f"The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {shown}")
    if kind == "Timestamp":
        text = state.definition.get("Timestamp")
        return StateRuntimeError(RUNTIME, f"The Timestamp parameter does not reference a valid ISO-8601 "
                                          f"extended offset date-time format string: {text}")
    return StateRuntimeError(RUNTIME, f"The TimestampPath parameter does not reference a valid ISO-8601 extended "
                                      f"offset date-time format string: {_describe(state, value)}")


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
