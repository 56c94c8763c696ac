"""What the runtime tells people, in the spec's language (``ProcessDef.lang``), once.

Refusals (``Refused``) and event descriptions (``describe``) are worded here, in Chinese
and English; every other runtime module asks for a message by its key.  The words are
the diagnostics' and the manual's (``procdsl.vocabulary``: 步骤, 审批, 角色, 通过 / 驳回 /
退回 ...); ``tests/test_runtime_people.py`` checks that the two agree.  Names (steps,
roles, fields, people) are the spec's and the application's, as written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from .errors import Refused

ZH = "zh"

# key -> (Chinese, English); ``{name}`` placeholders are filled by ``text``.
_TEXTS: dict[str, tuple[str, str]] = {
    # acting on a case
    "finished": ("案例已结束（{outcome}）", "the case is finished ({outcome})"),
    "no_step": ("没有名为 {step} 的步骤", "no step named {step!r}"),
    "not_active": ("{step}{where} 当前不在办理中；正在办理：{active}",
                   "{step}{where} is not active; active: {active}"),
    "work_item": ("（工作项 {item}）", " (work item {item})"),
    "none": ("无", "none"),
    "no_action": ("{step} 没有操作 {action}；可用操作：{offered}",
                  "{step} has no action {action!r}; it offers {offered}"),
    "not_approval": ("{step} 不是审批", "{step} is not an approval"),
    "return_cap": ("本案例最多只能退回 {cap} 次", "this case may be returned at most {cap} times in all"),
    # who may act
    "needs_role": ("{step} 需要角色 {roles}；{who} 的角色：{held}",
                   "{step} needs the role {roles}; {who} holds {held}"),
    "no_role": ("无", "no role"),
    "not_requester": ("{who} 是本案例的发起人，不能办理 {step}（不相容职务：非发起人）",
                      "{who} started this case and may not act on {step} (not by requester)"),
    "not_after": ("{who} 办理过 {done}，不能再办理 {step}（不相容职务分离）",
                  "{who} did {done} and may not act on {step} (separation of duties)"),
    "only_requester": ("只有发起人（{requester}）可以办理 {step}，{who} 不是发起人",
                       "only the requester ({requester}) may act on {step}, not {who}"),
    # routes
    "no_route": ("{step} 的“{action}”没有与案例数据相符的路由",
                 "no route of {step} on {action!r} matches the case data"),
    "no_route_for": ("{step} 没有“{action}”的路由", "{step} has no route on {action!r}"),
    "rule_no_route": ("规则 {rule} 没有一行与案例数据相符，{step} 之后无处可去",
                      "no row of rule {rule} matches the case data: {step} has nowhere to go"),
    "condition_error": ("{step} 的条件无法计算：{error}",
                        "a condition of {step} cannot be evaluated: {error}"),
    "route_cap": ("{step} 最多只能{action} {times} 次", "{step} may {action} at most {times} times"),
    "interleaved": ("{step} 需等待 {busy} 办结：任意顺序的任务一次只办理一个",
                    "{step} waits until {busy} is finished: tasks in any order run one at a "
                    "time"),
    # data
    "data_type": ("数据必须是 {type} 或映射", "data must be a {type} or a mapping"),
    "no_field": ("没有名为 {field} 的数据字段", "no data field named {field!r}"),
    "not_list": ("{field} 必须是列表", "{field} must be a list"),
    "bad_value": ("{field} 不能是 {value!r}（应为{kind}）",
                  "{field} cannot be {value!r} (expects {kind})"),
    "not_enum": ("{field} 不能是 {value!r}（可选值：{values}）",
                 "{field} cannot be {value!r} (one of: {values})"),
    "required": ("缺少必填字段 {fields}", "missing required field {fields}"),
    "empty_required": ("必填字段 {field} 不能为空", "the required field {field} cannot be empty"),
    "out_of_range": ("{field} 为 {value}，超出取值范围 {low}..{high}",
                     "{field} is {value}, outside its range {low}..{high}"),
    # process-level actions
    "no_withdraw": ("本流程不能撤回", "this process cannot be withdrawn"),
    "withdraw_requester": ("只有发起人（{requester}）可以撤回，{who} 不能",
                           "only the requester ({requester}) may withdraw, not {who}"),
    "withdraw_when": ("只有在 {steps} 办理中时才能撤回",
                      "withdraw is allowed only while {steps} is active"),
    "no_cancel": ("本流程不能取消", "this process cannot be cancelled"),
    "cancel_role": ("取消需要角色 {roles}；{who} 没有", "cancelling needs the role {roles}; "
                    "{who} holds none"),
    "no_milestone": ("本流程没有操作 {name}", "this process has no action {name!r}"),
    "milestone_when": ("只有在 {steps} 办理中时才能{name}",
                       "{name} is allowed only while {steps} is active"),
    "milestone_who": ("{name}：{reason}", "{name}: {reason}"),
    "milestone_requester": ("只有发起人可以办理，{who} 不能", "only the requester may act, not {who}"),
    "milestone_role": ("需要角色 {roles}；{who} 没有", "needs the role {roles}; {who} holds none"),
    # approvers planned for the case (org-relative, by rule, the requester's pick)
    "rule_no_approver": ("审批规则没有为本案例的 {step} 选出审批人",
                         "the rule for {step} chose no approver for this case"),
    "no_approver_found": ("本案例的 {step} 没有找到审批人",
                          "no approver was found for {step} in this case"),
    "waits_for_pick": ("{step} 等待发起人（{requester}）自选审批人",
                       "{step} waits for the requester ({requester}) to choose its approvers"),
    "decided_already": ("{who} 已在本阶段审批过 {step}",
                        "{who} has already decided on {step} at this stage"),
    "for_people": ("{step} 应由 {people} 审批，{who} 不是审批人",
                   "{step} is for {people}, not {who}"),
    # transfer (转交), add-sign (加签), urge (催办), the requester's pick (发起人自选)
    "not_allowed": ("{step} 不允许{what}（允许的操作见流程定义）",
                    "{step} does not allow {what} (the spec says what it allows)"),
    "not_person": ("{person!r} 不是人员", "not a person: {person!r}"),
    "bring_self": ("{who} 不能把自己加入 {step}", "{who} cannot bring themself into {step}"),
    "no_directory": ("没有通讯录（Directory），无法确认 {person} 具有角色 {roles}",
                     "no directory to check that {person} holds {roles}"),
    "bring_role": ("{person} 不能加入 {step}：需要角色 {roles}",
                   "{person} may not be brought into {step}: it needs the role {roles}"),
    "not_approver": ("{who} 不是 {step} 本阶段的审批人",
                     "{who} is not an approver of {step} at this stage"),
    "transfer_many": ("{step} 本阶段需要 {need} 人审批，不能转交",
                      "{step} needs {need} decisions here: it cannot be transferred"),
    "add_sign_where": ("加签须在我之前（before）、之后（after）或与我同时（with），不能是 {where!r}",
                       "add-sign is before, after or with, not {where!r}"),
    "add_sign_before": ("{step} 本阶段已有人审批：只能在我之后或与我同时加签",
                        "votes are cast at this stage of {step}: add the signer after or "
                        "with you"),
    "urge_requester": ("只有发起人（{requester}）可以催办 {step}，{who} 不能",
                       "only the requester ({requester}) may urge {step}, not {who}"),
    "urged_recently": ("{step} 一小时内已催办过", "{step} was urged less than an hour ago"),
    "not_pick": ("{step} 的审批人不是发起人自选", "the approvers of {step} are not the requester's choice"),
    "pick_requester": ("只有发起人（{requester}）可以自选 {step} 的审批人，{who} 不能",
                       "only the requester ({requester}) may choose the approvers of {step}, "
                       "not {who}"),
    "pick_people": ("请为 {step} 选择一位或多位不同的审批人",
                    "choose one or more different people for {step}"),
    "pick_self": ("{person} 是本案例的发起人，不能审批 {step}（不相容职务：非发起人）",
                  "{person} started this case and may not approve {step} (not by requester)"),
    "pick_role": ("{person} 不能审批 {step}：需要角色 {role}",
                  "{person} may not approve {step}: it needs the role {role}"),
    "picked_already": ("{step} 的审批人已选定", "the approvers of {step} are chosen already"),
    # a return to a step the approver chooses (退回 -> 可选 A, B)
    "return_choose": ("{step} 退回至审批人选定的步骤：请指定 {choices}",
                      "{step} returns to a step the approver chooses: name {choices}"),
    "return_not_allowed": ("{step} 不能退回至 {target}：可选 {choices}",
                           "{step} cannot return to {target}: choose {choices}"),
}

# Run-time permissions (``kinds.Permission``), as the keywords word them (转交 / transfer).
_PERMISSION_WORDS = {"transfer": ("转交", "transfer"), "add_sign": ("加签", "add-sign"),
                     "delegate": ("代理", "delegate"), "urge": ("催办", "urging")}

# Kinds of data (``FieldDef.kind``), worded as the diagnostics word them.
_KINDS = {"bool": ("是/否", "bool"), "int": ("整数", "int"), "decimal": ("小数", "decimal"),
          "money": ("金额", "money"), "text": ("文本", "text"), "date": ("日期", "date"),
          "enum": ("枚举值", "enum"), "list": ("列表", "list")}

# The standard actions, as ``vocabulary.action_word`` words them.
ACTION_WORDS = {"complete": ("完成", "complete"), "approve": ("通过", "approve"),
                "reject": ("驳回", "reject"), "return": ("退回", "return")}


def text(lang: str, key: str, **params: object) -> str:
    """Return the message key in lang ("zh", or English), its placeholders filled."""
    zh, en = _TEXTS[key]
    return (zh if lang == ZH else en).format(**params)


def refused(lang: str, key: str, **params: object) -> Refused:
    """Return the ``Refused`` of message key in lang (its ``key`` and ``params`` kept)."""
    return Refused(text(lang, key, **params), key=key, params=params)


def alternatives(lang: str, names: Iterable[str]) -> str:
    """Return names as alternatives ("A 或 B" / "A or B")."""
    return (" 或 " if lang == ZH else " or ").join(names)


def kind_word(lang: str, kind: str) -> str:
    """Return the word for a kind of data (金额 / money)."""
    found = _KINDS.get(kind)
    return kind if found is None else found[0 if lang == ZH else 1]


def permission_word(lang: str, permission: str) -> str:
    """Return the word for a run-time permission (转交 / transfer)."""
    found = _PERMISSION_WORDS.get(permission)
    return permission if found is None else found[0 if lang == ZH else 1]


def action_word(lang: str, action: str) -> str:
    """Return the word for an action (通过 / approve); custom outcomes keep their name."""
    found = ACTION_WORDS.get(action)
    return action if found is None else found[0 if lang == ZH else 1]


# Event descriptions, by kind (and ``detail`` for notify): (Chinese, English).
_EVENTS: dict[str, tuple[str, str]] = {
    "notify:enter": ("{step} 开始办理，抄送 {roles}", "{step} has started: notify {roles}"),
    "notify:leave": ("{step} 已办结，抄送 {roles}", "{step} is done: notify {roles}"),
    "notify:breach": ("{step} 已超时，通知 {roles}", "{step} is overdue: notify {roles}"),
    "reminder": ("提醒：{step} 即将到期", "reminder: {step} is due soon"),
    "breach": ("{step} 已超时", "{step} is overdue"),
    "escalated": ("{step} 已超时，升级至 {roles}", "{step} is overdue and escalated to {roles}"),
    "auto_approved": ("{step} 已自动通过", "{step} was approved automatically"),
    "auto_rejected": ("{step} 已自动驳回", "{step} was rejected automatically"),
    "goto": ("{step} 已超时，转到 {detail}", "{step} is overdue: the case goes to {detail}"),
    "cancelled": ("{step} 已取消", "{step} was cancelled"),
    "no_route": ("{step} 无法继续：{detail}", "{step} cannot go on: {detail}"),
    "no_approver": ("{step} 没有找到审批人", "no approver was found for {step}"),
    "process_breach": ("整个流程已超时", "the process is overdue"),
    "urged": ("{detail} 催办 {step}", "{detail} urges {step}"),
}
_CASE = ("本案例", "the case")


def describe(lang: str, kind: str, step: str | None, roles: tuple[str, ...],
             at: dt.datetime, detail: str = "") -> str:
    """Return a sentence saying what an event means, in lang, with its time."""
    zh = lang == ZH
    found = _EVENTS.get(f"{kind}:{detail}") or _EVENTS.get(kind)
    who = ("、" if zh else ", ").join(roles) or ("相关人员" if zh else "whoever follows it")
    where = step if step is not None else _CASE[0 if zh else 1]
    if found is None:
        body = f"{where}：{kind}" if zh else f"{where}: {kind}"
    else:
        body = found[0 if zh else 1].format(step=where, roles=who, detail=detail)
    stamp = at.strftime("%Y-%m-%d %H:%M %Z").strip()
    return f"{body}（{stamp}）" if zh else f"{body} ({stamp})"
