"""ASL error names and the exceptions that carry them.

An execution fails with an (error, cause) pair; Retry and Catch match on the error name, so every
failure inside the engine is an `ASLError` carrying the name AWS would report.
"""

from __future__ import annotations

ALL = "States.ALL"
TASK_FAILED = "States.TaskFailed"
TIMEOUT = "States.Timeout"
HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
PERMISSIONS = "States.Permissions"
RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
PARAMETER_PATH_FAILURE = "States.ParameterPathFailure"
BRANCH_FAILED = "States.BranchFailed"
NO_CHOICE_MATCHED = "States.NoChoiceMatched"
INTRINSIC_FAILURE = "States.IntrinsicFailure"
EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"
ITEM_READER_FAILED = "States.ItemReaderFailed"
RESULT_WRITER_FAILED = "States.ResultWriterFailed"
RUNTIME = "States.Runtime"
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"
HTTP_SOCKET = "States.Http.Socket"

#: Every error name AWS predefines (other "States." names are accepted too: AWS samples raise some).
PREDEFINED = frozenset({
    ALL, TASK_FAILED, TIMEOUT, HEARTBEAT_TIMEOUT, PERMISSIONS, RESULT_PATH_MATCH_FAILURE,
    PARAMETER_PATH_FAILURE, BRANCH_FAILED, NO_CHOICE_MATCHED, INTRINSIC_FAILURE,
    EXCEED_TOLERATED_FAILURE_THRESHOLD, ITEM_READER_FAILED, RESULT_WRITER_FAILED, RUNTIME,
    DATA_LIMIT_EXCEEDED, QUERY_EVALUATION_ERROR, HTTP_SOCKET,
})


class ASLError(Exception):
    """A failure with an ASL error name and cause, as a state or an execution reports it."""

    def __init__(self, error: str | None, cause: str | None = None):
        super().__init__(f"{error}: {cause}" if cause else str(error))
        self.error = error
        self.cause = cause

    def output(self) -> dict:
        """The error output a Catcher (or a tolerated Map item) receives: Error, and Cause if any."""
        return {"Error": self.error, "Cause": self.cause} if self.cause is not None else {"Error": self.error}


class TaskFailed(ASLError):
    """Raise from a handler to fail its Task with exactly this error name and cause.

    `raise asl_runtime.TaskFailed("Lambda.ServiceException", "busy")` fails the Task as that
    service error would (Retry/Catch match `error`; the cause is `cause` as given), where any other
    exception fails it as Lambda reports an unhandled function error (its class name, a JSON cause).
    """


class PathNotFound(Exception):
    """A JSONPath matched nothing in its input (callers turn this into the AWS error they need)."""

    def __init__(self, path: str, message: str | None = None):
        super().__init__(message or f"path {path!r} not found")
        self.path = path


class InvalidExecutionInput(ValueError):
    """Input AWS's StartExecution would refuse: not JSON, or over 256 KiB."""


class DefinitionError(Exception):
    """A definition AWS would refuse at CreateStateMachine; `.errors` lists the located problems."""

    def __init__(self, errors):
        self.errors = list(errors)
        lines = [f"{e.path or '/'}: {e.message}" for e in self.errors]
        super().__init__("invalid state machine definition:\n  " + "\n  ".join(lines))


class StateRuntimeError(ASLError):
    """A failure whose cause AWS prefixes with the state name and its entered-event id."""
