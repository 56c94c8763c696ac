"""Synthetic specs of any size for the compiler and layout sections.

``synthetic_spec(n)`` returns the text of a valid spec with n tasks in groups of five:
a step with an SLA (reminder, escalation), a single approval with a rework cap, a step
routing on data conditions, an approval by a rule, and an all-of approval (会签).
There is one rule per group, twenty roles, three typed fields and a calendar, so every
phase of the compiler (names, types, rule tables, SLAs, flow) has real work to do.
"""

from __future__ import annotations

import re

ROLES = 20
GROUP = 5
TOKEN = re.compile(r'"[^"\n]*"|[^\W\d]\w*|\d+(?:\.\d+)?%?|->|[^\s\w]|\n *')


def _header(n: int) -> list[str]:
    lines = [f'process synthetic_{n} "Synthetic process of {n} tasks"', "  version 1",
             "  owner operations", "  lang en", '  purpose "Exercise every compiler phase."',
             f"  sla {2 * n} workdays", "    remind at 90%", "    on breach notify r1",
             "  calendar office", "", "calendar office", "  workdays mon..fri",
             "  hours 09:00-12:00, 13:00-18:00", "  holidays 2026-10-01..2026-10-07",
             "  timezone Asia/Shanghai", "", "roles"]
    lines += [f'  r{i} "Role {i}"' for i in range(1, ROLES + 1)]
    lines += ["", "data", '  amount: money "Amount asked for"', "  level: enum(low, mid, high)",
              "  urgent: bool", ""]
    return lines


def _role(i: int) -> str:
    return f"r{i % ROLES + 1}"


def _group(g: int, n: int) -> list[str]:
    """Return the five tasks (and the rule) of group g; the last group ends the process."""
    t = [f"t{g * GROUP + k}" for k in range(GROUP)]
    nxt = f"t{(g + 1) * GROUP}" if (g + 1) * GROUP < n else "end done"
    r = [_role(g + k) for k in range(GROUP + 1)]
    return [
        f'rule limits_{g} "Approval limits {g}"', f"  when amount < {1000 + g} -> {r[0]}",
        f"  when amount >= {1000 + g} and amount < {5000 + g} -> {r[0]} then {r[1]}",
        f"  otherwise -> {r[0]} then {r[1]} then {r[2]}", "",
        f'step {t[0]} "Prepare request {g}"', f"  by {r[0]}", "  input request_form",
        "  sla 4 work hours", "    remind at 75%", f"    on breach escalate to {r[1]}",
        f"  then {t[1]}", "",
        f'approval {t[1]} "Check request {g}"', f"  by {r[1]}", "  not by requester",
        "  sla 1 workday", f"    on breach notify {r[2]}", f"  approve -> {t[2]}",
        "  reject -> end rejected", f"  return -> {t[0]} at most 3 times, then -> end rejected", "",
        f'step {t[2]} "Route request {g}"', f"  by {r[2]}",
        f"  when urgent and amount > {100 + g} -> {t[3]}",
        f"  when level == high -> {t[3]}", f"  otherwise -> {t[4]}", "",
        f'approval {t[3]} "Authorise request {g}"', f"  by rule limits_{g}",
        "  sla 2 workdays", f"  approve -> {t[4]}", "  reject -> end rejected", "",
        f'approval {t[4]} "Countersign request {g}"', f"  by all of {r[3]}, {r[4]}",
        "  sla 3 days", f"  approve -> {nxt}", "  reject -> end rejected", ""]


def synthetic_spec(n: int) -> str:
    """Return the text of a valid spec with n tasks (n a multiple of five)."""
    if n % GROUP:
        raise ValueError(f"n must be a multiple of {GROUP}")
    lines = _header(n)
    for g in range(n // GROUP):
        lines += _group(g, n)
    lines += ['end done "Done" success', 'end rejected "Rejected" failure', ""]
    return "\n".join(lines)


def regex_pass(text: str) -> int:
    """Tokenise text with one regular expression (the floor a parser is compared to)."""
    return sum(1 for _ in TOKEN.finditer(text))
