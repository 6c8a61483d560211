"""JSONata as Step Functions runs it: compile-time refusals, `$states` and variables, AWS's added
functions, templates, number rendering and the QueryEvaluationError wording AWS records."""

import json
import re
import subprocess
import sys
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asl_runtime.errors import ASLError
from asl_runtime.query.jsonata import (
    UNDEFINED, JSONataSyntaxError, compile_expression, compile_template, is_jsonata_string,
)

INPUT = {"FunctionInput": {"fst": [0, 1, 2], "snd": 2}, "n": None, "s": "x", "f": 2.5,
         "items": [{"price": 5, "type": "a"}, {"price": 15, "type": "b"}]}


def ev(text, input=INPUT, variables=None, **states):
    return compile_expression(text, "Output").evaluate({"input": input, **states}, variables or {})


def cause_of(text, input=INPUT, variables=None, field="Output"):
    with pytest.raises(ASLError) as info:
        compile_expression(text, field).evaluate({"input": input}, variables or {})
    assert info.value.error == "States.QueryEvaluationError"
    return info.value.cause


def threw(text, field, detail):
    return (f"The JSONata expression '{text}' specified for the field '{field}' threw an error "
            f"during evaluation. {detail}")


# --------------------------------------------------------------------------- what is JSONata


@pytest.mark.parametrize("value, expected", [
    ("{% $x %}", True),
    ("{%$x%}", True),
    (" {% states.input %} ", False),  # recorded: kept as a literal string
    ("{% $x %} ", False),
    ("$states.input", False),
    ("{%}", False),
    (42, False),
])
def test_only_strings_wrapped_exactly_in_percent_braces_are_jsonata(value, expected):
    assert is_jsonata_string(value) is expected


# --------------------------------------------------------------------------- compile


def test_compile_accepts_the_inside_or_the_whole_string():
    assert compile_expression("{% 1 + 2 %}", "Output").text == "1 + 2"
    assert compile_expression(" 1 + 2 ", "Output").evaluate({}, {}) == 3


@pytest.mark.parametrize("text", ["1 +", "$states.input.(", "[1, 2", "{'a': }", "   "])
def test_syntax_errors_are_refused_with_the_field_named(text):
    with pytest.raises(JSONataSyntaxError) as info:
        compile_expression(text, "Arguments/a")
    assert "'Arguments/a'" in str(info.value)
    assert info.value.field == "Arguments/a"


def test_absurdly_deep_expressions_are_refused_not_crashed_on():
    with pytest.raises(JSONataSyntaxError, match="nested too deeply"):
        compile_expression("(" * 20000 + "1" + ")" * 20000, "Output")


def test_eval_is_refused_and_parse_suggested():
    with pytest.raises(JSONataSyntaxError, match=r"\$eval.*\$parse"):
        compile_expression("$eval('1 + 1')", "Output")


@pytest.mark.parametrize("text, operator", [
    ("$states.input.a ?: 1", "?:"),
    ("$states.input.a ?? 1", "??"),
    ("$states.input.a ? ($states.input.b ?? 2) : 1", "??"),
])
def test_operators_newer_than_jsonata_2_0_6_are_refused(text, operator):
    with pytest.raises(JSONataSyntaxError, match=re.escape(f"operator '{operator}'")):
        compile_expression(text, "Output")


@pytest.mark.parametrize("text", [
    "$states.input.a ? $states.input.a : 1",
    "$exists($states.input.a) ? $states.input.a : 1",
    "'?:' & '??'",
    "'a?'?1:2",
    "$contains('x', /(?:x)/) ? 1 : 2",
])
def test_the_2_0_6_spellings_of_default_and_coalesce_are_accepted(text):
    compile_expression(text, "Output")


@pytest.mark.parametrize("text, what", [
    ("foo", "the field 'foo'"),
    ("foo.bar", "the field 'foo'"),
    ("{'a': foo}", "the field 'foo'"),
    ("$count(items)", "the field 'items'"),
    ("'quoted'.x", "the field 'quoted'"),  # a string as a path step is a field name
    ("$", "'$'"),
    ("$.a", "'$'"),
    ("$$", "'$$'"),
    ("$$.a", "'$$'"),
    ("*", "'*'"),
    ("**.a", "'**'"),
])
def test_top_level_field_references_are_refused(text, what):
    with pytest.raises(JSONataSyntaxError) as info:
        compile_expression(text, "Output")
    assert what in str(info.value) and "$states.input" in str(info.value)


