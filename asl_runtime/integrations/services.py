"""What a Task calls: resolving the Resource ARN and dispatching to the right integration."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Callable

from ..engine.clock import current_clock
from ..errors import DATA_LIMIT_EXCEEDED, RUNTIME, TIMEOUT, ASLError
from . import local_lambda


class Services:
    """The integrations available to one execution (handlers now; AWS services and mocks later)."""

    def __init__(self, handlers: dict[str, Callable] | None = None):
        self.handlers = handlers or {}

    # ------------------------------------------------------------------ dispatch
    def invoke(self, frame, state, payload, timeout, heartbeat):
        resource = state.resource
        if resource.startswith("arn:") and ":lambda:" in resource and ":function:" in resource:
            return self._lambda_function(frame, state, resource, payload, timeout)
        if resource.startswith("arn:") and ":states:::lambda:invoke" in resource:
            return self._lambda_invoke(frame, state, resource, payload, timeout)
        raise ASLError(RUNTIME, f"The resource '{resource}' of state '{state.name}' is not supported by "
                                f"asl-runtime: use a Lambda function ARN or arn:aws:states:::lambda:invoke "
                                f"with a handler registered under the function's name.")

    # ------------------------------------------------------------------ Lambda
    def _call_handler(self, frame, function, payload, timeout):
        """Run the handler for `function` with Lambda's semantics and the Task's timeout.

        Returns (payload bytes, function error or None, request id); raises States.Timeout.
        """
        name, _qualifier = local_lambda.function_name_of(function)
        config = frame.execution.config
        arn = function if function.startswith("arn:") else \
            f"arn:{config.partition}:lambda:{config.region}:{config.account_id}:function:{name}"
        handler = self.handlers.get(name)
        if handler is None:
            raise local_lambda.not_found(arn.split(":$LATEST")[0] if ":function:" in arn else arn)
        request_id = str(uuid.uuid4())
        event = json.loads(json.dumps(payload))  # the handler gets its own copy, as over the wire
        clock = frame.clock
        start = clock.now
        deadline = start + timeout if timeout else None

        def remaining_ms():
            return int(max(0.0, (deadline - clock.now) if deadline else 900.0) * 1000)

        context = local_lambda.LambdaContext(name, arn, request_id, remaining_ms)
        if clock.virtual:
            token = current_clock.set(clock)
            try:
                body, function_error = local_lambda.invoke_handler(handler, event, context)
            finally:
                current_clock.reset(token)
            if deadline is not None and clock.now > deadline:
                clock.now = deadline
                raise ASLError(TIMEOUT, "")
            return body, function_error, request_id
        outcome = {}

        def target():
            token = current_clock.set(clock)
            try:
                outcome["value"] = local_lambda.invoke_handler(handler, event, context)
            finally:
                current_clock.reset(token)

        worker = threading.Thread(target=target, daemon=True)
        worker.start()
        worker.join(timeout)
        if worker.is_alive():
            raise ASLError(TIMEOUT, "")
        body, function_error = outcome["value"]
        return body, function_error, request_id

    def _lambda_function(self, frame, state, resource, payload, timeout):
        """A bare Lambda ARN: the result is the function's payload itself."""
        details = {"resource": resource, "input": payload}
        if timeout:
            details["timeoutInSeconds"] = timeout
        frame.event("LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails", details)
        frame.event("LambdaFunctionStarted")
        try:
            body, function_error, _ = self._call_handler(frame, resource, payload, timeout)
        except ASLError as err:
            kind = "TimedOut" if err.error == TIMEOUT else "Failed"
            frame.event(f"LambdaFunction{kind}", f"lambdaFunction{kind}EventDetails", _error_details(err))
            raise
        if function_error:
            err = _function_error(body, compact=False)
            frame.event("LambdaFunctionFailed", "lambdaFunctionFailedEventDetails", _error_details(err))
            raise err
        result = local_lambda.decode_payload(body)
        check_result_size(result, resource)
        frame.event("LambdaFunctionSucceeded", "lambdaFunctionSucceededEventDetails", {"output": result})
        return result

    def _lambda_invoke(self, frame, state, resource, payload, timeout):
        """arn:aws:states:::lambda:invoke: the result is Lambda's Invoke response."""
        region = frame.execution.config.region
        details = {"resourceType": "lambda", "resource": "invoke", "region": region, "parameters": payload}
        if timeout:
            details["timeoutInSeconds"] = timeout
        frame.event("TaskScheduled", "taskScheduledEventDetails", details)
        frame.event("TaskStarted", "taskStartedEventDetails", {"resourceType": "lambda", "resource": "invoke"})
        if not isinstance(payload, dict) or "FunctionName" not in payload:
            err = ASLError("States.Runtime", "The field 'FunctionName' is required by lambda:invoke")
            raise err
        try:
            body, function_error, request_id = self._call_handler(
                frame, str(payload["FunctionName"]), invoke_event(payload.get("Payload")), timeout)
        except ASLError as err:
            kind = "TimedOut" if err.error == TIMEOUT else "Failed"
            frame.event(f"Task{kind}", f"task{kind}EventDetails",
                        {"resourceType": "lambda", "resource": "invoke", **_error_details(err)})
            raise
        if function_error:
            err = _function_error(body)
            frame.event("TaskFailed", "taskFailedEventDetails",
                        {"resourceType": "lambda", "resource": "invoke", **_error_details(err)})
            raise err
        result = invoke_response(body, request_id, log_tail=payload.get("LogType") == "Tail")
        try:
            check_result_size(result, "lambda")
        except ASLError as err:
            frame.event("TaskFailed", "taskFailedEventDetails",
                        {"resourceType": "lambda", "resource": "invoke", **_error_details(err)})
            raise
        frame.event("TaskSucceeded", "taskSucceededEventDetails",
                    {"resourceType": "lambda", "resource": "invoke", "output": result})
        return result


