"""The deployment model's base classes, apart from :mod:`.model` so that the plan sections
kept in their own modules (:mod:`.container_model`, :mod:`.monitoring`) import them
without importing the model that imports them back."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Decision(Frozen):
    """One derived value: ``key`` names it (``services.web.desired_count``), ``reason`` says why."""

    key: str
    value: Any
    reason: str
    inputs: dict[str, Any] = {}


# Indexes derived from a plan, per plan (by identity; the entry goes with the plan). A plan
# is frozen, so what is derived from it stays valid; the indexes live outside the model
# so that ``model_dump`` and the model's JSON are unchanged.
_DERIVED: dict[tuple[int, str], tuple[weakref.ref[Any], Any]] = {}


def derived(owner: Any, what: str, build: Callable[[Any], T]) -> T:
    """``build(owner)``, computed once per plan object and kept while it lives: for lookups
    that rendering and planning make thousands of times at 200 services."""
    key = (id(owner), what)
    entry = _DERIVED.get(key)
    if entry is None or entry[0]() is not owner:
        entry = (weakref.ref(owner, lambda _: _DERIVED.pop(key, None)), build(owner))
        _DERIVED[key] = entry
    return entry[1]


def named(owner: Any, field: str, attribute: str, name: str, kind: str, where: str) -> Any:
    """The first item of ``owner.<field>`` whose ``attribute`` is ``name``; a KeyError
    saying what is missing (``no alarm 'x' in this environment``), never a bare
    StopIteration.

    Indexed: the alarms look up two decisions per web service among thousands, the stack
    config an alarm per service among some 1,500, and scanning the list each time was a
    third of planning 200 services.
    """

    def index(plan: Any) -> dict[str, Any]:
        items: dict[str, Any] = {}
        for item in getattr(plan, field):
            items.setdefault(getattr(item, attribute), item)
        return items

    try:
        return derived(owner, f"{field} by {attribute}", index)[name]
    except KeyError:
        raise KeyError(f"no {kind} {name!r} in {where}") from None
