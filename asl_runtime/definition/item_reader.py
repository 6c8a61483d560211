"""A distributed Map's ItemReader and ResultWriter, compiled: what to read or write, and how.

The specs are part of the compiled model; integrations/item_reader.py does the S3 calls at run
time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

_S3_PREFIX = "arn:aws:states:::s3:"
READER_ACTIONS = ("getObject", "listObjectsV2")
INPUT_TYPES = ("JSON", "JSONL", "CSV", "MANIFEST")
#: ReaderConfig.CSVDelimiter names and the character each stands for (COMMA when absent).
CSV_DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}


@dataclass(frozen=True)
class ItemReaderSpec:
    """A compiled ItemReader: the S3 action, how to parse what it returns, and its evaluated fields."""

    action: str
    input_type: str | None
    header_location: str
    headers: tuple | None
    delimiter: str
    arguments: Callable  # (frame, effective input) -> S3 request parameters
    max_items: Callable | None  # (frame, effective input) -> int, or None for no limit


@dataclass(frozen=True)
class ResultWriterSpec:
    """A compiled ResultWriter: where to put the results (if anywhere) and in what shape."""

    arguments: Callable | None  # (frame, effective input) -> {"Bucket", "Prefix"}; None: preview only
    transformation: str
    output_type: str


def compile_item_reader(reader: dict, arguments: Callable, max_items: Callable | None) -> ItemReaderSpec:
    resource = reader.get("Resource", "")
    action = resource[len(_S3_PREFIX):] if resource.startswith(_S3_PREFIX) else resource
    config = reader.get("ReaderConfig") or {}
    headers = config.get("CSVHeaders")
    return ItemReaderSpec(
        action=action, input_type=config.get("InputType"),
        header_location=config.get("CSVHeaderLocation", "FIRST_ROW"),
        headers=tuple(headers) if isinstance(headers, list) else None,
        delimiter=CSV_DELIMITERS.get(config.get("CSVDelimiter", "COMMA"), ","),
        arguments=arguments, max_items=max_items)


def compile_result_writer(writer: dict, arguments: Callable | None) -> ResultWriterSpec:
    config = writer.get("WriterConfig") or {}
    # Exporting to S3 without a WriterConfig keeps each child execution's metadata (NONE);
    # otherwise the outputs alone are kept (COMPACT), as AWS defaults them.
    default = "NONE" if "Resource" in writer else "COMPACT"
    return ResultWriterSpec(arguments=arguments if "Resource" in writer else None,
                            transformation=config.get("Transformation", default),
                            output_type=config.get("OutputType", "JSON"))
