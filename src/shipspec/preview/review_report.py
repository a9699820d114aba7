"""How a :class:`~.against.Review` is shown: plain text, JSON, and a pull-request comment.

The JSON document is a stable contract (keys sorted, amounts as decimal strings)::

    {"ref": "origin/main", "commit": "<sha>", "baseHasOutput": true,
     "environments": [{"environment": "prod", "inBase": true, "inHead": true,
        "summary": {"create": 3, "update": 1, "delete": 0, "same": 166},
        "changes": [{"change": "update", "urn", "type", "name",
                     "inputs": [{"key", "before", "after"}]}],
        "cost": {"before": "412.30", "after": "431.10", "difference": "18.80",
                 "groups": [{"group": "web", "before", "after", "difference"}],
                 "notes": []},
        "dataLoss": [...]}]}

``before``/``after`` of a cost are ``null`` when that tree's model could not be read.
The markdown starts with :data:`MARKER`, the hidden line by which the generated pipelines
find their own comment to update rather than post a new one on every push. It stays
under :data:`MARKDOWN_LIMIT` characters (GitHub refuses comments over 65,536): past
that, the resource lists are cut and the comment says how many rows it left out.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from ..cost import money
from .against import CostChange, EnvironmentReview, ResourceChange, Review

MARKER = "<!-- shipspec:preview -->"
MARKDOWN_LIMIT = 60_000
_VALUE_WIDTH = 80


def to_dict(review: Review) -> dict[str, Any]:
    return {
        "ref": review.ref,
        "commit": review.commit,
        "baseHasOutput": review.base_has_output,
        "environments": [
            {
                "environment": e.environment,
                "inBase": e.in_base,
                "inHead": e.in_head,
                "summary": e.counts(),
                "changes": [c.as_dict() for c in e.changes],
                "cost": _cost_dict(e.cost),
                "dataLoss": [loss.as_dict() for loss in e.data_loss],
            }
            for e in review.environments
        ],
    }


def to_json(review: Review) -> str:
    return json.dumps(to_dict(review), indent=2, sort_keys=True)


def _cost_dict(cost: CostChange) -> dict[str, Any]:
    return {
        "before": _amount(cost.before),
        "after": _amount(cost.after),
        "difference": _amount(cost.difference),
        "groups": [
            {
                "group": g.group,
                "before": _amount(g.before),
                "after": _amount(g.after),
                "difference": _amount(g.difference),
            }
            for g in cost.groups
        ],
        "notes": cost.notes,
    }


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.01")))


def _signed(value: Decimal | None) -> str:
    if value is None:
        return "unknown"
    text = money(abs(value))
    return f"+{text}" if value > 0 else (f"-{text}" if value < 0 else text)


def _money(value: Decimal | None) -> str:
    return "unknown" if value is None else money(value)


def _show(value: Any) -> str:
    return "(none)" if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)


def _change(before: Any, after: Any) -> str:
    """``before → after``; long values are cut around where they first differ."""
    old, new = _show(before), _show(after)
    if max(len(old), len(new)) <= _VALUE_WIDTH:
        return f"{old} → {new}"
    common = next(
        (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
        min(len(old), len(new)),
    )
    start = max(common - 20, 0)
    return f"{_window(old, start)} → {_window(new, start)}"


def _window(text: str, start: int) -> str:
    cut = text[start : start + _VALUE_WIDTH]
    return ("…" if start else "") + cut + ("…" if start + _VALUE_WIDTH < len(text) else "")


def _heading(review: Review) -> str:
    base = f"{review.ref} ({review.commit[:12]})"
    if not review.base_has_output:
        return f"against {base}, which has no generated output: everything is new"
    return f"against {base}"


def _summary(env: EnvironmentReview) -> str:
    counts = env.counts()
    state = "" if env.in_head else " (environment removed)"
    if not env.in_base and env.in_head:
        state = " (new environment)"
    return (
        f"{env.environment}{state}: {counts['create']} to create, {counts['update']} to "
        f"update, {counts['delete']} to delete, {counts['same']} unchanged"
    )


def _cost_summary(cost: CostChange) -> str:
    return f"{_money(cost.before)}/month → {_money(cost.after)}/month ({_signed(cost.difference)})"


def to_text(review: Review) -> str:
    """``+ ~ -`` per resource by URN, the changed inputs under each ``~``, then the cost."""
    lines = [f"shipspec preview {_heading(review)}"]
    for env in review.environments:
        lines += ["", _summary(env)]
        for change in env.changes:
            lines.append(f"  {change.mark} {change.urn}")
            lines.extend(f"      {i.key}: {_change(i.before, i.after)}" for i in change.inputs)
        lines.append(f"  Monthly cost: {_cost_summary(env.cost)}")
        lines.extend(
            f"    {g.group}: {money(g.before)} → {money(g.after)} ({_signed(g.difference)})"
            for g in env.cost.groups
        )
        lines.extend(f"  note: {n}" for n in env.cost.notes)
        lines.extend(f"  data loss: {loss}" for loss in env.data_loss)
    return "\n".join(lines)


def to_markdown(review: Review) -> str:
    """The pull-request comment: a summary table, then per environment the cost and changes."""
    head = [
        MARKER,
        "### shipspec preview",
        "",
        f"Generated output {_heading(review).replace(review.ref, f'`{review.ref}`', 1)}.",
        "",
        "| Environment | + create | ~ update | - delete | Monthly cost | Difference |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for env in review.environments:
        counts = env.counts()
        head.append(
            f"| {env.environment} | {counts['create']} | {counts['update']} | "
            f"{counts['delete']} | {_money(env.cost.after)} | {_signed(env.cost.difference)} |"
        )
    losses = [(env.environment, loss) for env in review.environments for loss in env.data_loss]
    if losses:
        head += ["", "> [!WARNING]", "> This change deletes or replaces stateful resources:"]
        head += [f"> - **{env}**: {_escape(str(loss).splitlines()[0])}" for env, loss in losses]
    sections = [_section(env) for env in review.environments]
    return _fit(head, sections)


def _section(env: EnvironmentReview) -> tuple[list[str], list[str]]:
    """The environment's fixed part (cost) and its resource rows (cut first when too long)."""
    fixed = ["", f"#### {_escape(_summary(env))}", "", f"Monthly cost: {_cost_summary(env.cost)}"]
    if env.cost.groups:
        fixed += ["", "| Group | Before | After | Difference |", "|---|---:|---:|---:|"]
        fixed += [
            f"| {_escape(g.group)} | {money(g.before)} | {money(g.after)} | "
            f"{_signed(g.difference)} |"
            for g in env.cost.groups
        ]
    fixed += [f"- note: {_escape(n)}" for n in env.cost.notes]
    rows = [_row(c) for c in env.changes]
    return fixed, rows


