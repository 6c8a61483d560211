"""asl-runtime: run and test AWS Step Functions state machines locally, with AWS's semantics."""

from .api import ExecutionResult, StateMachine
from .engine.clock import sleep
from .errors import ASLError, DefinitionError
from .integrations.callbacks import (get_activity_task, send_task_failure, send_task_heartbeat,
                                     send_task_success)
from .integrations.mocks import MockConfigError

__all__ = ["StateMachine", "ExecutionResult", "DefinitionError", "ASLError", "MockConfigError", "sleep",
           "send_task_success", "send_task_failure", "send_task_heartbeat", "get_activity_task"]
__version__ = "0.1.0"
