"""TestState: run one state on its own, as the Step Functions console's "Test state" does.

The state runs inside a small machine built around it: every transition it can take (Next, each
Choice rule, Default, each Catcher) leads to its own Succeed stub, so the stub entered says which
way it went (`nextState`) and the stub's input is the state's output.  Retriers are not run: as
in AWS, an error a Retrier still covers (given `stateConfiguration.retrierRetryCount`) ends the
test RETRIABLE with the back-off the next attempt would wait.  `mock` replaces a Task's call;
`variables` are assigned before the state runs; DEBUG/TRACE add the data after each I/O step.
"""

from __future__ import annotations

import json

from ..api import StateMachine
from ..errors import DefinitionError
from .errors import ServiceError

STUB = "\u2192"  # stub state names start with an arrow, which no sane definition uses
JSONATA = "JSONata"
_TIMEOUT, _HEARTBEAT, _TASK_FAILED, _ALL, _RUNTIME = ("States.Timeout", "States.HeartbeatTimeout",
                                                        "States.TaskFailed", "States.ALL", "States.Runtime")
_FAILURE_EVENTS = ("Failed", "TimedOut")


def _loads(text, what: str, code: str = "InvalidExecutionInput"):
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ServiceError(code, f"Invalid {what}: '{exc}'") from None


def test_state(req: dict, run_options: dict) -> dict:
    document = _loads(req["definition"], "State Machine Definition", "InvalidDefinition")
    if not isinstance(document, dict):
        raise ServiceError("InvalidDefinition", "Invalid State Machine Definition: 'the definition must be an object'")
    language = document.get("QueryLanguage", "JSONPath")
    if "States" in document:
        name = req.get("stateName") or document.get("StartAt")
        if name not in (document.get("States") or {}):
            raise ServiceError("ValidationException", f"State '{name}' is not in the definition's States")
        state = document["States"][name]
    else:
        name, state = req.get("stateName") or "TestState", document
    if not isinstance(state, dict):
        raise ServiceError("InvalidDefinition", f"Invalid State Machine Definition: 'state {name} is not an object'")
    language = state.get("QueryLanguage", language)
    state_input = _loads(req["input"], "input") if req.get("input") is not None else {}
    variables = _loads(req["variables"], "variables") if req.get("variables") else {}
    if not isinstance(variables, dict):
        raise ServiceError("ValidationException", "variables must be a JSON object")
    context = _loads(req["context"], "context") if req.get("context") else {}
    config = req.get("stateConfiguration") or {}
    mock = req.get("mock")
    if mock and state.get("Type") != "Task":
        raise ServiceError("ValidationException", f"A mock replaces a Task's call; state {name} is a {state.get('Type')}")

    machine, routes = _harness(name, state, document, language, variables)
    try:
        compiled = StateMachine.from_json(machine, name="TestState")
    except DefinitionError as exc:
        problems = ", ".join(f"{p.message} at {p.path}" for p in exc.errors)
        raise ServiceError("InvalidDefinition", f"Invalid State Machine Definition: '{problems}'") from None
    options = dict(run_options, clock="virtual", state_machine_name="TestState")
    execution = context.get("Execution") or {}
    if isinstance(execution, dict) and isinstance(execution.get("Name"), str):
        options["execution_name"] = execution["Name"]
    if mock:
        options["mock_config"] = _mock_config(name, mock)
        options["test_case"] = "TestState"
    result = compiled.run(state_input, **options)
    return _outcome(req, name, state, language, state_input, variables, routes, result, config, mock)


def _harness(name, state, document, language, variables):
    """(a machine running `state` once, {stub name: (kind, index, target)})."""
    state = {k: v for k, v in state.items() if k != "Retry"}
    routes: dict[str, tuple] = {}

    def stub(kind, index, target):
        stub_name = f"{STUB}{kind}{'' if index is None else index}"
        routes[stub_name] = (kind, index, target)
        return stub_name

    if "Next" in state:
        state["Next"] = stub("Next", None, state["Next"])
    if state.get("Type") == "Choice":
        state["Choices"] = [dict(rule, Next=stub("Choice", i, rule.get("Next")))
                            for i, rule in enumerate(state.get("Choices") or [])]
        if "Default" in state:
            state["Default"] = stub("Default", None, state["Default"])
    if "Catch" in state:
        state["Catch"] = [dict(c, Next=stub("Catch", i, c.get("Next"))) for i, c in enumerate(state["Catch"])]
    states = {name: state, **{s: {"Type": "Succeed"} for s in routes}}
    start = name
    if variables:
        start = f"{STUB}Variables"
        if language == JSONATA:
            assign = {k: "{% " + json.dumps(v) + " %}" for k, v in variables.items()}
        else:
            assign = variables  # literal values in a JSONPath Assign
        states[start] = {"Type": "Pass", "Assign": assign, "Next": name}
    machine = {"StartAt": start, "States": states}
    if document.get("QueryLanguage"):
        machine["QueryLanguage"] = document["QueryLanguage"]
    return machine, routes


def _mock_config(name, mock) -> dict:
    if "result" in mock and "errorOutput" in mock:
        raise ServiceError("ValidationException", "A mock has either result or errorOutput, not both")
    if "result" in mock:
        response = {"Return": _loads(mock["result"], "mock result")}
    elif "errorOutput" in mock:
        error = mock["errorOutput"]
        response = {"Throw": {"Error": error.get("error", ""), "Cause": error.get("cause", "")}}
    else:
        raise ServiceError("ValidationException", "A mock needs result or errorOutput")
    return {"StateMachines": {"TestState": {"TestCases": {"TestState": {name: "Mocked"}}}},
            "MockedResponses": {"Mocked": {"0": response}}}


