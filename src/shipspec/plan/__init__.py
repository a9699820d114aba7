"""Requirements analysis: :class:`HandoffSpec` → :class:`DeploymentModel`, with reasons."""

from .model import (
    Decision,
    DeploymentModel,
    EnvironmentPlan,
    LoadBalancerPlan,
    ServicePlan,
)
from .planner import plan

__all__ = [
    "Decision",
    "DeploymentModel",
    "EnvironmentPlan",
    "LoadBalancerPlan",
    "ServicePlan",
    "plan",
]
