"""Executions as OpenTelemetry spans (execution -> state -> attempt; Map iterations and Parallel
branches nested; AWS's names as attributes; errors as span status), through the SDK's in-memory
exporter, and OTLP export to a loopback collector when the OTEL_* variables say so."""

from __future__ import annotations

import pytest

pytest.importorskip("opentelemetry.sdk", reason="the OpenTelemetry SDK (the `otel` extra) is not installed")

from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402
from opentelemetry.trace import StatusCode  # noqa: E402

from asl_runtime import StateMachine  # noqa: E402
from asl_runtime.views.model import ExecutionModel  # noqa: E402
from asl_runtime.views.traces import record_model  # noqa: E402

from test_views_model import NESTED, charge  # noqa: E402


@pytest.fixture
def exporter():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    exporter.provider = provider
    return exporter


def tree(spans) -> dict:
    """span name -> its parent's name (names are unique enough in these machines)."""
    by_id = {s.context.span_id: s for s in spans}
    return {s.name: (by_id[s.parent.span_id].name if s.parent else None) for s in spans}


def test_a_recorded_history_becomes_nested_spans(exporter):
    result = StateMachine.from_json(NESTED).run({"items": [3, 1, 2]}, handlers={"charge": charge},
                                                execution_name="order-7")
    model = ExecutionModel.from_history(result.history)
    model.execution_arn = result.execution_arn
    record_model(model, exporter.provider)
    spans = exporter.get_finished_spans()
    parents = tree(spans)
    assert parents["order-7"] is None
    assert parents["Fan"] == "order-7" and parents["Fan branch 0"] == "Fan" and parents["Slow"] == "Fan branch 0"
    assert parents["Quicker"] == "Fan branch 1"
    assert parents["Each[2]"] == "Each" and parents["Charge attempt 3"] == "Charge"
    items = [s for s in spans if s.name == "Item"]
    assert sorted((s.end_time - s.start_time) / 1e9 for s in items) == pytest.approx([1, 2, 3])
    by_name = {s.name: s for s in spans}
    attempt = by_name["Charge attempt 1"]
    assert attempt.status.status_code is StatusCode.ERROR and attempt.status.description.startswith("Busy: ")
    assert attempt.attributes["aws.stepfunctions.error"] == "Busy"
    assert by_name["Charge"].attributes["aws.stepfunctions.caught.error"] == "Busy"
    assert by_name["Charge"].attributes["aws.stepfunctions.state.type"] == "Task"
    assert by_name["Each"].attributes["aws.stepfunctions.state.name"] == "Each"
    root = by_name["order-7"]
    assert root.status.status_code is StatusCode.ERROR and root.status.description.startswith("Order.Failed")
    assert root.attributes["aws.stepfunctions.execution.arn"] == result.execution_arn
    assert by_name["Failed"].status.status_code is StatusCode.ERROR
    assert (root.end_time - root.start_time) / 1e9 == pytest.approx(result.duration, abs=0.01)


def test_run_with_a_tracer_provider_nests_a_handlers_spans_under_its_attempt(exporter):
    from opentelemetry import trace

    def charge_with_span(event, context):
        with trace.get_tracer("shop").start_as_current_span("charge card") as span:
            span.set_attribute("order", event["items"][0])
        raise __import__("test_views_model").Busy("card processor busy")

    result = StateMachine.from_json(NESTED).run({"items": [3, 1, 2]}, handlers={"charge": charge_with_span},
                                                execution_name="order-8", tracer_provider=exporter.provider)
    # The handler's tracer comes from the global provider; the attempt span is its current span.
    spans = exporter.get_finished_spans()
    by_id = {s.context.span_id: s for s in spans}
    parents = tree(spans)
    assert parents["order-8"] is None and parents["Each[1]"] == "Each" and parents["Item"].startswith("Each[")
    assert parents["Charge attempt 2"] == "Charge" and parents["Fan branch 1"] == "Fan"
    root = next(s for s in spans if s.name == "order-8")
    assert root.attributes["aws.stepfunctions.execution.arn"] == result.execution_arn
    assert {s.context.trace_id for s in spans} == {root.context.trace_id}


def test_a_handlers_own_spans_nest_under_the_attempt_that_ran_it():
    """With the SDK provider set globally (as OTLP export does), handler spans join the trace."""
    from opentelemetry import trace

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("shop")

    def handler(event, context):
        with tracer.start_as_current_span("charge card"):
            pass
        return {"ok": True}

    machine = {"StartAt": "Charge", "States": {"Charge": {
        "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge", "End": True}}}
    StateMachine.from_json(machine).run({}, handlers={"charge": handler}, tracer_provider=provider,
                                        execution_name="order-9")
    parents = tree(exporter.get_finished_spans())
    assert parents == {"charge card": "Charge attempt 1", "Charge attempt 1": "Charge", "Charge": "order-9",
                       "order-9": None}
    assert trace.get_current_span() is trace.INVALID_SPAN  # the attempt's context was detached


def test_otlp_export_when_the_otel_variables_name_an_endpoint(monkeypatch):
    """OTEL_EXPORTER_OTLP_ENDPOINT set: spans go over OTLP/HTTP to it (a loopback collector here)."""
    import http.server
    import threading

    pytest.importorskip("opentelemetry.exporter.otlp.proto.http", reason="the OTLP exporter is not installed")
    from asl_runtime.views import traces

    received = []

    class Collector(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            received.append((self.path, self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
        provider = traces.otlp_provider_from_environment()
        assert provider is not None
        machine = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
        StateMachine.from_json(machine).run({}, tracer_provider=provider, execution_name="exported")
        assert provider.force_flush(10_000)
        provider.shutdown()
    finally:
        server.shutdown()
    assert received and received[0][0] == "/v1/traces"
    assert b"exported" in b"".join(body for _, body in received)
