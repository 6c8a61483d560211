"""boto3 behind the integrations: clients, AWS's error names and causes, response shapes.

boto3 is imported only when a definition calls an AWS service (start-up time matters), and it works
inside `moto.mock_aws()` with no network, or against the endpoint in `ASL_AWS_ENDPOINT_URL`.
Step Functions names a service error two ways: optimized integrations (`arn:aws:states:::sqs:...`)
use the Java SDK v1 names (`SQS.QueueDoesNotExistException`, `DynamoDB.AmazonDynamoDBException`),
SDK integrations (`arn:aws:states:::aws-sdk:...`) the SDK v2 ones (`Sqs.QueueDoesNotExistException`,
`DynamoDb.DynamoDbException`).
"""

from __future__ import annotations

import base64
import os
import re
import sys
import threading
import uuid
import zlib
from datetime import datetime, timezone
from email.utils import format_datetime

from ..definition.task_resources import sdk_model_for
from ..errors import ASLError
from ..query.io_jsonpath import to_json

ENDPOINT_ENV = "ASL_AWS_ENDPOINT_URL"
ALLOW_ENV = "ASL_ALLOW_AWS"
OPT_IN = ("run inside moto.mock_aws(), point ASL_AWS_ENDPOINT_URL at an emulator, or let it reach AWS "
          "with --allow-aws, ASL_ALLOW_AWS=1 or run(allow_aws=True)")

#: Optimized integrations: boto3 client, error prefix, SDK v1 service name, SDK v1 base exception.
OPTIMIZED_SERVICES = {
    "dynamodb": ("dynamodb", "DynamoDB", "AmazonDynamoDBv2", "AmazonDynamoDBException"),
    "sqs": ("sqs", "SQS", "AmazonSQS", "AmazonSQSException"),
    "sns": ("sns", "SNS", "AmazonSNS", "AmazonSNSException"),
    "events": ("events", "EventBridge", "AmazonEventBridge", "AmazonEventBridgeException"),
    "states": ("stepfunctions", "StepFunctions", "AWSStepFunctions", "AWSStepFunctionsException"),
    "lambda": ("lambda", "Lambda", "AWSLambda", "AWSLambdaException"),
}

#: aws-sdk service names whose boto3 client is named differently.
SDK_CLIENT_NAMES = {
    "sfn": "stepfunctions", "eventbridge": "events", "cloudwatchlogs": "logs", "cloudwatchevents": "events",
    "acmpca": "acm-pca", "elasticloadbalancingv2": "elbv2", "elasticloadbalancing": "elb",
    "cognitoidentityprovider": "cognito-idp", "sesv2": "sesv2", "apigatewayv2": "apigatewayv2",
}


def moto_active() -> bool:
    """Whether a moto mock is running (without importing moto when it is not in use)."""
    models = sys.modules.get("moto.core.models")
    return bool(models is not None and getattr(models.MockAWS, "_nested_count", 0) > 0)


def credentials_configured() -> bool:
    """Whether the environment names AWS credentials (checked without any network lookup)."""
    env = os.environ
    if env.get("AWS_ACCESS_KEY_ID") or env.get("AWS_PROFILE") or env.get("AWS_WEB_IDENTITY_TOKEN_FILE") \
            or env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") or env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        return True
    for var, default in (("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"), ("AWS_CONFIG_FILE", "~/.aws/config")):
        if os.path.isfile(os.path.expanduser(env.get(var) or default)):
            return True
    return False


def service_endpoint_configured(service: str) -> bool:
    """Whether boto3 will send this service's calls to a configured endpoint (AWS_ENDPOINT_URL_<SERVICE>)."""
    env = os.environ
    key = {"stepfunctions": "SFN", "events": "EVENTBRIDGE"}.get(service, service.upper().replace("-", "_"))
    return bool(env.get(f"AWS_ENDPOINT_URL_{key}") or env.get("AWS_ENDPOINT_URL"))


def allowed_by_environment() -> bool:
    return os.environ.get(ALLOW_ENV, "").strip().lower() in ("1", "true", "yes")


def boto3_installed() -> bool:
    import importlib.util
    return importlib.util.find_spec("boto3") is not None


