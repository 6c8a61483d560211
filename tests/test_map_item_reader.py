"""Distributed Map over S3: ItemReader brings the items, ResultWriter exports the results (moto)."""

import json
from pathlib import Path

import pytest

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

from asl_runtime import StateMachine  # noqa: E402
from asl_runtime.integrations import item_reader  # noqa: E402

REGION = "us-east-1"
DATA = Path(__file__).parent / "data" / "real_world"


@pytest.fixture
def s3():
    with moto.mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket="data-bucket")
        client.create_bucket(Bucket="results-bucket")
        yield client


def put(s3, key, body):
    s3.put_object(Bucket="data-bucket", Key=key, Body=body.encode() if isinstance(body, str) else body)


def machine(reader, **map_fields):
    """A distributed Map whose item processor returns its input unchanged."""
    return StateMachine.from_json({"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemReader": reader, "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                          "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
        **map_fields}}})


def get_object(input_type, key="$.key", **config):
    return {"Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": input_type, **config},
            "Parameters": {"Bucket": "data-bucket", "Key.$": key}}


def test_json_array(s3):
    put(s3, "items.json", json.dumps([{"id": 1}, {"id": 2}]))
    result = machine(get_object("JSON")).run({"key": "items.json"})
    assert result.status == "SUCCEEDED"
    assert result.output == [{"id": 1}, {"id": 2}]


def test_json_lines(s3):
    put(s3, "items.jsonl", '{"id": 1}\n\n{"id": 2}\n"three"\n')
    result = machine(get_object("JSONL")).run({"key": "items.jsonl"})
    assert result.output == [{"id": 1}, {"id": 2}, "three"]


def test_csv_first_row_headers_values_stay_strings(s3):
    put(s3, "rows.csv", 'name,qty\nwidget,3\n"gadget, large",10\n')
    result = machine(get_object("CSV", CSVHeaderLocation="FIRST_ROW")).run({"key": "rows.csv"})
    assert result.output == [{"name": "widget", "qty": "3"}, {"name": "gadget, large", "qty": "10"}]


def test_csv_given_headers_and_delimiter(s3):
    put(s3, "rows.csv", "widget|3\ngadget|10\n")
    reader = get_object("CSV", CSVHeaderLocation="GIVEN", CSVHeaders=["name", "qty"], CSVDelimiter="PIPE")
    assert machine(reader).run({"key": "rows.csv"}).output == [
        {"name": "widget", "qty": "3"}, {"name": "gadget", "qty": "10"}]


def test_max_items_and_max_items_path(s3):
    put(s3, "rows.csv", "n\n1\n2\n3\n4\n")
    assert machine(get_object("CSV", MaxItems=2)).run({"key": "rows.csv"}).output == [{"n": "1"}, {"n": "2"}]
    assert machine(get_object("CSV", MaxItemsPath="$.limit")).run(
        {"key": "rows.csv", "limit": 3}).output == [{"n": "1"}, {"n": "2"}, {"n": "3"}]


def test_list_objects_v2_items_are_object_summaries(s3):
    put(s3, "in/a.txt", "aaa")
    put(s3, "in/b.txt", "bb")
    put(s3, "other/c.txt", "c")
    reader = {"Resource": "arn:aws:states:::s3:listObjectsV2",
              "Parameters": {"Bucket": "data-bucket", "Prefix": "in/"}}
    result = machine(reader).run({})
    assert [(o["Key"], o["Size"], o["StorageClass"]) for o in result.output] == [
        ("in/a.txt", 3, "STANDARD"), ("in/b.txt", 2, "STANDARD")]
    first = result.output[0]
    assert set(first) == {"Etag", "Key", "LastModified", "Size", "StorageClass"}
    assert first["Etag"].startswith('"') and isinstance(first["LastModified"], int)


