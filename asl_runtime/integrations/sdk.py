"""AWS SDK integrations: arn:aws:states:::aws-sdk:SERVICE:ACTION, any action boto3 knows.

The service and action are read from botocore's service models, so every SDK integration AWS
offers works without a list here; the request and result keep Step Functions' member casing.
"""

from __future__ import annotations

from ..errors import RUNTIME, ASLError
from . import aws
from .registry import ANY_ACTION, Integration, parameters_of, with_callback


def register(registry) -> None:
    registry.register("aws-sdk", ANY_ACTION, Integration("an AWS SDK integration", with_callback(sdk_call),
                                                         patterns=("waitForTaskToken",)))


def sdk_call(services, frame, res, payload, events):
    """The boto3 method of the action's name, on the service's client."""
    client = services.aws.client(aws.sdk_client_name(res.service), frame.execution.config.region,
                                 state=frame.state.name)
    method, operation = aws.sdk_operation(client, res.action)
    if operation is None:
        raise ASLError(RUNTIME, f"The AWS SDK service '{res.service}' has no action '{res.action}' "
                                f"(resource {res.arn}).")
    request = aws.sdk_request(operation.input_shape, parameters_of(res, payload))
    response = aws.call(client, method, request, lambda exc: aws.sdk_error(client, exc))
    return aws.sdk_result(operation.output_shape, response)
