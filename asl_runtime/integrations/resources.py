"""Reading a Task's Resource ARN the way Step Functions does: which integration, action and pattern."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

#: Integration patterns, as the suffix after the action names them.
REQUEST_RESPONSE = ""
SYNC = "sync"
SYNC2 = "sync:2"
WAIT_FOR_TASK_TOKEN = "waitForTaskToken"
PATTERNS = (REQUEST_RESPONSE, SYNC, SYNC2, WAIT_FOR_TASK_TOKEN)


@dataclass(frozen=True)
class Resource:
    """A parsed Task resource.

    kind is "lambda" (a function ARN), "service" (an optimized integration), "sdk" (an AWS SDK
    integration) or "activity".  For lambda, `name` is the function name and `qualifier` its alias
    or version; for activities `name` is the activity name.
    """

    arn: str
    kind: str
    service: str = ""
    action: str = ""
    pattern: str = REQUEST_RESPONSE
    name: str = ""
    qualifier: str | None = None
    region: str = ""
    account: str = ""
    partition: str = "aws"

    @property
    def resource_label(self) -> str:
        """What history events call the resource: the action with its pattern suffix."""
        return f"{self.action}.{self.pattern}" if self.pattern else self.action

    @property
    def resource_type(self) -> str:
        return self.service


class ResourceError(ValueError):
    """A Resource no integration serves."""


@lru_cache(maxsize=1024)
def parse_resource(arn: str) -> Resource:
    """Parse once per distinct ARN; raises ResourceError for a resource AWS would not run."""
    parts = arn.split(":")
    if len(parts) >= 3 and parts[0] == "arn":
        partition, vendor = parts[1], parts[2]
        if vendor == "lambda" and len(parts) in (7, 8) and parts[5] == "function" and parts[6]:
            return Resource(arn, "lambda", service="lambda", name=parts[6],
                            qualifier=parts[7] if len(parts) == 8 else None,
                            region=parts[3], account=parts[4], partition=partition)
        if vendor == "states" and len(parts) == 7 and parts[5] == "activity" and parts[6]:
            return Resource(arn, "activity", service="activity", name=parts[6],
                            region=parts[3], account=parts[4], partition=partition)
        if vendor == "states" and len(parts) >= 7 and parts[3] == "" and parts[4] == "":
            return _integration(arn, partition, parts[5:])
    # Lambda's partial forms: "ACCOUNT:function:NAME[:Q]" and "function:NAME[:Q]".
    if "function" in parts[:2] and not arn.startswith("arn:"):
        rest = parts[parts.index("function") + 1:]
        if 1 <= len(rest) <= 2 and rest[0]:
            return Resource(arn, "lambda", service="lambda", name=rest[0],
                            qualifier=rest[1] if len(rest) == 2 else None,
                            account=parts[0] if parts[0] != "function" else "")
    raise ResourceError(f"'{arn}' is not a Lambda function, activity or Step Functions integration ARN")


def _integration(arn: str, partition: str, rest: list[str]) -> Resource:
    if rest[0] == "aws-sdk":
        if len(rest) < 3 or not rest[1]:
            raise ResourceError(f"'{arn}' does not name an AWS SDK service and action "
                                f"(arn:aws:states:::aws-sdk:SERVICE:ACTION)")
        kind, service, tail = "sdk", rest[1], ":".join(rest[2:])
    else:
        kind, service, tail = "service", rest[0], ":".join(rest[1:])
    action, _, pattern = tail.partition(".")
    if not service or not action or pattern not in PATTERNS:
        raise ResourceError(f"'{arn}' is not a service integration ARN "
                            f"(arn:aws:states:::SERVICE:ACTION[.sync|.sync:2|.waitForTaskToken])")
    return Resource(arn, kind, service=service, action=action, pattern=pattern, partition=partition)
