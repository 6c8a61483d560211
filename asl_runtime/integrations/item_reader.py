"""A distributed Map's S3 side: ItemReader (where the items come from) and ResultWriter (where results go).

The definition layer compiles each into a spec once (definition/item_reader.py); at run time
`read_items` and `write_results`, reached through Services, call S3 through the execution's boto3
clients, so they work inside `moto.mock_aws()` or against `ASL_AWS_ENDPOINT_URL`. Failures carry AWS's names: States.ItemReaderFailed, States.ResultWriterFailed.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import tempfile
import uuid
from datetime import datetime, timezone

from ..definition.item_reader import INPUT_TYPES, ItemReaderSpec, ResultWriterSpec
from ..engine.states.map.run import ChildRun
from ..errors import ITEM_READER_FAILED, RESULT_WRITER_FAILED, ASLError
from ..query.io_jsonpath import to_json


#: Results files up to this size are built in memory; bigger ones spill to a temporary file.
SPOOL_BYTES = 8 * 1024 * 1024


# --------------------------------------------------------------------------- reading
def _failed(cause: str) -> ASLError:
    return ASLError(ITEM_READER_FAILED, cause)


def _s3(frame):
    return frame.execution.services.aws.client("s3", frame.execution.config.region, state=frame.state.name)


def _client_message(exc) -> str:
    from botocore.exceptions import ClientError
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
        return f"{err.get('Message') or err.get('Code')} (Service: S3, Status Code: {status}, " \
               f"Error Code: {err.get('Code')})"
    return str(exc)


def read_items(frame, spec: ItemReaderSpec, effective) -> list:
    """The items a reader yields for this run, at most MaxItems of them."""
    params = spec.arguments(frame, effective)
    if not isinstance(params, dict) or not params.get("Bucket"):
        raise _failed(f"The ItemReader needs a Bucket, but its parameters were: {to_json(params)}")
    limit = spec.max_items(frame, effective) if spec.max_items is not None else None
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, float)) or limit < 0):
        raise _failed(f"MaxItems must be a non-negative integer, but was: {to_json(limit)}")
    limit = int(limit) if limit else None  # 0 means no limit, as AWS reads it
    if spec.action == "listObjectsV2":
        return _list_objects(frame, params, limit)
    if spec.action != "getObject":
        raise _failed(f"The ItemReader resource 's3:{spec.action}' is not supported; "
                      f"use s3:getObject or s3:listObjectsV2.")
    text = _get_text(frame, params)
    where = f"s3://{params['Bucket']}/{params.get('Key')}"
    kind = spec.input_type
    if kind == "JSON":
        items = _json_array(text, where)
    elif kind == "JSONL":
        items = _json_lines(text, where, limit)
    elif kind == "CSV":
        items = _csv_rows(text, where, spec, limit)
    elif kind == "MANIFEST":
        items = _manifest(frame, text, where, limit)
    else:
        raise _failed(f"ReaderConfig.InputType must be one of {', '.join(INPUT_TYPES)}, but was: {to_json(kind)}")
    return items[:limit] if limit else items


def _get_text(frame, params: dict, raw: bool = False):
    from botocore.exceptions import BotoCoreError, ClientError
    request = {k: params[k] for k in ("Bucket", "Key", "VersionId") if params.get(k) is not None}
    if "Key" not in request:
        raise _failed(f"The ItemReader needs a Key, but its parameters were: {to_json(params)}")
    try:
        body = _s3(frame).get_object(**request)["Body"].read()
    except (ClientError, BotoCoreError) as exc:
        raise _failed(f"Failed to read s3://{request['Bucket']}/{request['Key']}: {_client_message(exc)}") from None
    if raw:
        return body
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _failed(f"s3://{request['Bucket']}/{request['Key']} is not UTF-8 text") from None


def _json_array(text: str, where: str) -> list:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise _failed(f"{where} is not valid JSON: {exc}") from None
    if not isinstance(value, list):
        raise _failed(f"{where} must hold a JSON array, but holds: {type(value).__name__}")
    return value


def _json_lines(text: str, where: str, limit: int | None) -> list:
    items = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except ValueError as exc:
            raise _failed(f"{where} line {number} is not valid JSON: {exc}") from None
        if limit and len(items) >= limit:
            break
    return items


def _csv_rows(text: str, where: str, spec: ItemReaderSpec, limit: int | None) -> list:
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=spec.delimiter, strict=True)
    try:
        if spec.header_location == "GIVEN":
            headers = list(spec.headers or ())
        else:
            headers = next(rows, None)
            if headers is None:
                raise _failed(f"{where} has no header row")
        items = []
        for row in rows:
            if not row:
                continue
            if len(row) > len(headers):
                raise _failed(f"{where} row {rows.line_num} has {len(row)} fields but there are only "
                              f"{len(headers)} headers")
            # Values stay strings, as AWS passes them; a short row leaves its last columns empty.
            items.append({h: (row[i] if i < len(row) else "") for i, h in enumerate(headers)})
            if limit and len(items) >= limit:
                break
        return items
    except csv.Error as exc:
        raise _failed(f"{where} is not valid CSV: {exc}") from None


def _manifest(frame, text: str, where: str, limit: int | None) -> list:
    """An S3 Inventory manifest.json: its CSV data files (gzipped) as objects named by fileSchema."""
    try:
        manifest = json.loads(text)
        columns = [c.strip() for c in manifest["fileSchema"].split(",")]
        bucket = manifest["destinationBucket"].rsplit(":", 1)[-1]
        files = [f["key"] for f in manifest["files"]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _failed(f"{where} is not an S3 Inventory manifest: {exc}") from None
    if manifest.get("fileFormat", "CSV") != "CSV":
        raise _failed(f"{where}: only CSV inventory files can be read, not {manifest.get('fileFormat')}")
    items = []
    for key in files:
        body = _get_text(frame, {"Bucket": bucket, "Key": key}, raw=True)
        try:
            data = gzip.decompress(body).decode("utf-8") if key.endswith(".gz") else body.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise _failed(f"s3://{bucket}/{key} cannot be read: {exc}") from None
        for row in csv.reader(io.StringIO(data, newline="")):
            if row:
                items.append(dict(zip(columns, row)))
                if limit and len(items) >= limit:
                    return items
    return items


def _list_objects(frame, params: dict, limit: int | None) -> list:
    from botocore.exceptions import BotoCoreError, ClientError
    request = dict(params)
    client = _s3(frame)
    items = []
    while True:
        try:
            page = client.list_objects_v2(**request)
        except (ClientError, BotoCoreError) as exc:
            raise _failed(f"Failed to list s3://{params['Bucket']}/{params.get('Prefix', '')}: "
                          f"{_client_message(exc)}") from None
        for obj in page.get("Contents", ()):
            modified = obj.get("LastModified")
            items.append({"Etag": obj.get("ETag"), "Key": obj.get("Key"),
                          "LastModified": int(modified.timestamp()) if isinstance(modified, datetime) else modified,
                          "Size": obj.get("Size"), "StorageClass": obj.get("StorageClass")})
            if limit and len(items) >= limit:
                return items
        token = page.get("NextContinuationToken")
        if not page.get("IsTruncated") or not token:
            return items
        request["ContinuationToken"] = token


# --------------------------------------------------------------------------- writing
class _Spool:
    """One results file being written: a spooled temporary file, its size and entry count."""

    def __init__(self, json_array: bool):
        self.file = tempfile.SpooledTemporaryFile(SPOOL_BYTES)
        self.size = self.file.write(b"[") if json_array else 0
        self.entries = 0


class ResultFiles:
    """The files a ResultWriter exports, written as each child ends (ChildRun by ChildRun, in item
    order) into spools that spill to disk: a million-item Map keeps no list of its results."""

    def __init__(self, spec: ResultWriterSpec, map_run: tuple):
        self.spec, self.map_run = spec, map_run
        self.spools: dict[str, _Spool] = {}  # "SUCCEEDED" / "FAILED" -> its file, once it has an entry

    def append(self, run: ChildRun) -> None:
        status = "SUCCEEDED" if run.ok else "FAILED"
        entries = _entries(self.spec, [run], self.map_run) if run.ok else (_metadata(run, self.map_run),)
        spool = self.spools.get(status)
        if spool is None:
            spool = self.spools[status] = _Spool(self.spec.output_type != "JSONL")
        for entry in entries:
            spool.size += _encode_entry(self.spec, entry, spool.file, first=spool.entries == 0)
            spool.entries += 1

    def close(self) -> None:
        for spool in self.spools.values():
            spool.file.close()


def result_collector(spec: ResultWriterSpec, map_run: tuple):
    """Where a Map Run's ChildRuns go: ResultFiles when they are exported, else a list to shape."""
    return ResultFiles(spec, map_run) if spec.arguments is not None else []


