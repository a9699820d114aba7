"""Requirements analysis: :class:`HandoffSpec` → :class:`DeploymentModel`, with reasons.

The names below load on first use: the preview's child process imports ``plan.zones``
(the mocks' zone IDs), which must not build every spec and plan model first.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model import (
        Decision,
        DeploymentModel,
        EnvironmentPlan,
        LoadBalancerPlan,
        ServicePlan,
    )
    from .planner import plan

_LAZY = {
    "Decision": ".model",
    "DeploymentModel": ".model",
    "EnvironmentPlan": ".model",
    "LoadBalancerPlan": ".model",
    "ServicePlan": ".model",
    "plan": ".planner",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Decision",
    "DeploymentModel",
    "EnvironmentPlan",
    "LoadBalancerPlan",
    "ServicePlan",
    "plan",
]
