"""The checks AWS makes at CreateStateMachine that a JSON Schema cannot express.

Rules are small functions yielding Problems, in tables per machine, scope and state (see the end)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..errors import ALL
from ..query.intrinsics import is_intrinsic, parse_intrinsic
from ..query.io_jsonpath import to_json
from ..query.jsonata import JSONataSyntaxError, compile_template
from ..query.jsonpath import is_reference_path, path_syntax_error
from . import choice_rules, task_resources
from .choice_rules import is_rfc3339
from .http_task import http_task_parameters
from .graph import graph_of
from .problems import Problem, pointer

JSONPATH = "JSONPath"
JSONATA = "JSONata"
MAX_STATE_NAME = 80
MAX_VARIABLE_NAME = 80
MAX_LABEL = 40
#: CreateStateMachine's definition limit (botocore's stepfunctions model: Definition max 1048576).
MAX_DEFINITION_CHARS = 1_048_576
EXPRESS = "EXPRESS"
RESERVED_VARIABLES = frozenset({"states"})
STATE_TYPES = frozenset({"Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"})
TERMINAL_TYPES = frozenset({"Choice", "Succeed", "Fail"})

#: Fields that only mean something in a JSONPath state, and those only in a JSONata state.
JSONPATH_ONLY = (
    "InputPath", "Parameters", "Result", "ResultSelector", "ResultPath", "OutputPath", "ItemsPath",
    "TimeoutSecondsPath", "HeartbeatSecondsPath", "SecondsPath", "TimestampPath", "ErrorPath",
    "CausePath", "MaxConcurrencyPath", "ToleratedFailureCountPath", "ToleratedFailurePercentagePath",
)
JSONATA_ONLY = ("Arguments", "Output", "Items")

#: Fields holding a number in JSONPath states that JSONata states may give as an expression.
NUMBER_OR_EXPRESSION = (
    "TimeoutSeconds", "HeartbeatSeconds", "Seconds", "MaxConcurrency", "ToleratedFailureCount",
    "ToleratedFailurePercentage",
)

#: Pairs of a value and its `...Path` form, at most one of which a state may set.
EXCLUSIVE_FIELDS = {
    "Task": (("TimeoutSeconds", "TimeoutSecondsPath"), ("HeartbeatSeconds", "HeartbeatSecondsPath")),
    "Fail": (("Error", "ErrorPath"), ("Cause", "CausePath")),
    "Map": (("MaxConcurrency", "MaxConcurrencyPath"),
            ("ToleratedFailureCount", "ToleratedFailureCountPath"),
            ("ToleratedFailurePercentage", "ToleratedFailurePercentagePath"),
            ("ItemSelector", "Parameters"), ("ItemProcessor", "Iterator")),
}
BATCHER_EXCLUSIVE = (("MaxItemsPerBatch", "MaxItemsPerBatchPath"),
                     ("MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath"))
WAIT_FIELDS = ("Seconds", "SecondsPath", "Timestamp", "TimestampPath")

#: JSONPath fields whose value is a path to read: (field, needs a reference path).
PATH_FIELDS = (
    ("InputPath", False), ("OutputPath", False), ("ResultPath", True), ("ItemsPath", True),
    ("TimeoutSecondsPath", True), ("HeartbeatSecondsPath", True), ("SecondsPath", True),
    ("TimestampPath", True), ("MaxConcurrencyPath", True), ("ToleratedFailureCountPath", True),
    ("ToleratedFailurePercentagePath", True),
)
#: Fail's paths also take an intrinsic function returning a string (AWS docs, Fail state).
PATH_OR_INTRINSIC_FIELDS = ("ErrorPath", "CausePath")

# AWS's naming convention for labels (and other names): no blanks, brackets, wildcards, specials.
_FORBIDDEN_NAME_CHARS = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")


# --------------------------------------------------------------------------- where we are
@dataclass(frozen=True)
class Scope:
    """A set of states that transition among themselves: the top level, a branch, a Map body."""
    at: tuple          # pointer parts of the object holding StartAt and States
    start_at: object
    states: dict
    title: str         # how a sentence names this scope

    def pointer(self, *parts) -> str:
        return pointer(*self.at, *parts)


@dataclass(frozen=True)
class Site:
    """One state as a rule sees it: its definition, location and effective query language."""
    name: str
    state: dict
    at: tuple
    language: str
    machine_language: str
    scope: Scope

    @property
    def type(self) -> str | None:
        kind = self.state.get("Type")
        return kind if isinstance(kind, str) else None

    def pointer(self, *parts) -> str:
        return pointer(*self.at, *parts)

    @property
    def title(self) -> str:
        return f"{self.type or 'The'} state {self.name!r}"


def check(definition, state_machine_type: str | None = None):
    """Run every rule table over `definition` (and, for an EXPRESS machine, what Express refuses)."""
    if not isinstance(definition, dict):
        return
    machine_language = definition.get("QueryLanguage")
    if machine_language not in (JSONPATH, JSONATA):
        machine_language = JSONPATH
    root = _scope(definition, (), "the top-level States")
    scopes, sites = [], []
    if root is not None:
        _collect(root, machine_language, scopes, sites)
    for rule in MACHINE_RULES:
        yield from _guarded(rule, "", definition, sites)
    for scope in scopes:
        where = scope.pointer()
        for rule in SCOPE_RULES:
            yield from _guarded(rule, where, scope)
    for site in sites:
        where = site.pointer()  # once per state, not once per rule: a 1,000-state machine runs 23 rules each
        for rule in STATE_RULES:
            yield from _guarded(rule, where, site)
    if isinstance(state_machine_type, str) and state_machine_type.upper() == EXPRESS:
        for site in sites:
            yield from _guarded(express_patterns, site.pointer(), site)


def _guarded(rule, where, *args):
    """A rule that trips on a shape nobody foresaw reports it instead of raising."""
    try:
        yield from rule(*args)
    except RecursionError:
        raise
    except Exception as exc:
        yield Problem(where, f"Internal error in validator rule {rule.__name__} "
                             f"({type(exc).__name__}: {exc}).")


def _scope(holder, at: tuple, title: str) -> Scope | None:
    if not isinstance(holder, dict) or not isinstance(holder.get("States"), dict):
        return None
    return Scope(at, holder.get("StartAt"), holder["States"], title)


def _collect(scope: Scope, machine_language: str, scopes: list, sites: list):
    scopes.append(scope)
    for name, state in scope.states.items():
        if not isinstance(name, str) or not isinstance(state, dict):
            continue  # only a Python caller can pass a non-string name; JSON cannot
        own = state.get("QueryLanguage")
        language = own if own in (JSONPATH, JSONATA) else machine_language
        at = (*scope.at, "States", name)
        sites.append(Site(name, state, at, language, machine_language, scope))
        # Inner states inherit the machine's QueryLanguage, not the enclosing state's.
        for inner in _inner_scopes(state, at, name):
            _collect(inner, machine_language, scopes, sites)


def _inner_scopes(state: dict, at: tuple, name: str):
    if state.get("Type") == "Parallel" and isinstance(state.get("Branches"), list):
        for i, branch in enumerate(state["Branches"]):
            scope = _scope(branch, (*at, "Branches", i), f"branch {i} of Parallel state {name!r}")
            if scope is not None:
                yield scope
    if state.get("Type") == "Map":
        for field in ("ItemProcessor", "Iterator"):
            scope = _scope(state.get(field), (*at, field), f"the {field} of Map state {name!r}")
            if scope is not None:
                yield scope


# --------------------------------------------------------------------------- machine rules
def state_names_unique(definition, sites):
    """State names are unique across the whole machine, branches and Map bodies included."""
    first_seen = {}
    for site in sites:
        if site.name in first_seen:
            yield Problem(site.pointer(), f"State name {site.name!r} is already used at "
                                          f"{first_seen[site.name]}; state names must be unique "
                                          "across the state machine.")
        else:
            first_seen[site.name] = site.pointer()


def labels_unique(definition, sites):
    first_seen = {}
    for site in sites:
        label = site.state.get("Label") if site.type == "Map" else None
        if not isinstance(label, str):
            continue
        if label in first_seen:
            yield Problem(site.pointer("Label"), f"Label {label!r} is already used at "
                                                 f"{first_seen[label]}; labels must be unique.")
        else:
            first_seen[label] = site.pointer("Label")


def definition_size(definition, sites):
    """AWS refuses a definition over 1,048,576 characters (measured here as compact JSON)."""
    size = len(to_json(definition))
    if size > MAX_DEFINITION_CHARS:
        yield Problem("", f"The definition is {size:,} characters long; CreateStateMachine accepts at most "
                          f"{MAX_DEFINITION_CHARS:,} (1 MB).")


# --------------------------------------------------------------------------- scope rules
def start_at_names_a_state(scope: Scope):
    if isinstance(scope.start_at, str) and scope.start_at not in scope.states:
        yield Problem(scope.pointer("StartAt"), f"StartAt names state {scope.start_at!r}, "
                                                f"which does not exist in {scope.title}.")


def states_reachable(scope: Scope):
    if not isinstance(scope.start_at, str) or scope.start_at not in scope.states:
        return
    seen = graph_of({"StartAt": scope.start_at, "States": scope.states}, nested=False).reachable() or {scope.start_at}
    for name in scope.states:
        if name not in seen:
            yield Problem(scope.pointer("States", name),
                          f"State {name!r} is not reachable from StartAt {scope.start_at!r}.")


def scope_has_terminal_state(scope: Scope):
    """Some state must end the scope: Succeed, Fail or End: true."""
    states = [s for s in scope.states.values() if isinstance(s, dict)]
    if states and not any(s.get("Type") in ("Succeed", "Fail") or s.get("End") is True
                          for s in states):
        yield Problem(scope.pointer("States"), f"There is no terminal state in {scope.title}: "
                                               "no Succeed or Fail state and no End: true.")


# --------------------------------------------------------------------------- state rules
def state_name_length(site: Site):
    if len(site.name) > MAX_STATE_NAME:
        yield Problem(site.pointer(), f"State name {site.name[:20]!r}... is {len(site.name)} "
                                      f"characters long; the limit is {MAX_STATE_NAME}.")


def transitions_name_states(site: Site):
    """Next, Default, and every Catcher's and choice rule's Next name a state of the same scope."""
    references = [(("Next",), site.state.get("Next")), (("Default",), site.state.get("Default"))]
    for key in ("Choices", "Catch"):
        entries = site.state.get(key)
        for i, entry in enumerate(entries if isinstance(entries, list) else ()):
            if isinstance(entry, dict):
                references.append(((key, i, "Next"), entry.get("Next")))
    for parts, target in references:
        if isinstance(target, str) and target not in site.scope.states:
            field = parts[-1]
            yield Problem(site.pointer(*parts), f"{field} names state {target!r}, which does not "
                                                f"exist in {site.scope.title}.")


def next_or_end(site: Site):
    """A state that is not Choice, Succeed or Fail has exactly one of Next and End: true."""
    if site.type in TERMINAL_TYPES or site.type not in STATE_TYPES:
        return
    has_next, has_end = "Next" in site.state, site.state.get("End") is True
    if has_next and has_end:
        yield Problem(site.pointer("End"), f"{site.title} has both Next and End: true; "
                                           "it must have exactly one of them.")
    elif not has_next and not has_end:
        yield Problem(site.pointer(), f"{site.title} must have Next or End: true.")


def choice_rules_well_formed(site: Site):
    if site.type == "Choice":
        yield from choice_rules.check_choices(site)


def error_names(site: Site):
    """States.ALL stands alone, in the last Retrier or Catcher.

    Other names starting with "States." are accepted: AWS's own (States.Http.StatusCode.404) and
    any a Fail state or a worker raises (AWS deploys samples naming States.QuorumMet)."""
    for key, noun in (("Retry", "Retrier"), ("Catch", "Catcher")):
        entries = site.state.get(key)
        if not isinstance(entries, list):
            continue
        for i, entry in enumerate(entries):
            names = entry.get("ErrorEquals") if isinstance(entry, dict) else None
            for j, name in enumerate(names if isinstance(names, list) else ()):
                at = site.pointer(key, i, "ErrorEquals", j)
                if name == ALL:
                    if len(names) > 1:
                        yield Problem(at, f"{ALL} must be the only error name in its ErrorEquals.")
                    if i != len(entries) - 1:
                        yield Problem(at, f"The {noun} with {ALL} must be the last one in {key}.")


def exclusive_fields(site: Site):
    for first, second in EXCLUSIVE_FIELDS.get(site.type, ()):
        if first in site.state and second in site.state:
            yield Problem(site.pointer(second), f"{site.title} cannot have both {first} and "
                                                f"{second}; use one of them.")
    batcher = site.state.get("ItemBatcher") if site.type == "Map" else None
    if isinstance(batcher, dict):
        for first, second in BATCHER_EXCLUSIVE:
            if first in batcher and second in batcher:
                yield Problem(site.pointer("ItemBatcher", second),
                              f"ItemBatcher cannot have both {first} and {second}.")


def wait_has_one_duration(site: Site):
    if site.type != "Wait":
        return
    given = [f for f in WAIT_FIELDS if f in site.state]
    if not given:
        yield Problem(site.pointer(), f"{site.title} must have one of Seconds, SecondsPath, "
                                      "Timestamp or TimestampPath.")
    for extra in given[1:]:
        yield Problem(site.pointer(extra), f"{site.title} cannot have both {given[0]} and "
                                           f"{extra}; a Wait takes exactly one of them.")


def map_has_processor(site: Site):
    if site.type == "Map" and "ItemProcessor" not in site.state and "Iterator" not in site.state:
        yield Problem(site.pointer(), f"{site.title} must have an ItemProcessor "
                                      "(or the legacy Iterator).")


def distributed_map_has_execution_type(site: Site):
    """AWS docs: ExecutionType is required when ProcessorConfig Mode is DISTRIBUTED."""
    if site.type != "Map":
        return
    for field in ("ItemProcessor", "Iterator"):
        holder = site.state.get(field)
        config = holder.get("ProcessorConfig") if isinstance(holder, dict) else None
        if isinstance(config, dict) and config.get("Mode") == "DISTRIBUTED" \
                and "ExecutionType" not in config:
            yield Problem(site.pointer(field, "ProcessorConfig"),
                          "ProcessorConfig with Mode DISTRIBUTED must set ExecutionType "
                          "(STANDARD or EXPRESS).")


def heartbeat_below_timeout(site: Site):
    heartbeat, timeout = site.state.get("HeartbeatSeconds"), site.state.get("TimeoutSeconds")
    if _is_number(heartbeat) and _is_number(timeout) and heartbeat >= timeout:
        yield Problem(site.pointer("HeartbeatSeconds"), f"HeartbeatSeconds ({heartbeat}) must be "
                                                        f"smaller than TimeoutSeconds ({timeout}).")


def wait_timestamp_is_rfc3339(site: Site):
    value = site.state.get("Timestamp") if site.type == "Wait" else None
    if site.language == JSONPATH and is_jsonata_expression(value):
        yield Problem(site.pointer("Timestamp"), "Timestamp cannot be a JSONata expression in a JSONPath "
                                                 "state; set QueryLanguage to JSONata or use TimestampPath.")
        return
    if isinstance(value, str) and not is_jsonata_expression(value) and not is_rfc3339(value):
        yield Problem(site.pointer("Timestamp"), f"Timestamp {value!r} is not an RFC 3339 "
                                                 "date-time such as 2016-03-14T01:59:00Z.")


def map_label(site: Site):
    """AWS's Label rules: 1 to 40 characters, none of the characters names may not hold."""
    label = site.state.get("Label") if site.type == "Map" else None
    if not isinstance(label, str):
        return
    if not label:
        yield Problem(site.pointer("Label"), "Label must not be empty; a Map Run's label is 1 to "
                                             f"{MAX_LABEL} characters.")
    if len(label) > MAX_LABEL:
        yield Problem(site.pointer("Label"), f"Label is {len(label)} characters long; the limit "
                                             f"is {MAX_LABEL}.")
    bad = _FORBIDDEN_NAME_CHARS.search(label)
    if bad:
        yield Problem(site.pointer("Label"), f"Label {label!r} contains {bad.group()!r}; labels "
                                             "cannot contain blanks, brackets, wildcards or "
                                             "special characters.")


