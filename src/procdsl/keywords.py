"""The one keyword table: grammar terminals, formatter spellings and docs come from here.

Each keyword has a terminal name (used in ``grammar/procdsl.lark``), its canonical
English spelling (what ``procdsl fmt`` writes for ``lang en``), its canonical Chinese
spelling (for ``lang zh``) and further accepted aliases.  A spec may mix them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Keyword:
    """One keyword: its grammar terminal and every spelling the lexer accepts."""

    terminal: str
    en: str
    zh: str
    aliases: tuple[str, ...] = ()
    doc: str = ""

    @property
    def spellings(self) -> tuple[str, ...]:
        """Return every accepted spelling, canonical ones first."""
        seen: list[str] = []
        for word in (self.en, self.zh, *self.aliases):
            if word not in seen:
                seen.append(word)
        return tuple(seen)


def _k(terminal: str, en: str, zh: str, *aliases: str, doc: str = "") -> Keyword:
    return Keyword(terminal, en, zh, tuple(aliases), doc)


KEYWORDS: tuple[Keyword, ...] = (
    # definitions
    _k("PROCESS", "process", "流程", doc="starts the process header"),
    _k("CALENDAR", "calendar", "日历", doc="a business calendar, or the one the process uses"),
    _k("ROLES", "roles", "角色", "role", doc="declares roles"),
    _k("DATA", "data", "数据", "字段", doc="declares the case fields"),
    _k("STEP", "step", "步骤", doc="a task done by a role"),
    _k("APPROVAL", "approval", "审批", doc="a decision task"),
    _k("RULE", "rule", "规则", doc="a decision table, or approvers chosen by one"),
    _k("END", "end", "结束", doc="an end of the process"),
    # header
    _k("VERSION", "version", "版本"),
    _k("OWNER", "owner", "负责人", "所有者"),
    _k("LANG", "lang", "语言", "language"),
    _k("PURPOSE", "purpose", "目的"),
    _k("SCOPE", "scope", "适用范围", "范围"),
    _k("REFERENCE", "reference", "参考文件", "参考"),
    _k("DESCRIPTION", "description", "说明", "描述"),
    _k("START", "start", "开始", "起始"),
    _k("WITHDRAW", "withdraw", "撤回"),
    _k("CANCEL", "cancel", "取消"),
    _k("ACTION", "action", "操作"),
    _k("WHILE", "while", "处于", "during"),
    # roles and ends
    _k("EXTERNAL", "external", "外部"),
    _k("SUCCESS", "success", "成功"),
    _k("FAILURE", "failure", "失败"),
    # step items
    _k("BY", "by", "由"),
    _k("NOT", "not", "不", "非"),
    _k("REQUESTER", "requester", "发起人", "申请人"),
    # org-relative approvers (the application's directory finds the people)
    _k("REQUESTERS_MANAGER", "requester's manager", "发起人的直属主管", "申请人的直属主管",
       "requester's direct manager", doc="the requester's first-level manager"),
    _k("REQUESTERS", "requester's", "发起人的", "申请人的"),
    _k("LEVEL_MANAGER", "level manager", "级主管", "st-level manager", "nd-level manager",
       "rd-level manager", "th-level manager", "-level manager",
       doc="the requester's Nth-level manager"),
    _k("MANAGER_CHAIN", "managers up to", "连续多级主管", doc="each level of managers in order"),
    _k("LEVELS", "levels", "级", "level"),
    _k("DEPARTMENT_HEAD", "department head", "部门负责人",
       doc="the head of the requester's department"),
    _k("PERSON_IN", "person in field", "指定的人", "person in",
       doc="the person a text field names"),
    _k("REQUESTER_PICKS", "requester's choice of", "发起人自选", "申请人自选",
       doc="the requester names the approvers, among holders of a role"),
    _k("EMPTY_APPROVER", "when no approver", "审批人为空时", "审批人为空",
       doc="what an approval does when nobody is found"),
    _k("DEDUPE", "dedupe", "去重", "自动去重", doc="skip a person who already approved"),
    _k("ALLOW", "allow", "允许"),
    _k("TRANSFER", "transfer", "转交"),
    _k("ADD_SIGN", "add-sign", "加签", "add sign"),
    _k("DELEGATE", "delegate", "代理"),
    _k("URGE", "urge", "催办"),
    _k("TOTAL", "total", "总计", "合计"),
    _k("RESUBMIT", "after resubmission", "重新提交后", "after resubmit",
       doc="where a returned case goes when it is resubmitted"),
    _k("TO_RETURNER", "straight back to returner", "直达退回人", "back to returner"),
    _k("WHOLE_CHAIN", "whole chain again", "重新审批", "whole chain"),
    _k("WHOEVER_DID", "whoever did", "经办"),
    _k("ALL", "all", "全部", "所有"),
    _k("ANY", "any", "任一", "任意"),
    _k("OF", "of", "名", "位"),
    _k("ALSO", "also", "同时", "另需"),
    _k("INPUT", "input", "输入", "inputs"),
    _k("OUTPUT", "output", "输出", "outputs"),
    _k("CHECK", "check", "检查项", "检查"),
    _k("NOTIFY", "notify", "抄送", "通知", "cc"),
    _k("ON", "on", "于"),
    _k("ENTER", "enter", "进入", "到达"),
    _k("LEAVE", "leave", "离开", "办结"),
    _k("THEN", "then", "然后", "之后"),
    _k("WHEN", "when", "如果", "若", "当"),
    _k("OTHERWISE", "otherwise", "否则", "其他"),
    _k("IN_ANY_ORDER", "in any order", "任意顺序"),
    _k("BY_RULE", "by rule", "按规则", "按照规则",
       doc="a route to the task a decision table gives for the case"),
    _k("CHOICE_OF", "choice of", "可选", "one of",
       doc="a return to the step the approver chooses, among these"),
    _k("WAIT", "wait for", "等待", "wait"),
    _k("FOR_EACH", "for each", "对每个", "逐个"),
    _k("EACH", "each", "每个", "各自"),
    _k("IN", "in", "属于", "在"),
    _k("SEQUENTIALLY", "one at a time", "依次", "sequentially"),
    _k("UNTIL", "until", "直到"),
    _k("DONE", "done", "完成"),
    _k("RUN", "run", "调用", "子流程"),
    _k("AT_MOST", "at most", "最多"),
    _k("TIMES", "times", "次", "time"),
    _k("APPROVE", "approve", "通过", "同意"),
    _k("REJECT", "reject", "驳回", "拒绝"),
    _k("RETURN", "return", "退回", "returns"),
    # provenance, terms, revisions, who decides a field
    _k("SOURCE", "source", "依据", "出处", doc="a rule taken from the source text, and where"),
    _k("ADDED", "added", "补充", doc="a rule the source does not give, and who added it"),
    _k("TERM", "term", "术语", doc="a term the manual defines"),
    _k("CHANGE", "change", "修订", doc="a line of the revision history"),
    _k("APPROVER", "approved by", "批准", doc="revision history: who approved the change"),
    _k("SETS", "sets", "设定", doc="a task decides a field's value"),
    _k("TARGET", "target", "目标", doc="a KPI target: late rate, first-pass rate, cycle time"),
    # time
    _k("SLA", "sla", "时限"),
    _k("REMIND", "remind", "提醒"),
    _k("AT", "at", "于时"),
    _k("BEFORE", "before", "前", "之前"),
    _k("ON_BREACH", "on breach", "超时"),
    _k("ESCALATE", "escalate", "升级"),
    _k("TO", "to", "到", "至", "给", "up to"),
    _k("AUTO_APPROVE", "auto approve", "自动通过", "auto-approve"),
    _k("AUTO_REJECT", "auto reject", "自动驳回", "auto-reject"),
    _k("GOTO", "goto", "转到", "go to", "跳转"),
    _k("MINUTES", "minutes", "分钟", "minute"),
    _k("HOURS", "hours", "小时", "hour"),
    _k("WORK_HOURS", "work hours", "工作小时", "工时", "work hour"),
    _k("DAYS", "days", "天", "自然日", "day"),
    _k("WORKDAYS", "workdays", "工作日", "workday"),
    _k("WEEKS", "weeks", "周", "week"),
    _k("OPEN_HOURS", "open", "工作时间", "办公时间"),
    _k("HOLIDAYS", "holidays", "节假日", "holiday", "假日"),
    _k("MAKEUP", "makeup", "调休", "补班", "make-up"),
    _k("TIMEZONE", "timezone", "时区"),
    _k("BASED_ON", "based on", "基于", doc="calendar: takes another calendar's days and hours"),
    _k("PUBLIC_HOLIDAYS", "public holidays", "法定节假日", "public holiday",
       doc="calendar: a region's official holidays and make-up days, for the years named"),
    # types
    _k("BOOL", "bool", "是否", "boolean", "布尔"),
    _k("INT", "int", "整数", "integer"),
    _k("DECIMAL", "decimal", "小数", "number", "数值"),
    _k("MONEY", "money", "金额"),
    _k("TEXT", "text", "文本", "string"),
    _k("DATE_TYPE", "date", "日期"),
    _k("ENUM", "enum", "枚举", "选项"),
    _k("LIST", "list of", "列表", "list"),
    # data field options: must be given, and the values allowed
    _k("REQUIRED", "required", "必填", "必需", doc="a data field the case must be given"),
    _k("RANGE", "range", "范围", "取值范围", doc="the lowest and highest value of a data field"),
    # conditions
    _k("AND", "and", "且", "并且"),
    _k("OR", "or", "或", "或者"),
    _k("TRUE", "true", "是", "yes"),
    _k("FALSE", "false", "否", "no"),
)

BY_TERMINAL: dict[str, Keyword] = {k.terminal: k for k in KEYWORDS}

# Words that name a weekday in calendars; values are ISO weekday numbers (Monday = 1).
WEEKDAYS: dict[str, int] = {
    "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7,
    "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5,
    "saturday": 6, "sunday": 7,
    "周一": 1, "周二": 2, "周三": 3, "周四": 4, "周五": 5, "周六": 6, "周日": 7, "周天": 7,
    "星期一": 1, "星期二": 2, "星期三": 3, "星期四": 4, "星期五": 5, "星期六": 6,
    "星期日": 7, "星期天": 7,
}


def _alias_pattern(word: str) -> str:
    return r"[ ]+".join(re.escape(part) for part in word.split(" "))


def terminal_definitions() -> str:
    """Return the Lark terminal definitions for every keyword.

    Each keyword is a regular expression with priority 2 that must not be followed by a
    word character, so ``in`` never matches the start of ``income``; where a keyword is
    not acceptable the contextual lexer does not try it, so the same word can still be
    a name there (a step may be called 审批).
    """
    lines = []
    for kw in KEYWORDS:
        # Longest spellings first: the regex alternation takes the first that matches.
        words = sorted(kw.spellings, key=len, reverse=True)
        body = "|".join(_alias_pattern(w) for w in words)
        lines.append(f"{kw.terminal}.2: /(?:{body})(?!\\w)/i")
    return "\n".join(lines) + "\n"
