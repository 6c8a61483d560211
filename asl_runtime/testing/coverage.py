"""Coverage of a state machine: which states, transitions, Choice rules, retriers, catchers and
Map/Parallel bodies the runs exercised.

The items come from the definition's graph (definition/graph.py); the hits from each run's visits
(`result.visits_all`), so any ExecutionResult counts, however it was run. A Choice rule is two
items, taken and not taken (evaluated and false: the rules before the matched one, or all of them
when Default was taken); Default is one. A retrier is exercised when an attempt that failed with an
error it matches (the first retrier listing it, else States.TaskFailed, else States.ALL) was retried.
"""

from __future__ import annotations

import json
import os
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from ..definition.graph import graph_of
from .source_lines import state_lines

KINDS = ("states", "transitions", "choice_rules", "retriers", "catchers", "bodies")


@dataclass(frozen=True)
class Item:
    kind: str       # one of KINDS
    state: str      # the state it belongs to
    key: tuple      # what identifies it within the state
    label: str      # how a report names it

    def __str__(self):
        return self.label


def _flatten(graph):
    """Every node of a graph, nested branches and Map bodies included, with its own graph."""
    for node in graph.nodes.values():
        yield node, graph
        for branch in node.branches:
            yield from _flatten(branch)
        if node.processor is not None:
            yield from _flatten(node.processor)


class MachineCoverage:
    """The coverage items of one machine and how often each was hit."""

    def __init__(self, key: str, definition: dict, source_path: str | None = None):
        self.key = key
        self.source_path = source_path
        self.graph = graph_of(definition)
        self.items: list[Item] = []
        self.retriers: dict[str, tuple] = {}
        self.choice_rules: dict[str, int] = {}
        for node, graph in _flatten(self.graph):
            name = node.name
            self.items.append(Item("states", name, (), name))
            for edge in graph.successors(name):
                if edge.kind in ("choice", "default"):
                    continue  # counted as Choice rules
                label = f"{name} → {edge.target}" + (f" (Catch #{edge.index})" if edge.kind == "catch" else "")
                self.items.append(Item("transitions", name, (edge.target, edge.kind, edge.index), label))
            if node.type == "Choice":
                rules = [e for e in graph.successors(name) if e.kind == "choice"]
                self.choice_rules[name] = len(rules)
                for edge in rules:
                    text = f" ({edge.label})" if edge.label else ""
                    self.items.append(Item("choice_rules", name, (edge.index, True),
                                           f"{name} rule #{edge.index}{text} taken"))
                    self.items.append(Item("choice_rules", name, (edge.index, False),
                                           f"{name} rule #{edge.index}{text} not taken"))
                    self.items.append(Item("transitions", name, (edge.target, "choice", edge.index),
                                           f"{name} → {edge.target} (rule #{edge.index})"))
                for edge in graph.successors(name):
                    if edge.kind == "default":
                        self.items.append(Item("choice_rules", name, ("Default",), f"{name} Default taken"))
                        self.items.append(Item("transitions", name, (edge.target, "default", None),
                                               f"{name} → {edge.target} (Default)"))
            self.retriers[name] = node.retriers
            for index, errors in enumerate(node.retriers):
                self.items.append(Item("retriers", name, (index,), f"{name} Retry #{index} ({', '.join(errors)})"))
            for index, errors in enumerate(node.catchers):
                self.items.append(Item("catchers", name, (index,), f"{name} Catch #{index} ({', '.join(errors)})"))
            for index, _branch in enumerate(node.branches):
                self.items.append(Item("bodies", name, ("branch", index), f"{name} branch {index}"))
            if node.processor is not None:
                self.items.append(Item("bodies", name, ("body",), f"{name} iteration body"))
        self.hits: Counter = Counter()
        self.runs = 0
        self._index = {(i.kind, i.state, i.key): i for i in self.items}

    # ------------------------------------------------------------------ recording
    def add(self, result) -> None:
        """Count what one execution of this machine did."""
        self.runs += 1
        hit = self._hit
        for visit in result.visits_all:
            name = visit.name
            hit("states", name, ())
            if visit.caught is not None:
                hit("transitions", name, (visit.caught.next, "catch", visit.caught.catcher_index))
                hit("catchers", name, (visit.caught.catcher_index,))
            elif visit.choice_rule is not None:
                count = self.choice_rules.get(name, 0)
                if visit.choice_rule == -1:
                    hit("choice_rules", name, ("Default",))
                    hit("transitions", name, (visit.next, "default", None))
                    evaluated_false = range(count)
                else:
                    hit("choice_rules", name, (visit.choice_rule, True))
                    hit("transitions", name, (visit.next, "choice", visit.choice_rule))
                    evaluated_false = range(visit.choice_rule)
                for index in evaluated_false:
                    hit("choice_rules", name, (index, False))
            elif visit.next is not None:
                hit("transitions", name, (visit.next, "next", None))
            for attempt in visit.attempts[:-1]:
                index = retrier_for(self.retriers.get(name, ()), attempt.error)
                if index is not None:
                    hit("retriers", name, (index,))
            for step in visit.scope:
                kind, state, index = step
                hit("bodies", state, ("branch", index) if kind == "Parallel" else ("body",))

    def _hit(self, kind, state, key) -> None:
        item = self._index.get((kind, state, key))
        if item is not None:
            self.hits[item] += 1

    # ------------------------------------------------------------------ reporting
    def summary(self) -> dict:
        out = {}
        for kind in KINDS:
            items = [i for i in self.items if i.kind == kind]
            missed = [i.label for i in items if not self.hits[i]]
            out[kind] = {"covered": len(items) - len(missed), "total": len(items), "missed": missed}
        return out


