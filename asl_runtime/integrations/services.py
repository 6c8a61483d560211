"""What a Task calls: resolving the Resource ARN and dispatching to the right integration.

Dispatch order for a Task: a mocked response (MockConfigFile test case) first; then by resource
kind: a Lambda function (local handler, else boto3), an activity, an optimized integration
(`arn:aws:states:::SERVICE:ACTION[.pattern]`), the HTTP Task (`...:http:invoke`, http.py) or an
AWS SDK integration (`...:aws-sdk:...`).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Callable

from ..engine.clock import ExecutionAborted, ExecutionTimedOut, current_clock
from ..errors import DATA_LIMIT_EXCEEDED, HEARTBEAT_TIMEOUT, RUNTIME, TIMEOUT, ASLError
from ..query.io_jsonpath import to_json
from . import callbacks, local_lambda
from .resources import SYNC, SYNC2, WAIT_FOR_TASK_TOKEN, Resource, ResourceError, parse_resource

_TOKEN_PATTERNS = (WAIT_FOR_TASK_TOKEN, SYNC, SYNC2)


class Services:
    """The integrations available to executions: handlers, AWS clients, mocks, nested machines.

    `endpoint_url` (or the ASL_AWS_ENDPOINT_URL variable) sends every AWS call to that endpoint,
    `service_endpoints` ({boto3 service name: URL}) one service's; `allow_aws` (or ASL_ALLOW_AWS=1)
    lets calls reach AWS itself, which is refused by default.
    """

    def __init__(self, handlers: dict[str, Callable] | None = None, *, mocks=None, state_machines=None,
                 endpoint_url: str | None = None, connections=None, allow_aws: bool | None = None,
                 service_endpoints: dict | None = None):
        from .aws import Clients
        from .connections import Connections
        from .start_execution import StateMachines

        self.handlers = handlers or {}
        self.mocks = mocks  # mocks.MockedTestCase or None
        self.state_machines = state_machines if isinstance(state_machines, StateMachines) \
            else StateMachines(state_machines)
        self.aws = Clients(endpoint_url, allow_aws=allow_aws, service_endpoints=service_endpoints)
        self.executions: dict = {}  # nested executions started by states:startExecution, by ARN
        self.lock = threading.Lock()
        self.connections = Connections.load(connections)  # EventBridge connections of HTTP Tasks

    def derive(self, handlers=None, mocks=None, state_machines=None, connections=None,
               allow_aws=None) -> "Services":
        """A copy sharing clients and executions, with these run options added."""
        from .connections import Connections

        copy = object.__new__(Services)
        copy.__dict__.update(self.__dict__)
        if connections is not None:
            copy.connections = Connections.load(connections)
        if allow_aws is not None and bool(allow_aws) != self.aws.allow_aws:
            from .aws import Clients
            copy.aws = Clients(self.aws.endpoint_url, allow_aws=allow_aws,
                               service_endpoints=self.aws.service_endpoints)
        if handlers:
            copy.handlers = {**self.handlers, **handlers}
        if mocks is not None:
            copy.mocks = mocks
        if state_machines:
            from .start_execution import StateMachines
            copy.state_machines = StateMachines()
            copy.state_machines._by_key.update(self.state_machines._by_key)
            for key, value in state_machines.items():
                copy.state_machines.add(key, value)
        return copy

    def wake(self) -> None:
        """An execution was stopped: Tasks waiting on tokens look at their stop signal again."""
        callbacks.wake()

    # ------------------------------------------------------------------ dispatch
    def task_token(self, state) -> str | None:
        """A fresh token when the Task waits: for a callback (.waitForTaskToken), and for a job
        (.sync, .sync:2), whose context object carries a `Task.Token` too."""
        try:
            res = parse_resource(state.resource)
        except ResourceError:
            return None
        return callbacks.new_token() if res.pattern in _TOKEN_PATTERNS else None

    def invoke(self, frame, state, payload, timeout, heartbeat):
        mocked = self.mocks.response_for(frame, state) if self.mocks is not None else None
        try:
            res = parse_resource(state.resource)
        except ResourceError as exc:
            if mocked is None:
                raise ASLError(RUNTIME, f"The resource of state '{state.name}' cannot be run: {exc}.") from None
            # A mock stands in for any resource, even one asl-runtime cannot read.
            res = Resource(state.resource, "service", service="unknown", action=state.resource)
        if res.kind == "lambda":
            return self._lambda_function(frame, state, res, payload, timeout, mocked)
        if res.kind == "activity":
            return self._activity(frame, state, res, payload, timeout, heartbeat, mocked)
        action = None if mocked is not None else self._action(state, res)
        return self._service_task(frame, res, payload, timeout, heartbeat, action, mocked)

    def _action(self, state, res):
        """The callable(frame, res, parameters, timeout) serving an integration, or a clear error."""
        from . import optimized

        if res.kind == "sdk":
            if res.pattern not in ("", WAIT_FOR_TASK_TOKEN):
                raise self._unsupported(state, res, "AWS SDK integrations support request-response and "
                                                    ".waitForTaskToken only")
            return self._sdk_call
        if res.pattern and res.pattern not in optimized.PATTERNS.get(res.service, ()):
            raise self._unsupported(state, res, f"{res.service} does not support the .{res.pattern} pattern")
        if (res.service, res.action) == ("lambda", "invoke"):
            return self._lambda_invoke_call
        if (res.service, res.action) == ("http", "invoke"):
            from . import http
            return lambda frame, res, params, timeout: http.invoke(self, frame, params, timeout)
        if (res.service, res.action) == ("states", "startExecution"):
            from .start_execution import start_execution
            return lambda frame, res, params, timeout: start_execution(self, frame, res, params, timeout)
        fn = optimized.ACTIONS.get((res.service, res.action))
        if fn is None:
            raise self._unsupported(state, res, "asl-runtime serves lambda:invoke, dynamodb:getItem/putItem/"
                                                "updateItem/deleteItem, sqs:sendMessage, sns:publish, "
                                                "events:putEvents, states:startExecution, http:invoke and aws-sdk:*; "
                                                "mock other resources with a MockConfigFile")
        return lambda frame, res, params, timeout: fn(self, frame, _parameters(res, params))

    @staticmethod
    def _unsupported(state, res, why: str) -> ASLError:
        return ASLError(RUNTIME, f"The resource '{res.arn}' of state '{state.name}' is not supported: {why}.")

    # ------------------------------------------------------------------ service tasks
    def _service_task(self, frame, res, payload, timeout, heartbeat, action, mocked):
        """Run an integration with AWS's Task events; the callback pattern waits on the token."""
        labels = {"resourceType": res.resource_type, "resource": res.resource_label}
        details = {**labels, "region": frame.execution.config.region, "parameters": payload}
        if timeout:
            details["timeoutInSeconds"] = timeout
        if heartbeat:
            details["heartbeatInSeconds"] = heartbeat
        frame.event("TaskScheduled", "taskScheduledEventDetails", details)
        frame.event("TaskStarted", "taskStartedEventDetails", labels)
        try:
            if mocked is not None:
                result = mocked.deliver()
            elif res.pattern == WAIT_FOR_TASK_TOKEN:
                task = callbacks.open_task(frame.task_token, frame.clock, timeout, heartbeat,
                                           stop=frame.execution.stop_event)
                try:
                    submitted = action(frame, res, payload, timeout)
                except BaseException:
                    callbacks.close(task)
                    raise
                frame.event("TaskSubmitted", "taskSubmittedEventDetails", {**labels, "output": submitted})
                result = _waiting(frame, task)
            else:
                result = action(frame, res, payload, timeout)
            check_result_size(result, res.resource_type)
        except ASLError as err:
            if err.error != RUNTIME:
                kind = "TimedOut" if err.error in (TIMEOUT, HEARTBEAT_TIMEOUT) else "Failed"
                frame.event(f"Task{kind}", f"task{kind}EventDetails", {**labels, **_error_details(err)})
            raise
        frame.event("TaskSucceeded", "taskSucceededEventDetails", {**labels, "output": result})
        return result

    def _sdk_call(self, frame, res, params, timeout):
        """arn:aws:states:::aws-sdk:SERVICE:ACTION through the boto3 method of that name."""
        from . import aws

        client = self.aws.client(aws.sdk_client_name(res.service), frame.execution.config.region,
                                 state=frame.state.name)
        method, operation = aws.sdk_operation(client, res.action)
        if operation is None:
            raise ASLError(RUNTIME, f"The AWS SDK service '{res.service}' has no action '{res.action}' "
                                    f"(resource {res.arn}).")
        request = aws.sdk_request(operation.input_shape, _parameters(res, params))
        response = aws.call(client, method, request, lambda exc: aws.sdk_error(client, exc))
        return aws.sdk_result(operation.output_shape, response)

    # ------------------------------------------------------------------ activities
    def _activity(self, frame, state, res, payload, timeout, heartbeat, mocked):
        """An activity task: a worker takes it (get_activity_task, or a handler named after the
        activity) and answers its token with send_task_success/failure/heartbeat."""
        details = {"resource": res.arn, "input": payload}
        if timeout:
            details["timeoutInSeconds"] = timeout
        if heartbeat:
            details["heartbeatInSeconds"] = heartbeat
        frame.event("ActivityScheduled", "activityScheduledEventDetails", details)
        try:
            if mocked is not None:
                frame.event("ActivityStarted", "activityStartedEventDetails", {"workerName": "mock"})
                result = mocked.deliver()
            else:
                result = self._run_activity(frame, res, payload, timeout, heartbeat)
            check_result_size(result, res.name)
        except ASLError as err:
            kind = "TimedOut" if err.error in (TIMEOUT, HEARTBEAT_TIMEOUT) else "Failed"
            frame.event(f"Activity{kind}", f"activity{kind}EventDetails", _error_details(err))
            raise
        frame.event("ActivitySucceeded", "activitySucceededEventDetails", {"output": result})
        return result

    def _run_activity(self, frame, res, payload, timeout, heartbeat):
        token = callbacks.new_token()
        worker = self.handlers.get(res.name) or self.handlers.get(res.arn)
        task = callbacks.open_task(token, frame.clock, timeout, heartbeat,
                                   activity_arn=None if worker else res.arn, input=payload,
                                   stop=frame.execution.stop_event)

        def started(worker_name):
            frame.event("ActivityStarted", "activityStartedEventDetails", {"workerName": worker_name})

        if worker is not None:
            started(res.name)
            self._run_activity_worker(frame, worker, task, res, payload)
            return _waiting(frame, task)
        return _waiting(frame, task, on_started=started)

    @staticmethod
    def _run_activity_worker(frame, worker, task, res, payload):
        """An in-process worker: its return value answers the token unless it answered itself."""
        context = ActivityContext(task.token, res.arn)
        event = json.loads(json.dumps(payload))
        clock_token = current_clock.set(frame.clock)
        try:
            try:
                value = worker(event, context)
            except ASLError as exc:  # TaskFailed: the worker names the error and cause itself
                if task.outcome is None and not task.closed:
                    callbacks.send_task_failure(task.token, exc.error, exc.cause)
                return
            except Exception as exc:  # noqa: BLE001 - a worker's failure fails the activity task
                if task.outcome is None and not task.closed:
                    callbacks.send_task_failure(task.token, type(exc).__name__, str(exc))
                return
            if task.outcome is None and not task.closed:
                try:
                    callbacks.send_task_success(task.token, json.dumps(value) if isinstance(value, str) else value)
                except callbacks.InvalidOutput as exc:
                    callbacks.send_task_failure(task.token, "InvalidOutput", str(exc))
        finally:
            current_clock.reset(clock_token)

    # ------------------------------------------------------------------ Lambda
    def _call_handler(self, frame, function, payload, timeout):
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
        handler = local_lambda.find_handler(self.handlers, name, state.name if state is not None else None)
        if handler is None:
            if self.aws.emulated():
                return self._invoke_remote(frame, function, payload)
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
            if deadline is not None and clock.now > deadline and (clock.deadline is None or deadline <= clock.deadline):
                clock.now = deadline
                raise ASLError(TIMEOUT, "")
            if clock.deadline is not None and clock.now > clock.deadline:
                clock.now = clock.deadline  # the machine's TimeoutSeconds passed while the handler ran
                raise ExecutionTimedOut()
            return body, function_error, request_id
        outcome = {}

        def target():
            token = current_clock.set(clock)
            try:
                outcome["value"] = local_lambda.invoke_handler(handler, event, context)
            except ASLError as exc:  # TaskFailed: the handler names the Task's error itself
                outcome["error"] = exc
            finally:
                current_clock.reset(token)

        worker = threading.Thread(target=target, daemon=True)
        worker.start()
        # Wait for the Task's timeout or the machine's deadline, whichever comes first, or a stop.
        machine_left = None if clock.deadline is None else max(0.0, clock.deadline - clock.now)
        waits = [w for w in (timeout, machine_left) if w is not None]
        _join(worker, min(waits) if waits else None, frame.execution.stop_event)
        if worker.is_alive():
            if machine_left is not None and (timeout is None or machine_left < timeout):
                raise ExecutionTimedOut()
            raise ASLError(TIMEOUT, "")
        if "error" in outcome:
            raise outcome["error"]
        body, function_error = outcome["value"]
        return body, function_error, request_id

    def _invoke_remote(self, frame, function, payload):
        """Invoke a function that has no local handler through boto3 (moto in tests)."""
        from . import aws

        parts = function.split(":")
        region = parts[3] if function.startswith("arn:") and len(parts) > 3 and parts[3] else \
            frame.execution.config.region
        client = self.aws.client("lambda", region, state=frame.state.name)
        response = aws.call(client, "invoke", {"FunctionName": function, "Payload": json.dumps(payload).encode()},
                            lambda exc: aws.optimized_error("lambda", client, exc))
        body = response["Payload"].read() if hasattr(response.get("Payload"), "read") else \
            (response.get("Payload") or b"")
        request_id = response.get("ResponseMetadata", {}).get("RequestId") or str(uuid.uuid4())
        return body, response.get("FunctionError"), request_id

    def _lambda_function(self, frame, state, res, payload, timeout, mocked=None):
        """A bare Lambda ARN: the result is the function's payload itself."""
        resource = res.arn
        details = {"resource": resource, "input": payload}
        if timeout:
            details["timeoutInSeconds"] = timeout
        frame.event("LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails", details)
        frame.event("LambdaFunctionStarted")
        try:
            if mocked is not None:
                result = mocked.deliver()
                check_result_size(result, resource)
            else:
                body, function_error, _ = self._call_handler(frame, resource, payload, timeout)
                if function_error:
                    raise _function_error(body, compact=False)
                result = local_lambda.decode_payload(body)
                check_result_size(result, resource)
        except ASLError as err:
            kind = "TimedOut" if err.error == TIMEOUT else "Failed"
            frame.event(f"LambdaFunction{kind}", f"lambdaFunction{kind}EventDetails", _error_details(err))
            raise
        frame.event("LambdaFunctionSucceeded", "lambdaFunctionSucceededEventDetails", {"output": result})
        return result

    def _lambda_invoke_call(self, frame, res, payload, timeout):
        """arn:aws:states:::lambda:invoke: the result is Lambda's Invoke response."""
        if not isinstance(payload, dict) or "FunctionName" not in payload:
            raise ASLError(RUNTIME, "The field 'FunctionName' is required by lambda:invoke")
        body, function_error, request_id = self._call_handler(
            frame, str(payload["FunctionName"]), invoke_event(payload.get("Payload")), timeout)
        if function_error:
            raise _function_error(body)
        return invoke_response(body, request_id, log_tail=payload.get("LogType") == "Tail")


