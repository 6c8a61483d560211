"""Is a Task's `Resource` one Step Functions recognises? Checked as CreateStateMachine checks it.

A Resource is a Lambda function ARN, an activity ARN, an optimized integration
(`arn:aws:states:::SERVICE:ACTION[.sync|.sync:2|.waitForTaskToken]`) or an AWS SDK integration
(`arn:aws:states:::aws-sdk:SERVICE:ACTION[.waitForTaskToken]`).  Which optimized integrations
exist, and which patterns each action supports, is a table of facts from the AWS docs ("Integrating
optimized services with Step Functions" and the per-service pages); botocore does not hold it.
AWS SDK services and actions come from botocore's service models, read lazily (see `sdk_index`).
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import re
import threading
from functools import lru_cache

RR, SYNC, SYNC2, WAIT = "", "sync", "sync:2", "waitForTaskToken"
PATTERNS = (RR, SYNC, SYNC2, WAIT)
CALLBACK_OR_JOB = frozenset({SYNC, SYNC2, WAIT})


def _actions(patterns: tuple, *names: str) -> dict:
    return {name: frozenset(patterns) for name in names}


#: Optimized integrations: service -> action -> the integration patterns it supports.
OPTIMIZED = {
    "lambda": _actions((RR, WAIT), "invoke"),
    "batch": _actions((RR, SYNC), "submitJob"),
    "dynamodb": _actions((RR,), "getItem", "putItem", "updateItem", "deleteItem"),
    "ecs": _actions((RR, SYNC, WAIT), "runTask"),
    "sns": _actions((RR, WAIT), "publish"),
    "sqs": _actions((RR, WAIT), "sendMessage"),
    "events": _actions((RR, WAIT), "putEvents"),
    "apigateway": _actions((RR, WAIT), "invoke"),
    "states": _actions((RR, SYNC, SYNC2, WAIT), "startExecution"),
    "glue": _actions((RR, SYNC), "startJobRun"),
    "databrew": _actions((RR, SYNC), "startJobRun"),
    "athena": {**_actions((RR, SYNC), "startQueryExecution"),
               **_actions((RR,), "stopQueryExecution", "getQueryExecution", "getQueryResults")},
    "codebuild": {**_actions((RR, SYNC), "startBuild", "startBuildBatch", "retryBuildBatch"),
                  **_actions((RR,), "stopBuild", "batchDeleteBuilds", "batchGetReports",
                             "stopBuildBatch", "deleteBuildBatch")},
    "sagemaker": {**_actions((RR, SYNC), "createHyperParameterTuningJob", "createLabelingJob",
                             "createProcessingJob", "createTrainingJob", "createTransformJob"),
                  **_actions((RR,), "createEndpoint", "createEndpointConfig", "createModel",
                             "updateEndpoint")},
    "elasticmapreduce": {**_actions((RR, SYNC), "createCluster", "terminateCluster", "addStep"),
                         **_actions((RR,), "cancelStep", "setClusterTerminationProtection",
                                    "modifyInstanceFleetByName", "modifyInstanceGroupByName")},
    "emr-containers": {**_actions((RR, SYNC), "deleteVirtualCluster", "startJobRun"),
                       **_actions((RR,), "createVirtualCluster")},
    "emr-serverless": _actions((RR, SYNC), "createApplication", "startApplication",
                               "stopApplication", "deleteApplication", "startJobRun",
                               "cancelJobRun"),
    # The summary table marks EKS callbacks as Standard-only; the EKS page lists .sync only.
    # Accepting both keeps real definitions loading when the two pages disagree.
    "eks": {**_actions((RR, SYNC, WAIT), "createCluster", "deleteCluster", "createFargateProfile",
                       "deleteFargateProfile", "createNodegroup", "deleteNodegroup", "runJob"),
            **_actions((RR,), "call")},
    "mediaconvert": _actions((RR, SYNC), "createJob"),
    "bedrock": {**_actions((RR,), "invokeModel"),
                **_actions((RR, SYNC, WAIT), "createModelCustomizationJob")},
    "http": _actions((RR,), "invoke"),
}

#: SDK integrations support request-response and callbacks, never .sync (AWS docs table).
SDK_PATTERNS = frozenset({RR, WAIT})

_PARTITION = re.compile(r"aws(-[a-z]+)*\Z")
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


def _pattern_name(pattern: str) -> str:
    return f".{pattern}" if pattern else "request-response"


def _listing(patterns) -> str:
    order = [p for p in PATTERNS if p in patterns]
    return ", ".join(_pattern_name(p) for p in order)


def resource_problem(arn: str) -> str | None:
    """Why CreateStateMachine would refuse `arn` as a Task's Resource, or None when it is valid."""
    placeholder = _PLACEHOLDER.search(arn)
    if placeholder:
        return (f"Resource {arn!r} still holds the placeholder {placeholder.group()}: its "
                "DefinitionSubstitutions were not applied (asl takes them with --substitution KEY=VALUE "
                "or --substitutions FILE).")
    parts = arn.split(":")
    if len(parts) < 6 or parts[0] != "arn" or not _PARTITION.match(parts[1]):
        if _partial_lambda_arn(parts):
            return None
        return (f"Resource {arn!r} is not a valid resource ARN: a Task calls a Lambda function ARN, "
                "an activity ARN or an integration arn:aws:states:::SERVICE:ACTION.")
    vendor = parts[2]
    if vendor == "lambda":
        if parts[5] == "function" and len(parts) in (7, 8) and parts[6] and parts[3] and parts[4]:
            return None
        return f"Resource {arn!r} is not a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)."
    if vendor != "states":
        return (f"Resource {arn!r} is not a resource a Task can call: Step Functions calls services "
                "through arn:aws:states:::SERVICE:ACTION or arn:aws:states:::aws-sdk:SERVICE:ACTION.")
    if parts[5] == "activity":
        if len(parts) == 7 and parts[3] and parts[4] and parts[6]:
            return None
        return f"Resource {arn!r} is not an activity ARN (arn:aws:states:REGION:ACCOUNT:activity:NAME)."
    if parts[3] or parts[4]:
        return (f"Resource {arn!r} is not a service integration: integration ARNs leave region and "
                "account empty (arn:aws:states:::SERVICE:ACTION).")
    rest = parts[5:]
    if rest[0] == "aws-sdk":
        return _sdk_problem(arn, rest[1:])
    return _optimized_problem(arn, rest)