def task_resource(site: Site):
    """The Resource names something Step Functions can call (see task_resources)."""
    resource = site.state.get("Resource") if site.type == "Task" else None
    if isinstance(resource, str) and resource:
        problem = task_resources.resource_problem(resource)
        if problem:
            yield Problem(site.pointer("Resource"), problem)


def credentials_fields(site: Site):
    """Credentials holds exactly a role to assume: RoleArn (or RoleArn.$ in JSONPath)."""
    credentials = site.state.get("Credentials") if site.type == "Task" else None
    if not isinstance(credentials, dict):
        return
    allowed = ("RoleArn", "RoleArn.$") if site.language == JSONPATH else ("RoleArn",)
    for key in credentials:
        if key not in allowed:
            yield Problem(site.pointer("Credentials", key),
                          f"Field {key} is not supported in Credentials; it takes {' or '.join(allowed)}.")
    given = [key for key in allowed if key in credentials]
    if not given:
        yield Problem(site.pointer("Credentials"), f"Credentials must have {' or '.join(allowed)}: the "
                                                   "ARN of the role the Task assumes.")
    elif len(given) > 1:
        yield Problem(site.pointer("Credentials", "RoleArn.$"),
                      "Credentials cannot have both RoleArn and RoleArn.$; use one of them.")
    for key in given:
        value = credentials[key]
        if not isinstance(value, str) or not value:
            yield Problem(site.pointer("Credentials", key), f"{key} must be a non-empty string.")