def _join(worker: threading.Thread, limit: float | None, stop: threading.Event) -> None:
    """Wait for a handler thread up to `limit` seconds; a stopped execution stops waiting."""
    end = None if limit is None else time.monotonic() + limit
    while worker.is_alive():
        if stop.is_set():
            raise ExecutionAborted()
        left = None if end is None else end - time.monotonic()
        if left is not None and left <= 0:
            return
        worker.join(0.05 if left is None else min(0.05, left))


def _waiting(frame, task, on_started=None):
    """Wait on a token with the execution's store told the token is out, then answered."""
    store = frame.execution.persistence
    if store is None:
        return callbacks.wait(task, on_started)
    store.token_issued(task.token, frame)
    try:
        return callbacks.wait(task, on_started)
    finally:
        store.token_closed(task.token)


class ActivityContext:
    """What an in-process activity worker receives besides the input: its task token."""

    def __init__(self, task_token: str, activity_arn: str):
        self.task_token = task_token
        self.activity_arn = activity_arn


def _parameters(res, params):
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise ASLError(RUNTIME, f"The parameters of {res.service}:{res.action} must be a JSON object")
    return params


def check_result_size(result, label: str) -> None:
    """A service result over 256 KiB fails the Task (catchable, unlike an oversized state output)."""
    from ..engine.payload import payload_too_large
    if payload_too_large(result):
        raise ASLError(DATA_LIMIT_EXCEEDED, f"The state/task '{label}' returned a result with a size "
                                            f"exceeding the maximum number of bytes service limit.")


def _error_details(err: ASLError) -> dict:
    """error and cause of a *Failed/*TimedOut event; AWS records a timeout's empty cause as none."""
    return {k: v for k, v in (("error", err.error), ("cause", err.cause)) if v is not None and v != ""}


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
