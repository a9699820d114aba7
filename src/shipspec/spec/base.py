"""The base of every spec section, apart from :mod:`.models` so that the sections kept in
their own modules (:mod:`.container`) can derive from it without an import cycle."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ModelWrapValidatorHandler, model_validator

from .rules import Problem, validate_with_rules


class SpecModel(BaseModel):
    """Base of every spec section: strict about unknown keys, immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def _problems(self) -> Iterator[Problem]:
        """The rules between this section's fields (see :mod:`shipspec.spec.rules`)."""
        return iter(())

    @model_validator(mode="wrap")
    @classmethod
    def _check_rules(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        if cls._problems is SpecModel._problems:
            return handler(data)
        checked = validate_with_rules(cls, data, handler, lambda model: model._problems())
        return checked  # type: ignore[return-value]