def reader_config_exclusive(site: Site):
    reader = site.state.get("ItemReader") if site.type == "Map" else None
    config = reader.get("ReaderConfig") if isinstance(reader, dict) else None
    if isinstance(config, dict) and "MaxItems" in config and "MaxItemsPath" in config:
        yield Problem(site.pointer("ItemReader", "ReaderConfig", "MaxItemsPath"),
                      "ReaderConfig cannot have both MaxItems and MaxItemsPath; use one of them.")


def result_path_targets_output(site: Site):
    """ResultPath writes into the state's output: it starts at `$`, never at a variable or `$$`."""
    if site.language != JSONPATH:
        return
    places = [(("ResultPath",), site.state.get("ResultPath"))]
    places += [(("Catch", i, "ResultPath"), c.get("ResultPath")) for i, c in _entries(site.state, "Catch")]
    for parts, value in places:
        if isinstance(value, str) and value.startswith("$") and value != "$" \
                and not value.startswith(("$.", "$[")):
            what = "the context object" if value.startswith("$$") else "a variable"
            yield Problem(site.pointer(*parts), f"ResultPath {value!r} names {what}; ResultPath places "
                                                "the result in the state's output and must start with $ "
                                                "(such as $.result). Use Assign to set a variable.")


def express_patterns(site: Site):
    """Express workflows support request-response only: no .sync, no callbacks, no activities."""
    resource = site.state.get("Resource") if site.type == "Task" else None
    if not isinstance(resource, str):
        return
    parts = resource.split(":")
    if len(parts) == 7 and parts[2] == "states" and parts[5] == "activity":
        yield Problem(site.pointer("Resource"), f"{site.title} runs an activity, which EXPRESS state "
                                                "machines do not support; use a STANDARD machine.")
        return
    if resource.startswith("arn:") and len(parts) >= 7 and parts[2] == "states":
        _, dot, pattern = ":".join(parts[6:]).partition(".")
        if dot and pattern in task_resources.CALLBACK_OR_JOB:
            yield Problem(site.pointer("Resource"), f"{site.title} uses the .{pattern} integration pattern, "
                                                    "which EXPRESS state machines do not support (only "
                                                    "request-response); use a STANDARD machine.")


