"""EventBridge connections for HTTP Tasks: a connection ARN mapped to its authorization, locally.

AWS keeps a connection's credentials in EventBridge; here the caller gives them, per connection
ARN, in the shape of EventBridge's `AuthParameters` (CreateConnection): exactly one of
`ApiKeyAuthParameters`, `BasicAuthParameters` or `OAuthParameters` (none at all means the API
needs no authorization), plus optional `InvocationHttpParameters`.  Python:
`run(connections={ARN: AUTH})`; CLI: `asl run --connections FILE` (a JSON object of that shape).

Every secret value a connection holds (keys, passwords, client secrets, OAuth access tokens,
parameters marked `IsValueSecret`) is remembered so that history and output can mask it.
"""

from __future__ import annotations

import base64
import json
import os
from urllib.parse import urlsplit
import threading
import time

from ..definition.http_task import is_connection_arn
from ..errors import ASLError

#: What a masked secret reads as in history and output.
MASK = "********"
#: EventBridge refreshes an OAuth token that expires within this many seconds (EventBridge docs).
TOKEN_REFRESH_MARGIN = 60
#: Shorter secret values are not masked inside other text: masking them would garble the output.
MIN_MASKED_LENGTH = 4

_AUTH_KINDS = {
    "ApiKeyAuthParameters": ("ApiKeyName", "ApiKeyValue"),
    "BasicAuthParameters": ("Username", "Password"),
    "OAuthParameters": ("ClientParameters", "AuthorizationEndpoint", "HttpMethod"),
}
_OPTIONAL = {"OAuthParameters": ("OAuthHttpParameters",)}
#: Accepted and not used locally: how EventBridge reaches a private API (a VPC resource).
_IGNORED = ("ConnectivityParameters",)
_HTTP_PARAMETER_LISTS = ("HeaderParameters", "QueryStringParameters", "BodyParameters")
_OAUTH_METHODS = ("GET", "POST", "PUT")  # botocore: events ConnectionOAuthHttpMethod

CONNECTION_NOT_FOUND = "Events.ConnectionResource.ResourceNotFound"
INVALID_CONNECTION_STATE = "Events.ConnectionResource.InvalidConnectionState"


class ConnectionsError(ValueError):
    """A connections mapping (or file) that is not in EventBridge's AuthParameters shape."""


class Connection:
    """One connection: what it adds to each request, and its OAuth token once fetched."""

    def __init__(self, arn: str, auth: dict):
        self.arn = arn
        self.kind = next((k for k in _AUTH_KINDS if k in auth), None)
        self.auth = auth.get(self.kind) if self.kind else None
        invocation = auth.get("InvocationHttpParameters") or {}
        self.headers = _pairs(invocation.get("HeaderParameters"))
        self.query = _pairs(invocation.get("QueryStringParameters"))
        self.body = _pairs(invocation.get("BodyParameters"))
        self.secrets = set(_secret_values(auth))
        self._token = None  # (access token, expiry epoch or None)
        self._lock = threading.Lock()

    def authorization_headers(self, fetch_token) -> dict:
        """The headers the authorization adds; `fetch_token(connection)` gets an OAuth token."""
        if self.kind == "ApiKeyAuthParameters":
            return {self.auth["ApiKeyName"]: self.auth["ApiKeyValue"]}
        if self.kind == "BasicAuthParameters":
            return {"Authorization": basic_authorization(self.auth["Username"], self.auth["Password"])}
        if self.kind == "OAuthParameters":
            return {"Authorization": f"Bearer {self.access_token(fetch_token)}"}
        return {}

    def access_token(self, fetch_token) -> str:
        with self._lock:
            token = self._token
            if token is None or (token[1] is not None and token[1] - time.time() < TOKEN_REFRESH_MARGIN):
                access, expires_in = fetch_token(self)
                self.secrets.add(access)
                expiry = time.time() + expires_in if expires_in is not None else None
                self._token = token = (access, expiry)
            return token[0]

    def forget_token(self) -> None:
        """EventBridge refreshes the token after a 401 or 407 answer: the next call fetches anew."""
        with self._lock:
            self._token = None


