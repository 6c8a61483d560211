"""Turn a checked definition dict into the compiled model (runs once per definition)."""

from __future__ import annotations

from ..query import io_jsonpath as jp
from ..query.choice import compile_rule
from ..query.jsonpath import compile_path
from ..query.timestamps import parse_timestamp
from .model import (Catcher, ChoiceRule, ChoiceState, FailState, Machine, MapState, ParallelState,
                    PassState, Retrier, State, SucceedState, TaskState, WaitState)

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
    if state.jsonata:
        from . import jsonata_compiler
        jsonata_compiler.compile_io(state, sdef)
    else:
        _compile_jsonpath_io(state, sdef)
    state.retriers = tuple(_retrier(r) for r in sdef.get("Retry", ()))
    _SPECIFIC[type_](state, sdef, top_jsonata)
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


def _compile_jsonpath_io(state: State, sdef: dict) -> None:
    t = state.type
    state.prepare = jp.build_prepare(sdef, use_parameters=t in ("Pass", "Task", "Parallel"))
    if t in ("Pass", "Task", "Parallel", "Map"):
        state.finish = jp.build_finish(sdef, use_result_selector=t != "Pass")
    elif t in ("Choice", "Wait", "Succeed"):
        # No result: OutputPath only.
        state.finish = jp.build_finish({k: v for k, v in sdef.items() if k == "OutputPath"})
    else:
        state.finish = None
    if "Assign" in sdef:
        state.assign = jp.build_assign(sdef["Assign"])
    state.catchers = tuple(
        Catcher(error_equals=tuple(c["ErrorEquals"]), next=c["Next"], finish=jp.build_catch_finish(c),
                assign=jp.build_assign(c["Assign"]) if "Assign" in c else None)
        for c in sdef.get("Catch", ()))


# --------------------------------------------------------------------------- per type
def _pass(state: PassState, sdef, top):
    state.result = sdef.get("Result", jp._ABSENT)


def _task(state: TaskState, sdef, top):
    state.resource = sdef["Resource"]
    state.timeout = _seconds_field(state, sdef, "TimeoutSeconds")
    state.heartbeat = _seconds_field(state, sdef, "HeartbeatSeconds")
    state.credentials = sdef.get("Credentials")


def _seconds_field(state, sdef, key):
    """A callable(frame, raw_input) -> seconds or None, for TimeoutSeconds-like fields."""
    if state.jsonata:
        from . import jsonata_compiler
        return jsonata_compiler.number_field(sdef, key)
    if key in sdef:
        value = sdef[key]
        return lambda frame, raw: value
    if key + "Path" in sdef:
        path = compile_path(sdef[key + "Path"])
        return lambda frame, raw: _positive_seconds(key + "Path", path, jp.select_path(path, raw, frame))
    return None


def _positive_seconds(field, path, value):
    """A *SecondsPath must select a positive integer; anything else fails the state (States.Runtime).

    The wording is the one AWS records for Map's MaxConcurrencyPath and ToleratedFailureCountPath.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0 or value != int(value):
        from ..errors import RUNTIME, StateRuntimeError
        shown = value if isinstance(value, str) else jp.to_json(value)
        raise StateRuntimeError(RUNTIME, f'The {field} field refers to value "{shown}" which is not a valid '
                                         f'integer: {path.text}')
    return int(value)


def _choice(state: ChoiceState, sdef, top):
    state.default = sdef.get("Default")
    state.needs_context = jp.uses_context(sdef.get("Choices"))
    if state.jsonata:
        from . import jsonata_compiler
        state.choices = tuple(jsonata_compiler.choice_rule(r, i) for i, r in enumerate(sdef["Choices"]))
        return
    state.choices = tuple(
        ChoiceRule(compile_rule(r), r["Next"], assign=jp.build_assign(r["Assign"]) if "Assign" in r else None)
        for r in sdef["Choices"])


def _wait(state: WaitState, sdef, top):
    if state.jsonata:
        from . import jsonata_compiler
        state.wait_kind, state.wait_value = jsonata_compiler.wait_fields(sdef)
        return
    for kind in ("Seconds", "Timestamp"):
        if kind in sdef:
            value = sdef[kind] if kind == "Seconds" else parse_timestamp(sdef[kind])
            state.wait_kind, state.wait_value = kind, (lambda frame, raw, v=value: v)
            return
        if kind + "Path" in sdef:
            path = compile_path(sdef[kind + "Path"])
            state.wait_kind = kind + "Path"
            state.wait_value = (lambda frame, raw, p=path: jp.select_path(p, raw, frame))
            return
    raise ValueError("Wait state without Seconds, SecondsPath, Timestamp or TimestampPath")


def _succeed(state, sdef, top):
    pass


def _fail(state: FailState, sdef, top):
    if state.jsonata:
        from . import jsonata_compiler
        state.error, state.cause = jsonata_compiler.fail_fields(sdef)
        return
    state.error = _fail_field(sdef, "Error")
    state.cause = _fail_field(sdef, "Cause")


def _fail_field(sdef, key):
    if key in sdef:
        value = sdef[key]
        return lambda frame, raw: value
    if key + "Path" in sdef:
        from ..query.intrinsics import compile_intrinsic, is_intrinsic
        text = sdef[key + "Path"]
        if is_intrinsic(text):  # AWS allows a string-valued intrinsic here, e.g. States.Format
            call = compile_intrinsic(text)
            return lambda frame, raw: _fail_string(_fail_intrinsic(call, text, raw, frame), key, text)
        path = compile_path(text)
        return lambda frame, raw: _fail_string(_fail_path(path, key + "Path", raw, frame), key, text)
    return lambda frame, raw: None


def _fail_string(value, key, text):
    """A Fail state's error and cause are strings: a path or intrinsic giving anything else fails."""
    if value is None or type(value) is str:
        return value
    from ..errors import RUNTIME, StateRuntimeError
    raise StateRuntimeError(RUNTIME, f"The value of the field '{key}Path' ({text}) must be a string, "
                                     f"but was: {jp.to_json(value)}")


