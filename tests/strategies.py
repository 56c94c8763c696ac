"""Hypothesis strategies for random *valid* specs, written as spec text.

``specs()`` draws a process structure (segments of single tasks and parallel blocks that
always move forward, capped returns, every assignee mode, typed conditions, SLAs,
calendars, rules, ends) and renders it with English, Chinese or mixed keyword spellings,
names from a pool that holds CJK words and Python keywords, and titles drawn from a
hostile alphabet.  Every drawn spec is meant to check clean; the tests assert it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from hypothesis import strategies as st

from procdsl.keywords import BY_TERMINAL, KEYWORDS, WEEKDAYS

# ------------------------------------------------------------------ names and text

_SPELLINGS = {word.casefold() for k in KEYWORDS for spelling in k.spellings
              for word in (spelling, *spelling.split())}
_BASE_NAMES = (
    "客户", "录入员", "审核员", "复核组", "主管", "风险总监", "制卡中心", "物流", "信息录入",
    "初审", "复核", "制卡", "邮寄", "激活", "金额", "数量", "注册完成", "注册失败", "审批权限",
    "data_entry", "review", "Review", "buyer", "finance", "amount", "quantity",
    "class", "def", "import", "lambda", "None", "self", "print", "match", "case", "type",
    "__init__", "__class__", "_", "_x", "n__hidden", "Data", "WORKFLOW", "PROCESS",
    "ﬁle", "file", "ｆｕｌｌ", "Ω", "Ωmega", "Straße", "STRASSE", "é", "x" * 70,
    "步骤一", "审批流", "由来", "经办人", "αβγ", "Ünïcödé", "ᄀ", "名字_2",
)
NAMES = tuple(n for n in _BASE_NAMES if n.casefold() not in _SPELLINGS
              and n.casefold() not in WEEKDAYS and n.isidentifier()
              and unicodedata.normalize("NFC", n) == n)

HOSTILE = (
    '"', '"""', "'''", "'", "\\", "\\\\", "{{ x }}", "{%", "%}", "{% if x %}", "{#", "#}",
    "<script>alert(1)</script>", "<b>", "</table>", "&amp;", "&lt;", "|", "||", "*", "**",
    "#", "_", "`", "```", "~~~", "-->", "<!--", "%%", "%%{init}%%", "\\N", "\\l", "\\G",
    "\\E", "{", "}", "<", ">", "[", "]", "(", ")", "[x](javascript:alert(1))", "\n", "\n\n",
    "\t", "\x00", "\x01", "\x1b[31m", "\x7f", "\x85", "\u2028", "\u202e", "\u2066", "\u200b",
    " ", "  ", "a", "中", "客户资料", "$", "${x}", "\\n", "\\\"", "=", "->", ":", ";", "@",
    "1.", "- ", "> ", "+", "&", "</script>", "<!-- x -->", "]]>", "\\x00", "\\u202e",
)


