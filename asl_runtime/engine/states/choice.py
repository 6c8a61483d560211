"""Choice: the first rule that holds names the next state; otherwise Default."""

from ...errors import NO_CHOICE_MATCHED, RUNTIME, ASLError, StateRuntimeError
from ...query.choice import ChoicePathError


def run_choice(frame, state, raw):
    if state.jsonata:
        from ...definition.jsonata_compiler import run_choice_jsonata
        return run_choice_jsonata(frame, state, raw)
    value = state.prepare(frame, raw)
    context = frame.context() if state.needs_context else None
    variables = frame.variables
    for index, rule in enumerate(state.choices):
        try:
            matched = rule.predicate(value, context, variables)
        except ChoicePathError as exc:
            raise StateRuntimeError(
                RUNTIME, f"Invalid path '{exc.path}': The choice state's condition path references an "
                         f"invalid value.") from None
        if matched:
            frame.choice_rule = index
            assigned = rule.assign(frame, raw, value) if rule.assign is not None else None
            return state.finish(frame, raw, value), rule.next, assigned
    if state.default is None:
        raise ASLError(NO_CHOICE_MATCHED, "No Matches!")
    frame.choice_rule = -1
    assigned = state.assign(frame, raw, value) if state.assign is not None else None
    return state.finish(frame, raw, value), state.default, assigned