class Connections:
    """The connections of a run, by ARN."""

    def __init__(self, mapping: dict | None = None):
        self._by_arn = {arn: Connection(arn, auth) for arn, auth in (mapping or {}).items()}

    @classmethod
    def load(cls, source) -> "Connections":
        """From a mapping, a JSON file path, or an existing Connections; raises ConnectionsError."""
        if isinstance(source, Connections):
            return source
        if source is None:
            return cls()
        if isinstance(source, (str, os.PathLike)):
            try:
                with open(source, encoding="utf-8") as fh:
                    source = json.load(fh)
            except OSError as exc:
                raise ConnectionsError(f"cannot read the connections file {source}: {exc.strerror or exc}") from None
            except ValueError as exc:
                raise ConnectionsError(f"the connections file {source} is not valid JSON: {exc}") from None
        check_connections(source)
        return cls(source)

    def get(self, arn: str) -> Connection | None:
        return self._by_arn.get(arn)

    def __contains__(self, arn) -> bool:
        return arn in self._by_arn

    def __bool__(self) -> bool:
        return bool(self._by_arn)

    def secrets(self) -> set[str]:
        out = set()
        for connection in self._by_arn.values():
            out |= connection.secrets
        return out


def basic_authorization(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode("utf-8")).decode("ascii")


def not_found(arn: str, state_name: str) -> ASLError:
    return ASLError(CONNECTION_NOT_FOUND,
                    f"The connection '{arn}' of state '{state_name}' is not configured. Give its "
                    f"authorization with run(connections={{ARN: AUTH}}) or asl run --connections FILE "
                    f"(AUTH in EventBridge's AuthParameters shape).")


# --------------------------------------------------------------------------- checking the shape
def check_connections(mapping) -> None:
    """Raise ConnectionsError naming the first place `mapping` leaves EventBridge's shape."""
    if not isinstance(mapping, dict):
        raise ConnectionsError("connections must be a JSON object mapping each connection ARN to its "
                               "AuthParameters")
    for arn, auth in mapping.items():
        where = f"connections[{arn!r}]"
        if not isinstance(arn, str) or not is_connection_arn(arn):
            raise ConnectionsError(f"{where}: the key must be an EventBridge connection ARN "
                                   f"(arn:aws:events:REGION:ACCOUNT:connection/NAME/ID)")
        if not isinstance(auth, dict):
            raise ConnectionsError(f"{where} must be a JSON object in the shape of EventBridge's AuthParameters")
        _check_auth(where, auth)


def _check_auth(where: str, auth: dict) -> None:
    known = set(_AUTH_KINDS) | {"InvocationHttpParameters"} | set(_IGNORED)
    for key in auth:
        if key not in known:
            raise ConnectionsError(f"{where}: unknown field {key!r}; AuthParameters has "
                                   f"{', '.join(sorted(known))}")
    kinds = [k for k in _AUTH_KINDS if k in auth]
    if len(kinds) > 1:
        raise ConnectionsError(f"{where}: give one authorization, not {' and '.join(kinds)}")
    for kind in kinds:
        _check_fields(f"{where}.{kind}", auth[kind], _AUTH_KINDS[kind], _OPTIONAL.get(kind, ()))
    if "OAuthParameters" in auth:
        oauth = auth["OAuthParameters"]
        _check_fields(f"{where}.OAuthParameters.ClientParameters", oauth["ClientParameters"],
                      ("ClientID", "ClientSecret"))
        if oauth["HttpMethod"] not in _OAUTH_METHODS:
            raise ConnectionsError(f"{where}.OAuthParameters.HttpMethod must be one of "
                                   f"{', '.join(_OAUTH_METHODS)}; got {oauth['HttpMethod']!r}")
        if not _is_http_url(oauth["AuthorizationEndpoint"]):
            raise ConnectionsError(f"{where}.OAuthParameters.AuthorizationEndpoint must be an absolute "
                                   f"https:// (or http://) URL; got {oauth['AuthorizationEndpoint']!r}")
        if "OAuthHttpParameters" in oauth:
            _check_http_parameters(f"{where}.OAuthParameters.OAuthHttpParameters", oauth["OAuthHttpParameters"])
    if "InvocationHttpParameters" in auth:
        _check_http_parameters(f"{where}.InvocationHttpParameters", auth["InvocationHttpParameters"])


