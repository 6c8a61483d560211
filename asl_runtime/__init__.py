"""asl-runtime: run and test AWS Step Functions state machines locally, with AWS's semantics."""

import os as _os

# In a source checkout `cli/` and `schemas/` sit beside this package and are installed as
# asl_runtime.cli and asl_runtime.schemas; let the checkout import them under the same names.
_root = _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))
if _os.path.isfile(_os.path.join(_root, "pyproject.toml")) and _os.path.isfile(_os.path.join(_root, "cli", "main.py")):
    __path__.append(_root)  # noqa: F821 - a package's own __path__

from .api import ExecutionResult, RunningExecution, StateMachine, validate  # noqa: E402
from .engine.clock import sleep
from .errors import ASLError, DefinitionError, InvalidExecutionInput, TaskFailed
from .integrations.callbacks import (get_activity_task, send_task_failure, send_task_heartbeat,
                                     send_task_success)
from .integrations.connections import ConnectionsError
from .integrations.mocks import PASS_THROUGH, MockConfigError

__all__ = ["StateMachine", "ExecutionResult", "RunningExecution", "validate", "DefinitionError", "InvalidExecutionInput", "ASLError", "MockConfigError", "TaskFailed",
           "ConnectionsError", "PASS_THROUGH", "sleep",
           "send_task_success", "send_task_failure", "send_task_heartbeat", "get_activity_task"]
__version__ = "0.1.0"