def _partial_lambda_arn(parts: list) -> bool:
    """Lambda's short forms (`function:NAME`, `ACCOUNT:function:NAME[:Q]`), which we run too."""
    if "function" not in parts[:2]:
        return False
    rest = parts[parts.index("function") + 1:]
    return 1 <= len(rest) <= 2 and bool(rest[0])


def _split_action(tail: str) -> tuple[str, str | None]:
    action, dot, pattern = tail.partition(".")
    return action, (pattern if dot else RR)


def _optimized_problem(arn: str, rest: list) -> str | None:
    service = rest[0]
    action, pattern = _split_action(":".join(rest[1:]))
    actions = OPTIMIZED.get(service)
    if actions is None:
        return (f"Resource {arn!r}: {service!r} is not a Step Functions optimized integration; "
                f"call other services through the AWS SDK integration "
                f"(arn:aws:states:::aws-sdk:SERVICE:ACTION).")
    if pattern not in PATTERNS:
        return f"Resource {arn!r}: .{pattern} is not an integration pattern (.sync, .sync:2 or .waitForTaskToken)."
    patterns = actions.get(action)
    if patterns is None:
        same = [a for a in actions if a.lower() == action.lower()]
        hint = f" (did you mean {same[0]}?)" if same else \
            f"; for other {service} actions use arn:aws:states:::aws-sdk:{service}:{action or 'ACTION'}"
        return (f"Resource {arn!r}: the {service} integration has no action {action!r}; its actions "
                f"are {', '.join(actions)}{hint}.")
    if pattern not in patterns:
        return (f"Resource {arn!r}: {service}:{action} does not support the {_pattern_name(pattern)} "
                f"pattern; it supports {_listing(patterns)}.")
    return None