def _check_fields(where: str, value, required: tuple, optional: tuple = ()) -> None:
    if not isinstance(value, dict):
        raise ConnectionsError(f"{where} must be a JSON object")
    for key in value:
        if key not in required and key not in optional:
            raise ConnectionsError(f"{where}: unknown field {key!r}; expected {', '.join(required + optional)}")
    for key in required:
        if key not in value:
            raise ConnectionsError(f"{where}: {key} is required")
        if key not in ("ClientParameters",) and (not isinstance(value[key], str) or not value[key]):
            raise ConnectionsError(f"{where}.{key} must be a non-empty string")


def _check_http_parameters(where: str, value) -> None:
    if not isinstance(value, dict):
        raise ConnectionsError(f"{where} must be a JSON object")
    for key, entries in value.items():
        if key not in _HTTP_PARAMETER_LISTS:
            raise ConnectionsError(f"{where}: unknown field {key!r}; expected {', '.join(_HTTP_PARAMETER_LISTS)}")
        if not isinstance(entries, list):
            raise ConnectionsError(f"{where}.{key} must be a list of {{\"Key\", \"Value\", \"IsValueSecret\"}}")
        for i, entry in enumerate(entries):
            at = f"{where}.{key}[{i}]"
            if not isinstance(entry, dict) or not isinstance(entry.get("Key"), str) or not entry["Key"]:
                raise ConnectionsError(f"{at} must be an object with a non-empty string Key")
            for field in entry:
                if field not in ("Key", "Value", "IsValueSecret"):
                    raise ConnectionsError(f"{at}: unknown field {field!r}; expected Key, Value, IsValueSecret")
            if not isinstance(entry.get("Value", ""), str):
                raise ConnectionsError(f"{at}.Value must be a string")
            if not isinstance(entry.get("IsValueSecret", False), bool):
                raise ConnectionsError(f"{at}.IsValueSecret must be true or false")


def _is_http_url(text) -> bool:
    if not isinstance(text, str):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _pairs(entries) -> list[tuple[str, str]]:
    return [(e["Key"], e.get("Value", "")) for e in entries or ()]


def _secret_values(auth: dict):
    """The values of `auth` a reader of history must not see."""
    api_key = auth.get("ApiKeyAuthParameters")
    if api_key:
        yield api_key["ApiKeyValue"]
    basic = auth.get("BasicAuthParameters")
    if basic:
        yield basic["Password"]
        yield basic_authorization(basic["Username"], basic["Password"]).split(" ", 1)[1]
    oauth = auth.get("OAuthParameters")
    if oauth:
        client = oauth["ClientParameters"]
        yield client["ClientSecret"]
        yield basic_authorization(client["ClientID"], client["ClientSecret"]).split(" ", 1)[1]
        yield from _marked_secret((oauth.get("OAuthHttpParameters") or {}))
    yield from _marked_secret(auth.get("InvocationHttpParameters") or {})


def _marked_secret(parameters: dict):
    for key in _HTTP_PARAMETER_LISTS:
        for entry in parameters.get(key) or ():
            if entry.get("IsValueSecret") and entry.get("Value"):
                yield entry["Value"]


# --------------------------------------------------------------------------- masking
def redact(value, secrets):
    """`value` (JSON-ready data) with every secret string inside replaced by MASK."""
    secrets = sorted((s for s in secrets if len(s) >= MIN_MASKED_LENGTH), key=len, reverse=True)
    if not secrets:
        return value
    forms = []
    for s in secrets:
        forms.append(s)
        escaped = json.dumps(s, ensure_ascii=False)[1:-1]  # as it reads inside JSON text
        if escaped != s:
            forms.append(escaped)
    return _redact(value, forms)


def _redact(value, forms):
    if isinstance(value, str):
        for form in forms:
            if form in value:
                value = value.replace(form, MASK)
        return value
    if isinstance(value, dict):
        return {_redact(k, forms): _redact(v, forms) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, forms) for v in value]
    return value