@pytest.mark.parametrize("text", [
    "$states.input.items[price > 10].type",
    "$states.input.items.(price * 2)",
    "$states.input.items{type: price}",
    "$states.input.items^(>price).type",
    "$states.input.items[$.price > 1]",
    "$map($states.input.items, function($v){ $v.price })",
    "$states.input ~> | items | {'seen': true} |",
    "($x := $states.input; $x.s)",
    "$states.input.items#$i[$i > 0].type",
    "$states.input.`s`.$uppercase()",
])
def test_names_relative_to_a_path_are_not_top_level(text):
    compile_expression(text, "Output")


def test_states_fields_lists_what_the_expression_reads():
    expr = compile_expression("$states.result.x & $string($states.errorOutput) & $states.input", "Output")
    assert expr.states_fields == {"result", "errorOutput", "input"}


# --------------------------------------------------------------------------- evaluate


def test_states_and_variables_are_bound():
    assert ev("$states.input.FunctionInput.snd + $k", variables={"k": 40}) == 42
    assert ev("$states.context.State.Name", context={"State": {"Name": "S"}}) == "S"
    assert ev("$states.result.Payload", result={"Payload": 1}) == 1
    assert ev("$states.errorOutput.Error", errorOutput={"Error": "E", "Cause": "c"}) == "E"


def test_undefined_and_null_are_different():
    assert ev("$states.input.missing") is UNDEFINED
    assert ev("$doesNotExist") is UNDEFINED
    assert ev("$states.input.n") is None
    assert ev("$states.input.n = null") is True
    assert ev("$exists($states.input.n)") is True


def test_a_variable_holding_null_is_null_not_undefined():
    assert ev("$v", variables={"v": None}) is None
    assert ev("$v = null", variables={"v": None}) is True
    assert ev("$type($v)", variables={"v": None}) == "null"


def test_variables_shadow_nothing_they_should_not_and_are_never_written():
    variables = {"x": 1}
    assert ev("($x := 5; $x * 2)", variables=variables) == 10
    assert variables == {"x": 1}
    assert ev("$x", variables=variables) == 1


def test_results_are_plain_json():
    result = ev("[[$states.input.FunctionInput.fst], {'k': null}]")
    assert result == [[0, 1, 2], {"k": None}]
    assert type(result) is list and type(result[0]) is list
    # an array constructor splices in the arrays its items evaluate to (JSONata semantics)
    assert ev("[$states.input.FunctionInput.fst, 3]") == [0, 1, 2, 3]
    assert json.loads(json.dumps(result)) == result
    assert type(ev("$keys($states.input)")) is list
    assert ev("[1..3]") == [1, 2, 3]


def test_pass_through_data_is_returned_as_is():
    assert ev("$states.input") is INPUT
    assert ev("{'whole': $states.input}")["whole"] is INPUT


@pytest.mark.parametrize("text, expected", [
    ("3.0", 3), ("6 / 2", 3), ("7 / 2", 3.5), ("$parse('1.0')", 1), ("{'a': 2.0}", {"a": 2}),
    ("$sum([1.5, 1.5])", 3), ("1e21", 1e21), ("-0", 0), ("0.1 + 0.2", 0.30000000000000004),
])
def test_numbers_render_as_aws_renders_them(text, expected):
    result = ev(text)
    assert result == expected and type(result) is type(expected)


def test_now_and_millis_read_the_given_clock():
    states = {"input": {}}
    assert compile_expression("$millis()", "F").evaluate(states, {}, now_ms=1_000) == 1_000
    assert compile_expression("$now()", "F").evaluate(states, {}, now_ms=0) == "1970-01-01T00:00:00.000Z"


def test_now_is_fresh_even_after_other_expressions_were_compiled():
    now = compile_expression("$millis()", "F")
    compile_expression("1", "F")
    first = now.evaluate({}, {})
    assert now.evaluate({}, {}, now_ms=first + 5) == first + 5