class Clients:
    """boto3 clients for one Services object, created on first use and kept.

    Offline by default: a client is made only for moto, a configured endpoint (ours, botocore's
    AWS_ENDPOINT_URL[_SERVICE], or `service_endpoints`) or with the explicit `allow_aws` opt-in;
    otherwise `client()` fails the Task (States.TaskFailed) before anything is resolved or connected.
    """

    def __init__(self, endpoint_url: str | None = None, allow_aws: bool | None = None,
                 service_endpoints: dict | None = None):
        self.endpoint_url = endpoint_url or os.environ.get(ENDPOINT_ENV) or None
        self.allow_aws = allowed_by_environment() if allow_aws is None else bool(allow_aws)
        self.service_endpoints = dict(service_endpoints or {})
        self._clients = {}
        self._lock = threading.Lock()

    def emulated(self) -> bool:
        """Whether AWS calls may be made: moto running, an endpoint URL configured, or the opt-in.

        A Lambda function with no local handler is invoked through boto3 only then, so that a
        missing handler never turns into a call to a real AWS account.
        """
        return (moto_active() or bool(self.endpoint_url) or service_endpoint_configured("lambda")
                or self.allow_aws) and boto3_installed()

    def may_call(self, service: str) -> bool:
        return moto_active() or bool(self.endpoint_url or self.service_endpoints.get(service)) \
            or self.allow_aws or service_endpoint_configured(service)

    def client(self, service: str, region: str, state: str | None = None):
        """A client for `service`; raises States.Runtime (naming `state`) when AWS may not be called."""
        if not self.may_call(service):
            where = f"State '{state}'" if state else "This execution"
            # A Task failure (as when AWS cannot execute a call), so Retry/Catch and the history see it.
            raise ASLError("States.TaskFailed", f"{where} would call AWS ({service}) with this machine's "
                                             f"credentials; asl-runtime is offline by default: {OPT_IN}.")
        key = (service, region, moto_active())
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._clients[key] = self._make(service, region)
            return client

    def _make(self, service, region):
        try:
            import boto3
        except ImportError:
            raise ASLError("States.Runtime", "Calling AWS services needs boto3: pip install 'asl-runtime[aws]'") \
                from None
        from botocore.exceptions import UnknownServiceError

        kwargs = {"region_name": region}
        endpoint = self.service_endpoints.get(service) or self.endpoint_url
        if endpoint:
            kwargs["endpoint_url"] = endpoint
        if (endpoint or moto_active() or service_endpoint_configured(service)) \
                and not credentials_configured():
            # A local endpoint or moto needs no real credentials, but botocore insists on some.
            kwargs.update(aws_access_key_id="testing", aws_secret_access_key="testing")
        try:
            return boto3.session.Session().client(service, **kwargs)
        except UnknownServiceError:
            raise ASLError("States.Runtime", f"'{service}' is not a service the installed botocore knows; "
                                             "no AWS SDK integration can call it.") from None


# --------------------------------------------------------------------------- errors
def _error_fields(exc):
    """(code for lookup, raw code, message, status, request id) of a botocore failure."""
    from botocore.exceptions import ClientError
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        meta = exc.response.get("ResponseMetadata", {})
        raw = err.get("Code") or "Unknown"
        code = err.get("QueryErrorCode") or raw
        return code, raw, err.get("Message") or str(exc), meta.get("HTTPStatusCode", 400), \
            meta.get("RequestId") or str(uuid.uuid4())
    return None, "ValidationException", str(exc), 400, str(uuid.uuid4())


def _modeled(client, code) -> str | None:
    """The modeled exception shape for an error code, or None when the service does not model it."""
    if code is None:
        return None
    from botocore.exceptions import ClientError
    cls = client.exceptions.from_code(code)
    return None if cls is ClientError else cls.__name__


def _exception_name(name: str) -> str:
    return name if name.endswith("Exception") else name + "Exception"


def optimized_error(service: str, client, exc) -> ASLError:
    """A boto3 failure named and worded as an optimized integration reports it."""
    from botocore.exceptions import BotoCoreError, ParamValidationError
    _, prefix, v1_name, base = OPTIMIZED_SERVICES[service]
    if isinstance(exc, BotoCoreError) and not isinstance(exc, ParamValidationError):
        return ASLError(f"{prefix}.SdkClientException", f"Unable to execute HTTP request: {exc}")
    code, raw, message, status, request_id = _error_fields(exc)
    modeled = _modeled(client, code)
    name = _exception_name(modeled) if modeled else base
    cause = (f"{message} (Service: {v1_name}; Status Code: {status}; Error Code: {raw}; "
             f"Request ID: {request_id}; Proxy: null)")
    return ASLError(f"{prefix}.{name}", cause)


def sdk_service_name(client) -> str:
    """The PascalCase service name SDK integrations put before an error: DynamoDb, Sqs, Sfn, S3."""
    service_id = client.meta.service_model.service_id
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", str(service_id))
    return "".join(w[:1].upper() + w[1:].lower() for w in words)


def sdk_error(client, exc) -> ASLError:
    """A boto3 failure named and worded as an AWS SDK integration reports it."""
    from botocore.exceptions import BotoCoreError, ParamValidationError
    prefix = sdk_service_name(client)
    if isinstance(exc, BotoCoreError) and not isinstance(exc, ParamValidationError):
        return ASLError(f"{prefix}.SdkClientException", f"Unable to execute HTTP request: {exc}")
    code, _raw, message, status, request_id = _error_fields(exc)
    modeled = _modeled(client, code)
    name = _exception_name(modeled) if modeled else f"{prefix}Exception"
    return ASLError(f"{prefix}.{name}", f"{message} (Service: {prefix}, Status Code: {status}, "
                                        f"Request ID: {request_id})")