def _fail_intrinsic(call, text, raw, frame):
    from ..errors import RUNTIME, PathNotFound, StateRuntimeError
    try:
        return call(raw, frame.context(), frame.variables)
    except PathNotFound as exc:
        raise StateRuntimeError(
            RUNTIME, f"The JSONPath '{exc.path}' could not be found in the input '{jp.to_json(raw)}'") from None


def _fail_path(path, field, raw, frame):
    from ..errors import RUNTIME, PathNotFound, StateRuntimeError
    from ..query.jsonpath import evaluate
    try:
        return evaluate(path, raw, frame.context() if path.root == "$$" else None, frame.variables)
    except PathNotFound:
        raise StateRuntimeError(
            RUNTIME, f"The JSONPath '{path.text}' specified for the field '{field}' could not be found "
                     f"in the input '{jp.to_json(raw)}'") from None


def _parallel(state: ParallelState, sdef, top):
    state.branches = tuple(compile_machine(b, top) for b in sdef["Branches"])


def _map(state: MapState, sdef, top):
    processor = sdef.get("ItemProcessor") or sdef.get("Iterator")
    state.processor = compile_machine(processor, top)
    config = (processor.get("ProcessorConfig") or {})
    state.distributed = config.get("Mode") == "DISTRIBUTED"
    state.child_type = config.get("ExecutionType", "STANDARD")
    state.label = sdef.get("Label")
    state.item_batcher = sdef.get("ItemBatcher")
    state.item_reader = state.result_writer = None
    if state.jsonata:
        from . import jsonata_compiler
        jsonata_compiler.map_fields(state, sdef)
        return
    if state.item_batcher is not None:
        state.item_batcher = _item_batcher(state.item_batcher)
    items_path = jp.path_field(sdef, "ItemsPath")
    state.items = None if items_path is jp._ABSENT else items_path
    selector = sdef.get("ItemSelector", sdef.get("Parameters"))
    state.item_selector = jp.template_runner(selector) if selector is not None else None
    state.max_concurrency = _int_field(sdef, "MaxConcurrency", default=0)
    state.tolerated_count = _int_field(sdef, "ToleratedFailureCount", default=None)
    state.tolerated_percentage = _int_field(sdef, "ToleratedFailurePercentage", default=None)
    _reader_and_writer(state, sdef)


def _reader_and_writer(state: MapState, sdef):
    """ItemReader and ResultWriter of a JSONPath Map: Parameters templates over the effective input."""
    from ..integrations import item_reader as ir
    reader = sdef.get("ItemReader")
    if isinstance(reader, dict):
        config = reader.get("ReaderConfig") or {}
        max_items = None
        if "MaxItems" in config:
            limit = config["MaxItems"]
            max_items = lambda frame, effective: limit  # noqa: E731
        elif "MaxItemsPath" in config:
            path = compile_path(config["MaxItemsPath"])
            max_items = lambda frame, effective: jp.select_path(path, effective, frame)  # noqa: E731
        state.item_reader = ir.compile_item_reader(reader, _parameters(reader), max_items)
    writer = sdef.get("ResultWriter")
    if isinstance(writer, dict):
        state.result_writer = ir.compile_result_writer(writer, _parameters(writer))


def _parameters(holder: dict):
    template = holder.get("Parameters")
    if template is None:
        return lambda frame, effective: {}
    return jp.template_runner(template)


def _item_batcher(batcher: dict) -> dict:
    """ItemBatcher with its paths compiled and BatchInput as a payload template."""
    spec = dict(batcher)
    for key in ("MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath"):
        if key in spec:
            spec[key] = compile_path(spec[key])
    if "BatchInput" in spec:
        spec["BatchInput"] = jp.template_runner(spec["BatchInput"])
    return spec


def _int_field(sdef, key, default):
    """(literal or None, CompiledPath or None) for Map's numeric fields and their Path forms."""
    if key in sdef:
        return (sdef[key], None)
    if key + "Path" in sdef:
        return (None, compile_path(sdef[key + "Path"]))
    return (default, None)


_SPECIFIC = {"Pass": _pass, "Task": _task, "Choice": _choice, "Wait": _wait, "Succeed": _succeed,
             "Fail": _fail, "Parallel": _parallel, "Map": _map}
