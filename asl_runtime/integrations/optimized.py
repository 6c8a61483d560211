"""Optimized integrations (arn:aws:states:::SERVICE:ACTION) served through boto3.

Each action is a small function (services, frame, parameters) -> result, in the shape Step
Functions returns it; `register` puts each in the integrations registry with the patterns its
service supports.
"""

from __future__ import annotations

from ..errors import ASLError
from ..query.io_jsonpath import to_json
from . import aws
from .registry import Integration, parameters_of, with_callback


def _json_text(value):
    """Step Functions sends a JSON value given for a text field (MessageBody, Message) as its JSON text."""
    return value if isinstance(value, str) else to_json(value)


def _request(services, frame, service: str, method: str, params: dict) -> dict:
    client = services.aws.client(aws.OPTIMIZED_SERVICES[service][0], frame.execution.config.region,
                                 state=frame.state.name)
    return aws.call(client, method, params, lambda exc: aws.optimized_error(service, client, exc))


# --------------------------------------------------------------------------- DynamoDB
def _dynamodb(method):
    def action(services, frame, params):
        return aws.with_http_metadata("dynamodb", _request(services, frame, "dynamodb", method, params))
    return action


# --------------------------------------------------------------------------- SQS, SNS
def sqs_send_message(services, frame, params):
    params = dict(params)
    if "MessageBody" in params:
        params["MessageBody"] = _json_text(params["MessageBody"])
    return aws.with_http_metadata("sqs", _request(services, frame, "sqs", "send_message", params))


def sns_publish(services, frame, params):
    params = dict(params)
    if "Message" in params:
        params["Message"] = _json_text(params["Message"])
    return aws.with_http_metadata("sns", _request(services, frame, "sns", "publish", params))


# --------------------------------------------------------------------------- EventBridge
def events_put_events(services, frame, params):
    """PutEvents: a Detail object is sent as JSON text and each event names the execution in Resources.

    A partly failed batch fails the Task with EventBridge.FailedEntry; the cause is the response.
    """
    config = frame.execution.config
    params = dict(params)
    entries = []
    for entry in params.get("Entries") or []:
        entry = dict(entry) if isinstance(entry, dict) else entry
        if isinstance(entry, dict):
            if "Detail" in entry:
                entry["Detail"] = _json_text(entry["Detail"])
            entry["Resources"] = list(entry.get("Resources") or []) + [config.state_machine_arn,
                                                                       frame.execution.arn]
        entries.append(entry)
    params["Entries"] = entries
    response = _request(services, frame, "events", "put_events", params)
    result = {"Entries": response.get("Entries", []), "FailedEntryCount": response.get("FailedEntryCount", 0)}
    if result["FailedEntryCount"]:
        raise ASLError("EventBridge.FailedEntry", to_json(result))
    return result


ACTIONS = {
    ("dynamodb", "getItem"): _dynamodb("get_item"),
    ("dynamodb", "putItem"): _dynamodb("put_item"),
    ("dynamodb", "updateItem"): _dynamodb("update_item"),
    ("dynamodb", "deleteItem"): _dynamodb("delete_item"),
    ("sqs", "sendMessage"): sqs_send_message,
    ("sns", "publish"): sns_publish,
    ("events", "putEvents"): events_put_events,
}

#: Integration patterns each optimized service supports besides request-response.
PATTERNS = {"dynamodb": (), "sqs": ("waitForTaskToken",), "sns": ("waitForTaskToken",),
            "events": ("waitForTaskToken",)}


def register(registry) -> None:
    for (service, action), fn in ACTIONS.items():
        registry.register(service, action, Integration(f"{service}:{action}", with_callback(_action(fn)),
                                                       patterns=PATTERNS[service]))


def _action(fn):
    def call(services, frame, res, payload, events):
        return fn(services, frame, parameters_of(res, payload))
    return call