def test_evaluation_is_thread_safe():
    expr = compile_expression("$map($states.input, function($v){ $v * $k })", "F")
    failures = []

    def work(k):
        for _ in range(200):
            if expr.evaluate({"input": [1, 2, 3]}, {"k": k}) != [k, 2 * k, 3 * k]:
                failures.append(k)
            compile_expression("$x", "F")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_jsonata_is_imported_only_when_first_used():
    code = ("import sys, asl_runtime.query.jsonata as j; assert 'jsonata' not in sys.modules; "
            "j.compile_expression('1', 'F'); assert 'jsonata' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- error wording


def test_recorded_cause_for_calling_a_missing_function():
    # recorded against AWS (the engine adds the state prefix)
    text = "$randomSeeded($states.input.FunctionInput.fst)"
    assert cause_of(text, field="Output/FunctionResult") == threw(
        text, "Output/FunctionResult", "T1006: Attempted to invoke a non-function")


@pytest.mark.parametrize("text, detail", [
    ("'a' + 1", 'T2001: The left side of the "+" operator must evaluate to a number'),
    ("1 - 'a'", 'T2002: The right side of the "-" operator must evaluate to a number'),
    ("$sum(1, 2)", 'T0410: Argument 2 of function "sum" does not match function signature'),
    ("$uppercase(1)", 'T0410: Argument 1 of function "uppercase" does not match function signature'),
    ("$substring('abc', 'x')", 'T0410: Argument 2 of function "substring" does not match function '
                               "signature"),
    ("$replace('a', '', 'b')", "D3010: Second argument of replace function cannot be an empty string"),
    ("$single([1, 2])", "D3138: The $single() function expected exactly 1 matching result.  Instead it "
                        "matched more."),
    ("$error('boom')", "D3137: boom"),
    ("1 / 0", "D1001: Number out of range: Infinity"),
    ("$states.input.s < 1", 'T2009: The values "x" and 1 either side of operator "<" must be of the '
                            "same data type"),
])
def test_evaluation_errors_use_jsonata_2_wording(text, detail):
    assert cause_of(text) == threw(text, "Output", detail)


def test_a_function_result_is_unsupported():
    # recorded against AWS for a Map state's Items
    text = "$fn := function($x){$x}"
    assert cause_of(text, field="Items") == (
        f"The JSONata expression '{text}' specified for the field 'Items' returned an unsupported "
        "result type.")


def test_undefined_wording():
    # recorded against AWS
    expr = compile_expression("$doesNotExist", "Assign/result")
    with pytest.raises(ASLError) as info:
        expr.evaluate_defined({"input": {}}, {})
    assert info.value.cause == ("The JSONata expression '$doesNotExist' specified for the field "
                                "'Assign/result' returned nothing (undefined).")
    assert expr.undefined_error().cause == info.value.cause


@pytest.mark.parametrize("text, value, shown", [
    ("true", True, "'boolean' for value: true"),
    ("null", None, "'null' for value: null"),
    ("1", 1, "'number' for value: 1"),
    ("{'foo': 'bar'}", {"foo": "bar"}, "'object' for value: {\"foo\":\"bar\"}"),
    ("'string'", "string", "'string' for value: \"string\""),
])
def test_unexpected_type_wording(text, value, shown):
    # recorded against AWS for a Map state's Items
    expr = compile_expression(text, "Items")
    assert expr.evaluate({}, {}) == value
    assert expr.type_error("array", value).cause == (
        f"The JSONata expression '{text}' specified for the field 'Items' returned an unexpected "
        f"result type. Expected 'array', but was {shown}")


# --------------------------------------------------------------------------- AWS's functions


@pytest.mark.parametrize("array, size, expected", [
    ([0, 1, 2], 1, [[0], [1], [2]]),
    ([0, 1, 2], 2, [[0, 1], [2]]),
    ([0, 1, 2], 3, [[0, 1, 2]]),
    ([0, 1, 2, 3], 3, [[0, 1, 2], [3]]),
    ([0], 3, [[0]]),
    ([0, 1], 5, [[0, 1]]),
    ([], 2, []),
    ([0, 1, 2], 2.9, [[0, 1], [2]]),  # integer parameters round down
])
def test_partition(array, size, expected):
    assert ev("$partition($states.input.a, $states.input.b)", {"a": array, "b": size}) == expected


@pytest.mark.parametrize("text, detail", [
    ("$partition([1, 2], 0)", "positive integer"),
    ("$partition([1, 2], 'x')", 'T0410: Argument 2 of function "partition"'),
])
def test_partition_refuses_bad_sizes(text, detail):
    assert detail in cause_of(text)


@pytest.mark.parametrize("args, expected", [
    ((0, 9, 3), [0, 3, 6, 9]),
    ((0, 10, 3), [0, 3, 6, 9]),
    ((1, 9, 9), 1),  # recorded: a one-item range is the item itself
    ((1, 9, 2), [1, 3, 5, 7, 9]),
    ((10, 0, -5), [10, 5, 0]),
    ((0.5, 3.7, 1.9), [0, 1, 2, 3]),
])
def test_range(args, expected):
    assert ev("$range($states.input[0], $states.input[1], $states.input[2])", list(args)) == expected


def test_range_towards_the_wrong_side_is_undefined():
    assert ev("$range(5, 1, 1)") is UNDEFINED


@pytest.mark.parametrize("text, detail", [
    ("$range(0, 5, 0)", "must not be zero"),
    ("$range(0, 1e9, 1)", "the limit is"),
    ("$range('a', 5, 1)", 'T0410: Argument 1 of function "range"'),
])
def test_range_refuses_bad_arguments(text, detail):
    assert detail in cause_of(text)


@pytest.mark.parametrize("algorithm, digest", [
    # the digests AWS recorded for States.Hash('input data', ...)
    ("MD5", "812f45842bc6d66ee14572ce20db8e86"),
    ("SHA-1", "aaff4a450a104cd177d28d18d74485e8cae074b7"),
    ("SHA-256", "b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"),
    ("SHA-384", None),
    ("SHA-512", "6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc5"
                "0283731a533d30d425402d4f91316d871303aac4"),
])
def test_hash(algorithm, digest):
    result = ev(f"$hash('input data', '{algorithm}')")
    assert result == digest if digest else re.fullmatch("[0-9a-f]{96}", result)


@pytest.mark.parametrize("text, detail", [
    ("$hash('x', 'SHA-999')", "MD5, SHA-1, SHA-256, SHA-384, SHA-512"),
    ("$hash(1, 'MD5')", 'T0410: Argument 1 of function "hash"'),
])
def test_hash_refuses_bad_arguments(text, detail):
    assert detail in cause_of(text)


def test_random():
    assert 0 <= ev("$random()") < 1
    assert ev("$random(42) = $random(42)") is True
    assert ev("$random(42) = $random(42.9)") is True  # the seed rounds down
    assert ev("$random(1) != $random(2)") is True
    assert 'T0410: Argument 1 of function "random"' in cause_of("$random('seed')")


def test_uuid_is_a_fresh_version_4_uuid():
    first, second = ev("$uuid()"), ev("$uuid()")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first)
    assert first != second


