"""Fail: ends its scope with an error and cause (literal, path or JSONata)."""

from ...errors import ASLError


def run_fail(frame, state, raw):
    error = state.error(frame, raw)
    cause = state.cause(frame, raw)
    raise ASLError(error, cause)
