"""JUnit XML, the report format CI systems read: one <testcase> per suite test."""

from __future__ import annotations

import xml.etree.ElementTree as ET


def junit_xml(suites) -> str:
    """`suites`: [(suite name, [CaseResult, ...])]; a failed case carries its differences."""
    root = ET.Element("testsuites")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    total_time = 0.0
    for suite_name, cases in suites:
        failures = sum(1 for c in cases if not c.passed and not c.error)
        errors = sum(1 for c in cases if c.error)
        seconds = sum(c.seconds for c in cases)
        suite = ET.SubElement(root, "testsuite", name=suite_name, tests=str(len(cases)), failures=str(failures),
                              errors=str(errors), skipped="0", time=f"{seconds:.3f}")
        for case in cases:
            element = ET.SubElement(suite, "testcase", classname=suite_name, name=case.name,
                                    time=f"{case.seconds:.3f}")
            if case.error:
                node = ET.SubElement(element, "error", message=case.error, type="SuiteError")
                node.text = case.error
            elif not case.passed:
                node = ET.SubElement(element, "failure", message=case.differences[0] if case.differences else "failed",
                                     type="ExpectationFailed")
                node.text = case.report
            if case.path:
                ET.SubElement(element, "system-out").text = "path taken: " + " → ".join(case.path)
        totals["tests"] += len(cases)
        totals["failures"] += failures
        totals["errors"] += errors
        total_time += seconds
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{total_time:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
