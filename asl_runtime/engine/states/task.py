"""Task: hand the effective input to the resource and shape what comes back."""


def run_task(frame, state, raw):
    services = frame.execution.services
    # A callback Task's token must exist before Parameters/Arguments read $$.Task.Token.
    token = services.task_token(state)
    if token is not None:
        frame.set_task_token(token)
    payload = state.prepare(frame, raw)
    timeout = state.timeout(frame, raw) if state.timeout is not None else None
    heartbeat = state.heartbeat(frame, raw) if state.heartbeat is not None else None
    result = services.invoke(frame, state, payload, timeout, heartbeat)
    output = state.finish(frame, raw, result)
    assigned = state.assign(frame, raw, result) if state.assign is not None else None
    return output, None, assigned
