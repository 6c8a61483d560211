"""A distributed Map's child workflow execution: an Execution whose context describes it."""

from __future__ import annotations

import uuid

from ....query.timestamps import format_epoch


def child_execution(parent, state, map_run, index, value, start):
    """A distributed Map's child: an execution of its own, of the state machine `NAME/LABEL`.

    It shares the parent's integrations and table of visited states; what differs is what its
    context object (`$$.Execution`, `$$.StateMachine`) says, built only if a state reads it.
    """
    cls = _classes.get(type(parent))
    if cls is None:
        cls = _classes[type(parent)] = _child_execution_class(type(parent))
    child = cls.__new__(cls)
    child.__dict__.update(parent.__dict__)
    child.map_child = (state, map_run, index, value, start)
    child._child_context = None
    return child


#: One ChildExecution class per Execution class, made on first use.
_classes: dict[type, type] = {}


def _child_execution_class(base):
    class ChildExecution(base):
        """An Execution whose context describes one child workflow execution of a Map Run."""

        def _context_parts(self):
            parts = self._child_context
            if parts is None:
                state, map_run, index, value, start = self.map_child
                config = self.config
                machine_name = f"{config.state_machine_name}/{state.label or state.name}"
                # The name the ResultWriter's metadata gives the same child (item_reader._metadata).
                name = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{map_run[0] if map_run else self.__dict__['arn']}/{index}"))
                base_arn = f"arn:{config.partition}:states:{config.region}:{config.account_id}"
                if state.child_type == "EXPRESS":
                    arn = f"{base_arn}:express:{machine_name}:{name}:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"
                else:
                    arn = f"{base_arn}:execution:{machine_name}:{name}"
                execution = {"Id": arn, "Input": value, "StartTime": format_epoch(start), "Name": name,
                             "RoleArn": config.role_arn}
                if state.child_type != "EXPRESS":
                    execution["RedriveCount"] = 0
                parts = self._child_context = (
                    arn, execution, {"Id": f"{base_arn}:stateMachine:{machine_name}", "Name": machine_name})
            return parts

        context_execution = property(lambda self: self._context_parts()[1])
        context_state_machine = property(lambda self: self._context_parts()[2])

    return ChildExecution
