"""An execution as OpenTelemetry spans: execution -> state -> attempt, iterations and branches nested.

`SpanRecorder` takes history events with their scope, one at a time: as an observer of a running
execution (then the attempt span is the current span while the Task's handler runs, so spans the
handler starts nest under it) or afterwards, from a view model's events (so a history recorded
on AWS becomes a trace too). Span times are the events' (simulated under the virtual clock).
Attribute names follow AWS's: the state's name and type, the execution ARN, the error and cause.
"""

from __future__ import annotations

import os
import threading

_ATTEMPT_START = {"TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled"}
_ATTEMPT_OK = {"TaskSucceeded", "LambdaFunctionSucceeded", "ActivitySucceeded"}
_ATTEMPT_FAILED = {"TaskFailed", "TaskTimedOut", "TaskStartFailed", "TaskSubmitFailed", "LambdaFunctionFailed",
                   "LambdaFunctionTimedOut", "LambdaFunctionScheduleFailed", "LambdaFunctionStartFailed",
                   "ActivityFailed", "ActivityTimedOut", "ActivityScheduleFailed"}
_ITERATION_END = {"MapIterationSucceeded": None, "MapIterationFailed": "FAILED", "MapIterationAborted": "ABORTED"}
_END = {"ExecutionSucceeded": None, "ExecutionFailed": "FAILED", "ExecutionAborted": "ABORTED",
        "ExecutionTimedOut": "TIMED_OUT"}
PREFIX = "aws.stepfunctions."


def _ns(timestamp) -> int | None:
    return None if timestamp is None else int(timestamp * 1_000_000_000)


