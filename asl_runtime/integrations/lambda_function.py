"""Lambda: a Task whose Resource is a function ARN, and the optimized lambda:invoke integration.

A function with a local handler (by function name or state name) runs in-process with Lambda's
semantics and the Task's timeout; otherwise it is invoked through boto3 when AWS is emulated.
A function ARN's result is the function's payload; lambda:invoke's is Lambda's Invoke response.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime, timezone
from email.utils import format_datetime

from ..errors import RUNTIME, ASLError
from ..query.io_jsonpath import to_json
from . import aws, local_lambda
from .handler_run import remaining_ms, run_handler
from .registry import LAMBDA_FUNCTION, ANY_ACTION, Integration, with_callback
from .task_events import LambdaFunctionEvents


def register(registry) -> None:
    registry.register(LAMBDA_FUNCTION, ANY_ACTION, Integration("a Lambda function ARN", function_arn,
                                                              LambdaFunctionEvents))
    registry.register("lambda", "invoke", Integration("lambda:invoke", with_callback(lambda_invoke),
                                                      patterns=("waitForTaskToken",)))


def function_arn(services, frame, res, payload, events):
    """A bare Lambda ARN: the result is the function's payload itself."""
    body, function_error, _ = call_function(services, frame, res.arn, payload, events.timeout)
    if function_error:
        raise _function_error(body, compact=False)
    return local_lambda.decode_payload(body)


def lambda_invoke(services, frame, res, payload, events):
    """arn:aws:states:::lambda:invoke: the result is Lambda's Invoke response."""
    if not isinstance(payload, dict) or "FunctionName" not in payload:
        raise ASLError(RUNTIME, "The field 'FunctionName' is required by lambda:invoke")
    body, function_error, request_id = call_function(
        services, frame, str(payload["FunctionName"]), invoke_event(payload.get("Payload")), events.timeout)
    if function_error:
        raise _function_error(body)
    return invoke_response(body, request_id, log_tail=payload.get("LogType") == "Tail")


def call_function(services, frame, function, payload, timeout):
    """Run the function for `function` with Lambda's semantics and the Task's timeout.

    A registered local handler runs in-process; otherwise the function is invoked through boto3
    when AWS is emulated (moto running, or an endpoint URL configured).
    Returns (payload bytes, function error or None, request id); raises States.Timeout.
    """
    name, _qualifier = local_lambda.function_name_of(function)
    config = frame.execution.config
    arn = function if function.startswith("arn:") else \
        f"arn:{config.partition}:lambda:{config.region}:{config.account_id}:function:{name}"
    state = frame.state
    handler = local_lambda.find_handler(services.handlers, name, state.name if state is not None else None)
    if handler is None:
        if services.aws.emulated():
            return _invoke_remote(services, frame, function, payload)
        raise local_lambda.not_found(arn.split(":$LATEST")[0] if ":function:" in arn else arn)
    request_id = str(uuid.uuid4())
    event = json.loads(json.dumps(payload))  # the handler gets its own copy, as over the wire
    context = local_lambda.LambdaContext(name, arn, request_id, remaining_ms(frame, timeout))
    body, function_error = run_handler(frame, timeout, lambda: local_lambda.invoke_handler(handler, event, context))
    return body, function_error, request_id


def _invoke_remote(services, frame, function, payload):
    """Invoke a function that has no local handler through boto3 (moto in tests)."""
    parts = function.split(":")
    region = parts[3] if function.startswith("arn:") and len(parts) > 3 and parts[3] else \
        frame.execution.config.region
    client = services.aws.client("lambda", region, state=frame.state.name)
    response = aws.call(client, "invoke", {"FunctionName": function, "Payload": json.dumps(payload).encode()},
                        lambda exc: aws.optimized_error("lambda", client, exc))
    body = response["Payload"].read() if hasattr(response.get("Payload"), "read") else \
        (response.get("Payload") or b"")
    request_id = response.get("ResponseMetadata", {}).get("RequestId") or str(uuid.uuid4())
    return body, response.get("FunctionError"), request_id


def _function_error(body: bytes, compact: bool = True) -> ASLError:
    """An unhandled function error: error = errorType, cause = the error document as JSON text.

    A bare Lambda ARN passes the payload text through; lambda:invoke re-encodes it compactly.
    """
    doc = local_lambda.decode_payload(body)
    error = doc.get("errorType", "Exception") if isinstance(doc, dict) else "Exception"
    if compact and isinstance(doc, dict):
        cause = to_json(doc)
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
