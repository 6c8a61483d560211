"""CreateStateMachine's checks of an HTTP Task's Parameters (JSONPath) or Arguments (JSONata).

Only what is fixed in the definition is checked here: a value given by a path ("Method.$") or a
JSONata expression is checked when the task runs (integrations/http.py), as AWS does.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .problems import Problem

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD")
BODY_ENCODINGS = ("NONE", "URL_ENCODED")
ARRAY_FORMATS = ("INDICES", "REPEAT", "COMMAS", "BRACKETS")
DEFAULT_ARRAY_FORMAT = "INDICES"
#: The fields of an HTTP Task's Parameters (or Arguments).
PARAMETER_FIELDS = ("ApiEndpoint", "Method", "Authentication", "InvocationConfig", "Headers",
                    "QueryParameters", "Transform", "RequestBody")
#: Headers an HTTP Task may not set (AWS guide, Headers); names compare case-insensitively.
FORBIDDEN_HEADERS = frozenset(h.lower() for h in (
    "A-IM", "Accept-Charset", "Accept-Datetime", "Accept-Encoding", "Authorization", "Cache-Control",
    "Connection", "Content-Encoding", "Content-MD5", "Date", "Expect", "Forwarded", "From", "Host",
    "HTTP2-Settings", "If-Match", "If-Modified-Since", "If-None-Match", "If-Range",
    "If-Unmodified-Since", "Max-Forwards", "Origin", "Pragma", "Proxy-Authorization", "Referer",
    "Server", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Via", "Warning"))
FORBIDDEN_HEADER_PREFIXES = ("x-forwarded-", "x-amz-", "x-amzn-")


def is_http_task(resource) -> bool:
    return isinstance(resource, str) and resource.startswith("arn:") and \
        resource.split(":", 2)[-1] == "states:::http:invoke"


def forbidden_header(name: str) -> bool:
    lower = name.lower()
    return lower in FORBIDDEN_HEADERS or lower.startswith(FORBIDDEN_HEADER_PREFIXES)


def is_connection_arn(value) -> bool:
    """arn:PARTITION:events:REGION:ACCOUNT:connection/NAME[/ID]"""
    if not isinstance(value, str):
        return False
    parts = value.split(":", 5)
    return (len(parts) == 6 and parts[0] == "arn" and parts[2] == "events" and bool(parts[3])
            and bool(parts[4]) and parts[5].startswith("connection/") and len(parts[5]) > len("connection/"))


_CONNECTION_HOLDERS = ("Authentication", "InvocationConfig")


def http_task_parameters(site):
    """ApiEndpoint, Method and a ConnectionArn are there; fixed values are ones AWS accepts."""
    if site.type != "Task" or not is_http_task(site.state.get("Resource")):
        return
    jsonata = site.language == "JSONata"
    holder = "Arguments" if jsonata else "Parameters"
    params = site.state.get(holder)
    if isinstance(params, str) and jsonata:
        return  # one expression for all the arguments: checked when it runs
    if not isinstance(params, dict):
        yield Problem(site.pointer(), f"{site.title} calls arn:aws:states:::http:invoke and needs {holder} "
                                      f"with ApiEndpoint, Method and Authentication.ConnectionArn.")
        return
    fields = {}
    for key, value in params.items():
        name = key[:-2] if not jsonata and isinstance(key, str) and key.endswith(".$") else key
        if name not in PARAMETER_FIELDS:
            yield Problem(site.pointer(holder, key), f"The field {name!r} is not supported by the HTTP Task; "
                                                     f"its fields are {', '.join(PARAMETER_FIELDS)}.")
            continue
        fields[name] = (key, value, key != name or _is_expression(value))
    for required in ("ApiEndpoint", "Method"):
        if required not in fields:
            yield Problem(site.pointer(holder), f"The field {required!r} is required by the HTTP Task "
                                                f"of {site.title}.")
    yield from _connection(site, holder, fields)
    yield from _fixed_values(site, holder, fields)


def _connection(site, holder, fields):
    given = [h for h in _CONNECTION_HOLDERS if h in fields]
    if not given:
        yield Problem(site.pointer(holder), f"The HTTP Task of {site.title} needs the EventBridge connection: "
                                            f"Authentication (or InvocationConfig) with a ConnectionArn.")
        return
    if len(given) > 1:
        yield Problem(site.pointer(holder, fields[given[1]][0]),
                      "Give the connection in either Authentication or InvocationConfig, not both.")
    key, value, dynamic = fields[given[0]]
    if dynamic:
        return
    if not isinstance(value, dict):
        yield Problem(site.pointer(holder, key), f"{key} must be a JSON object with a ConnectionArn.")
        return
    arn_key = next((k for k in value if k in ("ConnectionArn", "ConnectionArn.$")), None)
    if arn_key is None:
        yield Problem(site.pointer(holder, key), f"{key} must have a ConnectionArn (an EventBridge "
                                                 f"connection ARN).")
        return
    for extra in value:
        if extra != arn_key:
            yield Problem(site.pointer(holder, key, extra), f"The field {extra!r} is not supported in {key}; "
                                                            f"it holds only ConnectionArn.")
    arn = value[arn_key]
    if arn_key == "ConnectionArn" and not _is_expression(arn) and not is_connection_arn(arn):
        yield Problem(site.pointer(holder, key, arn_key),
                      f"ConnectionArn {arn!r} is not an EventBridge connection ARN "
                      f"(arn:aws:events:REGION:ACCOUNT:connection/NAME/ID).")


def _fixed_values(site, holder, fields):
    endpoint = fields.get("ApiEndpoint")
    if endpoint and not endpoint[2] and not _absolute_url(endpoint[1]):
        yield Problem(site.pointer(holder, endpoint[0]),
                      f"ApiEndpoint must be an absolute https:// URL with a host; got {endpoint[1]!r}.")
    method = fields.get("Method")
    if method and not method[2] and method[1] not in METHODS:
        yield Problem(site.pointer(holder, method[0]),
                      f"Method must be one of {', '.join(METHODS)}; got {method[1]!r}.")
    headers = fields.get("Headers")
    if headers and not headers[2]:
        if not isinstance(headers[1], dict):
            yield Problem(site.pointer(holder, headers[0]), "Headers must be a JSON object of header names "
                                                            "and values.")
        else:
            refused = sorted({_plain(k).lower() for k in headers[1] if forbidden_header(_plain(k))})
            if refused:
                # The sentence AWS's validator gives for such a definition.
                yield Problem(site.pointer(holder), f"The 'Headers' field contains unsupported values: "
                                                    f"[{', '.join(refused)}]")
    query = fields.get("QueryParameters")
    if query and not query[2] and not isinstance(query[1], (dict, str)):
        yield Problem(site.pointer(holder, query[0]), "QueryParameters must be a JSON object (or a query "
                                                      "string).")
    transform = fields.get("Transform")
    if transform and not transform[2]:
        yield from _transform(site, holder, transform[0], transform[1])


def _transform(site, holder, key, transform):
    if not isinstance(transform, dict):
        yield Problem(site.pointer(holder, key), "Transform must be a JSON object with RequestBodyEncoding "
                                                 "and RequestEncodingOptions.")
        return
    for field, value in transform.items():
        if field == "RequestBodyEncoding":
            if not _is_expression(value) and value not in BODY_ENCODINGS:
                yield Problem(site.pointer(holder, key, field),
                              f"RequestBodyEncoding must be NONE or URL_ENCODED; got {value!r}.")
        elif field == "RequestEncodingOptions":
            if not isinstance(value, dict):
                yield Problem(site.pointer(holder, key, field), "RequestEncodingOptions must be a JSON "
                                                                "object with ArrayFormat.")
                continue
            for option, choice in value.items():
                if option != "ArrayFormat":
                    yield Problem(site.pointer(holder, key, field, option),
                                  f"The field {option!r} is not supported in RequestEncodingOptions; it "
                                  f"holds only ArrayFormat.")
                elif not _is_expression(choice) and choice not in ARRAY_FORMATS:
                    yield Problem(site.pointer(holder, key, field, option),
                                  f"ArrayFormat must be one of {', '.join(ARRAY_FORMATS)}; got {choice!r}.")
        elif not field.endswith(".$"):
            yield Problem(site.pointer(holder, key, field), f"The field {field!r} is not supported in "
                                                            f"Transform; it holds RequestBodyEncoding and "
                                                            f"RequestEncodingOptions.")


def _plain(key) -> str:
    return key[:-2] if isinstance(key, str) and key.endswith(".$") else str(key)


def _is_expression(value) -> bool:
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}")


def _absolute_url(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
