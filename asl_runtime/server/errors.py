"""An AWS API error: the `__type` name clients match on, a message, and the HTTP status."""

from __future__ import annotations


class ServiceError(Exception):
    """Raised anywhere while serving a request; the protocol layer renders it as AWS does."""

    def __init__(self, code: str, message: str, status: int = 400, **extra):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.extra = extra  # further members of the error shape (e.g. ValidationException.reason)

    def to_dict(self) -> dict:
        return {"__type": self.code, "message": self.message, **self.extra}


def does_not_exist(code: str, what: str, arn: str) -> ServiceError:
    return ServiceError(code, f"{what} Does Not Exist: '{arn}'")
