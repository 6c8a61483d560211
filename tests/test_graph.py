"""The definition as a graph, and the public validate()."""

import asl_runtime
from asl_runtime import StateMachine
from asl_runtime.definition.graph import Edge, graph_of

DEFINITION = {"StartAt": "Route", "States": {
    "Route": {"Type": "Choice", "Comment": "by amount", "Choices": [
        {"Variable": "$.amount", "NumericGreaterThan": 100, "Next": "Fan"},
        {"And": [{"Variable": "$.vip", "IsPresent": True}, {"Variable": "$.vip", "BooleanEquals": True}],
         "Next": "Each"}], "Default": "Done"},
    "Fan": {"Type": "Parallel", "Next": "Done", "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
        {"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}],
        "Retry": [{"ErrorEquals": ["States.Timeout", "Busy"]}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Broken"}]},
    "Each": {"Type": "Map", "Next": "Done", "ItemProcessor": {"StartAt": "X", "States": {
        "X": {"Type": "Pass", "End": True}}}},
    "Broken": {"Type": "Fail", "Error": "Broken"},
    "Done": {"Type": "Pass", "End": True}}}


def test_graph_of_a_machine_with_choice_catch_parallel_and_map():
    graph = StateMachine.from_json(DEFINITION).graph
    assert graph.start_at == "Route" and list(graph.nodes) == ["Route", "Fan", "Each", "Broken", "Done"]
    assert graph.successors("Route") == [
        Edge("Route", "Fan", "choice", 0, "$.amount > 100"),
        Edge("Route", "Each", "choice", 1, "($.vip present and $.vip == true)"),
        Edge("Route", "Done", "default", None, "Default")]
    assert graph.successors("Fan") == [Edge("Fan", "Done", "next", None, ""),
                                       Edge("Fan", "Broken", "catch", 0, "States.ALL")]
    fan = graph.nodes["Fan"]
    assert [b.start_at for b in fan.branches] == ["A", "B"] and fan.branches[1].nodes["B"].end
    assert fan.retriers == (("States.Timeout", "Busy"),) and fan.catchers == (("States.ALL",),)
    assert graph.nodes["Each"].processor.nodes["X"].end and graph.nodes["Route"].comment == "by amount"
    assert graph.nodes["Broken"].end and not graph.nodes["Route"].end
    assert graph.reachable() == set(graph.nodes)


def test_jsonata_conditions_are_edge_labels_and_unreachable_states_are_left_out():
    graph = graph_of({"QueryLanguage": "JSONata", "StartAt": "R", "States": {
        "R": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.n > 1 %}", "Next": "Big"}],
              "Default": "Big"},
        "Big": {"Type": "Succeed"}, "Orphan": {"Type": "Succeed"}}})
    assert graph.successors("R")[0].label == "$states.input.n > 1"
    assert graph.reachable() == {"R", "Big"}


def test_the_validator_reports_what_the_graph_cannot_reach():
    problems = asl_runtime.validate({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "End": True}, "B": {"Type": "Pass", "End": True}}})
    assert [(p.path, p.message) for p in problems] == [("/States/B", "State 'B' is not reachable from StartAt 'A'.")]
    assert problems[0].to_dict() == {"path": "/States/B", "message": "State 'B' is not reachable from StartAt 'A'."}


def test_validate_takes_text_and_reports_malformed_json():
    assert asl_runtime.validate('{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}') == []
    [problem] = asl_runtime.validate("{not json")
    assert problem.path == "" and problem.message.startswith("not valid JSON")
