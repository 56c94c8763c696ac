"""Every closed set of the language, defined once: the compiler and the runtime share them.

Standard library only, so that ``procdsl.runtime`` (and so every generated module) can
import it.  Members are also strings (``str`` mixin) equal to the word the IR and the
generated tables carry, so a snapshot or an IR file written before stays readable; code
compares and dispatches on the members.  Adding a kind is a change here, to the grammar
and transform that produce it, to ``procdsl.vocabulary`` that words it, to the plan
lowering and to the runtime that performs it.
"""

from __future__ import annotations

from enum import Enum


class StandardAction(str, Enum):
    """The actions every task knows; custom approval outcomes keep the spec's own name."""

    COMPLETE = "complete"
    APPROVE = "approve"
    REJECT = "reject"
    RETURN = "return"


class EndKind(str, Enum):
    """How a case ends: a success end or a failure end."""

    SUCCESS = "success"
    FAILURE = "failure"


class TimeUnit(str, Enum):
    """Units an SLA can be written in; WORK_HOURS and WORKDAYS count working time only."""

    MINUTES = "minutes"
    HOURS = "hours"
    WORK_HOURS = "work_hours"
    DAYS = "days"
    WORKDAYS = "workdays"
    WEEKS = "weeks"

    @property
    def working(self) -> bool:
        """Return True when the unit counts only the calendar's working time."""
        return self in (TimeUnit.WORK_HOURS, TimeUnit.WORKDAYS)


class BreachKind(str, Enum):
    NOTIFY = "notify"
    ESCALATE = "escalate"
    AUTO_APPROVE = "auto_approve"
    AUTO_REJECT = "auto_reject"
    GOTO = "goto"


class TargetKind(str, Enum):
    STEP = "step"
    END = "end"
    UNKNOWN = "unknown"  # left for the reference checks to report


class RouteKind(str, Enum):
    THEN = "then"            # then X
    WHEN = "when"            # when COND -> X
    OTHERWISE = "otherwise"  # otherwise -> X
    OUTCOME = "outcome"      # approve / reject / return / custom -> X


class Split(str, Enum):
    ONE = "one"                  # one target
    PARALLEL = "parallel"        # then all of A, B: every target starts at once
    INTERLEAVED = "interleaved"  # in any order A, B: every target, one at a time
    CHOICE = "choice"            # return -> choice of A, B: the one the approver names
    RULE = "rule"                # then by rule R: the task the rule's first row that holds gives

    @property
    def picks_one(self) -> bool:
        """True when the case goes to one of the targets (ONE, CHOICE, RULE), False when
        it starts every one (PARALLEL, INTERLEAVED: a block with a join)."""
        return self in (Split.ONE, Split.CHOICE, Split.RULE)


class AssigneeMode(str, Enum):
    ONE = "one"              # by R
    LIST = "list"            # by A, B (a step: any of them; an approval must say all/any)
    ALL = "all"              # by all of A, B (会签)
    ANY = "any"              # by any of A, B (或签)
    SEQUENCE = "sequence"    # by A then B then C (依次)
    COUNT = "count"          # by 2 of R
    RULE = "rule"            # by rule R
    REQUESTER = "requester"  # by requester
    # Org-relative: the people a ``runtime.Directory`` finds for this case.
    MANAGER = "manager"          # by requester's manager / 2nd-level manager (level)
    MANAGER_CHAIN = "manager_chain"  # by managers up to R (roles) or up to N levels (level)
    DEPARTMENT_HEAD = "department_head"  # by department head (of the requester's department)
    FIELD = "field"              # by person in field X (a text field holding a person id)
    PICK = "pick"                # by requester's choice of R: the requester names them

    @property
    def org(self) -> bool:
        """Return True when the directory, not a role, says who approves."""
        return self in _ORG


_ORG = frozenset({AssigneeMode.MANAGER, AssigneeMode.MANAGER_CHAIN,
                  AssigneeMode.DEPARTMENT_HEAD, AssigneeMode.FIELD})


class EmptyKind(str, Enum):
    """What an approval does when the directory finds no approver (审批人为空时)."""

    AUTO_APPROVE = "auto_approve"
    TRANSFER = "transfer"  # hand it to a role
    REJECT = "reject"


