"""A small model of how CloudWatch and EventBridge act on a previewed stack's alarms and rules.

The scenario tests feed it metric values and events and ask who is told: it reads the
alarms, composite alarms, EventBridge rules and targets the generated program registered
under Pulumi mocks (not the plan or the templates) and evaluates them as AWS does:

- Metric alarms: each metric query's value per period (from the scenario), metric math
  (``FILL``, ``IF``, ``DIFF`` with the period before, ``MIN``/``MAX``/``SUM`` of arrays,
  arithmetic, comparisons, ``AND``/``OR`` between comparisons), then
  "M out of N": ALARM when at least ``datapointsToAlarm`` of the last ``evaluationPeriods``
  periods breach; a period without a value counts as ``treatMissingData`` says (``missing``
  and ``ignore`` keep the prior state, OK here). Source: CloudWatch User Guide, "Evaluating
  an alarm" and "Using math expressions with CloudWatch metrics".
- Composite alarms: the rule's ``ALARM("name")``, ``AND``, ``OR``, ``NOT`` over the states;
  actions of a composite whose ``actionsSuppressor`` is in ALARM are suppressed. Over a
  ``Timeline`` (``Stack.sent``), minute by minute, with the suppressor's wait and extension
  periods (PutCompositeAlarm, ActionsSuppressorWaitPeriod and ExtensionPeriod).
- EventBridge patterns: exact values, ``prefix``, ``anything-but``, ``numeric``, ``exists``
  and ``$or``; an array in the event matches when any element does; a field the pattern
  names must be present unless ``exists: false`` (EventBridge User Guide, "Event patterns").
  What a target publishes (``Stack.published``): the event itself, or its input
  transformer's template with each ``<variable>`` replaced by its path's value (EventBridge
  API ``InputTransformer``).

A scenario is an incident that started ``duration`` seconds ago and is still going on:
for a period that overlaps it by a fraction ``f`` a count is the time-weighted mix of the
baseline and the incident rate, an average or percentile rank the same mix, and any other
statistic (a maximum, a p99) takes the incident's value once the overlap is half the period.
A ``Timeline`` is the same with several phases: each metric value over a period mixes the
phases it overlaps the same way, and a maximum takes the phase at the period's middle.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"

# metric query → value per minute (counts) or the statistic's value; None: no data
Values = Callable[[Mapping[str, Any]], float | None]
COUNTS = {"Sum", "SampleCount"}


@dataclass(frozen=True)
class Scenario:
    """Metric values before (``baseline``) and during (``incident``) an ongoing incident."""

    baseline: Values
    incident: Values
    duration: int  # seconds since the incident started

    @property
    def phases(self) -> list[tuple[float, Values]]:
        return [(-float("inf"), self.baseline), (0, self.incident)]

    @property
    def now(self) -> float:
        return self.duration


@dataclass(frozen=True)
class Moment:
    """A point ``now`` (seconds) of a ``Timeline``: its phases so far, as a scenario."""

    phases: list[tuple[float, Values]]
    now: float


@dataclass(frozen=True)
class Timeline:
    """Metric values that change over time: ``phases`` are ``(start second, values)``,
    the first in force from long before 0 (``baseline``), each until the next starts."""

    baseline: Values
    changes: list[tuple[float, Values]]

    def at(self, now: float) -> Moment:
        return Moment([(-float("inf"), self.baseline), *self.changes], now)


class Value:
    """A datapoint that may be missing: arithmetic on a missing value is missing."""

    def __init__(self, v: float | None) -> None:
        self.v = v

    def _op(self, other: Any, op: Callable[[float, float], float | None]) -> Value:
        o = other.v if isinstance(other, Value) else other
        if self.v is None or o is None:
            return Value(None)
        return Value(op(self.v, o))

    def __add__(self, o: Any) -> Value:
        return self._op(o, lambda a, b: a + b)

    __radd__ = __add__

    def __sub__(self, o: Any) -> Value:
        return self._op(o, lambda a, b: a - b)

    def __rsub__(self, o: Any) -> Value:
        return self._op(o, lambda a, b: b - a)

    def __mul__(self, o: Any) -> Value:
        return self._op(o, lambda a, b: a * b)

    __rmul__ = __mul__

    def __truediv__(self, o: Any) -> Value:
        return self._op(o, lambda a, b: a / b if b else None)

    def __rtruediv__(self, o: Any) -> Value:
        return self._op(o, lambda a, b: b / a if a else None)

    def __ge__(self, o: Any) -> Value:  # type: ignore[override]
        return self._op(o, lambda a, b: float(a >= b))

    def __gt__(self, o: Any) -> Value:  # type: ignore[override]
        return self._op(o, lambda a, b: float(a > b))

    def __lt__(self, o: Any) -> Value:  # type: ignore[override]
        return self._op(o, lambda a, b: float(a < b))

    def __le__(self, o: Any) -> Value:  # type: ignore[override]
        return self._op(o, lambda a, b: float(a <= b))

    def __eq__(self, o: Any) -> Value:  # type: ignore[override]
        return self._op(o, lambda a, b: float(a == b))

    __hash__ = None  # type: ignore[assignment]  # compares into a Value, like CloudWatch

    def __bool__(self) -> bool:
        """A condition's truth, for ``AND``/``OR`` (Python's ``and``/``or``, which bind
        looser than comparisons, as CloudWatch's do); a missing value has none."""
        if self.v is None:
            raise ValueError("AND/OR over a missing datapoint: FILL it")
        return bool(self.v)


