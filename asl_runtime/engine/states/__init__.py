"""One action per state type: action(frame, state, raw_input) -> (output, next_name, assigned)."""

from .choice import run_choice
from .fail import run_fail
from .map import run_map
from .parallel import run_parallel
from .pass_ import run_pass
from .succeed import run_succeed
from .task import run_task
from .wait import run_wait

ACTIONS = {"Pass": run_pass, "Task": run_task, "Choice": run_choice, "Wait": run_wait,
           "Succeed": run_succeed, "Fail": run_fail, "Parallel": run_parallel, "Map": run_map}