class Permission(str, Enum):
    """What an approver (or the requester) may do at run time (``allow ...``)."""

    TRANSFER = "transfer"  # 转交: hand the item to another person
    ADD_SIGN = "add_sign"  # 加签: bring in another approver (before, after, with me)
    DELEGATE = "delegate"  # 代理: an out-of-office delegate may act
    URGE = "urge"          # 催办: the requester urges (a reminder event, rate-limited)


class Indicator(str, Enum):
    """A KPI the manual derives from the time limits and caps (``target NAME VALUE``)."""

    LATE_RATE = "late_rate"          # 超时率: share of tasks (or cases) done after their limit
    FIRST_PASS = "first_pass_rate"   # 一次通过率: share of approvals passed the first time
    CYCLE_TIME = "cycle_time"        # 平均周期: mean time from start to end


class ProvenanceKind(str, Enum):
    """Where a rule of a spec comes from (``依据`` / ``补充``)."""

    SOURCE = "source"  # taken from the source text
    ADDED = "added"    # not in the source: added by the spec's authors


class ExclusionKind(str, Enum):
    REQUESTER = "requester"
    STEP = "step"


class NotifyWhen(str, Enum):
    ENTER = "enter"
    LEAVE = "leave"


class JoinKind(str, Enum):
    ALL = "all"  # wait for every branch that was started
    ANY = "any"  # go on with the first branch to arrive (discriminator)
    EACH = "each"  # run once for every branch that arrives (multi-merge)


class TaskKind(str, Enum):
    STEP = "step"
    APPROVAL = "approval"


class ResultKind(str, Enum):
    ROLES = "roles"      # an approver chain
    STEP = "step"        # a task to go to
    VALUE = "value"      # a literal value
    UNKNOWN = "unknown"  # names that match no role or task (reported by the checks)


class TypeKind(str, Enum):
    BOOL = "bool"
    INT = "int"
    DECIMAL = "decimal"
    MONEY = "money"
    TEXT = "text"
    DATE = "date"
    ENUM = "enum"
    LIST = "list"

    @property
    def numeric(self) -> bool:
        """Return True for the number types (int, decimal, money)."""
        return self in (TypeKind.INT, TypeKind.DECIMAL, TypeKind.MONEY)


class LiteralKind(str, Enum):
    BOOL = "bool"
    INT = "int"
    DECIMAL = "decimal"
    TEXT = "text"
    DATE = "date"


class Way(str, Enum):
    """How a route of the lowered plan (``procdsl.plan``) is taken."""

    THEN = "then"                # unconditional: then X, approve -> X
    WHEN = "when"                # the first route whose condition holds
    OTHERWISE = "otherwise"      # when no condition of the action holds
    ALSO = "also"                # multi-choice: every ``also when`` whose condition holds
    CAP = "cap"                  # where a capped route goes once its cap is used up
    BREACH = "breach"            # an SLA ``goto``: the deadline passed
    ESCALATE = "escalate"        # an SLA ``escalate``: the task is handed to other roles
    WITHDRAW = "withdraw"        # the requester withdraws the case
    CANCEL = "cancel"            # a role cancels the case

    @property
    def via(self) -> str:
        """Return the coarse key word the artifacts carry: ``route`` for written routes."""
        return "route" if self in _WRITTEN else self.value


_WRITTEN = frozenset({Way.THEN, Way.WHEN, Way.OTHERWISE, Way.ALSO})


class Acting(str, Enum):
    """Why a role has a lane for a task (``procdsl.plan.PlanActor``)."""

    DOES = "does"                    # the assignee's first role: the task is drawn here
    CO_APPROVES = "co_approves"      # another role of the assignee (all of, any of, A then B)
    BY_RULE = "by_rule"              # a role the approval's rule can name
    ALSO_APPROVES = "also_approves"  # ``when COND -> also by R``
    TAKES_OVER = "takes_over"        # ``on breach escalate to R``
    IF_EMPTY = "if_empty"            # ``when no approver: transfer to R``


class BlockKind(str, Enum):
    """Work that runs at once, started by one task (``procdsl.plan.PlanBlock``)."""

    PARALLEL = "parallel"        # then all of A, B
    INTERLEAVED = "interleaved"  # then in any order A, B
    INCLUSIVE = "inclusive"      # also when: every branch whose condition holds
