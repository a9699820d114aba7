"""The handoff's check that ECS alternates a traffic-shifting service's target groups.

A blue/green, canary or linear service has two target groups: ECS registers each new
revision in the one not serving, moves the production listener rule's weights to it, and
from then on counts it as the service's primary group. The program leaves that swap to ECS
(``components/web_service.py`` ignores the service's ``loadBalancers[0].targetGroupArn`` and
``.advancedConfiguration.alternateTargetGroupArn``, and the rules' actions): the known
workaround for Terraform-driven updates that put the original pair back, so deployments
stopped alternating (hashicorp/terraform-provider-aws#45678). Nothing offline proves it
holds with this program, so the handoff asks for one check after the second deploy (the
first creates each service on its primary group; the second is its first shifting
deployment) of the first non-production environment whose services shift (production when
none does).

No stack output names a listener rule: the reader takes the production rule's ARN from
ECS's own record of it, ``describe-services``' ``advancedConfiguration.productionListenerRule``
(ECS API reference, ``AdvancedConfiguration``), which needs only the cluster and service
names the stack exports.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...plan.model import DeploymentModel

ISSUE = "https://github.com/hashicorp/terraform-provider-aws/issues/45678"

STRATEGY_WORDS = {"BLUE_GREEN": "blue/green", "CANARY": "canary", "LINEAR": "linear"}

# The commands' queries (JMESPath, as the AWS CLI's --query reads them).
RULE_QUERY = "services[0].loadBalancers[0].advancedConfiguration.productionListenerRule"
SERVING_QUERY = (
    'Rules[0].Actions[?Type==`"forward"`].ForwardConfig.TargetGroups[] | '
    "[?Weight==`100`].TargetGroupArn"
)
DEPLOYMENT_QUERY = (
    "services[0].{deployments: deployments[].[status, rolloutState], "
    "targetGroup: loadBalancers[0].targetGroupArn}"
)


@dataclass(frozen=True)
class ShiftCheck:
    environment: str
    services: list[str]  # the environment's shifting web services, in the plan's order
    strategies: str  # how they deploy, as the docs say it: "blue/green", "canary and linear"
    production: bool  # no non-production stack shifts: the check is production's


def shift_check(model: DeploymentModel) -> ShiftCheck | None:
    """Where and for which services the handoff asks to check the target-group swap; None
    when no service shifts traffic (every one rolls)."""
    environments = sorted(model.environments, key=lambda e: e.production)  # stable
    for env in environments:
        shifting = [
            s
            for s in env.services
            if s.kind == "web"
            and s.load_balancer is not None
            and s.deployment.strategy in STRATEGY_WORDS
        ]
        if shifting:
            words = sorted({STRATEGY_WORDS[s.deployment.strategy] for s in shifting})
            return ShiftCheck(
                env.name, [s.name for s in shifting], " and ".join(words), env.production
            )
    return None
