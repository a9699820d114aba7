"""EventBridge schedule expressions: ``rate(5 minutes)`` and six-field ``cron(...)``.

EventBridge's cron is not Unix cron: it has six fields (minutes hours day-of-month
month day-of-week year) and one of day-of-month / day-of-week must be ``?``. Users
paste Unix cron often, so the messages say which rule was broken. Digits are ASCII
only: EventBridge refuses other scripts' digits that Python's ``isdigit`` accepts.
"""

from __future__ import annotations

import re

_RATE = re.compile(r"^rate\(([0-9]+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_NUMBER = re.compile(r"^[0-9]{1,4}$")
_MONTHS = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC"
_DAYS = "SUN|MON|TUE|WED|THU|FRI|SAT"
_EXAMPLES = "e.g. 'cron(0 3 * * ? *)' (03:00 UTC daily) or 'rate(1 hour)'"

# (name, low, high, names allowed, special characters allowed)
_FIELDS = (
    ("minutes", 0, 59, "", ""),
    ("hours", 0, 23, "", ""),
    ("day-of-month", 1, 31, "", "?LW"),
    ("month", 1, 12, _MONTHS, ""),
    ("day-of-week", 1, 7, _DAYS, "?L#"),
    ("year", 1970, 2199, "", ""),
)


class ScheduleError(ValueError):
    """An expression EventBridge would refuse; ``hint`` shows a valid one."""

    def __init__(self, message: str, hint: str = _EXAMPLES) -> None:
        super().__init__(message)
        self.hint = hint


def check_schedule(expression: str) -> str:
    expression = expression.strip()
    rate = _RATE.match(expression)
    if rate:
        count, unit = int(rate.group(1)), rate.group(2)
        singular = unit.rstrip("s")
        if count < 1:
            raise ScheduleError(
                f"rate must be at least 1, got {expression!r}", f"rate(1 {singular})"
            )
        if (count == 1) != (not unit.endswith("s")):
            raise ScheduleError(
                f"EventBridge wants rate(1 {singular}) or rate(N {singular}s), got {expression!r}",
                f"write rate(1 {singular}) or rate({max(count, 2)} {singular}s)",
            )
        return expression
    cron = _CRON.match(expression)
    if not cron:
        if len(expression.split()) in (5, 6) and not expression.startswith(("rate", "cron")):
            raise ScheduleError(
                f"{expression!r} looks like Unix cron; EventBridge wants cron(...) with 6 fields",
                "Unix '0 3 * * *' is 'cron(0 3 * * ? *)': add the year, and put ? in "
                "day-of-month or day-of-week",
            )
        raise ScheduleError(f"must be an EventBridge schedule, got {expression!r}")
    fields = cron.group(1).split()
    if len(fields) != 6:
        raise ScheduleError(
            f"cron needs 6 fields (minutes hours day-of-month month day-of-week year), got "
            f"{len(fields)}",
            "Unix cron '0 3 * * *' is 'cron(0 3 * * ? *)' here",
        )
    for text, (name, low, high, names, special) in zip(fields, _FIELDS, strict=True):
        _check_field(text, name, low, high, names, special)
    if (fields[2] == "?") == (fields[4] == "?"):
        raise ScheduleError(
            "exactly one of day-of-month and day-of-week must be '?'",
            "every day: 'cron(0 3 * * ? *)'; Mondays: 'cron(0 3 ? * MON *)'",
        )
    return expression


def _check_field(text: str, name: str, low: int, high: int, names: str, special: str) -> None:
    if text == "*" or (text == "?" and "?" in special):
        return
    for part in text.split(","):
        base, _, step = part.partition("/")
        if step and not (_NUMBER.match(step) and int(step) > 0):
            raise ScheduleError(f"cron {name} step {step!r} must be a positive number")
        for bound in base.split("-") if base != "*" else []:
            if _NUMBER.match(bound):
                if not low <= int(bound) <= high:
                    raise ScheduleError(f"cron {name} must be {low}-{high}, got {bound}")
            elif not _token_allowed(bound, low, high, names, special):
                raise ScheduleError(f"cron {name} has an invalid value {bound!r}")


def _token_allowed(token: str, low: int, high: int, names: str, special: str) -> bool:
    if names and token.upper() in names.split("|"):
        return True
    if "#" in special and re.fullmatch(r"[1-7]#[1-5]", token):
        return True
    if "L" in special and token == "L":
        return True
    if "W" in special and token == "LW":
        return True
    number = re.fullmatch(r"([0-9]{1,2})([LW])", token)
    return bool(number and number.group(2) in special and low <= int(number.group(1)) <= high)
