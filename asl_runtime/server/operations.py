"""The Step Functions API operations, one method each, named as AWS names them.

Each method takes the request (already checked against botocore's model) and returns the
response members; refusals are `ServiceError`s with AWS's error names.  State lives in the
store, so a restarted server describes everything it acknowledged before.
"""

from __future__ import annotations

import base64
import json
import math
import random
import threading
import time
import uuid
from datetime import datetime

from ..api import StateMachine
from ..engine.store import Checkpoint
from ..errors import DefinitionError
from ..integrations.callbacks import (TaskTokenError, get_activity_task, send_task_failure, send_task_heartbeat,
                                      send_task_success)
from ..integrations.mocks import MockConfigError
from ..limits import MAX_PAYLOAD_BYTES
from ..query.timestamps import format_epoch
from . import arns, runner
from .diagnostics import diagnostics
from .errors import ServiceError, does_not_exist
from .store_sqlite import ExecutionRecord, SqliteStore
from .test_state import test_state

MAX_INPUT_BYTES = MAX_PAYLOAD_BYTES
DEFAULT_PAGE = 100
TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
REDRIVE_DAYS = 14


class ServerConfig:
    """What `asl serve` was started with (see cli/serve_cmd.py)."""

    def __init__(self, account_id="123456789012", region="us-east-1", clock="real", handlers=None,
                 mock_config=None, wait_time_scale=None, endpoint_url=None, allow_aws=False,
                 service_endpoints=None, connections=None):
        self.account_id = account_id
        self.region = region
        self.partition = "aws"
        self.clock = clock
        self.handlers = handlers or {}
        self.mock_config = mock_config
        self.wait_time_scale = wait_time_scale
        self.endpoint_url = endpoint_url
        self.allow_aws = allow_aws
        self.service_endpoints = service_endpoints or {}  # LAMBDA_ENDPOINT, SQS_ENDPOINT, ...
        self.connections = connections  # integrations.connections.Connections for HTTP Tasks, or None

    def task_options(self) -> dict:
        """The run options every execution and TestState call of this server gets."""
        options = {"handlers": self.handlers, "account_id": self.account_id, "region": self.region}
        if self.allow_aws:
            options["allow_aws"] = True
        if self.connections is not None:
            options["connections"] = self.connections
        return options


#: How long StartExecution waits for the execution to end before it answers (seconds).
START_GRACE = 0.025