def retrier_for(retriers, error) -> int | None:
    """The index of the retrier (by ErrorEquals) that handles `error`, as Retry matches it."""
    if not error:
        return None
    for wanted in (error, "States.TaskFailed", "States.ALL"):
        if wanted == "States.TaskFailed" and error == "States.Timeout":
            continue
        for index, errors in enumerate(retriers):
            if wanted in errors:
                return index
    return None


class Coverage:
    """Coverage across a session or a suite run: one MachineCoverage per definition."""

    def __init__(self):
        self.machines: dict[str, MachineCoverage] = {}

    def machine(self, key: str, definition: dict, source_path: str | None = None) -> MachineCoverage:
        if key not in self.machines:
            self.machines[key] = MachineCoverage(key, definition, source_path)
        return self.machines[key]

    def add(self, key: str, definition: dict, result, source_path: str | None = None) -> None:
        self.machine(key, definition, source_path).add(result)

    def to_dict(self) -> dict:
        totals = {kind: {"covered": 0, "total": 0, "missed": []} for kind in KINDS}
        machines = {}
        several = len(self.machines) > 1
        for key, machine in self.machines.items():
            summary = machine.summary()
            machines[key] = {**summary, "runs": machine.runs}
            for kind in KINDS:
                totals[kind]["covered"] += summary[kind]["covered"]
                totals[kind]["total"] += summary[kind]["total"]
                totals[kind]["missed"] += [f"{key}: {m}" if several else m for m in summary[kind]["missed"]]
        return {**totals, "machines": machines}

    def write_json(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(self.to_dict(), fh, indent=2, ensure_ascii=False)
            fh.write("\n")

    # ------------------------------------------------------------------ terminal
    def table(self) -> str:
        """A plain-text table, one row per machine, then what was missed."""
        header = ["machine", "states", "transitions", "choice rules", "retriers", "catchers", "bodies"]
        rows = [header]
        data = self.to_dict()
        for key, summary in data["machines"].items():
            rows.append([key] + [_ratio(summary[k]) for k in KINDS])
        if len(data["machines"]) > 1:
            rows.append(["TOTAL"] + [_ratio(data[k]) for k in KINDS])
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        for key, summary in data["machines"].items():
            missed = [m for k in KINDS for m in summary[k]["missed"]]
            if missed:
                lines.append(f"{key}: not covered: " + "; ".join(missed[:12])
                             + (f"; and {len(missed) - 12} more" if len(missed) > 12 else ""))
        return "\n".join(lines)

    # ------------------------------------------------------------------ Cobertura
    def cobertura(self, source_root: str | None = None) -> str:
        """Cobertura XML: a <class> per definition file, a <line> per state at the line of its name;
        a state's Choice rules, retriers, catchers and bodies are its branch conditions."""

        root_dir = os.path.abspath(source_root or os.getcwd())
        total_lines = covered_lines = total_branches = covered_branches = 0
        coverage = ET.Element("coverage", version="asl-runtime", timestamp=str(int(time.time() * 1000)))
        sources = ET.SubElement(coverage, "sources")
        ET.SubElement(sources, "source").text = root_dir
        packages = ET.SubElement(coverage, "packages")
        package = ET.SubElement(packages, "package", name="state_machines")
        classes = ET.SubElement(package, "classes")
        for key, machine in self.machines.items():
            source = machine.source_path
            lines = {}
            if source and os.path.isfile(source):
                try:
                    lines = state_lines(source)
                except (OSError, UnicodeDecodeError):
                    lines = {}
            filename = os.path.relpath(os.path.abspath(source), root_dir) if source else key
            element = ET.SubElement(classes, "class", name=key, filename=filename)
            ET.SubElement(element, "methods")
            lines_el = ET.SubElement(element, "lines")
            c_lines = c_covered = c_branches = c_bcovered = 0
            states = [i for i in machine.items if i.kind == "states"]
            for number, item in sorted(((lines.get(i.state, 0), i) for i in states), key=lambda p: p[0]):
                if not number:
                    continue  # a state we cannot place (no source file)
                hits = machine.hits[item]
                branch_items = [i for i in machine.items if i.state == item.state and i.kind not in
                                ("states", "transitions")]
                attrs = {"number": str(number), "hits": str(hits)}
                if branch_items:
                    done = sum(1 for i in branch_items if machine.hits[i])
                    attrs.update(branch="true",
                                 **{"condition-coverage": f"{100 * done // len(branch_items)}% "
                                                          f"({done}/{len(branch_items)})"})
                    c_branches += len(branch_items)
                    c_bcovered += done
                else:
                    attrs["branch"] = "false"
                ET.SubElement(lines_el, "line", attrs)
                c_lines += 1
                c_covered += 1 if hits else 0
            element.set("line-rate", _rate(c_covered, c_lines))
            element.set("branch-rate", _rate(c_bcovered, c_branches))
            element.set("complexity", "0")
            total_lines += c_lines
            covered_lines += c_covered
            total_branches += c_branches
            covered_branches += c_bcovered
        package.set("line-rate", _rate(covered_lines, total_lines))
        package.set("branch-rate", _rate(covered_branches, total_branches))
        package.set("complexity", "0")
        coverage.set("line-rate", _rate(covered_lines, total_lines))
        coverage.set("branch-rate", _rate(covered_branches, total_branches))
        coverage.set("lines-covered", str(covered_lines))
        coverage.set("lines-valid", str(total_lines))
        coverage.set("branches-covered", str(covered_branches))
        coverage.set("branches-valid", str(total_branches))
        coverage.set("complexity", "0")
        ET.indent(coverage)
        return '<?xml version="1.0" ?>\n' + ET.tostring(coverage, encoding="unicode") + "\n"

    def write_cobertura(self, path: str, source_root: str | None = None) -> None:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(self.cobertura(source_root))


def _ratio(summary: dict) -> str:
    if not summary["total"]:
        return "-"
    return f"{summary['covered']}/{summary['total']} ({100 * summary['covered'] // summary['total']}%)"


def _rate(covered: int, total: int) -> str:
    return f"{covered / total:.4f}" if total else "1"
