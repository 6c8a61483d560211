"""Definitions as real projects keep them (DESIGN.md "Definitions from real projects").

`.asl.yaml` files, SAM/CloudFormation templates with the definition inline or in DefinitionUri,
and DefinitionSubstitutions: `${Key}` placeholders filled as SAM fills them, so a SAM project runs
without preprocessing.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from asl_runtime import DefinitionError, StateMachine

ROOT = Path(__file__).resolve().parents[1]

ORDER_YAML = """\
Comment: An order workflow as SAM projects keep it
StartAt: Charge
States:
  Charge:
    Type: Task
    Resource: ${ChargeFunctionArn}
    Parameters:
      orderId.$: $.orderId
      table: ${OrdersTable}
    Next: Later
  Later:
    Type: Wait
    Timestamp: 2016-03-14T01:59:00Z
    Next: Done
  Done:
    Type: Succeed
"""
CHARGE_ARN = "arn:aws:lambda:us-east-1:123456789012:function:charge"
SUBSTITUTIONS = {"ChargeFunctionArn": CHARGE_ARN, "OrdersTable": "orders"}


def charge(event, context):
    return {**event, "charged": True}


@pytest.fixture
def project(tmp_path):
    def write(name, text):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path
    return write


def asl(*args):
    return subprocess.run([sys.executable, "-m", "asl_runtime.cli.main", *map(str, args)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


# --------------------------------------------------------------------------- YAML
def test_an_asl_yaml_file_runs_with_its_substitutions(project):
    machine = StateMachine.from_file(project("order.asl.yaml", ORDER_YAML), substitutions=SUBSTITUTIONS)
    definition = machine.definition
    assert definition["States"]["Charge"]["Resource"] == CHARGE_ARN
    assert definition["States"]["Charge"]["Parameters"]["table"] == "orders"
    # A YAML timestamp stays the RFC 3339 text ASL reads, not a date object.
    assert definition["States"]["Later"]["Timestamp"] == "2016-03-14T01:59:00Z"
    result = machine.run({"orderId": "1"}, handlers={"charge": charge})
    assert result.status == "SUCCEEDED" and result.output == {"orderId": "1", "table": "orders", "charged": True}


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".asl.yaml"])
def test_yaml_suffixes_are_read_as_yaml_and_json_inside_them_too(project, suffix):
    yaml_file = project("m" + suffix, "StartAt: P\nStates:\n  P: {Type: Pass, End: true}\n")
    json_file = project("j" + suffix, json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))
    for path in (yaml_file, json_file):
        assert StateMachine.from_file(path).run({}).status == "SUCCEEDED"


def test_malformed_yaml_is_located_at_line_and_column(project):
    with pytest.raises(DefinitionError) as info:
        StateMachine.from_file(project("m.asl.yaml", "StartAt: P\nStates:\n  P: {Type: Pass\n"))
    message = info.value.errors[0].message
    assert message.startswith("not valid YAML") and "line 4 column 1" in message


def test_yaml_in_a_json_file_is_told_to_be_renamed(project):
    result = asl("validate", project("order.asl.json", "StartAt: P\nStates:\n  P: {Type: Pass, End: true}\n"))
    assert result.returncode == 2
    assert "looks like YAML: rename it to order.asl.yaml" in result.stdout


def test_cloudformation_tags_do_not_crash_the_loader(project):
    text = ("StartAt: T\nStates:\n  T:\n    Type: Task\n    Resource: !GetAtt Fn.Arn\n    End: true\n")
    [problem] = pytest.raises(DefinitionError, StateMachine.from_file, project("m.asl.yaml", text)).value.errors
    assert problem.path == "/States/T/Resource"  # reported as a value that is not a string, not a crash


def test_yaml_values_json_cannot_hold_are_refused(project):
    with pytest.raises(DefinitionError) as info:
        StateMachine.from_file(project("m.yaml", "StartAt: P\nStates:\n  P: {Type: Pass, Result: .nan, End: true}\n"))
    assert "not a JSON number" in info.value.errors[0].message


# --------------------------------------------------------------------------- substitutions
def test_a_placeholder_without_a_substitution_is_a_located_error(project):
    with pytest.raises(DefinitionError) as info:
        StateMachine.from_file(project("order.asl.yaml", ORDER_YAML), substitutions={"OrdersTable": "orders"})
    [problem] = info.value.errors
    assert problem.path == "/States/Charge/Resource"
    assert "${ChargeFunctionArn} has no substitution" in problem.message


def test_the_cli_takes_substitutions_from_flags_and_a_file(project):
    definition = project("order.asl.yaml", ORDER_YAML)
    handlers = project("handlers.py", "def charge(event, context):\n    return {'charged': True}\n")
    values = project("substitutions.json", json.dumps({"ChargeFunctionArn": "wrong", "OrdersTable": "orders"}))
    result = asl("run", definition, "--handlers", handlers, "--format", "json", "--input", '{"orderId": "1"}',
                 "--substitutions", values, "--substitution", f"ChargeFunctionArn={CHARGE_ARN}")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["output"] == {"charged": True}
    assert asl("validate", definition, "--substitution", f"ChargeFunctionArn={CHARGE_ARN}",
               "--substitution", "OrdersTable=orders").returncode == 0
    bad = asl("validate", definition, "--substitution", "NoEquals")
    assert bad.returncode == 2 and "KEY=VALUE" in bad.stderr


def test_without_substitutions_the_placeholder_resource_says_so(project):
    result = asl("validate", project("order.asl.yaml", ORDER_YAML), "--format", "json")
    [report] = json.loads(result.stdout)
    assert result.returncode == 1
    assert "DefinitionSubstitutions were not applied" in report["errors"][0]["message"]


# --------------------------------------------------------------------------- SAM templates
TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
    Default: dev
Resources:
  ChargeFunction:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: charge
      Handler: app.handler
  OrdersTable:
    Type: AWS::Serverless::SimpleTable
  OrderMachine:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: statemachine/order.asl.yaml
      DefinitionSubstitutions:
        ChargeFunctionArn: !GetAtt ChargeFunction.Arn
        OrdersTable: !Ref OrdersTable
      Policies:
        - LambdaInvokePolicy:
            FunctionName: !Ref ChargeFunction
"""