class SpanRecorder:
    """Events in, spans out; thread-safe (Map iterations and branches may run on threads)."""

    def __init__(self, tracer_provider=None, execution_arn: str | None = None, attach: bool = True):
        from opentelemetry import trace

        provider = tracer_provider or trace.get_tracer_provider()
        self.tracer = provider.get_tracer("asl_runtime")
        self.execution_arn = execution_arn
        self.attach = attach
        self._lock = threading.Lock()
        self._root = None
        self._states: dict = {}      # (scope, name) -> open state span
        self._scopes: dict = {}      # scope -> iteration / branch span
        self._attempts: dict = {}    # (scope, name) -> (span, context token or None, thread id)
        self._counts: dict = {}      # (scope, name) -> attempts so far
        self._failed: dict = {}      # (scope, name) -> error of its last attempt, while it failed

    # ----------------------------------------------------------------- intake
    def __call__(self, event) -> None:
        """Observer entry: the engine's Event (engine/events.py) or the views' model Event."""
        if self.execution_arn is None and getattr(event, "execution_arn", None):
            self.execution_arn = event.execution_arn
        self.record(event.type, event.details or {}, event.timestamp, tuple(event.scope or ()))

    def record(self, type_: str, details: dict, timestamp, scope: tuple) -> None:
        with self._lock:
            self._record(type_, details, timestamp, scope)

    def _record(self, t, d, ts, scope) -> None:
        from opentelemetry import trace
        from opentelemetry.trace import Status, StatusCode

        if t == "ExecutionStarted":
            name = (self.execution_arn or "execution").split(":")[-1] if self.execution_arn else "execution"
            self._root = self.tracer.start_span(name, start_time=_ns(ts), attributes=_clean({
                PREFIX + "execution.arn": self.execution_arn, PREFIX + "role_arn": d.get("roleArn")}))
            return
        if self._root is None:
            self._root = self.tracer.start_span("execution", start_time=_ns(ts))
        if t in _END:
            for key in list(self._attempts):
                self._end_attempt(key, ts, "ABORTED", None, None)
            # What is still open ended with the execution: the state it failed in, or stopped.
            why = _describe(d.get("error"), d.get("cause")) if t == "ExecutionFailed" else "aborted"
            for span in list(self._states.values()) + list(self._scopes.values()):
                span.set_status(Status(StatusCode.ERROR, why))
                span.end(end_time=_ns(ts))
            self._states.clear()
            self._scopes.clear()
            if _END[t] is None:
                self._root.set_status(Status(StatusCode.OK))
            else:
                self._root.set_attribute(PREFIX + "status", _END[t])
                if d.get("error"):
                    self._root.set_attribute(PREFIX + "error", str(d["error"]))
                self._root.set_status(Status(StatusCode.ERROR, _describe(d.get("error") or _END[t], d.get("cause"))))
            self._root.end(end_time=_ns(ts))
            return
        if t.endswith("StateEntered"):
            name = d.get("name")
            parent = self._parent(scope, ts)
            attributes = {PREFIX + "state.name": name, PREFIX + "state.type": t[:-len("StateEntered")],
                          PREFIX + "state.qualified_name": _qualified(scope, name)}
            self._counts.pop((scope, name), None)
            self._states[(scope, name)] = self.tracer.start_span(
                str(name), context=trace.set_span_in_context(parent), start_time=_ns(ts), attributes=_clean(attributes))
            return
        if t == "MapIterationStarted":
            self._parent(scope, ts)
            return
        if t in _ITERATION_END:
            span = self._scopes.pop(scope, None)
            if span is not None:
                if _ITERATION_END[t]:
                    span.set_status(Status(StatusCode.ERROR, _ITERATION_END[t].lower()))
                span.end(end_time=_ns(ts))
            return
        if t in _ATTEMPT_START:
            key = self._owner(scope, d)
            state = self._states.get(key)
            if state is None:
                return
            number = self._counts.get(key, 0) + 1
            self._counts[key] = number
            span = self.tracer.start_span(f"{key[1]} attempt {number}", context=trace.set_span_in_context(state),
                                          start_time=_ns(ts), attributes=_clean({
                                              PREFIX + "state.name": key[1], PREFIX + "attempt": number,
                                              PREFIX + "resource": d.get("resource"),
                                              PREFIX + "resource_type": d.get("resourceType")}))
            token = None
            if self.attach:
                from opentelemetry import context
                token = context.attach(trace.set_span_in_context(span))
            self._attempts[key] = (span, token, threading.get_ident())
            return
        if t in _ATTEMPT_OK or t in _ATTEMPT_FAILED:
            key = self._owner(scope, d, attempts=True)
            if key is not None:
                failed = t in _ATTEMPT_FAILED
                error = d.get("error") or ("States.Timeout" if t.endswith("TimedOut") else None)
                self._end_attempt(key, ts, "FAILED" if failed else None, error, d.get("cause"))
            return
        if t.endswith("StateExited") or t.endswith("StateAborted") or t == "StateFailed":
            key = (scope, d.get("name"))
            if key not in self._states:
                key = self._owner(scope, d)
            self._close_branches(key, ts)
            span = self._states.pop(key, None)
            if span is None:
                return
            caught = self._failed.pop(key, None)
            if caught is not None and t.endswith("StateExited"):
                span.set_attribute(PREFIX + "caught.error", str(caught))
            if t.endswith("StateAborted"):
                span.set_status(Status(StatusCode.ERROR, "aborted"))
            elif t == "StateFailed":
                span.set_attribute(PREFIX + "error", str(d.get("error")))
                span.set_status(Status(StatusCode.ERROR, _describe(d.get("error"), d.get("cause"))))
            span.end(end_time=_ns(ts))
            return
        if t == "CatchTaken":
            span = self._states.get((scope, d.get("name")))
            if span is not None:
                span.set_attribute(PREFIX + "caught.error", str(d.get("error")))
                span.set_attribute(PREFIX + "caught.next", str(d.get("next")))
            return
        if t == "RetryScheduled":
            span = self._states.get((scope, d.get("name")))
            if span is not None:
                span.add_event("RetryScheduled", attributes=_clean({
                    PREFIX + "error": d.get("error"), PREFIX + "backoff_seconds": d.get("backoff_seconds")}),
                    timestamp=_ns(ts))

    # ----------------------------------------------------------------- helpers
    def _parent(self, scope: tuple, ts):
        """The span a state in `scope` hangs from: the execution, or its iteration / branch."""
        from opentelemetry import trace

        if not scope:
            return self._root
        span = self._scopes.get(scope)
        if span is None:
            kind, container, index = scope[-1]
            owner = self._states.get((scope[:-1], container)) or self._parent(scope[:-1], ts)
            label = f"{container}[{index}]" if kind == "Map" else f"{container} branch {index}"
            span = self.tracer.start_span(label, context=trace.set_span_in_context(owner), start_time=_ns(ts),
                                          attributes={PREFIX + ("map.iteration" if kind == "Map" else "parallel.branch"): index,
                                                      PREFIX + "state.name": container})
            self._scopes[scope] = span
        return span

    def _owner(self, scope: tuple, details: dict, attempts: bool = False):
        name = details.get("name")
        if name is not None and (scope, name) in self._states:
            return scope, name
        pool = self._attempts if attempts else self._states
        candidates = [key for key in pool if key[0] == scope]
        if attempts and len(candidates) > 1:
            mine = [key for key in candidates if pool[key][2] == threading.get_ident()]
            candidates = mine or candidates
        return candidates[-1] if candidates else None

    def _end_attempt(self, key, ts, outcome, error, cause) -> None:
        from opentelemetry.trace import Status, StatusCode

        span, token, thread = self._attempts.pop(key, (None, None, None))
        if span is None:
            return
        if outcome is None:
            self._failed.pop(key, None)
        if outcome == "FAILED":
            self._failed[key] = error
            span.set_attribute(PREFIX + "error", str(error))
            if cause is not None:
                span.set_attribute(PREFIX + "cause", str(cause))
            span.set_status(Status(StatusCode.ERROR, _describe(error, cause)))
        elif outcome == "ABORTED":
            span.set_status(Status(StatusCode.ERROR, "aborted"))
        span.end(end_time=_ns(ts))
        if token is not None and thread == threading.get_ident():
            from opentelemetry import context
            try:
                context.detach(token)
            except ValueError:  # attached in another context (an aborted run): nothing to restore
                pass

    def _close_branches(self, key, ts) -> None:
        """A Parallel or Map state left: its branch / iteration spans end with it."""
        if key is None:
            return
        scope, name = key
        for child in [s for s in self._scopes if len(s) == len(scope) + 1 and s[:-1] == scope and s[-1][1] == name]:
            self._scopes.pop(child).end(end_time=_ns(ts))


