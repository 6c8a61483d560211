"""Succeed: ends its scope successfully; only OutputPath/Output shape what it passes on."""


def run_succeed(frame, state, raw):
    value = state.prepare(frame, raw)
    return state.finish(frame, raw, value), None, None