def test_list_objects_v2_pages_until_max_items(s3):
    for i in range(5):
        put(s3, f"k{i}", "x")
    reader = {"Resource": "arn:aws:states:::s3:listObjectsV2", "ReaderConfig": {"MaxItems": 4},
              "Parameters": {"Bucket": "data-bucket", "MaxKeys": 2}}
    assert [o["Key"] for o in machine(reader).run({}).output] == ["k0", "k1", "k2", "k3"]


def test_items_path_does_not_apply_with_a_reader(s3):
    put(s3, "items.json", "[1, 2]")
    result = machine(get_object("JSON"), ItemsPath="$.missing").run({"key": "items.json"})
    assert result.output == [1, 2]


def test_item_selector_and_batcher_with_a_reader(s3):
    put(s3, "rows.csv", "n\n1\n2\n3\n")
    selected = machine(get_object("CSV"), ItemSelector={"value.$": "$$.Map.Item.Value.n",
                                                        "index.$": "$$.Map.Item.Index", "tag.$": "$.tag"})
    assert selected.run({"key": "rows.csv", "tag": "t"}).output == [
        {"value": "1", "index": 0, "tag": "t"}, {"value": "2", "index": 1, "tag": "t"},
        {"value": "3", "index": 2, "tag": "t"}]
    batched = machine(get_object("CSV"), ItemBatcher={"MaxItemsPerBatch": 2})
    assert batched.run({"key": "rows.csv"}).output == [
        {"Items": [{"n": "1"}, {"n": "2"}]}, {"Items": [{"n": "3"}]}]


@pytest.mark.parametrize("key, body, words", [
    ("missing.json", None, "does not exist"),
    ("bad.json", "[1, 2", "not valid JSON"),
    ("object.json", '{"a": 1}', "must hold a JSON array"),
])
def test_reader_failures_are_item_reader_failed(s3, key, body, words):
    if body is not None:
        put(s3, key, body)
    result = machine(get_object("JSON")).run({"key": key})
    assert result.status == "FAILED"
    assert result.error == "States.ItemReaderFailed"
    assert words in result.cause and key in result.cause


def test_malformed_csv_row_is_item_reader_failed(s3):
    put(s3, "rows.csv", "a,b\n1,2,3\n")
    result = machine(get_object("CSV")).run({"key": "rows.csv"})
    assert result.error == "States.ItemReaderFailed" and "row 2" in result.cause


def test_item_reader_failure_is_catchable(s3):
    sm = StateMachine.from_json({"StartAt": "M", "States": {
        "M": {"Type": "Map", "ItemReader": get_object("JSON"), "Next": "Done",
              "Catch": [{"ErrorEquals": ["States.ItemReaderFailed"], "ResultPath": "$.failure", "Next": "Done"}],
              "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                                "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}},
        "Done": {"Type": "Pass", "End": True}}})
    result = sm.run({"key": "missing.json"})
    assert result.status == "SUCCEEDED"
    assert result.output["failure"]["Error"] == "States.ItemReaderFailed"


def test_jsonata_arguments_and_max_items(s3):
    put(s3, "items.json", "[1, 2, 3, 4]")
    sm = StateMachine.from_json({"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {
        "Type": "Map", "End": True,
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                       "ReaderConfig": {"InputType": "JSON", "MaxItems": "{% $states.input.limit %}"},
                       "Arguments": {"Bucket": "data-bucket", "Key": "{% $states.input.key %}"}},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                          "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": "{% $states.input * 10 %}",
                                                           "End": True}}}}}})
    assert sm.run({"key": "items.json", "limit": 3}).output == [10, 20, 30]


# --------------------------------------------------------------------------- ResultWriter
def body(s3, key):
    return s3.get_object(Bucket="results-bucket", Key=key)["Body"].read().decode()


