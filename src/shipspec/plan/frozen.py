"""The deployment model's base classes, apart from :mod:`.model` so that the plan sections
kept in their own modules (:mod:`.container_model`, :mod:`.monitoring`) import them
without importing the model that imports them back."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Decision(Frozen):
    """One derived value: ``key`` names it (``services.web.desired_count``), ``reason`` says why."""

    key: str
    value: Any
    reason: str
    inputs: dict[str, Any] = {}
