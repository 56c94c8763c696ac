"""The flow graph of a spec, checked or not: the moves between tasks (``transitions``,
the plan's task routes) and the searches over them (``successors``, ``flow_order``,
``parallel_blocks``) that the checks use.

They live in ``procdsl.plan``, next to the lowering that makes the moves, so that the
checks and every emitter see one derivation; this module names them for the checks.
Emitters read the whole ``procdsl.plan.Plan``.
"""

from __future__ import annotations

from .plan import ParallelBlock as ParallelBlock
from .plan import Transition as Transition
from .plan import _reach as _reach
from .plan import _successors_task_by_task as _successors_task_by_task
from .plan import flow_order as flow_order
from .plan import parallel_blocks as parallel_blocks
from .plan import per_spec as per_spec
from .plan import successors as successors
from .plan import task_routes_of as task_routes_of
from .plan import transitions as transitions