# --------------------------------------------------------------------------- query languages
def query_language_allowed(site: Site):
    if site.machine_language == JSONATA and site.state.get("QueryLanguage") == JSONPATH:
        yield Problem(site.pointer("QueryLanguage"), f"{site.title} cannot use JSONPath because "
                                                     "the state machine's QueryLanguage is JSONata.")


def fields_match_query_language(site: Site):
    """JSONPath-only fields in a JSONata state, and JSONata-only fields in a JSONPath state."""
    if site.language == JSONATA:
        for field in JSONPATH_ONLY:
            if field in site.state:
                yield _wrong_language(site, (field,), JSONPATH)
        for i, catcher in _entries(site.state, "Catch"):
            if "ResultPath" in catcher:
                yield _wrong_language(site, ("Catch", i, "ResultPath"), JSONPATH)
        for holder in ("ItemReader", "ResultWriter"):
            if isinstance(site.state.get(holder), dict) and "Parameters" in site.state[holder]:
                yield _wrong_language(site, (holder, "Parameters"), JSONPATH)
        batcher = site.state.get("ItemBatcher")
        for field in ("MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath"):
            if isinstance(batcher, dict) and field in batcher:
                yield _wrong_language(site, ("ItemBatcher", field), JSONPATH)
        return
    for field in JSONATA_ONLY:
        if field in site.state:
            yield _wrong_language(site, (field,), JSONATA)
    for i, catcher in _entries(site.state, "Catch"):
        if "Output" in catcher:
            yield _wrong_language(site, ("Catch", i, "Output"), JSONATA)
    for holder in ("ItemReader", "ResultWriter"):
        if isinstance(site.state.get(holder), dict) and "Arguments" in site.state[holder]:
            yield _wrong_language(site, (holder, "Arguments"), JSONATA)
    for field in NUMBER_OR_EXPRESSION + ("ItemSelector",):
        if is_jsonata_expression(site.state.get(field)):
            yield Problem(site.pointer(field), f"{field} cannot be a JSONata expression in a "
                                               "JSONPath state; set QueryLanguage to JSONata.")
    batcher = site.state.get("ItemBatcher")
    for field in ("MaxItemsPerBatch", "MaxInputBytesPerBatch", "BatchInput"):
        if isinstance(batcher, dict) and is_jsonata_expression(batcher.get(field)):
            yield Problem(site.pointer("ItemBatcher", field),
                          f"{field} cannot be a JSONata expression in a JSONPath state.")


