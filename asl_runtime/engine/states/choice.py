"""Choice: the first rule that holds names the next state; otherwise Default."""

from ...errors import NO_CHOICE_MATCHED, ASLError


def run_choice(frame, state, raw):
    value = state.prepare(frame, raw)
    for index, rule in enumerate(state.choices):
        if rule.matches(frame, value):
            frame.choice_rule = index
            assigned = rule.assign(frame, raw, value) if rule.assign is not None else None
            return rule.finish(frame, raw, value), rule.next, assigned
    if state.default is None:
        raise ASLError(NO_CHOICE_MATCHED, "No Matches!")
    frame.choice_rule = -1
    assigned = state.assign(frame, raw, value) if state.assign is not None else None
    return state.finish(frame, raw, value), state.default, assigned
