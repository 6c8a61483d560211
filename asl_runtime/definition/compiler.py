"""Turn a checked definition dict into the compiled model (runs once per definition).

What every state has whatever its query language (class, transitions, Retry, nested scopes) is
compiled here; each field written in a query language is compiled by that language's module,
jsonpath_compiler or jsonata_compiler, which fill the same model fields with callables of the
same signature, so the engine never asks which language a state uses.
"""

from __future__ import annotations

from . import jsonata_compiler, jsonpath_compiler
from ..query.io_jsonpath import _ABSENT
from .model import (ChoiceState, FailState, Machine, MapState, ParallelState, PassState, Retrier, State,
                    SucceedState, TaskState, WaitState)

_CLASSES = {"Pass": PassState, "Task": TaskState, "Choice": ChoiceState, "Wait": WaitState,
            "Succeed": SucceedState, "Fail": FailState, "Parallel": ParallelState, "Map": MapState}


def compile_machine(definition: dict, top_jsonata: bool | None = None) -> Machine:
    """Compile a scope (top level, Parallel branch or Map processor)."""
    if top_jsonata is None:
        top_jsonata = definition.get("QueryLanguage") == "JSONata"
    states = {name: compile_state(name, sdef, top_jsonata) for name, sdef in definition["States"].items()}
    return Machine(
        start_at=definition["StartAt"], states=states, jsonata=top_jsonata,
        timeout_seconds=definition.get("TimeoutSeconds"), definition=definition,
        uses_variables=any("Assign" in s.definition or _has_catch_assign(s.definition) for s in states.values()),
    )


def _has_catch_assign(sdef) -> bool:
    return any("Assign" in c for c in sdef.get("Catch", ()) if isinstance(c, dict))


def compile_state(name: str, sdef: dict, top_jsonata: bool) -> State:
    type_ = sdef["Type"]
    state = _CLASSES[type_](name, type_, sdef)
    ql = sdef.get("QueryLanguage")
    state.jsonata = ql == "JSONata" if ql else top_jsonata
    language = jsonata_compiler if state.jsonata else jsonpath_compiler
    language.compile_io(state, sdef)
    state.retriers = tuple(_retrier(r) for r in sdef.get("Retry", ()))
    _SPECIFIC[type_](state, sdef, top_jsonata, language)
    return state


def _retrier(r: dict) -> Retrier:
    return Retrier(
        error_equals=tuple(r["ErrorEquals"]),
        interval_seconds=r.get("IntervalSeconds", 1),
        max_attempts=r.get("MaxAttempts", 3),
        backoff_rate=r.get("BackoffRate", 2.0),
        max_delay_seconds=r.get("MaxDelaySeconds"),
        jitter_strategy=r.get("JitterStrategy", "NONE"),
    )


# --------------------------------------------------------------------------- per type
def _pass(state: PassState, sdef, top, language):
    state.result = sdef.get("Result", _ABSENT)


def _task(state: TaskState, sdef, top, language):
    state.resource = sdef["Resource"]
    state.credentials = sdef.get("Credentials")
    language.task_fields(state, sdef)


def _choice(state: ChoiceState, sdef, top, language):
    state.default = sdef.get("Default")
    language.choice_fields(state, sdef)


def _wait(state: WaitState, sdef, top, language):
    language.wait_fields(state, sdef)


def _succeed(state, sdef, top, language):
    pass


def _fail(state: FailState, sdef, top, language):
    language.fail_fields(state, sdef)


def _parallel(state: ParallelState, sdef, top, language):
    state.branches = tuple(compile_machine(b, top) for b in sdef["Branches"])


def _map(state: MapState, sdef, top, language):
    processor = sdef.get("ItemProcessor") or sdef.get("Iterator")
    state.processor = compile_machine(processor, top)
    config = (processor.get("ProcessorConfig") or {})
    state.distributed = config.get("Mode") == "DISTRIBUTED"
    state.child_type = config.get("ExecutionType", "STANDARD")
    state.label = sdef.get("Label")
    state.read_batcher = state.item_reader = state.result_writer = None
    language.map_fields(state, sdef)


_SPECIFIC = {"Pass": _pass, "Task": _task, "Choice": _choice, "Wait": _wait, "Succeed": _succeed,
             "Fail": _fail, "Parallel": _parallel, "Map": _map}