def _fill(x: Value, v: float) -> Value:
    return x if x.v is not None else Value(v)


def _if(c: Value, a: Any, b: Any) -> Value:
    if c.v is None:
        return Value(None)
    chosen = a if c.v else b
    return chosen if isinstance(chosen, Value) else Value(chosen)


def _reduce(fn: Callable[[list[float]], float]) -> Callable[[list[Value]], Value]:
    def apply(values: list[Value]) -> Value:
        present = [x.v for x in values if x.v is not None]
        return Value(fn(present) if present else None)

    return apply


MATH = {
    "FILL": _fill,
    "IF": _if,
    "MIN": _reduce(min),
    "MAX": _reduce(max),
    "SUM": _reduce(sum),
    "__builtins__": {},
}


def _metric_value(metric: Mapping[str, Any], scenario: Any, end: float) -> float | None:
    """One metric over the period ending at ``end`` (seconds), each phase weighted by the
    share of the period it covers."""
    period = metric["period"]
    start = end - period
    phases = scenario.phases
    shares: list[tuple[float, float | None]] = []
    for i, (begins, values) in enumerate(phases):
        ends = phases[i + 1][0] if i + 1 < len(phases) else float("inf")
        covered = max(0.0, min(ends, end) - max(begins, start)) / period
        if covered > 0:
            shares.append((covered, values(metric)))
    if metric["stat"] in COUNTS:
        if all(v is None for _, v in shares):
            return None
        return sum(f * (v or 0) for f, v in shares) * period / 60
    if metric["stat"] == "Average" or metric["stat"].startswith("PR("):
        present = [(f, v) for f, v in shares if v is not None]
        if not present:
            return None
        weight = sum(f for f, _ in present)
        return sum(f * v for f, v in present) / weight
    # A maximum, a minimum, a p99: the value in force at the middle of the period.
    middle = end - period / 2
    current = [values for begins, values in phases if begins <= middle][-1]
    return current(metric)


class _Queries(dict):  # type: ignore[type-arg]
    """Metric query id → its value over the period ending at ``end``, computed on first
    use (metric math names other queries by id; ``DIFF`` reads the period before)."""

    def __init__(self, queries: Mapping[str, Any], scenario: Any, end: float, period: int) -> None:
        super().__init__()
        self.queries, self.scenario, self.end, self.period = queries, scenario, end, period

    def __missing__(self, key: str) -> Value:
        q = self.queries[key]
        if "metric" in q:
            value = Value(_metric_value(q["metric"], self.scenario, self.end))
        else:
            value = self.evaluate(q["expression"])
        self[key] = value
        return value

    def evaluate(self, expression: str) -> Value:
        logical = re.sub(r"\bAND\b|&&", " and ", re.sub(r"\bOR\b|\|\|", " or ", expression))
        value = eval(_diffs(logical), {**MATH, "_diff": self._diff}, self)
        return value if isinstance(value, Value) else Value(value)

    def _diff(self, inner: str) -> Value:
        """CloudWatch's ``DIFF``: this period's value minus the previous period's."""
        before = _Queries(self.queries, self.scenario, self.end - self.period, self.period)
        return self.evaluate(inner) - before.evaluate(inner)


