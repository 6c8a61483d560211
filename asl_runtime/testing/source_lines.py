"""Where each state is written: the line of its name in the JSON or YAML definition file.

Coverage reports (Cobertura) and lint messages point there, so a CI view marks the state itself.
JSON is scanned with a small tokenizer that tracks the key path (the json module keeps no
positions); YAML is composed with PyYAML, whose nodes carry their marks.
"""

from __future__ import annotations

import os
import re

_YAML_SUFFIXES = (".yaml", ".yml")
_NESTED = ("Branches", "ItemProcessor", "Iterator")


def state_lines(path: str | os.PathLike, text: str | None = None) -> dict[str, int]:
    """{state name: 1-based line of its key under a "States" object}, nested states included."""
    path = os.fspath(path)
    if text is None:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    if path.endswith(_YAML_SUFFIXES) and not text.lstrip().startswith("{"):
        keys = _yaml_keys(text)
    else:
        keys = _json_keys(text)
    lines: dict[str, int] = {}
    for key_path, line in keys:
        if len(key_path) >= 2 and key_path[-2] == "States" and _is_state_scope(key_path[:-2]):
            lines.setdefault(str(key_path[-1]), line)
    return lines


def pointer_lines(path: str | os.PathLike, text: str | None = None) -> dict[str, int]:
    """{JSON Pointer of every object key: its line}, for locating lint problems."""
    path = os.fspath(path)
    if text is None:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    keys = _yaml_keys(text) if path.endswith(_YAML_SUFFIXES) and not text.lstrip().startswith("{") \
        else _json_keys(text)
    out: dict[str, int] = {}
    for key_path, line in keys:
        ptr = "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in key_path)
        out.setdefault(ptr, line)
    return out


def line_of(pointer: str, lines: dict[str, int]) -> int | None:
    """The line of a pointer, or of its nearest ancestor that has one."""
    while pointer:
        if pointer in lines:
            return lines[pointer]
        pointer = pointer.rsplit("/", 1)[0]
    return None


def _is_state_scope(prefix: tuple) -> bool:
    """() is the top level; (..., "Branches", i) a branch; (..., "ItemProcessor") a Map body."""
    if not prefix:
        return True
    if prefix[-1] in ("ItemProcessor", "Iterator"):
        return True
    return len(prefix) >= 2 and prefix[-2] == "Branches" and isinstance(prefix[-1], int)


# --------------------------------------------------------------------------- JSON
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"', re.S)
_SCALAR = re.compile(r"[^\s,\]}]+")


def _json_keys(text: str) -> list[tuple[tuple, int]]:
    """(key path, line) for every object key, in document order."""
    import json

    out = []
    stack: list[list] = []  # one frame per open container: ["obj", key so far] or ["arr", index]
    line, i, n = 1, 0, len(text)
    expect_key = False

    def here():
        return tuple(frame[1] for frame in stack if frame[1] is not None)

    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        elif c == "{":
            stack.append(["obj", None])
            expect_key = True
        elif c == "[":
            stack.append(["arr", 0])
        elif c in "}]":
            if stack:
                stack.pop()
            expect_key = False
        elif c == ",":
            if stack and stack[-1][0] == "obj":
                expect_key = True
            elif stack:
                stack[-1][1] += 1
        elif c == '"':
            match = _STRING.match(text, i)
            if not match:
                break
            if expect_key and stack and stack[-1][0] == "obj":
                try:
                    stack[-1][1] = json.loads(match.group(0))
                except ValueError:
                    stack[-1][1] = match.group(1)
                out.append((here(), line))
                expect_key = False
            line += match.group(0).count("\n")
            i = match.end()
            continue
        elif c not in " \t\r:":
            match = _SCALAR.match(text, i)
            i = match.end() if match else i + 1
            continue
        i += 1
    return out


# --------------------------------------------------------------------------- YAML
def _yaml_keys(text: str) -> list[tuple[tuple, int]]:
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML ships with the yaml extra
        return []
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return []
    out = []

    def walk(node, path):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                key_path = path + (key.value,)
                out.append((key_path, key.start_mark.line + 1))
                walk(value, key_path)
        elif isinstance(node, yaml.SequenceNode):
            for index, value in enumerate(node.value):
                walk(value, path + (index,))

    if root is not None:
        walk(root, ())
    return out
