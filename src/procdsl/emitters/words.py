"""The words emitters used to define here now live in ``procdsl.vocabulary``.

Kept as other names for the same functions, for code written against this module; new
code imports ``procdsl.vocabulary`` (the one place that words kinds, conditions and
numbers).
"""

from __future__ import annotations

from ..vocabulary import action_word, breach_label, duration, expression, literal, mode_name, number

__all__ = ["action_word", "format_breach", "format_condition", "format_duration",
           "format_literal", "format_number", "mode_word"]

format_breach = breach_label
format_condition = expression
format_duration = duration
format_literal = literal
format_number = number
mode_word = mode_name