def write_results(frame, state, spec: ResultWriterSpec, effective, runs, map_run: tuple):
    """Export the child executions' results (or shape them for the output); returns the Map's result."""
    if not isinstance(runs, ResultFiles):
        return _shape(spec, runs, map_run)
    params = spec.arguments(frame, effective)
    if not isinstance(params, dict) or not params.get("Bucket"):
        raise ASLError(RESULT_WRITER_FAILED, f"The ResultWriter needs a Bucket, but its parameters were: "
                                             f"{to_json(params)}")
    bucket = params["Bucket"]
    prefix = str(params.get("Prefix") or "").rstrip("/")
    folder = f"{prefix}/{map_run[1]}" if prefix else map_run[1]
    ext = "jsonl" if spec.output_type == "JSONL" else "json"
    files = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
    client = _s3(frame)
    for status in ("SUCCEEDED", "FAILED"):
        spool = runs.spools.get(status)
        if spool is None:
            continue
        if spec.output_type != "JSONL":
            spool.size += spool.file.write(b"]")
        key = f"{folder}/{status}_0.{ext}"
        spool.file.seek(0)
        _put(client, bucket, key, spool.file)
        files[status].append({"Key": key, "Size": spool.size})
    manifest_key = f"{folder}/manifest.json"
    manifest = {"DestinationBucket": bucket, "MapRunArn": map_run[0], "ResultFiles": files}
    _put(client, bucket, manifest_key, json.dumps(manifest).encode())
    return {"MapRunArn": map_run[0], "ResultWriterDetails": {"Bucket": bucket, "Key": manifest_key}}


