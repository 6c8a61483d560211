"""Testing state machines: the pytest plugin, `asl test` suites, coverage, failure injection, lint.

Everything here drives the public API (StateMachine.run and its result's path and visits); the
pytest plugin is asl_runtime.testing.plugin, registered as the `asl` pytest11 entry point.
"""

from .assertions import (assert_caught, assert_failed, assert_no_unhandled, assert_not_visited, assert_output,
                         assert_output_includes, assert_path, assert_path_includes, assert_retried, assert_succeeded,
                         assert_visited, expect)
from .cost import Estimate, estimate
from .coverage import Coverage
from .injection import Injection, inject_all
from .lint import RULES as LINT_RULES
from .lint import LintProblem, lint
from .suite import CaseResult, Suite, SuiteError, load_suite, run_suite

__all__ = ["assert_caught", "assert_failed", "assert_no_unhandled", "assert_not_visited", "assert_output",
           "assert_output_includes", "assert_path", "assert_path_includes", "assert_retried", "assert_succeeded",
           "assert_visited", "expect", "Estimate", "estimate", "Coverage", "Injection", "inject_all", "LINT_RULES",
           "LintProblem", "lint", "CaseResult", "Suite", "SuiteError", "load_suite", "run_suite"]