def check_result_size(result, label: str) -> None:
    """A service result over 256 KiB fails the Task (catchable, unlike an oversized state output)."""
    from ..engine.execution import payload_too_large
    if payload_too_large(result):
        raise ASLError(DATA_LIMIT_EXCEEDED, f"The state/task '{label}' returned a result with a size "
                                            f"exceeding the maximum number of bytes service limit.")


def _error_details(err: ASLError) -> dict:
    return {k: v for k, v in (("error", err.error), ("cause", err.cause)) if v is not None}


def _function_error(body: bytes, compact: bool = True) -> ASLError:
    """An unhandled function error: error = errorType, cause = the error document as JSON text.

    A bare Lambda ARN passes the payload text through; lambda:invoke re-encodes it compactly.
    """
    doc = local_lambda.decode_payload(body)
    error = doc.get("errorType", "Exception") if isinstance(doc, dict) else "Exception"
    if compact and isinstance(doc, dict):
        cause = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    else:
        cause = body.decode("utf-8", "replace")
    return ASLError(error, cause)


def invoke_event(payload):
    """The event a function receives from lambda:invoke's Payload.

    A string Payload is sent as the request body itself (so "0" arrives as the number 0), and
    no Payload is an empty body, which the Python runtime hands over as {}.
    """
    if payload is None:
        return {}
    if isinstance(payload, str):
        try:
            return json.loads(payload) if payload.strip() else {}
        except ValueError:
            return payload
    return payload


def invoke_response(body: bytes, request_id: str, log_tail: bool = False) -> dict:
    """The Invoke response Step Functions returns for lambda:invoke, headers included."""
    date = format_datetime(datetime.now(timezone.utc), usegmt=True)
    trace = f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]};Sampled=0;Lineage=1:{uuid.uuid4().hex[:8]}:0"
    headers = {
        "Connection": "keep-alive", "Content-Length": str(len(body)), "Content-Type": "application/json",
        "Date": date, "X-Amz-Executed-Version": "$LATEST", "x-amzn-Remapped-Content-Length": "0",
        "x-amzn-RequestId": request_id, "X-Amzn-Trace-Id": trace,
    }
    response = {"ExecutedVersion": "$LATEST"}
    if log_tail:
        import base64
        log = (f"START RequestId: {request_id} Version: $LATEST\nEND RequestId: {request_id}\n"
               f"REPORT RequestId: {request_id}\tDuration: 1.00 ms\tBilled Duration: 1 ms\t"
               f"Memory Size: 128 MB\tMax Memory Used: 40 MB\t\n")
        response["LogResult"] = headers["X-Amz-Log-Result"] = base64.b64encode(log.encode()).decode()
    return {
        **response,
        "Payload": local_lambda.decode_payload(body),
        "SdkHttpMetadata": {"AllHttpHeaders": {k: [v] for k, v in headers.items()}, "HttpHeaders": headers,
                            "HttpStatusCode": 200},
        "SdkResponseMetadata": {"RequestId": request_id},
        "StatusCode": 200,
    }
