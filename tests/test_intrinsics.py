"""Intrinsic functions: the parser, each function's behaviour and failures, and properties."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asl_runtime.errors import ASLError, PathNotFound
from asl_runtime.query.intrinsics import (
    FUNCTIONS, Call, IntrinsicSyntaxError, Literal, Path, compile_intrinsic, is_intrinsic,
    parse_intrinsic,
)

FAST = settings(max_examples=100, deadline=None)


def run(text, input=None, context=None, variables=None):
    return compile_intrinsic(text)(input, context, variables)


def fails(text, input=None, context=None, variables=None) -> str:
    """The cause of the runtime error (States.Runtime, as AWS reports it) that evaluating `text` raises."""
    with pytest.raises(ASLError) as info:
        run(text, input, context, variables)
    assert info.value.error == "States.Runtime"
    name = text[:text.index("(")]
    assert info.value.cause.startswith(f"Invalid arguments in {name}")
    return info.value.cause


# --------------------------------------------------------------------------- the table
def test_all_eighteen_functions_are_declared_once():
    assert sorted(FUNCTIONS) == sorted([
        "States.Format", "States.StringToJson", "States.JsonToString", "States.Array",
        "States.ArrayPartition", "States.ArrayContains", "States.ArrayRange",
        "States.ArrayGetItem", "States.ArrayLength", "States.ArrayUnique",
        "States.Base64Encode", "States.Base64Decode", "States.Hash", "States.JsonMerge",
        "States.MathRandom", "States.MathAdd", "States.StringSplit", "States.UUID",
    ])


@pytest.mark.parametrize("call, cause", [
    ("States.ArrayLength()", "expected 1 argument but got 0"),
    ("States.ArrayRange(1, 2)", "expected 3 arguments but got 2"),
    ("States.MathRandom(1)", "expected 2 to 3 arguments but got 1"),
    ("States.MathRandom(1, 2, 3, 4)", "expected 2 to 3 arguments but got 4"),
    ("States.Format()", "expected at least 1 argument but got 0"),
    ("States.UUID(1)", "expected 0 arguments but got 1"),
    ("States.ArrayLength('abc')", "argument 1 must be an array, not a string"),
    ("States.ArrayGetItem(States.Array(1), '0')", "argument 2 must be a number, not a string"),
    ("States.JsonMerge(States.Array(), States.Array(), false)", "argument 1 must be an object, not an array"),
    ("States.JsonMerge(States.StringToJson('{}'), States.StringToJson('{}'), 0)",
     "argument 3 must be a boolean, not a number"),
    ("States.MathAdd(true, 1)", "argument 1 must be a number, not a boolean"),
    ("States.MathRandom(1, 10, null)", "argument 3 must be a number, not null"),
    ("States.Base64Encode(123)", "argument 1 must be a string, not a number"),
    ("States.Format(1)", "argument 1 must be a string, not a number"),
])
def test_one_checker_reports_every_arity_and_type_error(call, cause):
    assert fails(call).endswith(f": {cause}.")


def test_arity_errors_wait_for_run_time_as_on_aws():
    # AWS accepts the definition and fails the execution, so parsing must not refuse it.
    assert parse_intrinsic("States.Hash('a')") == Call("States.Hash", (Literal("a"),))
    fails("States.Hash('a')")


# --------------------------------------------------------------------------- parser
@pytest.mark.parametrize("text, expected", [
    ("States.Array()", True), ("States.Format('x')", True), ("States.Nope(1)", True),
    ("States.Array ()", True), ("$.a", False), ("States.Array", False), ("States", False),
    (" States.Array()", False), ("$.States.Array()", False), (None, False), (3, False),
])
def test_is_intrinsic(text, expected):
    assert is_intrinsic(text) is expected


def test_parse_literals():
    assert parse_intrinsic("States.Array('a', 1, -2, 3.5, -0.25, 1e3, true, false, null)") == Call(
        "States.Array", (Literal("a"), Literal(1), Literal(-2), Literal(3.5), Literal(-0.25),
                         Literal(1000.0), Literal(True), Literal(False), Literal(None)))


def test_integer_and_float_literals_keep_their_type():
    assert run("States.Array(1, 1.0)") == [1, 1.0]
    assert [type(x) for x in run("States.Array(1, 1.0)")] == [int, float]


def test_parse_nesting_and_whitespace():
    assert parse_intrinsic(" States.Array( States.Array( $.a ) ,States.UUID() ) ") == Call(
        "States.Array", (Call("States.Array", (Path("$.a"),)), Call("States.UUID")))


def test_string_escapes():
    node = parse_intrinsic(r"States.Array('it\'s \{x\} a\\b', '')")
    assert node.args == (Literal("it's {x} a\\b"), Literal(""))
    assert run(r"States.Array('it\'s \{x\} a\\b')") == ["it's {x} a\\b"]


def test_string_may_hold_commas_parentheses_and_raw_newlines():
    assert run("States.Array('a, b) c', 'x\ny')") == ["a, b) c", "x\ny"]


@pytest.mark.parametrize("path", [
    "$", "$.a", "$.a.b", "$['a b']", "$['a,b)']", "$.a[0]", "$.a[-1]", "$.a[*].b",
    "$.a[?(@.x > 1)]", "$.a[0,1]", "$.a.length()", "$..b", '$["q\'s"]',
])
def test_paths_end_at_a_top_level_comma_or_paren(path):
    node = parse_intrinsic(f"States.Array({path}, {path} )")
    assert node.args == (Path(path), Path(path))


def test_path_arguments_read_input_context_and_variables():
    data = {"a": {"b c": [10, 20], "n": [{"x": 1}, {"x": 2}]}}
    assert run("States.Array($.a['b c'][1], $.a.n[?(@.x > 1)], $.a.n.length())", data) == [
        20, [{"x": 2}], 2]
    assert run("States.Array($$.Execution.Name, $, $$)", {"i": 1}, {"Execution": {"Name": "e"}}) == [
        "e", {"i": 1}, {"Execution": {"Name": "e"}}]
    assert run("States.Array($count, $cfg.limit)", None, None, {"count": 3, "cfg": {"limit": 9}}) == [
        3, 9]


def test_missing_paths_propagate_for_the_engine_to_report():
    with pytest.raises(PathNotFound):
        run("States.ArrayLength($.missing)", {})
    with pytest.raises(PathNotFound):
        run("States.Array($undefined)", {}, {}, {})


@pytest.mark.parametrize("text, problem", [
    ("States.Nope(1)", "'States.Nope' is not an intrinsic function"),
    ("States.format('x')", "'States.format' is not an intrinsic function"),
    ("States.Array(", "not closed"),
    ("States.Array(1", "missing ')'"),
    ("States.Array(1,)", "missing argument"),
    ("States.Array(,1)", "missing argument"),
    ("States.Array(1 2)", "expected ',' or ')'"),
    ("States.Array(1) extra", "unexpected text after the closing ')'"),
    ("States.Array('abc)", "unterminated string"),
    ("States.Array(.5)", "expected a 'string'"),
    ("States.Array(1.)", "malformed number"),
    ("States.Array(01)", "malformed number"),
    ("States.Array(1e)", "malformed number"),
    ("States.Array(1-2)", "malformed number"),
    ("States.Array(nullx)", "expected a 'string'"),
    ("States.Array(True)", "expected a 'string'"),
    ('States.Array("a")', "expected a 'string'"),
    ("States.Array([1])", "expected a 'string'"),
    ("States.Array($.a b)", "invalid path"),
    ("States.Array($.a[)", "invalid path"),
    ("States.Array(1e999)", "number out of range"),
    ("States.Array)", "expected '(' after States.Array"),
    ("$.a", "expected a call"),
])
def test_syntax_errors_name_the_problem(text, problem):
    with pytest.raises(IntrinsicSyntaxError, match=re.escape(problem)):
        parse_intrinsic(text)


def test_syntax_errors_surface_from_compile():
    with pytest.raises(IntrinsicSyntaxError):
        compile_intrinsic("States.Array(")


def test_compiled_once():
    assert compile_intrinsic("States.Array($.x)") is compile_intrinsic("States.Array($.x)")


# --------------------------------------------------------------------------- Format
def test_format():
    assert run("States.Format('Hello, my name is {}.', $.name)", {"name": "Arnav"}) == (
        "Hello, my name is Arnav.")
    assert run("States.Format($.t, $.name)", {"t": "Hello {}!", "name": "A"}) == "Hello A!"
    assert run("States.Format('no placeholders')") == "no placeholders"
    assert run("States.Format('{}{}', 'a', 'b')") == "ab"


def test_format_renders_values_as_aws_does():
    data = {"o": {"Id": "x", "Name": "y"}, "l": [1, "a", None, [True]], "f": 1.1}
    assert run("States.Format('{}|{}|{}|{}|{}|{}|{}', $.o, $.l, $.f, 1, null, true, '')", data) == (
        "{Id=x, Name=y}|[1, a, null, [true]]|1.1|1|null|true|")


def test_format_escaped_braces_are_text():
    assert run(r"States.Format('\{\} {} \\', 'x')") == "{} x \\"


@pytest.mark.parametrize("call, problem", [
    ("States.Format('{} {}', 'a')", "2 placeholders but 1 value"),
    ("States.Format('{}', 'a', 'b')", "1 placeholder but 2 values"),
    ("States.Format('Hello {', 'a')", "'{' that does not start"),
    ("States.Format('}')", "'}' that does not close"),
    ("States.Format('{{}}', 'a')", "'{' that does not start"),
])
def test_format_failures(call, problem):
    assert problem in fails(call)


def test_format_template_from_a_path_is_checked_at_run_time():
    assert "'{' that does not start" in fails("States.Format($.t)", {"t": "a { b"})


# --------------------------------------------------------------------------- JSON
def test_string_to_json():
    assert run("States.StringToJson($.s)", {"s": '{"foo": "bar"}'}) == {"foo": "bar"}
    assert run("States.StringToJson($.s)", {"s": "[1, 2, \"x\"]"}) == [1, 2, "x"]
    assert run("States.StringToJson($.s)", {"s": "-0"}) == 0
    assert run("States.StringToJson($.s)", {"s": "1.1"}) == 1.1
    assert run("States.StringToJson($.s)", {"s": "null"}) is None
    assert run("States.StringToJson($.s)", {"s": " "}) is None
    assert run("States.StringToJson('')") is None


@pytest.mark.parametrize("text", ["{bad", "NaN", "Infinity", "[1,", "'x'", "1 2"])
def test_string_to_json_rejects_invalid_json(text):
    assert "not valid JSON" in fails("States.StringToJson($.s)", {"s": text})


def test_json_to_string_is_compact():
    assert run("States.JsonToString($.v)", {"v": {"Arg1": 1, "Arg2": []}}) == '{"Arg1":1,"Arg2":[]}'
    assert run("States.JsonToString($.v)", {"v": [1, 2, "HelloWorld"]}) == '[1,2,"HelloWorld"]'
    assert run("States.JsonToString($.v)", {"v": "é"}) == '"é"'
    assert run("States.JsonToString($.v)", {"v": None}) == "null"
    assert run("States.JsonToString($.v)", {"v": 1.1}) == "1.1"


def test_json_merge_is_shallow_and_later_wins():
    data = {"a": {"a": {"a1": 1}, "b": 2, "d": 3}, "b": {"a": {"a3": 1}, "c": 3, "d": 4}}
    assert run("States.JsonMerge($.a, $.b, false)", data) == {"a": {"a3": 1}, "b": 2, "c": 3, "d": 4}
    assert data["a"] == {"a": {"a1": 1}, "b": 2, "d": 3}  # inputs untouched


def test_json_merge_refuses_deep_mode():
    assert "argument 3 must be false" in fails("States.JsonMerge($.a, $.a, true)", {"a": {}})


# --------------------------------------------------------------------------- arrays
def test_array():
    assert run("States.Array()") == []
    assert run("States.Array($.a, 'x', States.Array(1))", {"a": {"k": 1}}) == [{"k": 1}, "x", [1]]


def test_array_partition():
    data = {"a": [1, 2, 3, 4, 5, 6, 7, 8, 9]}
    assert run("States.ArrayPartition($.a, 4)", data) == [[1, 2, 3, 4], [5, 6, 7, 8], [9]]
    assert run("States.ArrayPartition($.a, 100)", data) == [data["a"]]
    assert run("States.ArrayPartition(States.Array(), 1)") == []
    # AWS truncates a fractional chunk size.
    assert run("States.ArrayPartition($.a, 4.9)", data) == [[1, 2, 3, 4], [5, 6, 7, 8], [9]]


@pytest.mark.parametrize("size", ["0", "-1", "0.6"])
def test_array_partition_needs_a_positive_chunk_size(size):
    assert "positive" in fails(f"States.ArrayPartition(States.Array(1), {size})")


def test_array_contains():
    data = {"a": [1, "x", None, {"k": [1]}, [0, False]]}
    for needle, found in [("1", True), ("'x'", True), ("null", True), ("$.k", True),
                          ("$.l", True), ("2", False), ("true", False), ("'1'", False),
                          ("1.0", False), ("$.o", False)]:
        extra = {"k": {"k": [1]}, "l": [0, False], "o": {"k": [1], "z": 0}}
        assert run(f"States.ArrayContains($.a, {needle})", {**data, **extra}) is found, needle
    assert run("States.ArrayContains(States.Array(), null)") is False
    assert run("States.ArrayContains($.a, $.b)", {"a": [{"x": 1, "y": 2}], "b": {"y": 2, "x": 1}})


def test_array_range():
    assert run("States.ArrayRange(1, 9, 2)") == [1, 3, 5, 7, 9]
    assert run("States.ArrayRange(0, 10, 3)") == [0, 3, 6, 9]
    assert run("States.ArrayRange(5, 1, -2)") == [5, 3, 1]
    assert run("States.ArrayRange(3, 3, -1)") == [3]
    assert run("States.ArrayRange(5, 1, 1)") == []
    assert len(run("States.ArrayRange(1, 1000, 1)")) == 1000
    assert run("States.ArrayRange(1.9, 5.9, 2.9)") == [1, 3, 5]  # truncated, as AWS does


@pytest.mark.parametrize("call, problem", [
    ("States.ArrayRange(1, 10, 0)", "step must not be 0"),
    ("States.ArrayRange(1, 10, 0.5)", "step must not be 0"),
    ("States.ArrayRange(1, 1001, 1)", "1001 items, more than the 1000"),
    ("States.ArrayRange(1001, 1, -1)", "1001 items"),
    ("States.ArrayRange('a', 5, 1)", "argument 1 must be a number"),
])
def test_array_range_failures(call, problem):
    assert problem in fails(call)


def test_array_get_item():
    data = {"a": [1, 2, 3, 4, 5, 6, 7, 8, 9], "i": 5}
    assert run("States.ArrayGetItem($.a, $.i)", data) == 6
    assert run("States.ArrayGetItem($.a, 0)", data) == 1
    assert run("States.ArrayGetItem($.a, 8.7)", data) == 9


@pytest.mark.parametrize("index", ["9", "-1", "100"])
def test_array_get_item_out_of_range(index):
    assert "outside an array of 9 items" in fails(f"States.ArrayGetItem($.a, {index})",
                                                  {"a": list(range(9))})


def test_array_length_and_unique():
    assert run("States.ArrayLength($.a)", {"a": [1, 2, 3]}) == 3
    assert run("States.ArrayLength(States.Array())") == 0
    assert run("States.ArrayUnique($.a)", {"a": [1, 2, 3, 3, 3, 3, 3, 3, 4]}) == [1, 2, 3, 4]
    assert run("States.ArrayUnique($.a)", {"a": [1, True, 1.0, "1", {"a": 1, "b": 2},
                                                 {"b": 2, "a": 1}, None, None]}) == [
        1, True, 1.0, "1", {"a": 1, "b": 2}, None]


# --------------------------------------------------------------------------- encoding, hashing
def test_base64():
    assert run("States.Base64Encode($.s)", {"s": "Data to encode"}) == "RGF0YSB0byBlbmNvZGU="
    assert run("States.Base64Encode('')") == ""
    assert run("States.Base64Encode('🚀')") == "8J+agA=="
    assert run("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')") == "Data to encode"
    assert run("States.Base64Decode('4pyT')") == "✓"


def test_base64_decode_is_lenient_like_a_mime_decoder():
    assert run("States.Base64Decode(' YWJjZA== ')") == "abcd"
    assert run("States.Base64Decode('YWJjZA')") == "abcd"
    assert run("States.Base64Decode($.s)", {"s": "YWJj\r\nZA=="}) == "abcd"
    assert run("States.Base64Decode('/w==')") == "\ufffd"  # not UTF-8


def test_base64_limits_and_failures():
    ok = {"s": "a" * 10_000}
    assert len(run("States.Base64Encode($.s)", ok)) == 13_336
    assert "at most 10,000 characters" in fails("States.Base64Encode($.s)", {"s": "a" * 10_001})
    assert "at most 10,000 characters" in fails("States.Base64Decode($.s)", {"s": "A" * 10_001})
    # Java counts UTF-16 units: 5,001 astral characters are 10,002 of them.
    assert "at most" in fails("States.Base64Encode($.s)", {"s": "🚀" * 5_001})
    assert "not Base64" in fails("States.Base64Decode('abcde')")


@pytest.mark.parametrize("algorithm, digest", [
    ("MD5", "812f45842bc6d66ee14572ce20db8e86"),
    ("SHA-1", "aaff4a450a104cd177d28d18d74485e8cae074b7"),
    ("SHA-256", "b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"),
    ("SHA-384", "d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b"
                "87525bdc835ebb27e1fb9e9374a15562"),
    ("SHA-512", "6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f"
                "1d593fc50283731a533d30d425402d4f91316d871303aac4"),
])
def test_hash(algorithm, digest):
    assert run("States.Hash($.d, $.a)", {"d": "input data", "a": algorithm}) == digest


def test_hash_stringifies_non_strings():
    assert run("States.Hash(123, 'MD5')") == hashlib.md5(b"123").hexdigest()


@pytest.mark.parametrize("algorithm", ["sha-256", "SHA256", "MD-5", "", "SHA-257"])
def test_hash_unknown_algorithm(algorithm):
    assert "is not one of MD5, SHA-1, SHA-256, SHA-384, SHA-512" in fails(
        "States.Hash('data', $.a)", {"a": algorithm})


def test_hash_limit():
    assert len(run("States.Hash($.s, 'SHA-256')", {"s": "a" * 10_000})) == 64
    assert "at most 10,000" in fails("States.Hash($.s, 'SHA-256')", {"s": "a" * 10_001})


# --------------------------------------------------------------------------- math, strings, ids
def test_math_add_rounds_half_up_like_java():
    cases = [(1.49, 1.5, 3), (-1.51, 0, -2), (0.5, 0, 1), (1.5, 0, 2), (2.5, 0, 3),
             (-0.5, 0.5, 1), (-0.5, 0, 0), (-2.5, 0, -2), (-3.5, 0, -3), (111, -1, 110)]
    for a, b, total in cases:
        assert run("States.MathAdd($.a, $.b)", {"a": a, "b": b}) == total, (a, b)


def test_math_add_range():
    assert run("States.MathAdd(2147483647, 0)") == 2147483647
    assert "between -2147483648 and 2147483647" in fails("States.MathAdd(2147483648, 0)")
    assert "between" in fails("States.MathAdd(0, -2147483649)")
    assert "argument 2 must be a number" in fails("States.MathAdd(1, '1')")


def test_math_random():
    values = {run("States.MathRandom(1, 4)") for _ in range(200)}
    assert values == {1, 2, 3}
    assert 12 <= run("States.MathRandom(12.5, 44.51)") < 44
    seeded = [run("States.MathRandom(0, 1000000, $.s)", {"s": 7}) for _ in range(3)]
    assert len(set(seeded)) == 1
    assert 1 <= run("States.MathRandom(1, 10, -10)") < 10


@pytest.mark.parametrize("bounds", ["1, 1", "10, 5", "1.4, 1.6"])
def test_math_random_needs_start_below_end(bounds):
    assert "must be less than the end" in fails(f"States.MathRandom({bounds})")


def test_string_split():
    assert run("States.StringSplit('1,2,3,4,5', ',')") == ["1", "2", "3", "4", "5"]
    assert run("States.StringSplit($.s, $.d)", {"s": "This.is+a,test=string", "d": ".+,="}) == [
        "This", "is", "a", "test", "string"]
    assert run("States.StringSplit(', , ,', ',')") == [" ", " "]
    assert run("States.StringSplit(',,,,', ',')") == []
    assert run("States.StringSplit('abc', '')") == ["abc"]
    assert run("States.StringSplit('', ',')") == []
    assert run("States.StringSplit('a\\{b', '\\{')") == ["a", "b"]


def test_uuid_is_version_4():
    value = run("States.UUID()")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", value)
    assert value != run("States.UUID()")


def test_nested_calls_compose():
    data = {"arn": "arn:aws:imagebuilder:us-east-1:123:image-recipe/my.recipe/1.0.0"}
    text = ("States.Format('{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem("
            "States.StringSplit($.arn, '/'), 1), '.'), 0), States.ArrayGetItem(States.StringSplit("
            "States.ArrayGetItem(States.StringSplit($.arn, '/'), 1), '.'), 1))")
    assert run(text, data) == "my.recipe"
    assert run("States.JsonMerge(States.StringToJson('{\"a\": 1}'), $$.x, false)", {}, {"x": {"b": 2}}) == {
        "a": 1, "b": 2}


def test_inner_failure_names_the_inner_function():
    with pytest.raises(ASLError, match=r"Invalid arguments in States\.ArrayLength"):
        run("States.Array(States.ArrayLength(1))")


# --------------------------------------------------------------------------- properties
json_scalars = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=8) | (
    st.floats(allow_nan=False, allow_infinity=False, width=32))
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=12)


@FAST
@given(st.lists(json_values, max_size=20))
def test_array_length_is_len(items):
    assert run("States.ArrayLength($.a)", {"a": items}) == len(items)


@FAST
@given(st.lists(st.integers(), max_size=30), st.integers(1, 12))
def test_partition_chunks_concatenate_back(items, size):
    chunks = run("States.ArrayPartition($.a, $.n)", {"a": items, "n": size})
    assert [x for chunk in chunks for x in chunk] == items
    assert all(len(c) == size for c in chunks[:-1]) and all(0 < len(c) <= size for c in chunks)


@FAST
@given(st.text(max_size=200))
def test_base64_round_trip(text):
    encoded = run("States.Base64Encode($.s)", {"s": text})
    assert encoded == base64.b64encode(text.encode()).decode()
    assert run("States.Base64Decode($.s)", {"s": encoded}) == text


@FAST
@given(json_values)
def test_json_to_string_and_back(value):
    text = run("States.JsonToString($.v)", {"v": value})
    assert text == json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    assert run("States.StringToJson($.t)", {"t": text}) == json.loads(text) == value


@FAST
@given(st.integers(-500, 500), st.integers(-500, 500), st.integers(-50, 50).filter(bool))
def test_array_range_is_an_inclusive_python_range(start, end, step):
    expected = list(range(start, end + (1 if step > 0 else -1), step))
    args = {"a": start, "b": end, "c": step}
    if len(expected) > 1000:
        fails("States.ArrayRange($.a, $.b, $.c)", args)
    else:
        assert run("States.ArrayRange($.a, $.b, $.c)", args) == expected


@FAST
@given(st.integers(-2**31, 2**31 - 1), st.integers(-2**31, 2**31 - 1))
def test_math_add_is_addition(a, b):
    assert run("States.MathAdd($.a, $.b)", {"a": a, "b": b}) == a + b


@FAST
@given(st.lists(st.integers(0, 5) | st.sampled_from(["a", "b"]) | st.booleans(), max_size=20))
def test_array_unique_keeps_first_occurrences_in_order(items):
    expected = []
    for x in items:
        if not any(type(x) is type(y) and x == y for y in expected):
            expected.append(x)
    assert run("States.ArrayUnique($.a)", {"a": items}) == expected


@FAST
@given(st.lists(st.integers(-3, 3), max_size=10), st.integers(-4, 4))
def test_array_contains_is_membership(items, needle):
    assert run("States.ArrayContains($.a, $.n)", {"a": items, "n": needle}) is (needle in items)


@FAST
@given(st.text(alphabet="ab,;", max_size=30), st.sampled_from([",", ";", ",;"]))
def test_string_split_matches_a_regex_split_without_empties(text, delimiters):
    expected = [p for p in re.split(f"[{re.escape(delimiters)}]", text) if p]
    assert run("States.StringSplit($.s, $.d)", {"s": text, "d": delimiters}) == expected


@FAST
@given(st.lists(st.text(alphabet="xy {}\\'", max_size=6), min_size=1, max_size=4))
def test_format_fills_placeholders_between_escaped_text(pieces):
    # Each piece, escaped, is literal text; the placeholder after it is filled with the piece
    # again, so every piece but the last comes out twice.
    template = "{}".join(re.sub(r"([\\'{}])", r"\\\1", p) for p in pieces)
    args = "".join(f", $.p[{i}]" for i in range(len(pieces) - 1))
    result = run(f"States.Format('{template}'{args})", {"p": pieces})
    assert result == "".join(p + p for p in pieces[:-1]) + pieces[-1]


def test_a_bad_argument_fails_the_execution_as_aws_does():
    """AWS fails the execution with States.Runtime (not States.IntrinsicFailure); Catch cannot take it."""
    from asl_runtime import StateMachine

    sm = StateMachine.from_json({"StartAt": "Add", "States": {"Add": {
        "Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a, $.b)"}, "End": True}}})
    result = sm.run({"a": 1, "b": "NOT A NUMBER"})
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert result.cause.startswith("An error occurred while executing the state 'Add' (entered at the event id #2). "
                                   "Invalid arguments in States.MathAdd")