def _sdk_problem(arn: str, rest: list) -> str | None:
    if len(rest) < 2 or not rest[0] or not rest[1]:
        return f"Resource {arn!r} does not name an AWS SDK service and action (arn:aws:states:::aws-sdk:SERVICE:ACTION)."
    service = rest[0]
    action, pattern = _split_action(":".join(rest[1:]))
    if pattern not in SDK_PATTERNS:
        shown = f".{pattern}" if pattern in PATTERNS else f"'.{pattern}'"
        return (f"Resource {arn!r}: AWS SDK integrations support request-response and "
                f".waitForTaskToken, not {shown}.")
    index = sdk_index()
    if index is None:
        return None  # botocore is not installed: nothing to check against
    model_dir = index.get(service)
    if model_dir is None:
        near = [name for name in index if name.startswith(service[:4])][:5]
        hint = f" (similar: {', '.join(near)})" if near else ""
        return (f"Resource {arn!r}: {service!r} is not an AWS SDK service name{hint}; "
                "the name is the service's SDK name in lower case, such as s3, dynamodb, sfn, eventbridge.")
    operations = sdk_operations(model_dir)
    if action.lower() not in operations:
        return (f"Resource {arn!r}: the AWS SDK service {service!r} has no action {action!r} "
                "(actions are the API names in camelCase, such as getItem).")
    return None


# --------------------------------------------------------------------------- botocore models
_index_lock = threading.Lock()
_index: dict | None = None
_index_built = False


def botocore_data_dir() -> str | None:
    """botocore's data/ folder, found without importing botocore (start-up time matters)."""
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = os.path.join(list(spec.submodule_search_locations)[0], "data")
    return path if os.path.isdir(path) else None


def sdk_name(service_id: str) -> str:
    """The SDK integration name of a service: its serviceId as the Java SDK v2 names the client
    (PascalCase, leading Amazon/Aws and trailing Service dropped), in lower case."""
    name = re.sub(r"[^a-z0-9]", "", service_id.lower())
    for prefix in ("amazon", "aws"):
        if name.startswith(prefix) and len(name) > len(prefix):
            name = name[len(prefix):]
    if name.endswith("service") and len(name) > len("service"):
        name = name[: -len("service")]
    return name


def sdk_index() -> dict | None:
    """SDK integration name -> botocore model folder, built once per process from the models'
    metadata (only the head of each compressed model is read: ~0.1 s for 400 services)."""
    global _index, _index_built
    if _index_built:
        return _index
    with _index_lock:
        if not _index_built:
            _index = _build_index()
            _index_built = True
    return _index


def _build_index() -> dict | None:
    data = botocore_data_dir()
    if data is None:
        return None
    index = {}
    for folder in sorted(os.listdir(data)):
        model = _latest_model(os.path.join(data, folder))
        if model is None:
            continue
        service_id = _service_id(model)
        if service_id:
            index.setdefault(sdk_name(service_id), model)
    return index


def _latest_model(folder: str) -> str | None:
    if not os.path.isdir(folder):
        return None
    versions = sorted(v for v in os.listdir(folder)
                      if os.path.isfile(os.path.join(folder, v, "service-2.json.gz"))
                      or os.path.isfile(os.path.join(folder, v, "service-2.json")))
    if not versions:
        return None
    base = os.path.join(folder, versions[-1], "service-2.json")
    return base + ".gz" if os.path.isfile(base + ".gz") else base


def _open(model: str):
    return gzip.open(model, "rb") if model.endswith(".gz") else open(model, "rb")


def _service_id(model: str) -> str | None:
    try:
        with _open(model) as fh:
            head = fh.read(8192).decode("utf-8", "replace")
    except OSError:
        return None
    match = re.search(r'"serviceId"\s*:\s*"([^"]+)"', head)
    return match.group(1) if match else None


@lru_cache(maxsize=64)
def sdk_operations(model: str) -> frozenset:
    """The service's operation names, lower-cased (one model read per service, kept)."""
    with _open(model) as fh:
        doc = json.load(fh)
    return frozenset(name.lower() for name in doc.get("operations", {}))


def sdk_model_for(service: str) -> str | None:
    """The botocore model folder's service name (its boto3 client name) for an SDK integration name."""
    index = sdk_index()
    model = index.get(service.lower()) if index else None
    if model is None:
        return None
    return os.path.basename(os.path.dirname(os.path.dirname(model)))