@pytest.mark.parametrize("text, expected", [
    # recorded against AWS
    ("-0", 0), ("1.1", 1.1), ("true", True), ('"HelloWorld"', "HelloWorld"),
    ('[1, 2, "HelloWorld"]', [1, 2, "HelloWorld"]), ('{"Arg1": 1, "Arg2": []}', {"Arg1": 1, "Arg2": []}),
    ("null", None), (" ", None),
])
def test_parse(text, expected):
    assert ev("$parse($states.input)", text) == expected


@pytest.mark.parametrize("text", ["{", "NaN", "[1,]"])
def test_parse_refuses_invalid_json(text):
    assert "not valid JSON" in cause_of("$parse($states.input)", text)


# --------------------------------------------------------------------------- $string and &


@pytest.mark.parametrize("text, expected", [
    ("$string(0.1 + 0.2)", "0.3"),
    ("$string(12345678901234567890)", "12345678901234600000"),
    ("$string(1e21)", "1e+21"),
    ("$string(0.000001)", "0.000001"),
    ("$string(1.5e-7)", "1.5e-7"),
    ("$string({'a': 0.1 + 0.2, 'b': [1e21, null, true]})", '{"a":0.3,"b":[1e+21,null,true]}'),
    ("$string({'a': [1]}, true)", '{\n  "a": [\n    1\n  ]\n}'),
    ("$string(function(){1})", ""),
    ("$string(1.7976931348623157e308)", "null"),  # 15 digits round it up to Infinity
    ("'n=' & 1.50 & ', ' & true & ', ' & null", "n=1.5, true, null"),
    ("'big ' & 12345678901234567890", "big 12345678901234600000"),
    ("$states.input.f.$string()", "2.5"),
])
def test_string_conversion_follows_javascript(text, expected):
    assert ev(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("$number('2')", 2), ("$number('-1.5e2')", -150), ("$number('007')", 7), ("$number('0x1F')", 31),
    ("$number('0b101')", 5), ("$number(true)", 1), ("$number(2.5)", 2.5), ("$number($nothing)", UNDEFINED),
])
def test_number(text, expected):
    assert ev(text) == expected


@pytest.mark.parametrize("text, shown", [
    ("$number('x')", '"x"'), ("$number(' 12 ')", '" 12 "'), ("$number('1e1000')", '"1e1000"'),
    ("$number('')", '""'),
])
def test_number_refuses_what_jsonata_refuses(text, shown):
    assert cause_of(text) == threw(text, "Output", f"D3030: Unable to cast value to a number: {shown}")


