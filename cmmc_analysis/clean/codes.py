"""The vocabulary of cleaning: rule names, missing reasons and logged actions.

Every module of :mod:`cmmc_analysis.clean` stores reasons and actions as small
integers indexing these tuples; the log turns them back into names.

>>> EXCLUSION_RULES[0], MISSING_REASONS[_INVALID], ACTIONS[A["rejected"]]
('empty', 'invalid', 'rejected')
"""

from __future__ import annotations

__all__ = ["EXCLUSION_RULES", "VALUE_RULES", "MISSING_REASONS", "ACTIONS", "REDACTED"]

#: Exclusion rules in the order they are applied.
EXCLUSION_RULES = (
    "empty",
    "test_submissions",
    "outside_fieldwork",
    "duplicates",
    "speeders",
    "straightliners",
    "attention",
)
#: The exclusion rules that need other rows (decided in a first pass over all rows).
GLOBAL_RULES = EXCLUSION_RULES[:5]
#: Value rules (logged in ``CleaningLog.changes`` and ``details``).
VALUE_RULES = (
    "labels",
    "not_an_answer",
    "numbers",
    "timestamps",
    "skip_logic",
    "multi",
    "aliases",
    "other",
)
#: Reasons a value is missing in ``Survey.missing``.
MISSING_REASONS = ("not_an_answer", "blank", "not_asked", "invalid")
#: Actions recorded in ``CleaningLog.details`` (index 0: nothing to record).
ACTIONS = (
    "",
    "normalised",
    "rejected",
    "not_an_answer",
    "converted",
    "approximate",
    "out_of_range",
    "removed",
    "flagged",
    "aliased",
    "other",
)
#: What ``details.raw_value`` shows for a personal value.
REDACTED = "<redacted>"

_NAA, _BLANK, _NOT_ASKED, _INVALID = range(4)
#: Action name -> code.
A = {name: code for code, name in enumerate(ACTIONS)}
#: Rule name -> code in ``CleaningLog.details.rule``.
RULE_CODES = {name: code for code, name in enumerate(VALUE_RULES + EXCLUSION_RULES)}
