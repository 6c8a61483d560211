"""asl-runtime: run and test AWS Step Functions state machines locally, with AWS's semantics."""

from .api import ExecutionResult, StateMachine
from .engine.clock import sleep
from .errors import ASLError, DefinitionError

__all__ = ["StateMachine", "ExecutionResult", "DefinitionError", "ASLError", "sleep"]
__version__ = "0.1.0"