def _diffs(expression: str) -> str:
    """``DIFF(x)`` → ``_diff("x")``: the argument is evaluated again one period earlier."""
    at = expression.find("DIFF(")
    if at < 0:
        return expression
    depth, i = 0, at + len("DIFF")
    while True:
        depth += {"(": 1, ")": -1}.get(expression[i], 0)
        if depth == 0:
            break
        i += 1
    inner = expression[at + len("DIFF(") : i]
    return expression[:at] + f'_diff("{inner}")' + _diffs(expression[i + 1 :])


def breaching_periods(alarm: Mapping[str, Any], scenario: Any) -> list[bool | None]:
    """Each evaluated period, latest first: breaching, not, or None (no datapoint)."""
    queries = {q["id"]: q for q in alarm["metricQueries"]}
    (result,) = [q["id"] for q in alarm["metricQueries"] if q["returnData"]]
    period = next(q["metric"]["period"] for q in queries.values() if "metric" in q)
    compare = {
        "GreaterThanThreshold": lambda v, t: v > t,
        "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
        "LessThanThreshold": lambda v, t: v < t,
        "LessThanOrEqualToThreshold": lambda v, t: v <= t,
    }[alarm["comparisonOperator"]]
    out: list[bool | None] = []
    for k in range(alarm["evaluationPeriods"]):
        value = _Queries(queries, scenario, scenario.now - k * period, period)[result].v
        out.append(None if value is None else compare(value, alarm["threshold"]))
    return out


def alarm_state(alarm: Mapping[str, Any], scenario: Any) -> str:
    """``ALARM``, ``OK`` or ``INSUFFICIENT_DATA``. With every period of the evaluation range
    missing, ``missing`` goes to INSUFFICIENT_DATA (no OK action: a page is never resolved)
    and ``ignore`` keeps its state (OK before the incident); ``breaching`` and
    ``notBreaching`` count the missing periods as they say (CloudWatch User Guide,
    "Configuring how CloudWatch alarms treat missing data")."""
    periods = breaching_periods(alarm, scenario)
    missing = alarm.get("treatMissingData", "missing")
    if missing in ("missing", "ignore") and all(p is None for p in periods):
        return "INSUFFICIENT_DATA" if missing == "missing" else "OK"
    counted = [p if p is not None else (missing == "breaching") for p in periods]
    return "ALARM" if sum(counted) >= alarm["datapointsToAlarm"] else "OK"


def in_alarm(alarm: Mapping[str, Any], scenario: Any) -> bool:
    return alarm_state(alarm, scenario) == "ALARM"


def _path(document: Any, path: str) -> Any:
    """EventBridge's JSON path subset: ``$.a.b`` and ``$.a[0]``."""
    value = document
    for part in path.removeprefix("$.").split("."):
        key, _, index = part.partition("[")
        value = value[key]
        if index:
            value = value[int(index.rstrip("]"))]
    return value


def transform(transformer: dict[str, Any], event: dict[str, Any]) -> Any:
    """What EventBridge sends the target: each ``<var>`` (all inside JSON strings here)
    replaced by its path's value, escaped as a JSON string's content."""
    template = transformer["inputTemplate"]
    values = {var: _path(event, path) for var, path in transformer["inputPaths"].items()}
    strings = " ".join(re.findall(r'"(?:[^"\\]|\\.)*"', template))
    assert set(re.findall(r"<(\w+)>", strings)) == set(re.findall(r"<(\w+)>", template)), (
        "every placeholder sits inside a JSON string"
    )
    return json.loads(
        re.sub(r"<(\w+)>", lambda m: json.dumps(str(values[m.group(1)]))[1:-1], template)
    )