def test_a_sam_template_runs_its_state_machine_with_its_definition_substitutions(project):
    project("statemachine/order.asl.yaml", ORDER_YAML)
    template = project("template.yaml", TEMPLATE)
    machine = StateMachine.from_file(template)
    assert machine.definition["States"]["Charge"]["Resource"] == CHARGE_ARN
    result = machine.run({"orderId": "7"}, handlers={"charge": charge})
    assert result.status == "SUCCEEDED" and result.output["table"] == "OrdersTable"


def test_a_template_with_an_inline_definition_and_two_machines_is_chosen_by_name(project):
    text = TEMPLATE.replace("      DefinitionUri: statemachine/order.asl.yaml\n", "      Definition:\n"
                            + "".join("        " + line + "\n" for line in ORDER_YAML.splitlines()))
    text += ("  Other:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n"
             "      DefinitionString: '{\"StartAt\": \"P\", \"States\": {\"P\": {\"Type\": \"Pass\", \"End\": true}}}'\n")
    template = project("template.yaml", text)
    with pytest.raises(DefinitionError) as info:
        StateMachine.from_file(template)
    assert "--state-machine-resource" in info.value.errors[0].message and "OrderMachine, Other" in info.value.errors[0].message
    assert StateMachine.from_file(template, state_machine_resource="Other").run({}).status == "SUCCEEDED"
    result = asl("run", template, "--state-machine-resource", "OrderMachine", "--format", "json", "--input", "{\"orderId\": \"1\"}",
                 "--handlers", project("h.py", "def charge(event, context):\n    return 1\n"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["output"] == 1