class StepFunctions:
    """The service: the store plus the executions running in this process."""

    def __init__(self, config: ServerConfig | None = None, store: SqliteStore | None = None):
        self.config = config or ServerConfig()
        self.store = store or SqliteStore()
        self._lock = threading.RLock()
        self._machines: dict[tuple, object] = {}  # (arn, revisionId) -> compiled StateMachine
        self.running: dict[str, object] = {}      # execution ARN -> RunningExecution
        self.live_map_runs: dict[str, dict] = {}  # map run ARN -> its record while it runs (MapRuns)
        # Tokens issued before a restart: the resumed Task issues a new one, and the old one
        # (which a worker may hold) is answered through it.  (arn, state, scope) -> old tokens.
        self._stale: dict[tuple, list[str]] = {}
        self._stale_tokens: dict[str, tuple] = {}
        self._relinked: dict[str, str] = {}       # old token -> the token now waited on
        self._relink = threading.Condition()
        self.store.on_token = self._token_issued

    # ================================================================== helpers
    def _now(self) -> float:
        return time.time()

    def _machine_arn(self, name: str) -> str:
        c = self.config
        return arns.state_machine(c.partition, c.region, c.account_id, name)

    def _machine(self, arn: str) -> dict:
        """The state machine record for an unqualified ARN (InvalidArn / StateMachineDoesNotExist)."""
        parsed = arns.parse(arn, "stateMachine")
        base, qualifier = arns.split_qualifier(parsed)
        if qualifier is not None:
            raise ServiceError("InvalidArn", f"Invalid Arn: 'Unexpected qualifier in this context: {arn}'")
        record = self.store.get_resource(base, "stateMachine")
        if record is None:
            raise does_not_exist("StateMachineDoesNotExist", "State Machine", arn)
        return record

    def _resolve(self, arn: str) -> tuple[dict, dict | None, dict | None]:
        """(machine, version or None, alias or None) for an unqualified, version or alias ARN."""
        parsed = arns.parse(arn, "stateMachine")
        base, qualifier = arns.split_qualifier(parsed)
        machine = self.store.get_resource(base, "stateMachine")
        if machine is None:
            raise does_not_exist("StateMachineDoesNotExist", "State Machine", arn)
        if qualifier is None:
            return machine, None, None
        if qualifier.isdigit():
            version = self.store.get_resource(arn, "version")
            if version is None:
                raise does_not_exist("StateMachineDoesNotExist", "State Machine", arn)
            return machine, version, None
        alias = self.store.get_resource(arn, "alias")
        if alias is None:
            raise ServiceError("ResourceNotFound", f"Resource not found: '{arn}'", resourceName=arn)
        return machine, None, alias

    def _compiled(self, arn: str, revision: str, definition: str):
        key = (arn, revision)
        compiled = self._machines.get(key)
        if compiled is None:
            compiled = StateMachine.from_json(definition, name=arn.split(":")[6])
            self._machines[key] = compiled
        return compiled

    def _check_definition(self, text: str):
        """The compiled machine, or InvalidDefinition naming each problem as AWS words them."""

        try:
            return StateMachine.from_json(text)
        except DefinitionError:
            pass
        found = diagnostics(text)
        problems = ", ".join(f"{d['code']}: {d['message']}" + (f" at {d['location']}" if d.get("location") else "")
                             for d in found if d["severity"] == "ERROR")
        raise ServiceError("InvalidDefinition", f"Invalid State Machine Definition: '{problems}'")

    def _check_role(self, role_arn: str) -> None:
        pieces = role_arn.split(":")
        if len(pieces) < 6 or pieces[0] != "arn" or pieces[2] != "iam" or not pieces[5].startswith("role/"):
            raise ServiceError("InvalidArn", f"Invalid Arn: 'Resource type not valid in this context: {role_arn}'")

    # ================================================================== state machines
    def CreateStateMachine(self, req: dict) -> dict:
        name, definition, role = req["name"], req["definition"], req["roleArn"]
        arns.check_name(name)
        self._check_role(role)
        sm_type = req.get("type", "STANDARD")
        self._check_definition(definition)
        arn = self._machine_arn(name)
        with self._lock:
            existing = self.store.get_resource(arn, "stateMachine")
            if existing is not None:
                same = (existing["definition"] == definition and existing["roleArn"] == role
                        and existing["type"] == sm_type)
                if not same:
                    raise ServiceError("StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'")
                out = {"stateMachineArn": arn, "creationDate": existing["creationDate"]}
                return out
            now = self._now()
            record = {
                "stateMachineArn": arn, "name": name, "definition": definition, "roleArn": role,
                "type": sm_type, "creationDate": now, "updateDate": now, "status": "ACTIVE",
                "revisionId": str(uuid.uuid4()), "nextVersion": 1,
                "loggingConfiguration": req.get("loggingConfiguration") or {"level": "OFF", "includeExecutionData": False},
                "tracingConfiguration": req.get("tracingConfiguration") or {"enabled": False},
            }
            if req.get("encryptionConfiguration"):
                record["encryptionConfiguration"] = req["encryptionConfiguration"]
            self.store.put_resource(arn, "stateMachine", record)
            self._tag(arn, req.get("tags") or [])
            out = {"stateMachineArn": arn, "creationDate": now}
            if req.get("publish"):
                out["stateMachineVersionArn"] = self._publish(record, req.get("versionDescription"))["stateMachineVersionArn"]
            return out

    def DescribeStateMachine(self, req: dict) -> dict:
        machine, version, alias = self._resolve(req["stateMachineArn"])
        if alias is not None:
            raise ServiceError("InvalidArn", f"Invalid Arn: 'Unexpected alias in this context: {req['stateMachineArn']}'")
        source = version or machine
        out = {
            "stateMachineArn": source.get("stateMachineVersionArn", machine["stateMachineArn"]),
            "name": machine["name"], "status": "ACTIVE", "definition": source["definition"],
            "roleArn": source["roleArn"], "type": machine["type"], "creationDate": source["creationDate"],
            "loggingConfiguration": machine["loggingConfiguration"],
            "tracingConfiguration": machine["tracingConfiguration"], "revisionId": source["revisionId"],
        }
        if version is not None and version.get("description"):
            out["description"] = version["description"]
        if machine.get("encryptionConfiguration"):
            out["encryptionConfiguration"] = machine["encryptionConfiguration"]
        if req.get("includedData") == "METADATA_ONLY":
            out.pop("definition")
            out["definition"] = ""  # a required member; AWS omits the content
        return out

    def UpdateStateMachine(self, req: dict) -> dict:
        machine = self._machine(req["stateMachineArn"])
        changes = [k for k in ("definition", "roleArn", "loggingConfiguration", "tracingConfiguration",
                               "encryptionConfiguration") if k in req]
        if not changes and not req.get("publish"):
            raise ServiceError("MissingRequiredParameter",
                               "Either the definition, the roleArn, the loggingConfiguration, the "
                               "tracingConfiguration or the encryptionConfiguration must be specified")
        if "definition" in req:
            self._check_definition(req["definition"])
        if "roleArn" in req:
            self._check_role(req["roleArn"])
        with self._lock:
            machine = self._machine(req["stateMachineArn"])
            changed = any(machine.get(k) != req[k] for k in changes)
            now = self._now()
            if changed:
                for k in changes:
                    machine[k] = req[k]
                machine["revisionId"] = str(uuid.uuid4())
                machine["updateDate"] = now
                self.store.put_resource(machine["stateMachineArn"], "stateMachine", machine)
            out = {"updateDate": machine["updateDate"], "revisionId": machine["revisionId"]}
            if req.get("publish"):
                out["stateMachineVersionArn"] = self._publish(machine, req.get("versionDescription"))["stateMachineVersionArn"]
            return out

    def DeleteStateMachine(self, req: dict) -> dict:
        parsed = arns.parse(req["stateMachineArn"], "stateMachine")
        base, qualifier = arns.split_qualifier(parsed)
        if qualifier is not None:
            raise ServiceError("ValidationException", "Deleting a state machine version or alias requires "
                               "DeleteStateMachineVersion or DeleteStateMachineAlias")
        with self._lock:
            for kind in ("alias", "version"):
                for item in self.store.resources(kind, base):
                    self.store.delete_resource(item.get("stateMachineAliasArn") or item["stateMachineVersionArn"])
            self.store.delete_resource(base)
        return {}

    def ListStateMachines(self, req: dict) -> dict:
        items = [{"stateMachineArn": m["stateMachineArn"], "name": m["name"], "type": m["type"],
                  "creationDate": m["creationDate"]} for m in self.store.resources("stateMachine")]
        return _page(items, req, "stateMachines", "stateMachineArn")

    # ================================================================== versions and aliases
    def _publish(self, machine: dict, description: str | None) -> dict:
        versions = self.store.resources("version", machine["stateMachineArn"])
        if versions and versions[-1]["revisionId"] == machine["revisionId"]:
            return versions[-1]  # publishing an unchanged revision is idempotent
        number = machine["nextVersion"]
        machine["nextVersion"] = number + 1
        self.store.put_resource(machine["stateMachineArn"], "stateMachine", machine)
        arn = f"{machine['stateMachineArn']}:{number}"
        version = {"stateMachineVersionArn": arn, "creationDate": self._now(), "definition": machine["definition"],
                   "roleArn": machine["roleArn"], "revisionId": machine["revisionId"], "description": description}
        self.store.put_resource(arn, "version", version, parent=machine["stateMachineArn"])
        return version

    def PublishStateMachineVersion(self, req: dict) -> dict:
        with self._lock:
            machine = self._machine(req["stateMachineArn"])
            if req.get("revisionId") and req["revisionId"] != machine["revisionId"]:
                raise ServiceError("ConflictException", f"Failed to publish the State Machine version for revision "
                                   f"{req['revisionId']}. The current State Machine revision is {machine['revisionId']}.")
            version = self._publish(machine, req.get("description"))
        return {"creationDate": version["creationDate"], "stateMachineVersionArn": version["stateMachineVersionArn"]}

    def ListStateMachineVersions(self, req: dict) -> dict:
        machine = self._machine(req["stateMachineArn"])
        items = [{"stateMachineVersionArn": v["stateMachineVersionArn"], "creationDate": v["creationDate"]}
                 for v in reversed(self.store.resources("version", machine["stateMachineArn"]))]
        return _page(items, req, "stateMachineVersions", "stateMachineVersionArn")

    def DeleteStateMachineVersion(self, req: dict) -> dict:
        arn = req["stateMachineVersionArn"]
        parsed = arns.parse(arn, "stateMachine")
        base, qualifier = arns.split_qualifier(parsed)
        if qualifier is None or not qualifier.isdigit():
            raise ServiceError("InvalidArn", f"Invalid Arn: 'Not a state machine version ARN: {arn}'")
        with self._lock:
            for alias in self.store.resources("alias", base):
                if any(r["stateMachineVersionArn"] == arn for r in alias["routingConfiguration"]):
                    raise ServiceError("ConflictException", f"Version to be deleted must not be referenced by an "
                                       f"alias. Current list of aliases referencing this version: "
                                       f"[{alias['stateMachineAliasArn']}]")
            self.store.delete_resource(arn)
        return {}

    def _check_routing(self, machine_arn: str, routing: list) -> None:
        weights = sum(r["weight"] for r in routing)
        versions = [r["stateMachineVersionArn"] for r in routing]
        if len(set(versions)) != len(versions):
            raise ServiceError("ValidationException", "Routing configuration must contain distinct state machine "
                               "version ARNs", reason="INVALID_ROUTING_CONFIGURATION")
        for arn in versions:
            parsed = arns.parse(arn, "stateMachine")
            base, qualifier = arns.split_qualifier(parsed)
            if qualifier is None or not qualifier.isdigit() or base != machine_arn:
                raise ServiceError("ValidationException", f"Routing configuration must reference versions of "
                                   f"'{machine_arn}', not '{arn}'", reason="INVALID_ROUTING_CONFIGURATION")
            if self.store.get_resource(arn, "version") is None:
                raise ServiceError("ResourceNotFound", f"Resource not found: '{arn}'", resourceName=arn)
        if weights != 100:
            raise ServiceError("ValidationException", f"Sum of routing configuration weights must equal 100, "
                               f"not {weights}", reason="INVALID_ROUTING_CONFIGURATION")

    def CreateStateMachineAlias(self, req: dict) -> dict:
        name, routing = req["name"], req["routingConfiguration"]
        if name.isdigit():
            raise ServiceError("InvalidName", f"Invalid Name: '{name}' (an alias name cannot be a version number)")
        first = arns.parse(routing[0]["stateMachineVersionArn"], "stateMachine")
        machine_arn, _ = arns.split_qualifier(first)
        with self._lock:
            machine = self._machine(machine_arn)
            self._check_routing(machine_arn, routing)
            arn = f"{machine_arn}:{name}"
            existing = self.store.get_resource(arn, "alias")
            if existing is not None:
                if existing["routingConfiguration"] == routing and existing.get("description") == req.get("description"):
                    return {"stateMachineAliasArn": arn, "creationDate": existing["creationDate"]}
                raise ServiceError("ConflictException", f"Failed to create alias because an alias with the same "
                                   f"name and a different routing configuration already exists: '{arn}'")
            now = self._now()
            alias = {"stateMachineAliasArn": arn, "name": name, "description": req.get("description"),
                     "routingConfiguration": routing, "creationDate": now, "updateDate": now}
            self.store.put_resource(arn, "alias", alias, parent=machine["stateMachineArn"])
        return {"stateMachineAliasArn": arn, "creationDate": now}

    def _alias(self, arn: str) -> dict:
        parsed = arns.parse(arn, "stateMachine")
        _, qualifier = arns.split_qualifier(parsed)
        if qualifier is None or qualifier.isdigit():
            raise ServiceError("InvalidArn", f"Invalid Arn: 'Not a state machine alias ARN: {arn}'")
        alias = self.store.get_resource(arn, "alias")
        if alias is None:
            raise ServiceError("ResourceNotFound", f"Resource not found: '{arn}'", resourceName=arn)
        return alias

    def DescribeStateMachineAlias(self, req: dict) -> dict:
        alias = self._alias(req["stateMachineAliasArn"])
        return {k: v for k, v in alias.items() if v is not None}

    def UpdateStateMachineAlias(self, req: dict) -> dict:
        if "description" not in req and "routingConfiguration" not in req:
            raise ServiceError("ValidationException", "Either the description or the routingConfiguration must be "
                               "specified", reason="MISSING_REQUIRED_PARAMETER")
        with self._lock:
            alias = self._alias(req["stateMachineAliasArn"])
            if "routingConfiguration" in req:
                base, _ = arns.split_qualifier(arns.parse(alias["stateMachineAliasArn"], "stateMachine"))
                self._check_routing(base, req["routingConfiguration"])
                alias["routingConfiguration"] = req["routingConfiguration"]
            if "description" in req:
                alias["description"] = req["description"]
            alias["updateDate"] = self._now()
            base = alias["stateMachineAliasArn"].rsplit(":", 1)[0]
            self.store.put_resource(alias["stateMachineAliasArn"], "alias", alias, parent=base)
        return {"updateDate": alias["updateDate"]}

    def DeleteStateMachineAlias(self, req: dict) -> dict:
        with self._lock:
            alias = self._alias(req["stateMachineAliasArn"])
            self.store.delete_resource(alias["stateMachineAliasArn"])
        return {}

    def ListStateMachineAliases(self, req: dict) -> dict:
        machine = self._machine(req["stateMachineArn"])
        items = [{"stateMachineAliasArn": a["stateMachineAliasArn"], "creationDate": a["creationDate"]}
                 for a in self.store.resources("alias", machine["stateMachineArn"])]
        return _page(items, req, "stateMachineAliases", "stateMachineAliasArn")

    # ================================================================== activities
    def CreateActivity(self, req: dict) -> dict:
        name = req["name"]
        arns.check_name(name)
        c = self.config
        arn = arns.activity(c.partition, c.region, c.account_id, name)
        with self._lock:
            existing = self.store.get_resource(arn, "activity")
            if existing is None:
                existing = {"activityArn": arn, "name": name, "creationDate": self._now()}
                if req.get("encryptionConfiguration"):
                    existing["encryptionConfiguration"] = req["encryptionConfiguration"]
                self.store.put_resource(arn, "activity", existing)
                self._tag(arn, req.get("tags") or [])
        return {"activityArn": arn, "creationDate": existing["creationDate"]}

    def _activity(self, arn: str) -> dict:
        arns.parse(arn, "activity")
        activity = self.store.get_resource(arn, "activity")
        if activity is None:
            raise does_not_exist("ActivityDoesNotExist", "Activity", arn)
        return activity

    def DescribeActivity(self, req: dict) -> dict:
        return self._activity(req["activityArn"])

    def DeleteActivity(self, req: dict) -> dict:
        arns.parse(req["activityArn"], "activity")
        self.store.delete_resource(req["activityArn"])
        return {}

    def ListActivities(self, req: dict) -> dict:
        items = [{"activityArn": a["activityArn"], "name": a["name"], "creationDate": a["creationDate"]}
                 for a in self.store.resources("activity")]
        return _page(items, req, "activities", "activityArn")

    def GetActivityTask(self, req: dict) -> dict:
        self._activity(req["activityArn"])
        task = get_activity_task(req["activityArn"], req.get("workerName"), timeout=self.long_poll_seconds)
        if task is None:
            return {}
        token, task_input = task
        return {"taskToken": token, "input": json.dumps(task_input, ensure_ascii=False)}

    long_poll_seconds = 60.0  # GetActivityTask waits this long for a task, as AWS does

    # ================================================================== task tokens
    def _answer(self, send, *args):
        try:
            send(*args)
        except TaskTokenError as exc:
            raise ServiceError(type(exc).__name__, str(exc)) from None
        return {}

    def SendTaskSuccess(self, req: dict) -> dict:
        return self._answer(send_task_success, self._current_token(req["taskToken"]), req["output"])

    def SendTaskFailure(self, req: dict) -> dict:
        return self._answer(send_task_failure, self._current_token(req["taskToken"]), req.get("error"),
                            req.get("cause"))

    def SendTaskHeartbeat(self, req: dict) -> dict:
        return self._answer(send_task_heartbeat, self._current_token(req["taskToken"]))

    # ================================================================== executions
    def _parse_input(self, text) -> object:
        if text is None:
            return {}
        if len(text.encode("utf-8")) > MAX_INPUT_BYTES:
            raise ServiceError("InvalidExecutionInput", f"Invalid State Machine Execution Input: 'The input is "
                               f"{len(text.encode('utf-8'))} bytes; the maximum is {MAX_INPUT_BYTES}'")
        try:
            return json.loads(text, parse_constant=_no_constant)
        except ValueError as exc:
            raise ServiceError("InvalidExecutionInput", f"Invalid State Machine Execution Input: '{exc}'") from None

    def _wait_time_scale(self) -> float:
        scale = self.config.wait_time_scale
        return 1.0 if scale is None or self.config.clock != "real" else float(scale)

    def _run_options(self, machine: dict, test_case: str | None) -> dict:
        options = {**self.config.task_options(), "clock": self.config.clock,
                   "wait_time_scale": self._wait_time_scale(),
                   "state_machine_name": machine["name"], "role_arn": machine["roleArn"],
                   "state_machine_type": machine["type"]}
        if test_case is not None:
            if self.config.mock_config is None:
                raise ServiceError("ValidationException", f"The state machine ARN names test case '{test_case}', "
                                   f"but the server has no mock config (--mock-config or SFN_MOCK_CONFIG)")
            options["mock_config"] = self.config.mock_config
            options["test_case"] = test_case
        return options

    def _prepare(self, req: dict):
        """(machine record, version, alias, compiled machine, test case) for a start request."""
        arn = req["stateMachineArn"]
        test_case = None
        if "#" in arn:
            arn, test_case = arn.split("#", 1)
        machine, version, alias = self._resolve(arn)
        if alias is not None:
            routes = alias["routingConfiguration"]
            chosen = random.choices(routes, weights=[r["weight"] for r in routes])[0]
            version = self.store.get_resource(chosen["stateMachineVersionArn"], "version")
        source = version or machine
        compiled = self._compiled(source.get("stateMachineVersionArn", machine["stateMachineArn"]),
                                  source["revisionId"], source["definition"])
        return machine, version, alias, compiled, test_case

    def StartExecution(self, req: dict) -> dict:
        machine, version, alias, compiled, test_case = self._prepare(req)
        name = req.get("name") or str(uuid.uuid4())
        arns.check_name(name)
        execution_input = self._parse_input(req.get("input"))
        options = self._run_options(machine, test_case)
        if test_case is not None:
            try:
                compiled._mocks(self.config.mock_config, test_case, machine["name"])
            except MockConfigError as exc:
                raise ServiceError("ValidationException", str(exc)) from None
        express = machine["type"] == "EXPRESS"
        express_id = str(uuid.uuid4()) if express else None
        if express:
            options["express_execution_id"] = express_id
        arn = arns.execution(machine["stateMachineArn"], name, express_id)
        with self._lock:
            existing = self.store.get_execution(arn, checkpoint=False)
            if existing is not None:
                if existing.status == "RUNNING" and existing.input == execution_input:
                    return {"executionArn": arn, "startDate": existing.start_date}  # an idempotent retry
                raise ServiceError("ExecutionAlreadyExists", f"Execution Already Exists: '{arn}'")
            meta = {"type": machine["type"], "redriveCount": 0}
            if version is not None:
                meta["stateMachineVersionArn"] = version["stateMachineVersionArn"]
            if alias is not None:
                meta["stateMachineAliasArn"] = alias["stateMachineAliasArn"]
            if req.get("traceHeader"):
                meta["traceHeader"] = req["traceHeader"]
            if test_case is not None:
                meta["testCase"] = test_case
            self.store.put_meta(arn, meta)
            # The engine saves the RUNNING record before start() returns (and so under the lock
            # that makes a second StartExecution of the same name see it).
            handle = self.running[arn] = runner.start(
                compiled, execution_input, self.store, name=name, on_done=self._finished,
                observers=[MapRuns(self.store, compiled, self.live_map_runs)], **options)
        # Most test executions are over within milliseconds: answering once this one is (or after
        # START_GRACE seconds) spares the client the DescribeExecution polls that would find it
        # RUNNING.  What the execution does and records is the same either way.
        handle.wait(START_GRACE)
        return {"executionArn": arn, "startDate": handle.start_date}

    def _finished(self, arn: str) -> None:
        # Under the lock the execution was registered with: an execution that ends before
        # StartExecution has registered it is popped after, not left behind.
        with self._lock:
            self.running.pop(arn, None)
        if self._stale_tokens:
            with self._relink:
                for token in [t for t, key in self._stale_tokens.items() if key[0] == arn]:
                    self._stale_tokens.pop(token, None)
                    self._relinked.pop(token, None)
            self.store.delete_tokens(arn)

    @staticmethod
    def _token_key(arn, state_name, scope) -> tuple:
        return arn, state_name, json.dumps([list(step) for step in scope])

    def _token_issued(self, token, arn, state_name, scope) -> None:
        if not self._stale:
            return
        key = self._token_key(arn, state_name, scope)
        with self._relink:
            for old in self._stale.pop(key, ()):
                self._relinked[old] = token
            self._relink.notify_all()

    def _current_token(self, token: str) -> str:
        """The token a Task waits on now for one issued before a restart (waiting a little for the
        resumed Task to issue it), else the token itself."""
        if token not in self._stale_tokens:
            return token
        with self._relink:
            self._relink.wait_for(lambda: token in self._relinked or token not in self._stale_tokens, timeout=10)
            return self._relinked.get(token, token)

    def resume_running(self) -> None:
        """After a restart: RUNNING Standard executions continue from their last checkpoint.

        The state that was in flight runs again (AWS's tasks are at-least-once too).  An Express
        execution is not resumable (AWS runs them at most once): it ends ABORTED.
        """
        for record in self.store.list_executions(status="RUNNING", checkpoint=False):
            if record.arn in self.running:
                continue
            meta = self.store.meta(record.arn)
            machine = self.store.get_resource(record.state_machine_arn, "stateMachine")
            version = self.store.get_resource(meta["stateMachineVersionArn"], "version") \
                if meta.get("stateMachineVersionArn") else None
            source = version or machine
            if meta.get("type") == "EXPRESS" or source is None:
                record.status, record.stop_date = "ABORTED", self._now()
                record.error, record.cause = "States.Runtime", "The server stopped while the execution ran"
                self.store.save_execution(record)
                continue
            compiled = self._compiled(source.get("stateMachineVersionArn", machine["stateMachineArn"]),
                                      source["revisionId"], source["definition"])
            options = self._run_options(machine, meta.get("testCase"))
            checkpoint = self.store.get_execution(record.arn).checkpoint
            for issued in self.store.tokens(record.arn):
                key = self._token_key(record.arn, issued["state_name"], issued["scope"])
                self._stale.setdefault(key, []).append(issued["token"])
                self._stale_tokens[issued["token"]] = key
            # The events of the state that was in flight are dropped: it runs again.
            self.store.truncate_events(record.arn, len(checkpoint.history) if checkpoint else 0)
            with self._lock:
                self.running[record.arn] = runner.start(
                    compiled, record.input, self.store, name=record.name, on_done=self._finished,
                    resume=checkpoint, observers=[MapRuns(self.store, compiled, self.live_map_runs)], **options)

    def StartSyncExecution(self, req: dict) -> dict:
        machine, version, alias, compiled, test_case = self._prepare(req)
        if machine["type"] != "EXPRESS":
            raise ServiceError("StateMachineTypeNotSupported", "This operation is not supported by this type "
                               "of state machine")
        name = req.get("name") or str(uuid.uuid4())
        arns.check_name(name)
        execution_input = self._parse_input(req.get("input"))
        options = self._run_options(machine, test_case)
        express_id = str(uuid.uuid4())
        started = self._now()
        try:
            result = compiled.run(execution_input, execution_name=name, express_execution_id=express_id, **options)
        except MockConfigError as exc:
            raise ServiceError("ValidationException", str(exc)) from None
        stopped = self._now()
        arn = result.execution_arn
        self.store.save_execution(ExecutionRecord(
            arn=arn, state_machine_arn=machine["stateMachineArn"], name=name, status=result.status,
            input=execution_input, output=result.output, error=result.error, cause=result.cause,
            start_date=started, stop_date=stopped))
        out = {"executionArn": arn, "stateMachineArn": machine["stateMachineArn"], "name": name,
               "startDate": started, "stopDate": stopped, "status": result.status,
               "billingDetails": {"billedMemoryUsedInMB": 64,
                                  "billedDurationInMilliseconds": max(100, math.ceil((stopped - started) * 1000))}}
        if req.get("includedData") != "METADATA_ONLY":
            out["input"] = req.get("input") or "{}"
            out["inputDetails"] = {"included": True}
            if result.status == "SUCCEEDED":
                out["output"] = _json(result.output)
                out["outputDetails"] = {"included": True}
        if result.error is not None:
            out["error"] = result.error
        if result.cause is not None:
            out["cause"] = result.cause
        if req.get("traceHeader"):
            out["traceHeader"] = req["traceHeader"]
        return out

    def _execution(self, arn: str) -> ExecutionRecord:
        arns.parse(arn, "execution")
        record = self.store.get_execution(arn, checkpoint=False)
        if record is None:
            raise does_not_exist("ExecutionDoesNotExist", "Execution", arn)
        return record

    def DescribeExecution(self, req: dict) -> dict:
        record = self._execution(req["executionArn"])
        meta = self.store.meta(record.arn)
        out = {"executionArn": record.arn, "stateMachineArn": record.state_machine_arn, "name": record.name,
               "status": record.status, "startDate": record.start_date,
               "redriveCount": meta.get("redriveCount", 0)}
        if record.stop_date is not None and record.status != "RUNNING":
            out["stopDate"] = record.stop_date
        if req.get("includedData") != "METADATA_ONLY":
            out["input"] = _json(record.input)
            out["inputDetails"] = {"included": True}
            if record.status == "SUCCEEDED":
                out["output"] = _json(record.output)
                out["outputDetails"] = {"included": True}
        for key in ("stateMachineVersionArn", "stateMachineAliasArn", "traceHeader", "redriveDate"):
            if meta.get(key):
                out[key] = meta[key]
        if record.map_run_arn:
            out["mapRunArn"] = record.map_run_arn
        if record.status in ("FAILED", "TIMED_OUT", "ABORTED"):
            if record.error is not None:
                out["error"] = record.error
            if record.cause is not None:
                out["cause"] = record.cause
        status, reason = self._redrive_status(record, meta)
        out["redriveStatus"] = status
        if reason:
            out["redriveStatusReason"] = reason
        return out

    def _redrive_status(self, record: ExecutionRecord, meta: dict) -> tuple[str, str | None]:
        if record.status == "RUNNING":
            return "NOT_REDRIVABLE", "Execution is RUNNING and cannot be redriven"
        if record.status == "SUCCEEDED":
            return "NOT_REDRIVABLE", "Execution is SUCCEEDED and cannot be redriven"
        if meta.get("type") == "EXPRESS" or record.parent_arn:
            return "NOT_REDRIVABLE", "Execution cannot be redriven"
        if record.stop_date is not None and self._now() - record.stop_date > REDRIVE_DAYS * 86400:
            return "NOT_REDRIVABLE", "Execution can only be redriven within 14 days of its end"
        return "REDRIVABLE", None

    def DescribeStateMachineForExecution(self, req: dict) -> dict:
        record = self._execution(req["executionArn"])
        meta = self.store.meta(record.arn)
        source = None
        if meta.get("stateMachineVersionArn"):
            source = self.store.get_resource(meta["stateMachineVersionArn"], "version")
        machine = self.store.get_resource(record.state_machine_arn, "stateMachine")
        source = source or machine
        if source is None:
            raise does_not_exist("ExecutionDoesNotExist", "Execution", record.arn)
        out = {"stateMachineArn": record.state_machine_arn, "name": record.state_machine_arn.split(":")[6],
               "definition": source["definition"], "roleArn": source["roleArn"],
               "updateDate": machine["updateDate"] if machine else source["creationDate"],
               "revisionId": source["revisionId"]}
        if machine:
            out["loggingConfiguration"] = machine["loggingConfiguration"]
            out["tracingConfiguration"] = machine["tracingConfiguration"]
        if record.map_run_arn:
            out["mapRunArn"] = record.map_run_arn
        return out

    def ListExecutions(self, req: dict) -> dict:
        if not req.get("stateMachineArn") and not req.get("mapRunArn"):
            raise ServiceError("ValidationException", "Must provide a StateMachine ARN or MapRun ARN")
        if req.get("stateMachineArn") and req.get("mapRunArn"):
            raise ServiceError("ValidationException", "Cannot provide both a StateMachine ARN and a MapRun ARN")
        status = req.get("statusFilter")
        if req.get("mapRunArn"):
            records = [r for r in self._map_run_children(req["mapRunArn"]) if status in (None, r.status)]
        else:
            machine, version, alias = self._resolve(req["stateMachineArn"])
            if machine["type"] == "EXPRESS":
                raise ServiceError("StateMachineTypeNotSupported", "This operation is not supported by this type "
                                   "of state machine")
            records = self.store.list_executions(machine["stateMachineArn"], status, checkpoint=False)
            if version is not None or alias is not None:
                key, want = (("stateMachineVersionArn", version["stateMachineVersionArn"]) if version
                             else ("stateMachineAliasArn", alias["stateMachineAliasArn"]))
                records = [r for r in records if self.store.meta(r.arn).get(key) == want]
        redrive = req.get("redriveFilter")
        items = []
        for r in records:
            meta = self.store.meta(r.arn)
            if redrive == "REDRIVEN" and not meta.get("redriveCount"):
                continue
            if redrive == "NOT_REDRIVEN" and meta.get("redriveCount"):
                continue
            item = {"executionArn": r.arn, "stateMachineArn": r.state_machine_arn, "name": r.name,
                    "status": r.status, "startDate": r.start_date}
            if r.stop_date is not None and r.status != "RUNNING":
                item["stopDate"] = r.stop_date
            if r.map_run_arn:
                item["mapRunArn"] = r.map_run_arn
            for key in ("stateMachineVersionArn", "stateMachineAliasArn", "redriveDate"):
                if meta.get(key):
                    item[key] = meta[key]
            item["redriveCount"] = meta.get("redriveCount", 0)
            items.append(item)
        return _page(items, req, "executions", "executionArn")

    def _map_run_children(self, map_run_arn: str) -> list[ExecutionRecord]:
        self._map_run(map_run_arn)
        return [r for r in self.store.list_executions(checkpoint=False) if r.map_run_arn == map_run_arn]

    # ================================================================== map runs
    def _map_run(self, arn: str) -> dict:
        arns.parse(arn, "mapRun")
        run = self.store.get_resource(arn, "mapRun")
        if run is None:
            raise ServiceError("ResourceNotFound", f"Resource not found: '{arn}'", resourceName=arn)
        return run

    def DescribeMapRun(self, req: dict) -> dict:
        run = self._map_run(req["mapRunArn"])
        live = self.live_map_runs.get(run["mapRunArn"])
        if live is not None:  # its counts move while it runs; the store has them at its start and end
            run = _public(live)
        return {k: v for k, v in run.items() if v is not None}

    def ListMapRuns(self, req: dict) -> dict:
        record = self._execution(req["executionArn"])
        items = [{k: run[k] for k in ("executionArn", "mapRunArn", "stateMachineArn", "startDate", "stopDate")
                  if run.get(k) is not None} for run in self.store.resources("mapRun", record.arn)]
        return _page(items, req, "mapRuns", "mapRunArn")

    def UpdateMapRun(self, req: dict) -> dict:
        changes = {k: req[k] for k in ("maxConcurrency", "toleratedFailurePercentage", "toleratedFailureCount")
                   if k in req}
        if not changes:
            raise ServiceError("ValidationException", "At least one of maxConcurrency, toleratedFailurePercentage "
                               "or toleratedFailureCount must be given", reason="MISSING_REQUIRED_PARAMETER")
        with self._lock:
            run = self._map_run(req["mapRunArn"])
            if run["status"] != "RUNNING":
                raise ServiceError("ValidationException", f"Map run {run['mapRunArn']} is {run['status']} and can "
                                   f"no longer be updated", reason="CANNOT_UPDATE_COMPLETED_MAP_RUN")
            run.update(changes)
            self.store.put_resource(run["mapRunArn"], "mapRun", run, parent=run["executionArn"])
            live = self.live_map_runs.get(run["mapRunArn"])
            if live is not None:  # what the run's end saves keeps the change
                live.update(changes)
        return {}

    def GetExecutionHistory(self, req: dict) -> dict:
        record = self._execution(req["executionArn"])
        events = [_api_event(e, req.get("includeExecutionData", True)) for e in self.store.events(record.arn)]
        if req.get("reverseOrder"):
            events.reverse()
        limit = req.get("maxResults") or DEFAULT_PAGE
        start = 0
        if req.get("nextToken"):
            last = _read_token(req["nextToken"], "history:" + record.arn)
            start = next((i + 1 for i, e in enumerate(events) if e["id"] == last), None)
            if start is None:
                raise ServiceError("InvalidToken", f"Invalid PaginationToken: '{req['nextToken']}'")
        page = events[start:start + limit]
        out = {"events": page}
        if start + limit < len(events):
            out["nextToken"] = _make_token("history:" + record.arn, page[-1]["id"])
        return out

    def StopExecution(self, req: dict) -> dict:
        """End a running execution ABORTED; stopping one that has ended changes nothing."""
        record = self._execution(req["executionArn"])
        handle = self.running.get(record.arn)
        if record.status == "RUNNING" and handle is not None:
            handle.stop(error=req.get("error"), cause=req.get("cause"))
            handle.result()
            record = self.store.get_execution(record.arn)
        return {"stopDate": record.stop_date if record.stop_date is not None else self._now()}

    def RedriveExecution(self, req: dict) -> dict:
        """Continue a FAILED, TIMED_OUT or ABORTED Standard execution from the state it ended in.

        The states that succeeded are not run again; the history goes on with ExecutionRedriven.
        """

        with self._lock:
            record = self._execution(req["executionArn"])
            meta = self.store.meta(record.arn)
            status, reason = self._redrive_status(record, meta)
            if status != "REDRIVABLE":
                raise ServiceError("ExecutionNotRedrivable", f"Execution {record.arn} is not redrivable: {reason}")
            if record.arn in self.running:
                raise ServiceError("ExecutionNotRedrivable", f"Execution {record.arn} is still running")
            machine = self.store.get_resource(record.state_machine_arn, "stateMachine")
            version = self.store.get_resource(meta["stateMachineVersionArn"], "version") \
                if meta.get("stateMachineVersionArn") else None
            source = version or machine
            if source is None:
                raise ServiceError("ExecutionNotRedrivable", f"The state machine of {record.arn} was deleted")
            events = self.store.events(record.arn)
            last = self.store.last_checkpoint(record.arn)
            now = self._now()
            count = meta.get("redriveCount", 0) + 1
            redriven = {"timestamp": format_epoch(now), "type": "ExecutionRedriven", "id": len(events) + 1,
                        "previousEventId": len(events), "executionRedrivenEventDetails": {"redriveCount": count}}
            self.store.append_events(record.arn, [redriven])
            if last is None:  # it ended in its first state
                definition = json.loads(source["definition"])
                last = Checkpoint(definition["StartAt"], record.input, {}, [], None, record.start_date)
            checkpoint = Checkpoint(last.next_state, last.input, last.variables, events + [redriven], last.clock,
                                    record.start_date)
            meta.update(redriveCount=count, redriveDate=now)
            self.store.put_meta(record.arn, meta)
            record.status, record.stop_date, record.output, record.error, record.cause = "RUNNING", None, None, None, None
            self.store.save_execution(record)
            compiled = self._compiled(source.get("stateMachineVersionArn", machine["stateMachineArn"]),
                                      source["revisionId"], source["definition"])
            options = self._run_options(machine, meta.get("testCase"))
            self.running[record.arn] = runner.start(compiled, record.input, self.store, name=record.name,
                                                    on_done=self._finished, resume=checkpoint,
                                                    observers=[MapRuns(self.store, compiled, self.live_map_runs)], **options)
        return {"redriveDate": now}

    # ================================================================== tags
    def _tagged(self, arn: str) -> str:
        parsed = arns.parse(arn, "stateMachine", "activity")
        found = (self.store.get_resource(arn, "stateMachine") if parsed.kind == "stateMachine"
                 else self.store.get_resource(arn, "activity"))
        if found is None:
            raise ServiceError("ResourceNotFound", f"Resource not found: '{arn}'", resourceName=arn)
        return arn

    def _tag(self, arn: str, tags: list) -> None:
        merged = {**self.store.tags(arn), **{t.get("key"): t.get("value", "") for t in tags}}
        if len(merged) > 50:
            raise ServiceError("TooManyTags", f"Too many tags: a resource can have at most 50 ({len(merged)} given)",
                               resourceName=arn)
        self.store.set_tags(arn, {t.get("key"): t.get("value", "") for t in tags})

    def TagResource(self, req: dict) -> dict:
        with self._lock:
            self._tag(self._tagged(req["resourceArn"]), req["tags"])
        return {}

    def UntagResource(self, req: dict) -> dict:
        self.store.remove_tags(self._tagged(req["resourceArn"]), req["tagKeys"])
        return {}

    def ListTagsForResource(self, req: dict) -> dict:
        tags = self.store.tags(self._tagged(req["resourceArn"]))
        return {"tags": [{"key": k, "value": v} for k, v in tags.items()]}

    # ================================================================== TestState
    def TestState(self, req: dict) -> dict:
        options = {**self.config.task_options(), "role_arn": req.get("roleArn")}
        return test_state(req, options)

    # ================================================================== validation
    def ValidateStateMachineDefinition(self, req: dict) -> dict:
        found = diagnostics(req["definition"])
        if req.get("severity") == "ERROR":
            found = [d for d in found if d["severity"] == "ERROR"]
        limit = req.get("maxResults") or 100
        out = {"result": "FAIL" if any(d["severity"] == "ERROR" for d in found) else "OK",
               "diagnostics": found[:limit], "truncated": len(found) > limit}
        return out