def _wrong_language(site: Site, parts: tuple, language: str) -> Problem:
    other = JSONATA if language == JSONPATH else JSONPATH
    return Problem(site.pointer(*parts), f"{parts[-1]} is a {language} field and cannot be used "
                                         f"in {site.title}, which uses {other}.")


#: Fields of a JSONata state (and of its Catchers and choice rules) that are never evaluated.
_NOT_EVALUATED = frozenset({"Type", "Comment", "QueryLanguage", "Next", "End", "Default", "Resource",
                            "Retry", "ErrorEquals", "ItemProcessor", "Iterator", "Branches", "Result",
                            "Label"})


def jsonata_expressions_parse(site: Site):
    """In a JSONata state every "{% ... %}" string compiles as Step Functions would compile it:
    it parses, avoids $eval and bare top-level field references, and an opening "{%" is closed."""
    if site.language != JSONATA:
        return
    for parts, text in _evaluated_strings(site.state, ()):
        if text.startswith("{%"):
            error = jsonata_problem(text, "/".join(str(p) for p in _field_path(parts)))
            if error:
                yield Problem(site.pointer(*parts), f"{site.title}: {error}")


def _evaluated_strings(value, parts: tuple):
    """(pointer parts, text) for the strings of a state that JSONata evaluates."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in _NOT_EVALUATED and (not parts or (len(parts) == 2 and isinstance(parts[1], int)
                                                        and parts[0] in ("Catch", "Choices"))):
                continue
            yield from _evaluated_strings(item, (*parts, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _evaluated_strings(item, (*parts, i))
    elif isinstance(value, str):
        yield parts, value


def _field_path(parts: tuple) -> tuple:
    """How AWS names a field in its messages: `Output/a`, a choice rule's plain `Condition`."""
    if len(parts) >= 2 and parts[0] in ("Catch", "Choices") and isinstance(parts[1], int):
        return parts[2:]
    return parts