class Stack:
    """The alarms, composites and rules of one previewed stack, by their physical names."""

    def __init__(self, preview: Any) -> None:
        composites = preview.of_type(COMPOSITE)
        rules = " ".join(c.inputs["alarmRule"] for c in composites)
        self.alarms: dict[str, Mapping[str, Any]] = {}
        for a in preview.of_type(ALARM):
            name = a.inputs.get("name")
            if name is None:  # auto-named (a web service's rollback alarm): as rules name it
                (name,) = set(re.findall(rf'"({re.escape(a.name)}-[0-9a-f]{{7}})"', rules)) or {
                    a.name
                }
            self.alarms[name] = a.inputs
        self.composites = {c.inputs["alarmName"]: c.inputs for c in composites}
        self.rules = {r.inputs["name"]: r.inputs for r in preview.of_type(RULE)}
        self.targets = {t.inputs["rule"]: t.inputs["arn"] for t in preview.of_type(TARGET)}
        self.transformers = {
            t.inputs["rule"]: t.inputs["inputTransformer"]
            for t in preview.of_type(TARGET)
            if t.inputs.get("inputTransformer")
        }

    def states(self, scenario: Any) -> dict[str, bool]:
        states = {name: in_alarm(a, scenario) for name, a in self.alarms.items()}
        pending = dict(self.composites)
        while pending:
            for name, c in list(pending.items()):
                named = re.findall(r'ALARM\("([^"]+)"\)', c["alarmRule"])
                if all(n in states for n in named):
                    states[name] = _rule(c["alarmRule"], states)
                    del pending[name]
        return states

    def notified(self, scenario: Scenario, events: list[dict] = ()) -> dict[str, set[str]]:  # type: ignore[assignment]
        """``{"page": {...}, "ticket": {...}}``: which alarms and rules notify which topic."""
        states = self.states(scenario)
        told: dict[str, set[str]] = {"page": set(), "ticket": set()}
        for name, inputs in [*self.alarms.items(), *self.composites.items()]:
            if not states[name] or not inputs.get("alarmActions"):
                continue
            suppressor = inputs.get("actionsSuppressor")
            if suppressor and states[suppressor["alarm"]]:
                continue
            for action in inputs["alarmActions"]:
                told[action.rsplit("-", 1)[1]].add(name)
        import json

        home = self._home_region()
        pending = [dict(event) for event in events]
        while pending:
            event = pending.pop()
            for name, rule in self.rules.items():
                # A rule sees the events of its own region's bus (pulumi-aws 7's `region`;
                # without one, the stack's region, where an event without "region" is).
                if (rule.get("region") or home) != (event.get("region") or home):
                    continue
                if not matches(json.loads(rule["eventPattern"]), event):
                    continue
                target = self.targets[name]
                if ":event-bus/" in target:  # forwarded: the event enters that region's bus
                    pending.append({**event, "region": target.split(":")[3]})
                else:
                    told[target.rsplit("-", 1)[1]].add(name)
        return told

    def published(self, event: dict[str, Any]) -> dict[str, list[Any]]:
        """What the stack's region's rules publish to each topic for ``event``: the input
        transformer's output where the target has one, else the event itself (EventBridge's
        default input)."""
        home = self._home_region()
        out: dict[str, list[Any]] = {"page": [], "ticket": []}
        for name, rule in self.rules.items():
            if (rule.get("region") or home) != (event.get("region") or home):
                continue
            target = self.targets[name]
            if ":event-bus/" in target or not matches(json.loads(rule["eventPattern"]), event):
                continue
            transformer = self.transformers.get(name)
            out[target.rsplit("-", 1)[1]].append(
                transform(transformer, event) if transformer else event
            )
        return out

    def sent(self, timeline: Timeline, minutes: int) -> list[tuple[int, str, str]]:
        """``(minute, topic, alarm)`` for each notification of the stack's alarms over
        ``minutes``, evaluating every minute as CloudWatch does (PutCompositeAlarm,
        ActionsSuppressor): an alarm notifies when it goes to ALARM. One with an
        ``actionsSuppressor`` does not while the suppressor is in ALARM or left it within
        ``actionsSuppressorExtensionPeriod``; otherwise its actions wait up to
        ``actionsSuppressorWaitPeriod`` for the suppressor to go to ALARM (then they are
        suppressed) and run when the wait ends, if the alarm is still in ALARM."""
        out: list[tuple[int, str, str]] = []
        notifying = {
            name: inputs
            for name, inputs in [*self.alarms.items(), *self.composites.items()]
            if inputs.get("alarmActions")
        }
        before: dict[str, bool] = {}
        last_alarm: dict[str, float] = {}  # suppressor → the last minute it was in ALARM
        waiting: dict[str, float] = {}  # alarm → the minute its wait for the suppressor ends
        for minute in range(minutes + 1):
            states = self.states(timeline.at(minute * 60))
            for name, firing in states.items():
                if firing:
                    last_alarm[name] = minute
            for name, inputs in notifying.items():
                started = states[name] and not before.get(name, False)
                suppressor = inputs.get("actionsSuppressor")
                if not suppressor:
                    if started:
                        out += [(minute, _topic(a), name) for a in inputs["alarmActions"]]
                    continue
                muting, since = suppressor["alarm"], last_alarm.get(suppressor["alarm"])
                if not states[name]:
                    waiting.pop(name, None)
                    continue
                extension = suppressor["extensionPeriod"] / 60
                muted = states[muting] or (since is not None and minute - since <= extension)
                if started and not muted:
                    waiting[name] = minute + suppressor["waitPeriod"] / 60
                if name in waiting:
                    if states[muting]:
                        del waiting[name]  # the suppressor fired within the wait
                    elif minute >= waiting[name]:
                        del waiting[name]
                        out += [(minute, _topic(a), name) for a in inputs["alarmActions"]]
            before = states
        return out

    def _home_region(self) -> str | None:
        """The stack's region: that of its alert topics."""
        topics = [t for t in self.targets.values() if t.startswith("arn:aws:sns:")]
        return topics[0].split(":")[3] if topics else None