def test_to_millis():
    assert ev("$toMillis('2016-12-05T21:29:29Z')") == 1480973369000
    assert ev("$toMillis('2016-12-05T21:29:29')") == 1480973369000  # no offset reads as UTC
    text = "$toMillis('2020-13-01')"
    assert cause_of(text) == threw(text, "Output", "D3110: The argument of the toMillis function must "
                                                   'be an ISO 8601 formatted timestamp. Given "2020-13-01"')


# --------------------------------------------------------------------------- templates


def test_a_template_without_expressions_is_its_constant():
    # recorded: none of these strings is evaluated in a JSONata state
    value = {"str": " {% states.input %} ", "jp": "$.input_value", "jp.$": "$",
             "intrinsic": "States.Format('{}', 1)", "list": [None, 0, 0.1, True, [], {"c": 0}]}
    template = compile_template(value, "Output")
    assert template.is_constant
    assert template.evaluate({"input": {}}, {}) is value


@pytest.mark.parametrize("value", [None, 0, 0.1, "string literal", [], {}])
def test_any_json_value_is_a_template(value):
    assert compile_template(value, "Output").evaluate({"input": {}}, {}) == value


def test_template_nests_expressions_in_objects_and_arrays():
    template = compile_template({
        "sum": "{% $sum($states.input.FunctionInput.fst) + $one %}",
        "items": [1, "{% $number('2') %}", {"deep": "{% $states.input.s %}"}],
        "const": "c",
    }, "Arguments")
    assert not template.is_constant
    result = template.evaluate({"input": INPUT}, {"one": 1})
    assert result == {"sum": 4, "items": [1, 2, {"deep": "x"}], "const": "c"}
    assert list(result) == ["sum", "items", "const"]


def test_a_whole_template_may_be_one_expression():
    template = compile_template("{% $merge([$states.input.a, $states.input.b]) %}", "Output")
    assert template.evaluate({"input": {"a": {"x": 1}, "b": {"y": 2}}}, {}) == {"x": 1, "y": 2}


@pytest.mark.parametrize("value, field", [
    # recorded against AWS
    ("{% $doesNotExist %}", "Output"),
    ({"result": "{% $doesNotExist %}"}, "Output/result"),
    ({"a": [0, {"b": "{% $doesNotExist %}"}]}, "Output/a/1/b"),
])
def test_an_expression_returning_nothing_fails_the_template(value, field):
    with pytest.raises(ASLError) as info:
        compile_template(value, "Output").evaluate({"input": {}}, {})
    assert info.value.cause == (f"The JSONata expression '$doesNotExist' specified for the field "
                                f"'{field}' returned nothing (undefined).")


def test_errors_inside_templates_name_the_nested_field():
    template = compile_template({"FunctionResult": "{% $randomSeeded(1) %}"}, "Output")
    with pytest.raises(ASLError, match="'Output/FunctionResult' threw an error"):
        template.evaluate({"input": {}}, {})


def test_templates_compile_their_expressions_at_load_time():
    with pytest.raises(JSONataSyntaxError, match="'Arguments/a/0'"):
        compile_template({"a": ["{% 1 + %}"]}, "Arguments")
    with pytest.raises(JSONataSyntaxError, match="'Arguments/b'"):
        compile_template({"b": "{% $states.input"}, "Arguments")


# --------------------------------------------------------------------------- properties


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-1000, 1000), max_size=30), st.integers(1, 12))
def test_partition_chunks_concatenate_back(items, size):
    chunks = ev("$partition($states.input.a, $states.input.n)", {"a": items, "n": size})
    assert [x for chunk in chunks for x in chunk] == items
    assert all(len(chunk) == size for chunk in chunks[:-1])
    assert not chunks or 1 <= len(chunks[-1]) <= size


@settings(max_examples=60, deadline=None)
@given(st.integers(-50, 50), st.integers(-50, 50), st.integers(-7, 7).filter(bool))
def test_range_matches_a_simple_reference(start, end, step):
    expected, value = [], start
    while (step > 0 and value <= end) or (step < 0 and value >= end):
        expected.append(value)
        value += step
    result = ev("$range($states.input[0], $states.input[1], $states.input[2])", [start, end, step])
    if not expected:
        assert result is UNDEFINED
    else:
        assert result == (expected[0] if len(expected) == 1 else expected)


@settings(max_examples=100, deadline=None)
@given(st.floats(min_value=-1.7e308, max_value=1.7e308))
def test_string_of_a_number_reads_back_as_its_15_digit_value(number):
    text = ev("$string($states.input)", number)
    assert float(text) == float(f"{number:.15g}")
    assert "e" not in text or abs(float(text)) >= 1e21 or abs(float(text)) < 1e-6
