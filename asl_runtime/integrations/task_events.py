"""The events AWS records around one Task call, written once for its three families.

A Lambda function ARN records `LambdaFunction*` events, an activity `Activity*` events and every
other integration `Task*` events (TaskSubmitted too for the callback pattern). Each family is
scheduled, started, then succeeded, failed or timed out; `run` drives that sequence around the
integration's call, so no integration writes it again.
"""

from __future__ import annotations

from ..engine.payload import payload_too_large
from ..errors import DATA_LIMIT_EXCEEDED, HEARTBEAT_TIMEOUT, RUNTIME, TIMEOUT, ASLError


class TaskEvents:
    """`Task*` events: optimized integrations, AWS SDK, HTTP Task, states:startExecution."""

    prefix = "Task"
    #: Errors recorded as *TimedOut rather than *Failed.
    timed_out = (TIMEOUT, HEARTBEAT_TIMEOUT)
    #: Whether a States.Runtime (a request asl-runtime could not make) is recorded as a failure;
    #: AWS records nothing for a Task that could not be scheduled.
    records_runtime = False
    #: Whether *Started follows *Scheduled at once (an activity starts when a worker takes it).
    starts_at_once = True

    def __init__(self, frame, res, payload, timeout, heartbeat):
        self.frame, self.res, self.payload = frame, res, payload
        self.timeout, self.heartbeat = timeout, heartbeat
        self.labels = {"resourceType": res.resource_type, "resource": res.resource_label}

    @property
    def size_label(self) -> str:
        """What the States.DataLimitExceeded cause calls the resource."""
        return self.res.resource_type

    def scheduled_details(self) -> dict:
        details = {**self.labels, "region": self.frame.execution.config.region, "parameters": self.payload}
        return self._with_limits(details)

    def _with_limits(self, details: dict) -> dict:
        if self.timeout:
            details["timeoutInSeconds"] = self.timeout
        if self.heartbeat:
            details["heartbeatInSeconds"] = self.heartbeat
        return details

    def started_details(self, worker: str | None) -> dict | None:
        return self.labels

    def outcome_details(self, details: dict) -> dict:
        return {**self.labels, **details}

    # ------------------------------------------------------------------ the events
    def _event(self, suffix: str, details: dict | None) -> None:
        name = self.prefix + suffix
        if details is None:
            self.frame.event(name)
        else:
            self.frame.event(name, name[0].lower() + name[1:] + "EventDetails", details)

    def scheduled(self) -> None:
        self._event("Scheduled", self.scheduled_details())

    def started(self, worker: str | None = None) -> None:
        self._event("Started", self.started_details(worker))

    def submitted(self, output) -> None:
        """The callback pattern: the request was made; the Task now waits for its token."""
        self._event("Submitted", self.outcome_details({"output": output}))

    def mocked(self) -> None:
        """What happens before a mocked response is delivered (an activity is taken by "mock")."""

    def succeeded(self, output) -> None:
        self._event("Succeeded", self.outcome_details({"output": output}))

    def failed(self, err: ASLError) -> None:
        suffix = "TimedOut" if err.error in self.timed_out else "Failed"
        self._event(suffix, self.outcome_details(error_details(err)))

    # ------------------------------------------------------------------ the sequence
    def run(self, call, mocked=None):
        """Scheduled, Started, then `call(self)` (or the mock) and its outcome; returns the result."""
        self.scheduled()
        if self.starts_at_once:
            self.started()
        try:
            if mocked is not None:
                self.mocked()
                result = mocked.deliver()
            else:
                result = call(self)
            check_result_size(result, self.size_label)
        except ASLError as err:
            if self.records_runtime or err.error != RUNTIME:
                self.failed(err)
            raise
        self.succeeded(result)
        return result


class LambdaFunctionEvents(TaskEvents):
    """`LambdaFunction*` events: a Task whose Resource is a function ARN."""

    prefix = "LambdaFunction"
    timed_out = (TIMEOUT,)
    records_runtime = True

    @property
    def size_label(self) -> str:
        return self.res.arn

    def scheduled_details(self) -> dict:
        details = {"resource": self.res.arn, "input": self.payload}
        if self.timeout:
            details["timeoutInSeconds"] = self.timeout
        return details

    def started_details(self, worker):
        return None

    def outcome_details(self, details: dict) -> dict:
        return details


class ActivityEvents(TaskEvents):
    """`Activity*` events: ActivityStarted names the worker once one has taken the task."""

    prefix = "Activity"
    records_runtime = True
    starts_at_once = False

    @property
    def size_label(self) -> str:
        return self.res.name

    def scheduled_details(self) -> dict:
        return self._with_limits({"resource": self.res.arn, "input": self.payload})

    def started_details(self, worker):
        return {"workerName": worker}

    def outcome_details(self, details: dict) -> dict:
        return details

    def mocked(self) -> None:
        self.started("mock")


def check_result_size(result, label: str) -> None:
    """A service result over 256 KiB fails the Task (catchable, unlike an oversized state output)."""
    if payload_too_large(result):
        raise ASLError(DATA_LIMIT_EXCEEDED, f"The state/task '{label}' returned a result with a size "
                                            f"exceeding the maximum number of bytes service limit.")


def error_details(err: ASLError) -> dict:
    """error and cause of a *Failed/*TimedOut event; AWS records a timeout's empty cause as none."""
    return {k: v for k, v in (("error", err.error), ("cause", err.cause)) if v is not None and v != ""}
