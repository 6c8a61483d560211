"""Pass: the effective input (or `Result`) becomes the result."""

from ...query.io_jsonpath import _ABSENT


def run_pass(frame, state, raw):
    result = state.prepare(frame, raw)
    if state.result is not _ABSENT:
        result = state.result
    output = state.finish(frame, raw, result)
    assigned = state.assign(frame, raw, result) if state.assign is not None else None
    return output, None, assigned
