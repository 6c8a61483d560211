"""The execution model as plain JSON (`asl show --format json`): for tools, not people."""

from __future__ import annotations

from dataclasses import asdict

from .model import ExecutionModel, ScopeRun, StateVisit


def model_to_dict(model: ExecutionModel) -> dict:
    return {"executionArn": model.execution_arn, "status": model.status, "started": model.started,
            "stopped": model.stopped, "input": model.input, "output": model.output, "error": model.error,
            "cause": model.cause, "transitions": model.transitions,
            "states": [_visit(v) for v in model.root]}


def _visit(visit: StateVisit) -> dict:
    return {"name": visit.name, "qualifiedName": visit.qualified_name, "type": visit.type,
            "status": visit.status, "entered": visit.entered, "left": visit.left, "input": visit.input,
            "output": visit.output, "error": visit.error, "cause": visit.cause,
            "attempts": [asdict(a) for a in visit.attempts],
            "caught": asdict(visit.caught) if visit.caught else None, "next": visit.next,
            "childExecutions": visit.child_executions,
            "children": [_scope(c) for c in visit.ordered_children()]}


def _scope(scope: ScopeRun) -> dict:
    return {"kind": scope.kind, "index": scope.index, "status": scope.status,
            "states": [_visit(v) for v in scope.states]}