def _error_matches(error_equals, error) -> bool:
    """AWS's matching rules for Retry and Catch, including the wildcard names."""
    if error == _RUNTIME:
        return False
    return any(n == error or n == _ALL or (n == _TASK_FAILED and error not in (_TIMEOUT, _HEARTBEAT))
               or (n == _TIMEOUT and error == _HEARTBEAT) for n in error_equals)


def _outcome(req, name, state, language, state_input, variables, routes, result, config, mock) -> dict:
    history = result.history
    entered = [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]
    route = routes.get(entered[-1]) if entered else None
    stub_input = None
    if route is not None:
        stub_input = json.loads(next(e for e in reversed(history) if "stateEnteredEventDetails" in e)
                                ["stateEnteredEventDetails"]["input"])
    error, cause = _error(history, result, route)
    out: dict = {}
    retry = _retriable(state.get("Retry") or [], error, config.get("retrierRetryCount") or 0) if error else None
    error_details = {}
    if retry is not None:
        out.update(status="RETRIABLE", error=error, cause=cause or "")
        error_details = {"retryIndex": retry[0], "retryBackoffIntervalSeconds": retry[1]}
    elif route is not None and route[0] == "Catch":
        out.update(status="CAUGHT_ERROR", nextState=route[2], output=_json(stub_input), error=error, cause=cause or "")
        error_details = {"catchIndex": route[1]}
    elif result.status != "SUCCEEDED":
        out.update(status="FAILED", error=result.error or "", cause=result.cause or "")
    else:
        out["status"] = "SUCCEEDED"
        out["output"] = _json(stub_input if route is not None else result.output)
        if route is not None:
            out["nextState"] = route[2]
    level = req.get("inspectionLevel") or "INFO"
    if level in ("DEBUG", "TRACE"):
        data = _inspection(state, language, state_input, variables, history, mock)
        if error_details:
            data["errorDetails"] = error_details
        out["inspectionData"] = data
    return out


def _error(history, result, route):
    if route is None or route[0] != "Catch":
        return (result.error, result.cause) if result.status != "SUCCEEDED" else (None, None)
    for event in reversed(history):
        for key, details in event.items():
            if key.endswith("EventDetails") and isinstance(details, dict) and "error" in details \
                    and event["type"].endswith(_FAILURE_EVENTS):
                return details.get("error"), details.get("cause")
    return None, None


def _retriable(retriers, error, retries_done):
    """(retrier index, back-off seconds) when a Retrier still covers `error`, else None."""
    for index, retrier in enumerate(retriers):
        if _error_matches(retrier.get("ErrorEquals") or [], error):
            if retries_done >= retrier.get("MaxAttempts", 3):
                return None
            delay = retrier.get("IntervalSeconds", 1) * retrier.get("BackoffRate", 2.0) ** retries_done
            if retrier.get("MaxDelaySeconds") is not None:
                delay = min(delay, retrier["MaxDelaySeconds"])
            return index, int(delay)
    return None


def _inspection(state, language, state_input, variables, history, mock) -> dict:
    """What the state's input and output processing produced, step by step."""
    data = {"input": _json(state_input)}
    parameters = next((e[k]["parameters"] for e in history for k in e
                       if k.endswith("ScheduledEventDetails") and isinstance(e[k], dict) and "parameters" in e[k]), None)
    if parameters is None:
        parameters = next((e[k]["input"] for e in history for k in e
                           if k.endswith("ScheduledEventDetails") and isinstance(e[k], dict) and "input" in e[k]), None)
    result = next((e[k].get("output") for e in history for k in e if k.endswith("SucceededEventDetails")
                   and e["type"] not in ("ExecutionSucceeded",) and isinstance(e[k], dict)), None)
    if result is None and mock and "result" in mock:
        result = mock["result"]
    exited = next((e["stateExitedEventDetails"] for e in history
                   if "stateExitedEventDetails" in e and not e["stateExitedEventDetails"]["name"].startswith(STUB)), None)
    if language == JSONATA:
        if parameters is not None:
            data["afterArguments"] = parameters
    else:
        data["afterInputPath"] = _json(_evaluate({"InputPath": state.get("InputPath", "$")}, state_input, variables))
        if parameters is not None:
            data["afterParameters"] = parameters
        elif "Parameters" in state:
            data["afterParameters"] = _json(_evaluate({"InputPath": state.get("InputPath", "$"),
                                                       "Parameters": state["Parameters"]}, state_input, variables))
    if result is not None:
        data["result"] = result
        if language != JSONATA:
            selected = json.loads(result)
            if "ResultSelector" in state:
                selected = _evaluate({"Parameters": state["ResultSelector"]}, selected, variables)
                data["afterResultSelector"] = _json(selected)
            data["afterResultPath"] = _json(_evaluate({"Result": selected, "ResultPath": state.get("ResultPath", "$")},
                                                      state_input, variables))
    if exited is not None:
        assigned = {k: json.loads(v) for k, v in (exited.get("assignedVariables") or {}).items()}
        data["variables"] = _json({**variables, **assigned})
    elif variables:
        data["variables"] = _json(variables)
    return data


def _evaluate(fields: dict, value, variables):
    """The output of a Pass state with `fields` on `value` (with the variables in scope)."""

    states = {"Eval": {"Type": "Pass", **fields, "End": True}}
    start = "Eval"
    if variables:
        states["Vars"] = {"Type": "Pass", "Assign": variables, "Next": "Eval"}
        start = "Vars"
    run = StateMachine.from_json({"StartAt": start, "States": states}).run(value)
    return run.output if run.status == "SUCCEEDED" else None


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
