"""EventBridge schedule expressions: ``rate(5 minutes)`` and six-field ``cron(...)``.

EventBridge's cron is not Unix cron: it has six fields (minutes hours day-of-month
month day-of-week year) and one of day-of-month / day-of-week must be ``?``. Users
paste Unix cron often, so the messages say which rule was broken.
"""

from __future__ import annotations

import re

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_MONTHS = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC"
_DAYS = "SUN|MON|TUE|WED|THU|FRI|SAT"

# (name, low, high, names allowed, special characters allowed)
_FIELDS = (
    ("minutes", 0, 59, "", ""),
    ("hours", 0, 23, "", ""),
    ("day-of-month", 1, 31, "", "?LW"),
    ("month", 1, 12, _MONTHS, ""),
    ("day-of-week", 1, 7, _DAYS, "?L#"),
    ("year", 1970, 2199, "", ""),
)


def check_schedule(expression: str) -> str:
    expression = expression.strip()
    rate = _RATE.match(expression)
    if rate:
        count, unit = int(rate.group(1)), rate.group(2)
        if count < 1:
            raise ValueError(f"rate must be at least 1, got {expression!r}")
        if (count == 1) != (not unit.endswith("s")):
            raise ValueError(f"write rate(1 {unit.rstrip('s')}) or rate(N {unit.rstrip('s')}s)")
        return expression
    cron = _CRON.match(expression)
    if not cron:
        raise ValueError(
            f"must be an EventBridge schedule such as 'cron(0 3 * * ? *)' or 'rate(1 hour)', "
            f"got {expression!r}"
        )
    fields = cron.group(1).split()
    if len(fields) != 6:
        raise ValueError(
            f"cron needs 6 fields (minutes hours day-of-month month day-of-week year), got "
            f"{len(fields)}; Unix cron '0 3 * * *' is 'cron(0 3 * * ? *)' here"
        )
    for text, (name, low, high, names, special) in zip(fields, _FIELDS, strict=True):
        _check_field(text, name, low, high, names, special)
    if (fields[2] == "?") == (fields[4] == "?"):
        raise ValueError("exactly one of day-of-month and day-of-week must be '?'")
    return expression


def _check_field(text: str, name: str, low: int, high: int, names: str, special: str) -> None:
    if text == "*" or (text == "?" and "?" in special):
        return
    for part in text.split(","):
        base, _, step = part.partition("/")
        if step and not (step.isdigit() and int(step) > 0):
            raise ValueError(f"cron {name} step {step!r} must be a positive number")
        for bound in base.split("-") if base != "*" else []:
            if bound.isdigit():
                if not low <= int(bound) <= high:
                    raise ValueError(f"cron {name} must be {low}-{high}, got {bound}")
            elif not _token_allowed(bound, names, special):
                raise ValueError(f"cron {name} has an invalid value {bound!r}")


def _token_allowed(token: str, names: str, special: str) -> bool:
    if names and token.upper() in names.split("|"):
        return True
    if "#" in special and re.fullmatch(r"[1-7]#[1-5]", token):
        return True
    return "L" in special and re.fullmatch(r"(\d{1,2})?L|LW|\d{1,2}W", token) is not None
