"""Step Functions ARNs: building them as AWS does and reading the ones clients send."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ServiceError

# AWS's rule for the names of state machines, executions, activities and aliases: no whitespace,
# brackets, wildcards, the special characters below, or control characters.
_BAD_NAME = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")


def check_name(name: str, what: str = "name") -> None:
    if not name or len(name) > 80 or _BAD_NAME.search(name):
        raise ServiceError("InvalidName", f"Invalid Name: '{name}'")


@dataclass(frozen=True)
class Arn:
    partition: str
    region: str
    account: str
    kind: str          # stateMachine | execution | express | activity | mapRun
    parts: tuple       # what follows the kind, split on ':'
    text: str


def parse(arn: str, *kinds: str) -> Arn:
    """The ARN if it is a Step Functions ARN of one of `kinds`, else InvalidArn as AWS words it."""
    pieces = arn.split(":")
    if len(pieces) < 7 or pieces[0] != "arn" or pieces[2] != "states":
        raise ServiceError("InvalidArn", f"Invalid Arn: 'Invalid ARN prefix: {arn}'")
    if pieces[5] not in kinds:
        raise ServiceError("InvalidArn", f"Invalid Arn: 'Resource type not valid in this context: {pieces[5]}'")
    parsed = Arn(pieces[1], pieces[3], pieces[4], pieces[5], tuple(pieces[6:]), arn)
    if any(not p for p in parsed.parts):
        raise ServiceError("InvalidArn", f"Invalid Arn: '{arn}'")
    return parsed


def state_machine(partition: str, region: str, account: str, name: str) -> str:
    return f"arn:{partition}:states:{region}:{account}:stateMachine:{name}"


def activity(partition: str, region: str, account: str, name: str) -> str:
    return f"arn:{partition}:states:{region}:{account}:activity:{name}"


def execution(machine_arn: str, name: str, express_id: str | None = None) -> str:
    base = machine_arn.split(":")
    prefix = ":".join(base[:5])
    if express_id is not None:
        return f"{prefix}:express:{base[6]}:{name}:{express_id}"
    return f"{prefix}:execution:{base[6]}:{name}"


def machine_of_execution(arn: Arn) -> str:
    return f"arn:{arn.partition}:states:{arn.region}:{arn.account}:stateMachine:{arn.parts[0]}"


def split_qualifier(arn: Arn) -> tuple[str, str | None]:
    """(unqualified state machine ARN, the version number or alias name, or None)."""
    base = f"arn:{arn.partition}:states:{arn.region}:{arn.account}:stateMachine:{arn.parts[0]}"
    if len(arn.parts) == 1:
        return base, None
    if len(arn.parts) == 2:
        return base, arn.parts[1]
    raise ServiceError("InvalidArn", f"Invalid Arn: '{arn.text}'")
