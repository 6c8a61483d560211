"""A SAM or CloudFormation template's state machine: its definition and DefinitionSubstitutions.

`AWS::Serverless::StateMachine` (Definition, DefinitionUri, DefinitionSubstitutions) and
`AWS::StepFunctions::StateMachine` (Definition, DefinitionString, DefinitionSubstitutions). A
substitution whose value is an intrinsic function is resolved where the template alone decides it
(a Lambda function's ARN or name, a table's, queue's, topic's or state machine's identifiers, a
parameter's Default), with the project's default account and region; any other is left for
`--substitution KEY=VALUE`.
"""

from __future__ import annotations

import os

from ..errors import DefinitionError
from .problems import Problem

STATE_MACHINE_TYPES = ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine")
REGION, ACCOUNT = "us-east-1", "123456789012"
FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")


def is_template(document: dict) -> bool:
    return isinstance(document.get("Resources"), dict) and "States" not in document


def _problem(message: str) -> DefinitionError:
    return DefinitionError([Problem("", message)])


def state_machine_definition(template: dict, path, name: str | None, load_file, load_text) -> tuple[dict, dict]:
    """(definition, substitutions) of the state machine resource `name` (or the only one).

    `load_file` and `load_text` read the definition it points at or holds (the loader's, which
    imports this module, so they are passed in rather than imported).
    """
    resources = template["Resources"]
    machines = [key for key, res in resources.items()
                if isinstance(res, dict) and res.get("Type") in STATE_MACHINE_TYPES]
    if name is None:
        if len(machines) != 1:
            listed = ", ".join(machines) or "none"
            raise _problem(f"{os.fspath(path)} is a template with {len(machines)} state machine resources "
                           f"({listed}); name one with --state-machine-resource NAME")
        name = machines[0]
    elif name not in machines:
        raise _problem(f"{os.fspath(path)} has no state machine resource {name!r} "
                       f"(it has: {', '.join(machines) or 'none'})")
    props = resources[name].get("Properties") or {}
    substitutions = _substitutions(props.get("DefinitionSubstitutions") or {}, template)
    if isinstance(props.get("Definition"), dict):
        return props["Definition"], substitutions
    uri = props.get("DefinitionUri")
    if isinstance(uri, str) and not uri.startswith("s3://"):
        local = os.path.join(os.path.dirname(os.path.abspath(os.fspath(path))), uri)
        return load_file(local), substitutions
    text = props.get("DefinitionString")
    if isinstance(text, dict) and "Fn::Sub" in text:
        sub = text["Fn::Sub"]
        text, extra = (sub[0], sub[1]) if isinstance(sub, list) and len(sub) == 2 else (sub, {})
        substitutions.update(_substitutions(extra if isinstance(extra, dict) else {}, template))
    if isinstance(text, str):
        return load_text(text), substitutions
    raise _problem(f"state machine resource {name!r} has no Definition, local DefinitionUri or "
                   "DefinitionString that asl can read")


def _substitutions(given: dict, template: dict) -> dict:
    out = {}
    for key, value in given.items():
        resolved = value if isinstance(value, (str, int, float, bool)) else _resolve(value, template)
        if resolved is not None:
            out[str(key)] = resolved
    return out


def _resolve(value, template: dict):
    """What an intrinsic stands for when the template alone decides it, else None."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    (fn, arg), = value.items()
    resources = template.get("Resources") or {}
    if fn == "Ref" and isinstance(arg, str):
        if arg == "AWS::Region":
            return REGION
        if arg == "AWS::AccountId":
            return ACCOUNT
        if arg == "AWS::Partition":
            return "aws"
        parameter = (template.get("Parameters") or {}).get(arg)
        if isinstance(parameter, dict) and isinstance(parameter.get("Default"), (str, int, float)):
            return str(parameter["Default"])
        return _ref(arg, resources.get(arg))
    if fn == "Fn::GetAtt":
        parts = arg.split(".", 1) if isinstance(arg, str) else arg
        if isinstance(parts, list) and len(parts) == 2:
            return _get_att(parts[0], parts[1], resources.get(parts[0]))
    return None


def _named(logical: str, resource: dict, prop: str) -> str:
    name = (resource.get("Properties") or {}).get(prop)
    return name if isinstance(name, str) else logical


def _ref(logical: str, resource):
    if not isinstance(resource, dict):
        return None
    kind = resource.get("Type")
    if kind in FUNCTION_TYPES:
        return _named(logical, resource, "FunctionName")
    if kind in ("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable"):
        return _named(logical, resource, "TableName")
    if kind == "AWS::SQS::Queue":
        return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{_named(logical, resource, 'QueueName')}"
    if kind == "AWS::SNS::Topic":
        return f"arn:aws:sns:{REGION}:{ACCOUNT}:{_named(logical, resource, 'TopicName')}"
    if kind in STATE_MACHINE_TYPES:
        prop = "Name" if kind == "AWS::Serverless::StateMachine" else "StateMachineName"
        return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{_named(logical, resource, prop)}"
    if kind == "AWS::S3::Bucket":
        return _named(logical, resource, "BucketName")
    return None


def _get_att(logical: str, attribute: str, resource):
    if not isinstance(resource, dict):
        return None
    kind = resource.get("Type")
    if kind in FUNCTION_TYPES and attribute == "Arn":
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{_named(logical, resource, 'FunctionName')}"
    if kind in ("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable") and attribute == "Arn":
        return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{_named(logical, resource, 'TableName')}"
    if kind == "AWS::SQS::Queue":
        name = _named(logical, resource, "QueueName")
        return {"Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}", "QueueName": name,
                "QueueUrl": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}"}.get(attribute)
    if kind == "AWS::SNS::Topic" and attribute == "TopicArn":
        return _ref(logical, resource)
    if kind == "AWS::S3::Bucket" and attribute == "Arn":
        return f"arn:aws:s3:::{_named(logical, resource, 'BucketName')}"
    return None