class MapRuns:
    """An observer that records each distributed Map's map run (DescribeMapRun, ListMapRuns).

    The engine's MapRunItemsCounted / MapRunChildStarted / MapRunChildEnded events give the item
    and child-execution counts as they change.  The record is saved at the run's start and end
    (a million-item run does not write a million rows); between the two, `live` (shared by the
    service, by map run ARN) holds it for DescribeMapRun.  When the run fails or is aborted, its
    running children count as aborted (AWS stops them).
    """

    def __init__(self, store, compiled, live: dict):
        self.store = store
        self.definition = compiled.definition
        self.lock = threading.Lock()
        self.entered: dict[tuple, str] = {}   # scope -> the Map state last entered there
        self.open: dict[tuple, dict] = {}     # scope of the Map -> the record of its run, while it runs
        self.live = live                      # map run ARN -> the same records

    def __call__(self, event) -> None:
        kind = event.type
        if kind == "MapStateEntered":
            self.entered[event.scope] = event.details.get("name")
        elif kind == "MapRunStarted":
            self._started(event)
        elif kind in ("MapRunItemsCounted", "MapRunChildStarted", "MapRunChildEnded"):
            self._counted(event)
        elif kind in ("MapRunSucceeded", "MapRunFailed", "MapRunAborted"):
            self._ended(event, {"MapRunSucceeded": "SUCCEEDED", "MapRunFailed": "FAILED"}.get(kind, "ABORTED"))

    def _started(self, event) -> None:
        state = _find_state(self.definition, self.entered.get(event.scope)) or {}
        arn = event.details["mapRunArn"]
        prefix, _, rest = arn.partition(":mapRun:")
        run = {"mapRunArn": arn, "executionArn": event.execution_arn, "status": "RUNNING",
               "stateMachineArn": f"{prefix}:stateMachine:{rest.rsplit(':', 1)[0]}",
               "startDate": event.timestamp, "stopDate": None,
               "maxConcurrency": state.get("MaxConcurrency", 0) if isinstance(state.get("MaxConcurrency"), int) else 0,
               "toleratedFailurePercentage": float(state.get("ToleratedFailurePercentage", 0))
               if isinstance(state.get("ToleratedFailurePercentage"), (int, float)) else 0.0,
               "toleratedFailureCount": state.get("ToleratedFailureCount", 0)
               if isinstance(state.get("ToleratedFailureCount"), int) else 0,
               "itemCounts": _counts(0), "executionCounts": _counts(0), "redriveCount": 0,
               # A ResultWriter with a Resource exports; one with only WriterConfig writes nothing.
               "_resultWriter": isinstance(state.get("ResultWriter"), dict) and "Resource" in state["ResultWriter"]}
        with self.lock:
            self.open[event.scope] = self.live[arn] = run
            self._save(run)

    def _counted(self, event) -> None:
        details = event.details
        with self.lock:
            run = self.live.get(details["map_run_arn"])
            if run is None:
                return  # a child that ended after its map run did
            items, executions = run["itemCounts"], run["executionCounts"]
            if event.type == "MapRunItemsCounted":
                items.update(_counts(details["items"], pending=details["items"]))
                executions.update(_counts(details["executions"], pending=details["executions"]))
            else:
                for counts, n in ((items, details["items"]), (executions, 1)):
                    if event.type == "MapRunChildStarted":
                        counts["pending"] -= n
                        counts["running"] += n
                    else:
                        counts["running"] -= n
                        counts[_STATUS_COUNT[details["status"]]] += n

    def _ended(self, event, status: str) -> None:
        with self.lock:
            run = self.open.pop(event.scope, None)
            if run is None:
                return
            for counts in (run["itemCounts"], run["executionCounts"]):
                if status != "SUCCEEDED":
                    counts["aborted"] += counts["running"]
                    counts["running"] = 0
                elif run["_resultWriter"]:
                    counts["resultsWritten"] = counts["succeeded"] + counts["failed"]
            run.update(status=status, stopDate=event.timestamp)
            self._save(run)
            self.live.pop(run["mapRunArn"], None)

    def _save(self, run: dict) -> None:
        self.store.put_resource(run["mapRunArn"], "mapRun", _public(run), parent=run["executionArn"])