@lru_cache(maxsize=1024)
def jsonata_problem(text: str, field: str) -> str | None:
    """None when the `{% %}` string `text` compiles for `field`, else why it does not."""
    try:
        compile_template(text, field)
    except JSONataSyntaxError as exc:
        message = str(exc)
        return message if message.endswith(".") else message + "."
    except RecursionError:
        return f"The JSONata expression specified for the field '{field}' is nested too deeply."
    return None


# --------------------------------------------------------------------------- paths and templates
def paths_are_valid(site: Site):
    """Every JSONPath field holds a path that parses, a reference path where AWS requires one."""
    if site.language != JSONPATH:
        return  # the field itself is already reported as JSONPath-only
    for field, reference in PATH_FIELDS:
        problem = _path_problem(site, (field,), site.state.get(field), reference)
        if problem:
            yield problem
    for i, catcher in _entries(site.state, "Catch"):
        problem = _path_problem(site, ("Catch", i, "ResultPath"), catcher.get("ResultPath"), True)
        if problem:
            yield problem
    batcher = site.state.get("ItemBatcher")
    for field in ("MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath"):
        if isinstance(batcher, dict):
            problem = _path_problem(site, ("ItemBatcher", field), batcher.get(field), True)
            if problem:
                yield problem
    if site.type == "Fail":
        for field in PATH_OR_INTRINSIC_FIELDS:
            value = site.state.get(field)
            if isinstance(value, str) and _looks_intrinsic(value):
                error = intrinsic_syntax_error(value)
                if error:
                    yield Problem(site.pointer(field), f"{field} holds an intrinsic function "
                                                       f"that does not parse: {error}.")
            else:
                problem = _path_problem(site, (field,), value, True)
                if problem:
                    yield problem


