"""Wait: advance the clock by Seconds or until Timestamp (instantly under the virtual clock)."""


def run_wait(frame, state, raw):
    effective = state.prepare(frame, raw)  # InputPath; OutputPath then applies to what it selected
    frame.sleep(state.wait_seconds(frame, effective))
    output = state.finish(frame, raw, effective)
    assigned = state.assign(frame, raw, raw) if state.assign is not None else None
    return output, None, assigned
