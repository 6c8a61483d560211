"""The yardstick: a minimal dict-walking ASL interpreter, the floor asl-runtime is measured against.

It runs the benchmark definitions' essentials (Pass, Choice, Map, Parallel, Task, Succeed with
Parameters, ResultPath, dotted JSONPath, States.MathAdd) straight off the definition dicts: no
validation, no history, no context object, no error handling, no payload limits.  It does what
AWS semantics require of any engine: ResultPath copies what it writes into, a Task's handler
gets its own copy of the payload and its result comes back through JSON.  Paths and
intrinsic calls are split once and cached, as any sane hand-written loop would.
"""

from __future__ import annotations

import json
import re

_ABSENT = object()
_paths: dict[str, tuple] = {}
_calls: dict[str, tuple] = {}
_CALL = re.compile(r"^States\.(\w+)\((.*)\)$")


def _keys(path: str) -> tuple:
    keys = _paths.get(path)
    if keys is None:
        keys = _paths[path] = tuple(k for k in path[1:].split(".") if k)
    return keys


def get(path: str, data):
    for key in _keys(path):
        data = data[key]
    return data


def put(path: str, data, value):
    """ResultPath: a copy of the input with `value` set at `path` (the input is not mutated)."""
    keys = _keys(path)
    if not keys:
        return value
    out = dict(data)
    node = out
    for key in keys[:-1]:
        node[key] = dict(node.get(key) or {})
        node = node[key]
    node[keys[-1]] = value
    return out


def _intrinsic(text: str, data):
    call = _calls.get(text)
    if call is None:
        name, args = _CALL.match(text).groups()
        call = _calls[text] = (name, tuple(a.strip() for a in args.split(",")))
    name, args = call
    values = [get(a, data) if a.startswith("$") else float(a) if "." in a else int(a) for a in args]
    if name == "MathAdd":
        return values[0] + values[1]
    raise NotImplementedError(f"yardstick: States.{name}")


def template(spec, data):
    if isinstance(spec, dict):
        out = {}
        for key, value in spec.items():
            if key.endswith(".$"):
                out[key[:-2]] = _intrinsic(value, data) if value.startswith("States.") else get(value, data)
            else:
                out[key] = template(value, data)
        return out
    if isinstance(spec, list):
        return [template(v, data) for v in spec]
    return spec


_COMPARE = {
    "NumericLessThan": lambda a, b: a < b, "NumericGreaterThan": lambda a, b: a > b,
    "NumericEquals": lambda a, b: a == b, "StringEquals": lambda a, b: a == b,
    "BooleanEquals": lambda a, b: a == b,
}


def _choose(state, data):
    for rule in state["Choices"]:
        value = get(rule["Variable"], data)
        for op, test in _COMPARE.items():
            if op in rule:
                if test(value, rule[op]):
                    return rule["Next"]
                break
    return state["Default"]


def run(definition: dict, data, handlers=None) -> tuple:
    """Run a scope to its end; returns (output, number of states entered)."""
    handlers = handlers or {}
    states = definition["States"]
    name = definition["StartAt"]
    entered = 0
    while True:
        state = states[name]
        entered += 1
        kind = state["Type"]
        if kind == "Choice":
            name = _choose(state, data)
            continue
        if kind in ("Succeed", "Fail"):
            return data, entered
        effective = get(state["InputPath"], data) if "InputPath" in state else data
        if "Parameters" in state:
            effective = template(state["Parameters"], effective)
        if kind == "Pass":
            result = state.get("Result", effective)
        elif kind == "Task":  # Lambda's wire: the handler gets a copy, its result comes back as JSON
            handler = handlers[state["Resource"].rsplit(":", 1)[1]]
            result = json.loads(json.dumps(handler(json.loads(json.dumps(effective)), None)))
        elif kind == "Map":
            items = get(state.get("ItemsPath", "$"), effective)
            processor = state.get("ItemProcessor") or state["Iterator"]
            result = []
            for item in items:
                out, n = run(processor, item, handlers)
                result.append(out)
                entered += n
        elif kind == "Parallel":
            result = []
            for branch in state["Branches"]:
                out, n = run(branch, effective, handlers)
                result.append(out)
                entered += n
        else:
            raise NotImplementedError(f"yardstick: {kind} states")
        data = put(state.get("ResultPath", "$"), data, result)
        if "OutputPath" in state:
            data = get(state["OutputPath"], data)
        if state.get("End"):
            return data, entered
        name = state["Next"]


def supports(definition: dict) -> str | None:
    """Why the yardstick cannot run `definition`, or None."""
    if definition.get("QueryLanguage") == "JSONata":
        return "JSONata is outside the yardstick's essentials"
    text = repr(definition)
    for call in re.findall(r"States\.(\w+)\(", text):
        if call != "MathAdd":
            return f"States.{call} is outside the yardstick's essentials"
    return None