def _public(run: dict) -> dict:
    """A map run record as the API shows it: a copy (its counts move while it runs), without the
    observer's own `_` keys."""
    return {k: dict(v) if isinstance(v, dict) else v for k, v in run.items() if not k.startswith("_")}


#: Which count a child execution's end goes to.
_STATUS_COUNT = {"SUCCEEDED": "succeeded", "FAILED": "failed", "TIMED_OUT": "timedOut", "ABORTED": "aborted"}


def _counts(total: int, **given) -> dict:
    counts = dict.fromkeys(("pending", "running", "succeeded", "failed", "timedOut", "aborted", "resultsWritten"), 0)
    counts.update(given, total=total)
    return counts


def _find_state(definition, name):
    """The state named `name` anywhere in the definition (Map and Parallel nest states)."""
    if not isinstance(definition, dict) or name is None:
        return None
    states = definition.get("States") or {}
    if name in states:
        return states[name]
    for state in states.values():
        if not isinstance(state, dict):
            continue
        for nested in [state.get("ItemProcessor"), state.get("Iterator"), *(state.get("Branches") or [])]:
            found = _find_state(nested, name)
            if found is not None:
                return found
    return None


# ====================================================================== paging and rendering
def _make_token(kind: str, key) -> str:
    raw = json.dumps([kind, key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_token(token: str, kind: str):
    try:
        padded = token + "=" * (-len(token) % 4)
        got_kind, key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        raise ServiceError("InvalidToken", f"Invalid PaginationToken: '{token}'") from None
    if got_kind != kind:
        raise ServiceError("InvalidToken", f"Invalid PaginationToken: '{token}' was issued for another listing")
    return key


def _page(items: list[dict], req: dict, member: str, key: str) -> dict:
    """One page of `items`; the token names the last item returned, so inserts do not shift pages."""
    limit = req.get("maxResults") or DEFAULT_PAGE
    start = 0
    if req.get("nextToken"):
        last = _read_token(req["nextToken"], member)
        start = next((i + 1 for i, item in enumerate(items) if item[key] == last), None)
        if start is None:
            raise ServiceError("InvalidToken", f"Invalid PaginationToken: '{req['nextToken']}' (its item is gone)")
    page = items[start:start + limit]
    out = {member: page}
    if start + limit < len(items):
        out["nextToken"] = _make_token(member, page[-1][key])
    return out


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _no_constant(name):
    raise ValueError(f"{name} is not a JSON value")


_DATA_FIELDS = ("input", "output")


def _api_event(event: dict, include_data: bool) -> dict:
    out = dict(event)
    ts = out.get("timestamp")
    if isinstance(ts, str):
        out["timestamp"] = datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()
    if not include_data:
        for key, details in out.items():
            if key.endswith("EventDetails") and isinstance(details, dict):
                out[key] = {k: v for k, v in details.items() if k not in _DATA_FIELDS}
    return out
