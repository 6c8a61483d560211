"""`asl deploy`: create or update a state machine from a local file through boto3 (AWS or asl serve)."""

from __future__ import annotations

import json
import sys

import click


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--name", required=True, help="the state machine's name")
@click.option("--role-arn", help="IAM role the state machine runs as (needed to create it)")
@click.option("--type", "sm_type", type=click.Choice(["STANDARD", "EXPRESS"], case_sensitive=False),
              help="only when creating; default STANDARD")
@click.option("--publish", is_flag=True, help="publish a version of what was deployed")
@click.option("--alias", help="point this alias (created if missing) at the published version; implies --publish")
@click.option("--endpoint-url", help="Step Functions endpoint, e.g. http://127.0.0.1:8083 for asl serve "
              "(default: AWS, or AWS_ENDPOINT_URL)")
@click.option("--region", help="AWS region (default: your AWS configuration)")
def deploy(file, name, role_arn, sm_type, publish, alias, endpoint_url, region):
    """Validate FILE and deploy it as state machine NAME: create it, or update it in place."""
    from asl_runtime.definition.loader import load_definition_file
    from asl_runtime.errors import DefinitionError

    from .main import EXIT_FAILED, EXIT_OK, _fail_usage

    try:
        definition = load_definition_file(file)
    except OSError as exc:
        _fail_usage(f"cannot read {file}: {exc.strerror or exc}")
    except DefinitionError as exc:
        _fail_usage(f"{file}: " + "; ".join(p.message for p in exc.errors))
    from asl_runtime.definition.validator import validate

    problems = validate(definition)
    if problems:
        lines = "\n".join(f"  {p.path or '/'}: {p.message}" for p in problems)
        _fail_usage(f"{file} is not a valid state machine definition; nothing was deployed:\n{lines}")
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        _fail_usage("asl deploy needs boto3: pip install 'asl-runtime[server]'")
    text = json.dumps(definition, ensure_ascii=False, indent=2)
    try:
        sfn = boto3.client("stepfunctions", endpoint_url=endpoint_url, region_name=region)
        done = _deploy(sfn, name, text, role_arn, (sm_type or "").upper() or None, publish or bool(alias), alias)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        click.echo(f"asl deploy: {error.get('Code')}: {error.get('Message')}", err=True)
        sys.exit(EXIT_FAILED)
    except BotoCoreError as exc:
        click.echo(f"asl deploy: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    except _UsageError as exc:
        _fail_usage(str(exc))
    for line in done:
        click.echo(line)
    sys.exit(EXIT_OK)


class _UsageError(Exception):
    pass


def _find(sfn, name: str) -> dict | None:
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if machine["name"] == name:
                return machine
    return None


def _alias_exists(sfn, alias_arn: str) -> bool:
    try:
        sfn.describe_state_machine_alias(stateMachineAliasArn=alias_arn)
    except sfn.exceptions.ResourceNotFound:
        return False
    return True


def _deploy(sfn, name, definition, role_arn, sm_type, publish, alias) -> list[str]:
    out = []
    existing = _find(sfn, name)
    if existing is None:
        if not role_arn:
            raise _UsageError(f"state machine {name} does not exist yet: give --role-arn to create it")
        created = sfn.create_state_machine(name=name, definition=definition, roleArn=role_arn,
                                           type=sm_type or "STANDARD", publish=publish)
        arn = created["stateMachineArn"]
        out.append(f"created {arn}")
        version = created.get("stateMachineVersionArn")
    else:
        arn = existing["stateMachineArn"]
        if sm_type and sm_type != existing["type"]:
            raise _UsageError(f"{name} is a {existing['type']} state machine; the type of an existing state "
                              f"machine cannot change")
        changes = {"definition": definition, **({"roleArn": role_arn} if role_arn else {})}
        updated = sfn.update_state_machine(stateMachineArn=arn, publish=publish, **changes)
        out.append(f"updated {arn}")
        version = updated.get("stateMachineVersionArn")
    if version:
        out.append(f"published {version}")
    if alias:
        routing = [{"stateMachineVersionArn": version, "weight": 100}]
        alias_arn = f"{arn}:{alias}"
        if _alias_exists(sfn, alias_arn):
            sfn.update_state_machine_alias(stateMachineAliasArn=alias_arn, routingConfiguration=routing)
            out.append(f"moved alias {alias_arn} -> {version}")
        else:
            alias_arn = sfn.create_state_machine_alias(name=alias, routingConfiguration=routing)["stateMachineAliasArn"]
            out.append(f"created alias {alias_arn} -> {version}")
    return out