def _path_problem(site: Site, parts: tuple, value, reference: bool) -> Problem | None:
    if not isinstance(value, str):
        return None
    field = parts[-1]
    error = path_syntax_error(value)
    if error:
        return Problem(site.pointer(*parts), f"{field} must be a valid JSONPath; {value!r} is not "
                                             f"({error}).")
    if reference and not is_reference_path(value):
        return Problem(site.pointer(*parts), f"{field} must be a reference path (names and "
                                             f"indexes only, such as $.a.b[0]); {value!r} is not.")
    return None


def payload_templates(site: Site):
    """In a payload template, each "key.$" holds a path or an intrinsic function that parses."""
    if site.language != JSONPATH:
        return
    templates = [("Parameters",), ("ResultSelector",), ("ItemSelector",), ("Credentials",),
                 ("ItemReader", "Parameters"), ("ResultWriter", "Parameters"),
                 ("ItemBatcher", "BatchInput")]
    for parts in templates:
        value = _get(site.state, parts)
        if value is not None:
            yield from _template_problems(site, parts, value)


def _template_problems(site: Site, parts: tuple, value):
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield from _template_problems(site, (*parts, i), item)
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        if isinstance(key, str) and key.endswith(".$"):
            problem = _dynamic_value_problem(site, (*parts, key), item)
            if problem:
                yield problem
        else:
            yield from _template_problems(site, (*parts, key), item)