def _row(change: ResourceChange) -> str:
    text = f"{change.mark} {change.urn}"
    text += "".join(f"\n    {i.key}: {_change(i.before, i.after)}" for i in change.inputs)
    return text


def _fit(head: list[str], sections: list[tuple[list[str], list[str]]]) -> str:
    """Join everything, cutting resource rows (longest lists first) to stay under the limit."""
    budget = MARKDOWN_LIMIT - len("\n".join(head)) - 200
    fixed_size = sum(len("\n".join(f)) + 80 for f, _ in sections)
    room = max(budget - fixed_size, 0)
    shown: list[list[str]] = [[] for _ in sections]
    # Share the room fairly: take rows round-robin until it runs out.
    used = 0
    index = 0
    exhausted = False
    while not exhausted:
        exhausted = True
        for i, (_, rows) in enumerate(sections):
            if index < len(rows):
                exhausted = False
                size = len(rows[index]) + 1
                if used + size <= room:
                    shown[i].append(rows[index])
                    used += size
        index += 1
        if used >= room:
            break
    out = list(head)
    for (fixed, rows), kept in zip(sections, shown, strict=True):
        out += fixed
        if rows:
            out += ["", "<details><summary>Resources</summary>", "", "```diff"]
            out += kept
            out += ["```"]
            if len(kept) < len(rows):
                out.append(
                    f"{len(rows) - len(kept)} more changes not shown (comment size limit): "
                    "run `shipspec preview --against` locally for all of them."
                )
            out += ["", "</details>"]
    return "\n".join(out) + "\n"


def _escape(text: str) -> str:
    return text.replace("|", "\\|")
