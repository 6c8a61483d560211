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