def test_result_writer_exports_manifest_and_result_files(s3):
    put(s3, "items.json", json.dumps([{"ok": True}, {"ok": False}, {"ok": True}]))
    sm = StateMachine.from_json({"StartAt": "M", "States": {"M": {
        "Type": "Map", "End": True, "ToleratedFailureCount": 1, "Label": "Orders",
        "ItemReader": get_object("JSON"),
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Check", "States": {
                              "Check": {"Type": "Choice", "Choices": [
                                  {"Variable": "$.ok", "BooleanEquals": True, "Next": "Done"}], "Default": "Bad"},
                              "Done": {"Type": "Pass", "Result": "done", "End": True},
                              "Bad": {"Type": "Fail", "Error": "Nope", "Cause": "not ok"}}},
        "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                         "Parameters": {"Bucket": "results-bucket", "Prefix.$": "$.prefix"}}}}})
    result = sm.run({"key": "items.json", "prefix": "jobs"}, state_machine_name="orders")
    assert result.status == "SUCCEEDED", result.cause
    out = result.output
    assert set(out) == {"MapRunArn", "ResultWriterDetails"}
    run_id = out["MapRunArn"].rsplit(":", 1)[1]
    assert out["MapRunArn"] == f"arn:aws:states:us-east-1:123456789012:mapRun:orders/Orders:{run_id}"
    assert out["ResultWriterDetails"] == {"Bucket": "results-bucket", "Key": f"jobs/{run_id}/manifest.json"}

    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="results-bucket")["Contents"])
    assert keys == [f"jobs/{run_id}/{name}" for name in ("FAILED_0.json", "SUCCEEDED_0.json", "manifest.json")]
    manifest = json.loads(body(s3, f"jobs/{run_id}/manifest.json"))
    succeeded_text = body(s3, f"jobs/{run_id}/SUCCEEDED_0.json")
    assert manifest == {"DestinationBucket": "results-bucket", "MapRunArn": out["MapRunArn"], "ResultFiles": {
        "FAILED": [{"Key": f"jobs/{run_id}/FAILED_0.json", "Size": len(body(s3, f"jobs/{run_id}/FAILED_0.json"))}],
        "PENDING": [],
        "SUCCEEDED": [{"Key": f"jobs/{run_id}/SUCCEEDED_0.json", "Size": len(succeeded_text)}]}}
    succeeded = json.loads(succeeded_text)
    assert [json.loads(e["Input"]) for e in succeeded] == [{"ok": True}, {"ok": True}]
    assert {e["Output"] for e in succeeded} == {'"done"'}
    assert all(e["Status"] == "SUCCEEDED" and e["StateMachineArn"].endswith(":stateMachine:orders/Orders")
               for e in succeeded)
    failed = json.loads(body(s3, f"jobs/{run_id}/FAILED_0.json"))
    assert [(f["Status"], f["Error"], f["Cause"], "Output" in f) for f in failed] == [
        ("FAILED", "Nope", "not ok", False)]


def test_result_writer_jsonl_compact(s3):
    put(s3, "items.json", "[1, [2, 3]]")
    sm = machine(get_object("JSON"), ResultWriter={
        "Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "results-bucket", "Prefix": "p/"},
        "WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSONL"}})
    out = sm.run({"key": "items.json"}).output
    folder = out["ResultWriterDetails"]["Key"].rsplit("/", 1)[0]
    assert folder.startswith("p/") and "//" not in folder
    assert body(s3, f"{folder}/SUCCEEDED_0.jsonl") == "1\n2\n3\n"


def test_a_results_file_larger_than_the_memory_spool_is_written_whole(s3, monkeypatch):
    """Results files are encoded entry by entry into a spool that spills to disk; what reaches S3
    is the same JSON array however large it is."""
    monkeypatch.setattr(item_reader, "SPOOL_BYTES", 64)
    items = [{"n": i, "text": "x" * 20} for i in range(300)]
    put(s3, "items.json", json.dumps(items))
    sm = machine(get_object("JSON"), ResultWriter={
        "Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "results-bucket"},
        "WriterConfig": {"Transformation": "COMPACT", "OutputType": "JSON"}})
    out = sm.run({"key": "items.json"}).output
    folder = out["ResultWriterDetails"]["Key"].rsplit("/", 1)[0]
    text = body(s3, f"{folder}/SUCCEEDED_0.json")
    assert json.loads(text) == items
    manifest = json.loads(body(s3, out["ResultWriterDetails"]["Key"]))
    assert manifest["ResultFiles"]["SUCCEEDED"][0]["Size"] == len(text.encode())