def _dynamic_value_problem(site: Site, parts: tuple, value) -> Problem | None:
    key = parts[-1]
    if not isinstance(value, str):
        return Problem(site.pointer(*parts), f"{key} must hold a string: a path or an "
                                             "intrinsic function.")
    if _looks_intrinsic(value):
        error = intrinsic_syntax_error(value)
        if error:
            return Problem(site.pointer(*parts), f"{key} holds an intrinsic function that does "
                                                 f"not parse: {error}.")
        return None
    error = path_syntax_error(value)
    if error:
        return Problem(site.pointer(*parts), f"{key} must hold a JSONPath or an intrinsic "
                                             f"function; {value!r} is neither ({error}).")
    return None


def _looks_intrinsic(text: str) -> bool:
    return is_intrinsic(text)


def intrinsic_syntax_error(text: str) -> str | None:
    """None when `text` parses as an intrinsic function call (or no parser is available yet)."""
    try:
        parse_intrinsic(text)
    except ValueError as exc:
        return str(exc).rstrip(".") or type(exc).__name__
    return None


# --------------------------------------------------------------------------- variables
def assign_variable_names(site: Site):
    """Assign keys are identifiers of at most 80 characters, and never the reserved `states`."""
    holders = [("Assign",)]
    holders += [("Catch", i, "Assign") for i, _ in _entries(site.state, "Catch")]
    if site.type == "Choice":
        holders += [("Choices", i, "Assign") for i, _ in _entries(site.state, "Choices")]
    for parts in holders:
        assign = _get(site.state, parts)
        if not isinstance(assign, dict):
            continue
        for key, value in assign.items():
            if isinstance(key, str):
                yield from _variable_problems(site, (*parts, key), key, value)


def _variable_problems(site: Site, parts: tuple, key, value):
    dynamic = site.language == JSONPATH and key.endswith(".$")
    name = key[:-2] if dynamic else key
    if not name.isidentifier():
        yield Problem(site.pointer(*parts), f"{name!r} is not a valid variable name; use letters, "
                                            "digits and underscores, not starting with a digit.")
    elif name in RESERVED_VARIABLES:
        yield Problem(site.pointer(*parts), f"${name} is reserved by Step Functions and cannot "
                                            "be assigned.")
    if len(name) > MAX_VARIABLE_NAME:
        yield Problem(site.pointer(*parts), f"Variable name {name[:20]!r}... is longer than "
                                            f"{MAX_VARIABLE_NAME} characters.")
    if dynamic:
        problem = _dynamic_value_problem(site, parts, value)
        if problem:
            yield problem
    elif site.language == JSONPATH:
        yield from _template_problems(site, parts, value)


# --------------------------------------------------------------------------- helpers
def is_jsonata_expression(value) -> bool:
    return isinstance(value, str) and len(value) >= 4 and value.startswith("{%") \
        and value.endswith("%}")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _entries(state: dict, key: str):
    """(index, entry) for each object entry of the list `state[key]`."""
    entries = state.get(key)
    if isinstance(entries, list):
        for i, entry in enumerate(entries):
            if isinstance(entry, dict):
                yield i, entry


def _get(value, parts: tuple):
    for part in parts:
        if isinstance(value, dict) and isinstance(part, str):
            value = value.get(part)
        elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
            value = value[part]
        else:
            return None
    return value


# --------------------------------------------------------------------------- the tables
MACHINE_RULES = (state_names_unique, labels_unique, definition_size)
SCOPE_RULES = (start_at_names_a_state, states_reachable, scope_has_terminal_state)
STATE_RULES = (
    state_name_length, transitions_name_states, next_or_end, choice_rules_well_formed,
    error_names, exclusive_fields, wait_has_one_duration, map_has_processor,
    distributed_map_has_execution_type, heartbeat_below_timeout, wait_timestamp_is_rfc3339,
    map_label, query_language_allowed, fields_match_query_language, jsonata_expressions_parse,
    paths_are_valid, payload_templates, assign_variable_names, task_resource, credentials_fields,
    reader_config_exclusive, result_path_targets_output, http_task_parameters,
)