@st.composite
def hostile_text(draw: st.DrawFn, max_parts: int = 10) -> str:
    """Return text made of hostile fragments (sometimes very long)."""
    parts = draw(st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=max_parts))
    text = "".join(parts)
    if draw(st.integers(0, 19)) == 0:
        text = text * (1200 // len(text) + 1)
    return text


def quote(text: str) -> str:
    """Return text as a spec string literal."""
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + body.replace("\t", "\\t") + '"'


# ------------------------------------------------------------------ keywords


@dataclass
class Writer:
    """Draws keyword spellings in a style (en, zh or mixed) and collects the lines."""

    draw: st.DrawFn
    style: str
    lines: list[str] = field(default_factory=list)

    def kw(self, terminal: str) -> str:
        """Return a spelling of a keyword in the writer's style."""
        k = BY_TERMINAL[terminal]
        if self.style == "en":
            return k.en
        if self.style == "zh":
            return k.zh
        return self.draw(st.sampled_from(k.spellings))

    def line(self, indent: int, *words: str) -> None:
        """Add one line of words at an indentation level."""
        self.lines.append("  " * indent + " ".join(w for w in words if w))

    def text(self, max_parts: int = 10) -> str:
        """Return a quoted hostile string."""
        return quote(self.draw(hostile_text(max_parts)))

    def maybe(self, p: int = 2) -> bool:
        """Return True one time in p."""
        return self.draw(st.integers(0, p - 1)) == 0

    def pick(self, items: list[str] | tuple[str, ...]) -> str:
        """Return one of items."""
        return self.draw(st.sampled_from(list(items)))


# ------------------------------------------------------------------ the structure


@dataclass
class Plan:
    """The names a spec declares and how its tasks are laid out."""

    process: str
    roles: list[str]
    fields: dict[str, str]  # name -> type kind
    enums: dict[str, list[str]]
    ends_ok: list[str]
    ends_fail: list[str]
    rule: str | None
    calendar: str | None
    segments: list[list[str]]  # a single task [T] or a block [split, branch..., join]
    extra: list[str]  # spare names (actions, items, custom outcomes)
    block_kinds: dict[int, str] = field(default_factory=dict)
    approvals: set[str] = field(default_factory=set)

    @property
    def ends(self) -> list[str]:
        """Return every end name."""
        return self.ends_ok + self.ends_fail

    def starts_after(self, index: int) -> list[str]:
        """Return the first task of every segment after segment index."""
        return [seg[0] for seg in self.segments[index + 1:]]

    def singles_before(self, index: int) -> list[str]:
        """Return the single tasks of segments before index."""
        return [seg[0] for seg in self.segments[:index] if len(seg) == 1]


_TYPES = ("bool", "int", "decimal", "money", "text", "date", "enum", "list")
_TYPE_KW = {"bool": "BOOL", "int": "INT", "decimal": "DECIMAL", "money": "MONEY",
            "text": "TEXT", "date": "DATE_TYPE"}


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    """Return a random process structure with distinct names."""
    pool = draw(st.permutations(NAMES))
    taken = iter([*pool, *(f"n{i}" for i in range(200))])
    role_count = draw(st.integers(2, 5))
    roles = [next(taken) for _ in range(role_count)]
    kinds = draw(st.lists(st.sampled_from(_TYPES), min_size=1, max_size=6))
    kinds = ["int", "enum", *kinds]
    fields = {next(taken): kind for kind in kinds}
    enums = {f: [next(taken) for _ in range(draw(st.integers(1, 3)))]
             for f, k in fields.items() if k == "enum"}
    ends_ok = [next(taken) for _ in range(draw(st.integers(1, 2)))]
    ends_fail = [next(taken) for _ in range(draw(st.integers(1, 2)))]
    shapes = draw(st.lists(st.integers(0, 3), min_size=1, max_size=5))
    segments = []
    for branches in shapes:
        size = 1 if branches < 2 else branches + 2
        segments.append([next(taken) for _ in range(size)])
    block_kinds = {i: draw(st.sampled_from(("all", "any_order", "also")))
                   for i, seg in enumerate(segments) if len(seg) > 1}
    return Plan(next(taken), roles, fields, enums, ends_ok, ends_fail,
                next(taken) if draw(st.booleans()) else None,
                next(taken) if draw(st.booleans()) else None, segments,
                [next(taken) for _ in range(4)], block_kinds)


# ------------------------------------------------------------------ conditions


def _field_of(w: Writer, plan: Plan, kinds: tuple[str, ...]) -> str | None:
    found = [f for f, k in plan.fields.items() if k in kinds]
    return w.pick(found) if found else None


def _atom(w: Writer, plan: Plan) -> str:
    f = w.pick([f for f, k in plan.fields.items() if k != "list"])
    kind = plan.fields[f]
    if kind == "bool":
        return w.pick((f, f"{w.kw('NOT')} {f}", f"{f} == {w.kw('TRUE')}",
                       f"{f} != {w.kw('FALSE')}"))
    if kind in ("int", "decimal", "money"):
        num = w.pick(("3", "100", "2.5", "10_000", "0"))
        op = w.pick(("<", "<=", ">", ">=", "==", "!=", "大于", "不超过", "≥"))
        left = w.pick((f, f"{f} * 2", f"({f} + 1)", f"-{f}", f"{f} / 4"))
        return f"{left} {op} {num}"
    if kind == "text":
        a, b = w.text(3), w.text(3)
        return w.pick((f"{f} == {a}", f"{f} {w.kw('IN')} ({a}, {b})", f"{f} != {a}"))
    if kind == "date":
        return f"{f} {w.pick(('<', '>=', '早于'))} 2026-{w.pick(('01', '12'))}-31"
    values = plan.enums[f]
    v = w.pick(values)
    return w.pick((f"{f} == {v}", f"{f} {w.kw('IN')} ({', '.join(values)})",
                   f"{f} {w.kw('NOT')} {w.kw('IN')} ({v})", f"{f} != {v}"))


def condition(w: Writer, plan: Plan, depth: int = 0) -> str:
    """Return a well-typed condition over the plan's fields."""
    if depth >= 2 or w.maybe(2):
        return _atom(w, plan)
    left, right = condition(w, plan, depth + 1), condition(w, plan, depth + 1)
    form = w.draw(st.integers(0, 3))
    if form == 0:
        return f"{left} {w.kw('AND')} {right}"
    if form == 1:
        return f"{left} {w.kw('OR')} {right}"
    if form == 2:
        return f"({left}) {w.kw('AND')} {w.kw('NOT')} ({right})"
    return f"({left} {w.kw('OR')} {right})"


# ------------------------------------------------------------------ pieces of tasks


def target(w: Writer, plan: Plan, name: str) -> str:
    """Return a route target, writing ``end`` before end names now and then."""
    if name in plan.ends and w.maybe(2):
        return f"{w.kw('END')} {name}"
    return name


def duration(w: Writer, plan: Plan, big: bool = False) -> str:
    """Return a duration; working-time units only when a calendar exists."""
    units = ["DAYS", "WEEKS"] if big else ["DAYS", "HOURS", "WEEKS"]
    if plan.calendar and not big:
        units += ["WORKDAYS", "WORK_HOURS"]
    amount = w.pick(("520", "1000")) if big else w.pick(("2", "3", "5", "2.5", "10"))
    return f"{amount} {w.kw(w.pick(units))}"


def sla(w: Writer, plan: Plan, indent: int, task: str, forward: list[str],
        big: bool = False) -> None:
    """Add an SLA block with reminders and breaches fitting the task."""
    w.line(indent, w.kw("SLA"), duration(w, plan, big))
    if w.maybe(2):
        w.line(indent + 1, w.kw("REMIND"), w.kw("AT") if w.maybe(2) else "",
               w.pick(("50%", "75%", "80.5%")))
    if w.maybe(3):
        w.line(indent + 1, w.kw("REMIND"), f"30 {w.kw('MINUTES')}", w.kw("BEFORE"))
    choices = ["notify", "escalate"]
    if task in plan.approvals:
        choices += ["auto_approve", "auto_reject"]
    if forward and not big:
        choices.append("goto")
    kinds = w.draw(st.lists(st.sampled_from(choices), max_size=2, unique=True))
    decisive = [k for k in kinds if k not in ("notify", "escalate")]
    for kind in [k for k in kinds if k not in decisive[1:]]:  # one of auto/goto at most
        w.line(indent + 1, w.kw("ON_BREACH"), _breach(w, plan, kind, forward))


def _breach(w: Writer, plan: Plan, kind: str, forward: list[str]) -> str:
    if kind == "notify":
        roles = w.draw(st.lists(st.sampled_from(plan.roles), min_size=1, max_size=2,
                                unique=True))
        return f"{w.kw('NOTIFY')} {', '.join(roles)}"
    if kind == "escalate":
        return f"{w.kw('ESCALATE')} {w.kw('TO')} {w.pick(plan.roles)}"
    if kind == "goto":
        return f"{w.kw('GOTO')} {target(w, plan, w.pick(forward))}"
    return w.kw("AUTO_APPROVE" if kind == "auto_approve" else "AUTO_REJECT")


def roles_of(w: Writer, plan: Plan, low: int) -> list[str]:
    """Return distinct roles, at least low of them."""
    return w.draw(st.lists(st.sampled_from(plan.roles), min_size=low,
                           max_size=max(low, 3), unique=True))


def assignee(w: Writer, plan: Plan, approval: bool) -> str:
    """Return the words after ``by`` for a step or an approval."""
    modes = ["one", "list", "requester"]
    if approval:
        modes = ["one", "all", "any", "sequence", "count"] + (["rule"] if plan.rule else [])
    mode = w.pick(modes)
    if mode == "one":
        return w.pick(plan.roles)
    if mode == "requester":
        return w.kw("REQUESTER")
    if mode == "count":
        return f"{w.pick(('2', '3'))} {w.kw('OF')} {w.pick(plan.roles)}"
    if mode == "rule":
        return f"{w.kw('RULE')} {plan.rule}"
    names = roles_of(w, plan, 2)
    if mode == "list":
        return ", ".join(names)
    if mode == "sequence":
        return f" {w.kw('THEN')} ".join(names)
    word = w.kw("ALL" if mode == "all" else "ANY")
    return f"{word} {w.kw('OF')} {', '.join(names)}" if w.maybe(2) else \
        f"{word} {', '.join(names)}"


# ------------------------------------------------------------------ tasks


def _task_items(w: Writer, plan: Plan, name: str, forward: list[str]) -> None:
    """Add the optional descriptive items of a task."""
    if w.maybe(2):
        w.line(1, w.kw("DESCRIPTION"), w.text())
    if w.maybe(3):
        w.line(1, w.kw("INPUT"), f"{w.pick(plan.extra)}, {w.text(4)}")
    if w.maybe(3):
        w.line(1, w.kw("OUTPUT"), w.text(4))
    for _ in range(w.draw(st.integers(0, 2))):
        w.line(1, w.kw("CHECK"), w.text())
    if w.maybe(3):
        on = f"{w.kw('ON')} {w.kw(w.pick(('ENTER', 'LEAVE')))}" if w.maybe(2) else ""
        w.line(1, w.kw("NOTIFY"), ", ".join(roles_of(w, plan, 1)), on)
    if w.maybe(2):
        sla(w, plan, 1, name, forward)


def _header(w: Writer, plan: Plan, name: str, approval: bool) -> None:
    title = w.text() if w.maybe(4) else ""
    w.line(0, w.kw("APPROVAL" if approval else "STEP"), name, title)
    w.line(1, w.kw("BY"), assignee(w, plan, approval))


def _approval_extras(w: Writer, plan: Plan, earlier: list[str]) -> None:
    if w.maybe(3):
        w.line(1, w.kw("NOT"), w.kw("BY"), w.kw("REQUESTER"))
    if earlier and w.maybe(3):
        w.line(1, w.kw("NOT"), w.kw("BY"), w.kw("WHOEVER_DID"), w.pick(earlier))
    if w.maybe(3):
        w.line(1, w.kw("WHEN"), condition(w, plan), "->", w.kw("ALSO"), w.kw("BY"),
               ", ".join(roles_of(w, plan, 1)))


def _cap(w: Writer, plan: Plan) -> str:
    then = f", {w.kw('THEN')} -> {target(w, plan, w.pick(plan.ends_fail))}" \
        if w.maybe(4) else f", {w.kw('THEN')} {target(w, plan, w.pick(plan.ends))}"
    return f"{w.kw('AT_MOST')} {w.pick(('1', '2', '3'))} {w.kw('TIMES')}{then}"


def _single_routes(w: Writer, plan: Plan, name: str, nxt: str, forward: list[str],
                   earlier: list[str]) -> None:
    """Add the routes of a task outside parallel blocks: always on to nxt."""
    if name in plan.approvals:
        if w.maybe(3):
            w.line(1, w.kw("APPROVE"), w.kw("WHEN"), condition(w, plan), "->",
                   target(w, plan, w.pick(forward)))
        w.line(1, w.kw("APPROVE"), "->", target(w, plan, nxt))
        w.line(1, w.kw("REJECT"), "->", target(w, plan, w.pick(plan.ends_fail)))
        if earlier and w.maybe(2):
            w.line(1, w.kw("RETURN"), "->", w.pick(earlier), _cap(w, plan))
        if w.maybe(4):
            w.line(1, plan.extra[0], "->", target(w, plan, w.pick(forward)))
        return
    whens = w.draw(st.integers(0, 2))
    for _ in range(whens):
        w.line(1, w.kw("WHEN"), condition(w, plan), "->", target(w, plan, w.pick(forward)))
    if whens:
        w.line(1, w.kw("OTHERWISE"), "->", target(w, plan, nxt))
    else:
        w.line(1, w.kw("THEN"), target(w, plan, nxt))


def _for_each(w: Writer, plan: Plan) -> None:
    lists = [f for f, k in plan.fields.items() if k == "list"]
    if not lists or not w.maybe(2):
        return
    words = [w.kw("FOR_EACH"), plan.extra[1], w.kw("IN"), w.pick(lists)]
    if w.maybe(2):
        words.append(w.kw("SEQUENTIALLY"))
    if w.maybe(3):
        words += [w.kw("UNTIL"), "2", w.kw("DONE")]
    elif w.maybe(3):
        words += [w.kw("UNTIL"), condition(w, plan)]
    w.line(1, *words)


def single_task(w: Writer, plan: Plan, index: int) -> None:
    """Add a task that is a segment on its own."""
    name = plan.segments[index][0]
    forward = plan.starts_after(index) + plan.ends
    nxt = forward[0] if len(forward) > len(plan.ends) else w.pick(plan.ends_ok)
    earlier = plan.singles_before(index)
    if name not in plan.approvals and w.maybe(6):
        w.line(0, w.kw("STEP"), name, f"{w.kw('BY')} {w.pick(plan.roles)},",
               f"{w.kw('THEN')} {target(w, plan, nxt)}")
        return
    _header(w, plan, name, name in plan.approvals)
    if name in plan.approvals:
        _approval_extras(w, plan, earlier)
    else:
        _for_each(w, plan)
    _task_items(w, plan, name, forward)
    _single_routes(w, plan, name, nxt, forward, earlier)


def block(w: Writer, plan: Plan, index: int) -> None:
    """Add a parallel block: a split task, its branches and the join."""
    split, *branches, join = plan.segments[index]
    kind = plan.block_kinds[index]
    approval = split in plan.approvals and kind != "also"
    _header(w, plan, split, approval)
    _task_items(w, plan, split, [])
    many = ", ".join(branches)
    if kind == "also":
        for b in branches:
            w.line(1, w.kw("ALSO"), w.kw("WHEN"), condition(w, plan), "->", b)
        w.line(1, w.kw("OTHERWISE"), "->", branches[0])
    else:
        word = f"{w.kw('ALL')} {w.kw('OF')}" if kind == "all" else w.kw("IN_ANY_ORDER")
        if approval:
            w.line(1, w.kw("APPROVE"), "->", word, many)
            w.line(1, w.kw("REJECT"), "->", target(w, plan, w.pick(plan.ends_fail)))
        else:
            w.line(1, w.kw("THEN"), word, many)
    for b in branches:
        _header(w, plan, b, False)
        _task_items(w, plan, b, [])
        w.line(1, w.kw("THEN"), join)
    plan.segments[index] = [join]
    w.line(0, w.kw("STEP"), join)
    w.line(1, w.kw("BY"), w.pick(plan.roles))
    w.line(1, w.kw("WAIT"), w.kw(w.pick(("ALL", "ANY", "EACH"))))
    forward = plan.starts_after(index) + plan.ends
    nxt = forward[0] if len(forward) > len(plan.ends) else w.pick(plan.ends_ok)
    _task_items(w, plan, join, forward)
    _single_routes(w, plan, join, nxt, forward, [])
    plan.segments[index] = [split, *branches, join]


# ------------------------------------------------------------------ declarations


def process_header(w: Writer, plan: Plan, lang: str) -> None:
    """Add the process header with every optional item now and then."""
    w.line(0, w.kw("PROCESS"), plan.process, w.text() if w.maybe(2) else "")
    first = plan.segments[0][0]
    w.line(1, w.kw("VERSION"), w.pick(("1.0", "2.3.1-rc1", quote("v\\1\"x"))))
    w.line(1, w.kw("OWNER"), w.text() if w.maybe(2) else w.pick(plan.roles))
    w.line(1, w.kw("LANG"), lang)
    for key in ("PURPOSE", "SCOPE", "REFERENCE", "DESCRIPTION"):
        if w.maybe(2):
            w.line(1, w.kw(key), w.text())
    if w.maybe(3):
        sla(w, plan, 1, "", [], big=True)
    if plan.calendar:
        w.line(1, w.kw("CALENDAR"), plan.calendar)
    if w.maybe(3):
        w.line(1, w.kw("START"), first)
    if w.maybe(3):
        w.line(1, w.kw("WITHDRAW"), w.kw("WHILE"), first, "->",
               f"{w.kw('END')} {w.pick(plan.ends_fail)}")
    if w.maybe(3):
        w.line(1, w.kw("CANCEL"), w.kw("BY"), w.pick(plan.roles), "->",
               target(w, plan, w.pick(plan.ends_fail)))
    if w.maybe(3):
        w.line(1, w.kw("ACTION"), plan.extra[2], w.text(4), w.kw("BY"),
               w.pick((w.kw("REQUESTER"), w.pick(plan.roles))), w.kw("WHILE"), first)


def calendar(w: Writer, plan: Plan) -> None:
    """Add the calendar the header names."""
    if not plan.calendar:
        return
    w.line(0, w.kw("CALENDAR"), plan.calendar, w.text(4) if w.maybe(2) else "")
    if w.maybe(2):
        w.line(1, w.kw("DESCRIPTION"), w.text())
    w.line(1, w.kw("WORKDAYS"), w.pick(("mon..fri", "周一..周五", "mon, wed..fri", "星期一..星期六")))
    w.line(1, w.kw("OPEN_HOURS"), w.pick(("09:00-12:00, 13:00-18:00", "8:30-17:30")))
    if w.maybe(2):
        w.line(1, w.kw("HOLIDAYS"), "2026-10-01..2026-10-07, 2027-01-01")
    if w.maybe(2):
        w.line(1, w.kw("MAKEUP"), "2026-10-10")
    if w.maybe(2):
        w.line(1, w.kw("TIMEZONE"), w.pick(("Asia/Shanghai", "Europe/London", "UTC")))


def roles(w: Writer, plan: Plan) -> None:
    """Add the roles block."""
    w.line(0, w.kw("ROLES"))
    for role in plan.roles:
        w.line(1, role, w.text(4) if w.maybe(2) else "", w.kw("EXTERNAL") if w.maybe(4) else "")
        if w.maybe(4):
            w.line(2, w.kw("DESCRIPTION"), w.text())


def _type(w: Writer, plan: Plan, name: str, kind: str) -> str:
    if kind == "enum":
        return f"{w.kw('ENUM')}({', '.join(plan.enums[name])})"
    if kind == "list":
        return f"{w.kw('LIST')} {w.kw(w.pick(('TEXT', 'INT', 'DATE_TYPE')))}"
    return w.kw(_TYPE_KW[kind])


def data(w: Writer, plan: Plan) -> None:
    """Add the data block."""
    w.line(0, w.kw("DATA"))
    for name, kind in plan.fields.items():
        colon = ":" if w.maybe(4) else ""
        w.line(1, f"{name}{colon}", _type(w, plan, name, kind), w.text(4) if w.maybe(3) else "")


def rule(w: Writer, plan: Plan) -> None:
    """Add the approver rule: rows over an int field with no gap or overlap."""
    if not plan.rule:
        return
    f = next(f for f, k in plan.fields.items() if k == "int")
    w.line(0, w.kw("RULE"), plan.rule, w.text(4) if w.maybe(2) else "")
    if w.maybe(3):
        w.line(1, w.kw("DESCRIPTION"), w.text())
    chain = f" {w.kw('THEN')} ".join(roles_of(w, plan, 1))
    w.line(1, w.kw("WHEN"), f"{f} < 1000 -> {w.pick(plan.roles)}")
    if w.maybe(2):
        w.line(1, w.kw("WHEN"), f"{f} >= 1000 -> {chain}")
    else:
        w.line(1, w.kw("OTHERWISE"), f"-> {chain}")


def ends(w: Writer, plan: Plan) -> None:
    """Add every end, successes and failures."""
    for name in plan.ends:
        outcome = w.kw("SUCCESS" if name in plan.ends_ok else "FAILURE")
        w.line(0, w.kw("END"), name, w.text(4) if w.maybe(2) else "", outcome)
        if w.maybe(4):
            w.line(1, w.kw("DESCRIPTION"), w.text())


@st.composite
def spec_texts(draw: st.DrawFn) -> str:
    """Return the text of a random valid spec."""
    plan = draw(plans())
    style = draw(st.sampled_from(("en", "zh", "mixed")))
    lang = draw(st.sampled_from(("en", "zh")))
    w = Writer(draw, style)
    splits = [seg[0] for i, seg in enumerate(plan.segments)
              if len(seg) == 1 or plan.block_kinds[i] != "also"]
    plan.approvals = {t for t in splits if w.maybe(2)}
    w.line(0, "# generated by tests/strategies.py")
    process_header(w, plan, lang)
    for part in (calendar, roles, data, rule):
        part(w, plan)
    for index, seg in enumerate(plan.segments):
        (single_task if len(seg) == 1 else block)(w, plan, index)
    ends(w, plan)
    return "\n".join(w.lines) + "\n"