def test_a_results_file_that_cannot_be_uploaded_is_result_writer_failed(s3):
    put(s3, "items.json", "[1, 2]")
    sm = machine(get_object("JSON"), ResultWriter={
        "Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "no-such-bucket"}})
    result = sm.run({"key": "items.json"})
    assert (result.status, result.error) == ("FAILED", "States.ResultWriterFailed")
    assert "s3://no-such-bucket/" in result.cause and "SUCCEEDED_0.json" in result.cause
    assert "NoSuchBucket" in result.cause or "does not exist" in result.cause


def test_writer_config_alone_shapes_the_output_without_exporting(s3):
    put(s3, "items.json", "[[1], [2, 3]]")
    sm = machine(get_object("JSON"), ResultWriter={"WriterConfig": {"Transformation": "FLATTEN",
                                                                    "OutputType": "JSON"}})
    assert sm.run({"key": "items.json"}).output == [1, 2, 3]
    assert "Contents" not in s3.list_objects_v2(Bucket="results-bucket")


def test_result_writer_missing_bucket_is_result_writer_failed(s3):
    put(s3, "items.json", "[1]")
    sm = machine(get_object("JSON"), ResultWriter={"Resource": "arn:aws:states:::s3:putObject",
                                                   "Parameters": {"Bucket": "no-such-bucket", "Prefix": "x"}})
    result = sm.run({"key": "items.json"})
    assert result.error == "States.ResultWriterFailed" and "no-such-bucket" in result.cause


def test_real_world_distributed_map_over_s3_csv(s3):
    boto3.client("sns", region_name=REGION).create_topic(Name="done")
    put(s3, "orders.csv", "id,amount\n" + "".join(f"{i},{i * 10}\n" for i in range(250)))
    seen = []

    def transform(event, context):
        seen.append(len(event["row"]["Items"]))
        return {"count": len(event["row"]["Items"])}

    sm = StateMachine.from_file(DATA / "distributed_map_s3_csv.asl.json")
    result = sm.run({"bucket": "data-bucket", "key": "orders.csv"}, handlers={"transform": transform})
    assert result.status == "SUCCEEDED", result.cause
    assert seen == [100, 100, 50]
    assert "MessageId" in result.output
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="results-bucket", Prefix="runs/")["Contents"]]
    assert len(keys) == 2 and keys[-1].endswith("/manifest.json")
    succeeded = json.loads(body(s3, keys[0]))
    assert [json.loads(e["Output"]) for e in succeeded] == [{"count": 100}, {"count": 100}, {"count": 50}]


def test_result_writer_under_the_real_clock(s3):
    put(s3, "items.json", "[1, 2, 3]")
    sm = machine(get_object("JSON"), ResultWriter={"Resource": "arn:aws:states:::s3:putObject",
                                                   "Parameters": {"Bucket": "results-bucket", "Prefix": "rt"}})
    out = sm.run({"key": "items.json"}, clock="real").output
    folder = out["ResultWriterDetails"]["Key"].rsplit("/", 1)[0]
    assert [json.loads(e["Output"]) for e in json.loads(body(s3, f"{folder}/SUCCEEDED_0.json"))] == [1, 2, 3]


def test_batch_input_paths_are_evaluated():
    from asl_runtime import StateMachine

    sm = StateMachine.from_json({"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemsPath": "$.items", "End": True,
        "ItemBatcher": {"MaxItemsPerBatchPath": "$.size", "BatchInput": {"run.$": "$$.Execution.Name", "tag.$": "$.tag"}},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                          "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}}})
    result = sm.run({"items": [1, 2, 3], "size": 2, "tag": "t"}, execution_name="run-1")
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == [{"Items": [1, 2], "BatchInput": {"run": "run-1", "tag": "t"}},
                             {"Items": [3], "BatchInput": {"run": "run-1", "tag": "t"}}]