def _qualified(scope: tuple, name) -> str:
    return "/".join([f"{c}[{i}]" for _, c, i in scope] + [str(name)])


def _describe(error, cause) -> str:
    text = str(error or "")
    if cause:
        text += f": {cause}"
    return text[:1000]


def _clean(attributes: dict) -> dict:
    return {k: v for k, v in attributes.items() if v is not None}


def record_model(model, tracer_provider=None) -> None:
    """Spans for an execution already in a view model (a saved run, an AWS history)."""
    recorder = SpanRecorder(tracer_provider, execution_arn=model.execution_arn, attach=False)
    for event in model.events:
        recorder(event)


def otlp_provider_from_environment():
    """An SDK TracerProvider exporting over OTLP when the standard OTEL_* variables ask for it.

    None when no endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or ..._TRACES_ENDPOINT), when
    OTEL_TRACES_EXPORTER says otherwise, or when the `otel` extra is not installed.
    """
    if not (os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")):
        return None
    if os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return None
    if os.environ.get("OTEL_TRACES_EXPORTER", "otlp").lower() not in ("otlp", ""):
        return None
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        import warnings
        warnings.warn("OTEL_EXPORTER_OTLP_ENDPOINT is set but the OpenTelemetry SDK and OTLP exporter are not "
                      "installed: pip install 'asl-runtime[otel]'", stacklevel=2)
        return None
    provider = TracerProvider(resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME",
                                                                                       "asl-runtime")}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


_GLOBAL = None


def global_provider_from_environment():
    """The global TracerProvider when one is set up; else, once, an OTLP one made global.

    Made global so that spans a handler starts through `trace.get_tracer()` reach the same
    exporter as the execution's, nested under their attempt.
    """
    global _GLOBAL
    from opentelemetry import trace

    current = trace.get_tracer_provider()
    if not isinstance(current, (trace.ProxyTracerProvider, trace.NoOpTracerProvider)):
        return current
    if _GLOBAL is None:
        _GLOBAL = otlp_provider_from_environment()
        if _GLOBAL is not None:
            trace.set_tracer_provider(_GLOBAL)
    return _GLOBAL