def _put(client, bucket, key, body):
    """Upload `body` (bytes, or a binary file: sent in parts past boto3's multipart threshold)."""
    from boto3.exceptions import S3UploadFailedError
    from boto3.s3.transfer import TransferConfig
    from botocore.exceptions import BotoCoreError, ClientError
    try:
        if isinstance(body, bytes):
            client.put_object(Bucket=bucket, Key=key, Body=body)
        else:  # one thread: the upload is part of this state's run, not a pool of its own
            client.upload_fileobj(body, bucket, key, Config=TransferConfig(use_threads=False))
    except S3UploadFailedError as exc:
        raise ASLError(RESULT_WRITER_FAILED, f"Failed to write s3://{bucket}/{key}: {exc}") from None
    except (ClientError, BotoCoreError) as exc:
        raise ASLError(RESULT_WRITER_FAILED, f"Failed to write s3://{bucket}/{key}: {_client_message(exc)}") \
            from None


def _encode_entry(spec: ResultWriterSpec, entry, out, first: bool) -> int:
    """Write one entry to the binary file `out` (a JSON array's element, or a JSON line)."""
    text = json.dumps(entry)
    if spec.output_type == "JSONL":
        return out.write((text + "\n").encode())
    return out.write((text if first else ", " + text).encode())


def _shape(spec: ResultWriterSpec, runs: list[ChildRun], map_run) -> list:
    """WriterConfig alone: the Map's output in the chosen transformation, nothing exported."""
    return list(_entries(spec, runs, map_run))


def _entries(spec: ResultWriterSpec, runs: list[ChildRun], map_run):
    """The results file's entries, one after another."""
    for r in runs:
        if not r.ok or spec.transformation == "NONE":  # a failed child keeps its metadata in every transformation
            yield _metadata(r, map_run)
        elif spec.transformation == "FLATTEN" and isinstance(r.output, list):
            yield from r.output
        else:
            yield r.output


def _metadata(run: ChildRun, map_run) -> dict:
    """One child execution as DescribeExecution describes it (Input and Output as JSON text)."""
    map_arn, run_id, sm_arn = map_run
    name = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{map_arn}/{run.index}"))
    entry = {
        "ExecutionArn": sm_arn.replace(":stateMachine:", ":execution:") + ":" + name,
        "Input": to_json(run.input), "InputDetails": {"Included": True}, "Name": name,
    }
    if run.ok:
        entry.update({"Output": to_json(run.output), "OutputDetails": {"Included": True}})
    else:
        error = run.output if isinstance(run.output, dict) else {}
        entry.update({k: error[k] for k in ("Error", "Cause") if error.get(k) is not None})
    entry.update({
        "RedriveCount": 0, "RedriveStatus": "NOT_REDRIVABLE",
        "RedriveStatusReason": "Execution is SUCCEEDED and cannot be redriven" if run.ok else
        "Execution is part of a Map Run and cannot be redriven on its own",
        "StartDate": _iso(run.start), "StateMachineArn": sm_arn,
        "Status": "SUCCEEDED" if run.ok else "FAILED", "StopDate": _iso(run.stop),
    })
    return entry


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