def _topic(arn: str) -> str:
    """``page`` or ``ticket``, from the topic's ARN."""
    return arn.rsplit("-", 1)[1]


def _rule(rule: str, states: Mapping[str, bool]) -> bool:
    python = re.sub(r'ALARM\("([^"]+)"\)', lambda m: str(states[m.group(1)]), rule)
    python = python.replace(" AND ", " and ").replace(" OR ", " or ").replace("NOT ", "not ")
    return bool(eval(python, {"__builtins__": {}}))


def matches(pattern: Mapping[str, Any], event: Any) -> bool:
    """Whether an EventBridge event pattern matches ``event``."""
    for key, want in pattern.items():
        if key == "$or":
            if not any(matches(branch, event) for branch in want):
                return False
            continue
        present = isinstance(event, Mapping) and key in event
        value = event.get(key) if present else None
        if isinstance(want, Mapping):
            items = value if isinstance(value, list) else [value]
            if not present or not any(matches(want, item) for item in items):
                return False
            continue
        if not _field_matches(want, present, value):
            return False
    return True


def _field_matches(filters: list[Any], present: bool, value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    for f in filters:
        if isinstance(f, Mapping) and "exists" in f:
            if f["exists"] == present:
                return True
            continue
        if not present:
            continue
        for v in values:
            if not isinstance(f, Mapping):
                if v == f:
                    return True
            elif "prefix" in f:
                if isinstance(v, str) and v.startswith(f["prefix"]):
                    return True
            elif "anything-but" in f:
                but = f["anything-but"]
                if v not in (but if isinstance(but, list) else [but]):
                    return True
            elif "numeric" in f:
                if isinstance(v, int | float) and _numeric(f["numeric"], v):
                    return True
            else:
                raise ValueError(f"filter the model does not know: {f}")
    return False


def _numeric(conditions: list[Any], v: float) -> bool:
    ops = {
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        "=": lambda a, b: a == b,
    }
    pairs = zip(conditions[::2], conditions[1::2], strict=True)
    return all(ops[op](v, bound) for op, bound in pairs)
