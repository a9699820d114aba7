"""The handoff asks for one check that ECS alternates a shifting service's target groups.

The program leaves the swap of the target-group pair to ECS (it ignores the service's
``loadBalancers[0].targetGroupArn`` and ``.advancedConfiguration.alternateTargetGroupArn``),
the workaround for hashicorp/terraform-provider-aws#45678; that cannot be proven offline,
so the handoff of a spec whose services shift traffic says how to see it after the second
deploy of a non-production stack: the production rule's weight-100 group changed, and ECS
shows one COMPLETED deployment on it. Its queries are evaluated here against responses
shaped as the ECS and ELBv2 APIs return them.
"""

from __future__ import annotations

import re
from pathlib import Path

import jmespath

import shipspec
from shipspec.render.renderer import render
from tests.docs.aws_cli import commands, problems

HANDOFF = "docs/operations/handoff.md"
PROGRAM = Path(__file__).parents[2] / "blueprints/pulumi/infra/components/web_service.py"

SPEC = """
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: claims, owner: team}
cloud: {region: us-west-2}
environments:
  validation: {}
  production: {production: true}
services:
  gateway: {type: web, image: x/gateway:1, port: 8000, public: true, health: {path: /health}}
  rules: {type: web, image: x/rules:1, port: 8080, health: {path: /ready}}
  worker: {type: worker, image: x/worker:1}
delivery: {ci: gitlab, strategy: blue-green, test_command: pytest}
"""

ELB = "arn:aws:elasticloadbalancing:us-west-2:111122223333"
GROUP_A = f"{ELB}:targetgroup/gateway-tg-1a2b3c4/aa"
GROUP_B = f"{ELB}:targetgroup/gateway-tg-alt-5d6e7f8/bb"
RULE = f"{ELB}:listener-rule/app/x/1/2/3"


def _handoff(text: str) -> str:
    return dict(render(shipspec.plan(shipspec.loads(text)), only=["docs"]))[HANDOFF]


def _step(handoff: str) -> str:
    return handoff.split("**Check that ECS alternates the target groups")[1].split("\n## ")[0]


def _queries(step: str) -> dict[str, str]:
    found = {}
    for line in step.splitlines():
        if line.startswith(("RULE=", "aws elbv2 describe-rules", "aws ecs describe-services")):
            [query] = re.findall(r"--query '([^']*)'", line)
            key = "rule" if line.startswith("RULE=") else line.split()[2]
            found[key] = query
    return found


def _services_response(group: str, rollout: str) -> dict[str, object]:
    """DescribeServices as ECS answers for a blue/green service (API reference: Service,
    LoadBalancer, AdvancedConfiguration, Deployment)."""
    alternate = GROUP_B if group == GROUP_A else GROUP_A
    return {
        "services": [
            {
                "serviceName": "claims-validation-gateway",
                "loadBalancers": [
                    {
                        "targetGroupArn": group,
                        "containerName": "gateway",
                        "containerPort": 8000,
                        "advancedConfiguration": {
                            "alternateTargetGroupArn": alternate,
                            "productionListenerRule": RULE,
                            "testListenerRule": RULE.replace("/3", "/4"),
                            "roleArn": "arn:aws:iam::111122223333:role/x",
                        },
                    }
                ],
                "deployments": [
                    {"id": "ecs-svc/1", "status": "PRIMARY", "rolloutState": rollout},
                ],
            }
        ],
        "failures": [],
    }


def _rules_response(serving: str) -> dict[str, object]:
    """DescribeRules for the production rule: one weighted forward action (API reference:
    Action, ForwardActionConfig, TargetGroupTuple)."""
    other = GROUP_B if serving == GROUP_A else GROUP_A
    groups = [{"TargetGroupArn": serving, "Weight": 100}, {"TargetGroupArn": other, "Weight": 0}]
    return {
        "Rules": [
            {
                "RuleArn": RULE,
                "Priority": "10",
                "Actions": [
                    {
                        "Type": "forward",
                        "Order": 1,
                        "ForwardConfig": {"TargetGroups": sorted(groups, key=str)},
                    }
                ],
            }
        ]
    }


def test_a_blue_green_spec_s_handoff_asks_for_the_check_in_its_first_non_production_stack() -> None:
    step = " ".join(_step(_handoff(SPEC)).split())
    assert step.startswith(", once, after the second deploy of `validation`.**")
    assert "`gateway`, `rules` deploy blue/green there" in step
    assert "worker" not in step  # a worker rolls: no target groups
    assert (
        "[hashicorp/terraform-provider-aws#45678]"
        "(https://github.com/hashicorp/terraform-provider-aws/issues/45678)" in step
    )
    assert "`loadBalancers[0].targetGroupArn`" in step
    assert "`loadBalancers[0].advancedConfiguration.alternateTargetGroupArn`" in step
    assert "STACK=validation" in step
    assert "jq -r '.[\"gateway\"]'" in step
    assert "`PRIMARY` and `COMPLETED`" in step
    assert "deploy nothing further (production least of all)" in step
    # What the step says the program ignores is what the program ignores.
    program = PROGRAM.read_text()
    for path in ("loadBalancers[0].targetGroupArn",
                 "loadBalancers[0].advancedConfiguration.alternateTargetGroupArn"):  # fmt: skip
        assert f'"{path}"' in program


def test_the_step_s_commands_are_ones_the_cli_accepts() -> None:
    step = _step(_handoff(SPEC))
    found = commands(step, HANDOFF)
    assert {(c.service, c.operation) for c in found} == {
        ("ecs", "describe-services"),
        ("elbv2", "describe-rules"),
    }
    assert [p for c in found for p in problems(c)] == []


def test_the_queries_see_the_swap_and_a_completed_deployment() -> None:
    queries = _queries(_step(_handoff(SPEC)))
    assert set(queries) == {"rule", "describe-rules", "describe-services"}
    # The rule's ARN comes from ECS's record of the service.
    assert jmespath.search(queries["rule"], _services_response(GROUP_A, "COMPLETED")) == RULE
    # Before the second deploy the primary group serves; after it, the other one.
    serving = queries["describe-rules"]
    assert jmespath.search(serving, _rules_response(GROUP_A)) == [GROUP_A]
    assert jmespath.search(serving, _rules_response(GROUP_B)) == [GROUP_B]
    after = jmespath.search(queries["describe-services"], _services_response(GROUP_B, "COMPLETED"))
    assert after == {"deployments": [["PRIMARY", "COMPLETED"]], "targetGroup": GROUP_B}


def test_auto_strategy_checks_production_where_only_production_shifts() -> None:
    """``strategy: auto`` rolls outside production and shifts (canary) at 99.95%: the only
    stack where the pair alternates is production, so the check names it."""
    text = SPEC.replace("strategy: blue-green", "strategy: auto") + (
        "requirements: {availability: 99.95}\n"
    )
    step = " ".join(_step(_handoff(text)).split())
    assert step.startswith(", once, after the second deploy of `production`.**")
    assert "deploy canary there" in step
    assert "deploy nothing further until" in step


def test_no_check_when_every_service_rolls() -> None:
    handoff = _handoff(SPEC.replace("strategy: blue-green", "strategy: rolling"))
    assert "alternates the target groups" not in handoff
    assert "45678" not in handoff