def call(client, method: str, params: dict, on_error):
    """client.method(**params) with failures turned into ASL errors by on_error(exc)."""
    from botocore.exceptions import BotoCoreError, ClientError
    try:
        return getattr(client, method)(**params)
    except (ClientError, BotoCoreError) as exc:
        raise on_error(exc) from None


# --------------------------------------------------------------------------- optimized results
_CONTENT_TYPES = {"sns": "text/xml", "lambda": "application/json"}


def with_http_metadata(service: str, response: dict) -> dict:
    """An optimized integration's result: the response fields plus SdkHttpMetadata/SdkResponseMetadata."""
    meta = response.get("ResponseMetadata", {})
    request_id = meta.get("RequestId") or str(uuid.uuid4())
    body = {k: _plain(v) for k, v in response.items() if k != "ResponseMetadata"}
    wire = to_json(body).encode()
    headers = {"Connection": "keep-alive", "Content-Length": str(len(wire)),
               "Content-Type": _CONTENT_TYPES.get(service, "application/x-amz-json-1.0"),
               "Date": format_datetime(datetime.now(timezone.utc), usegmt=True)}
    if service == "dynamodb":
        headers.update({"Server": "Server", "x-amz-crc32": str(zlib.crc32(wire))})
    headers["x-amzn-RequestId"] = request_id
    out = dict(body)
    out["SdkHttpMetadata"] = {"AllHttpHeaders": {k: [v] for k, v in headers.items()},
                              "HttpHeaders": dict(sorted(headers.items())), "HttpStatusCode": 200}
    out["SdkResponseMetadata"] = {"RequestId": request_id}
    return dict(sorted(out.items()))


def epoch_millis(value) -> int:
    """SDK v1 serialises dates as epoch milliseconds."""
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    return int(value * 1000)


def _plain(value):
    """A boto3 response value as JSON (v1 style: dates as epoch milliseconds)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return epoch_millis(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    return value


# --------------------------------------------------------------------------- SDK integrations
def sdk_client_name(service: str) -> str:
    """The boto3 client for an aws-sdk service name (sfn -> stepfunctions, eventbridge -> events)."""

    name = service.lower()
    by_model = sdk_model_for(name)
    if by_model:
        return by_model
    if name in SDK_CLIENT_NAMES:
        return SDK_CLIENT_NAMES[name]
    import botocore.session
    available = botocore.session.get_session().get_available_services()
    if name in available:
        return name
    for candidate in available:
        if candidate.replace("-", "") == name:
            return candidate
    return name


def sdk_operation(client, action: str) -> tuple[str, object]:
    """(boto3 method name, operation model) for a camelCase action such as getItem."""
    from botocore import xform_name
    model = client.meta.service_model
    wanted = action[:1].upper() + action[1:]
    by_lower = {name.lower(): name for name in model.operation_names}
    operation = by_lower.get(wanted.lower())
    if operation is None:
        return None, None
    return xform_name(operation), model.operation_model(operation)


def sdk_request(shape, value):
    """Parameters as given in the definition (PascalCase) mapped onto the API's member names."""
    if shape is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members = shape.members
        lower = {name.lower(): name for name in members}
        out = {}
        for key, item in value.items():
            name = key if key in members else lower.get(key.lower(), key)
            out[name] = sdk_request(members.get(name), item)
        return out
    if kind == "list" and isinstance(value, list):
        return [sdk_request(shape.member, v) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: sdk_request(shape.value, v) for k, v in value.items()}
    if kind == "blob" and isinstance(value, str):
        return value.encode("utf-8")
    return value


def sdk_result(shape, value):
    """A response in the SDK integration's shape: PascalCase members, ISO timestamps, text blobs."""
    if isinstance(value, dict) and (shape is None or shape.type_name == "structure"):
        members = shape.members if shape is not None else {}
        return {(k[:1].upper() + k[1:]): sdk_result(members.get(k), v)
                for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, dict):
        inner = shape.value if shape is not None and shape.type_name == "map" else None
        return {k: sdk_result(inner, v) for k, v in value.items()}
    if isinstance(value, list):
        inner = shape.member if shape is not None and shape.type_name == "list" else None
        return [sdk_result(inner, v) for v in value]
    if isinstance(value, datetime):
        return iso_instant(value)
    if hasattr(value, "read"):  # a streaming body (S3 GetObject)
        value = value.read()
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(value).decode()
    return value


def iso_instant(value: datetime) -> str:
    """A timestamp as SDK v2 prints an Instant: UTC, 'Z', milliseconds only when not zero."""
    value = value.astimezone(timezone.utc)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond // 1000:03d}" if value.microsecond % 1000 == 0 else f".{value.microsecond:06d}"
    return text + "Z"
