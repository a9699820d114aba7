"""Amazon Managed Service for Prometheus: the workspace the SLO rules evaluate in.

The workspace holds the generated rules (``monitoring/prometheus/<app>-slos.rules.yml``,
read when the program runs, so what is deployed is the reviewed file, byte for byte) and
an Alertmanager definition. AMP's Alertmanager can only notify SNS, so the routing of
``monitoring/alertmanager.yml`` (pages and tickets) is kept and each receiver becomes an
``sns_configs`` entry for the stack's page or ticket topic, signed for the region; the
topics' policies and their key's policy let this workspace, and only it, publish.

Services get ``collector``: each task runs an ADOT collector that remote-writes to the
workspace (see ``_collector``). With restricted data the workspace is encrypted with
the stack's data key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from ._collector import MetricsCollector
from ._names import physical_name

# A workspace alias is at most 100 characters (CreateWorkspace's `alias`).
ALIAS_LENGTH = 100


class ManagedPrometheus(pulumi.ComponentResource):
    """A workspace with the rules loaded, and the collector settings for the services.

    Args:
        name: Component name.
        rule_namespace: The rule groups namespace's name.
        rules_file: The Prometheus rules file, relative to the program's folder.
        collector_image: The pinned ADOT collector image.
        collector_cpu: CPU units the collector reserves in each task.
        collector_memory: The collector's memory limit in MiB.
        kms_key_arn: A customer-managed key for the workspace's data; AWS-owned when None.
    """

    workspace_arn: pulumi.Output[str]
    collector: MetricsCollector

    def __init__(
        self,
        name: str,
        *,
        rule_namespace: str,
        rules_file: str,
        collector_image: str,
        collector_cpu: int,
        collector_memory: int,
        kms_key_arn: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:ManagedPrometheus", name, None, opts)
        self._child = pulumi.ResourceOptions(parent=self)
        self._base = name
        path = Path(rules_file)
        if not path.is_file():
            raise ValueError(
                f"{rules_file} not found (from {Path.cwd()}): generate the monitoring files "
                "too, the workspace loads its rules from them"
            )
        self._workspace = aws.amp.Workspace(
            f"{name}-workspace",
            alias=physical_name(name, max_length=ALIAS_LENGTH),
            kms_key_arn=kms_key_arn,
            opts=self._child,
        )
        aws.amp.RuleGroupNamespace(
            f"{name}-rules",
            name=rule_namespace,
            workspace_id=self._workspace.id,
            data=path.read_text(encoding="utf-8"),
            opts=self._child,
        )
        self.workspace_arn = self._workspace.arn
        self.collector = MetricsCollector(
            image=collector_image,
            cpu=collector_cpu,
            memory=collector_memory,
            remote_write_url=pulumi.Output.concat(
                self._workspace.prometheus_endpoint, "api/v1/remote_write"
            ),
            workspace_arn=self._workspace.arn,
        )
        self.register_outputs({"workspace_arn": self.workspace_arn})

    def alert_to(
        self, routing: Mapping[str, Any], topic_arns: Mapping[str, pulumi.Input[str]]
    ) -> aws.amp.AlertManagerDefinition:
        """Load ``routing`` (the route, inhibit rules and receiver names of
        ``monitoring/alertmanager.yml``) with each receiver publishing to its topic in
        ``topic_arns``; a receiver without a topic of its own (no page topic where nothing
        pages) uses the ticket topic."""
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region
        receivers = routing["receivers"]
        arns = [topic_arns.get(kind) or topic_arns["ticket"] for kind in receivers]
        definition = pulumi.Output.all(region, *arns).apply(
            lambda args: _definition(routing, dict(zip(receivers, args[1:], strict=True)), args[0])
        )
        return aws.amp.AlertManagerDefinition(
            f"{self._base}-alertmanager",
            workspace_id=self._workspace.id,
            definition=definition,
            opts=self._child,
        )


def _definition(routing: Mapping[str, Any], topics: Mapping[str, str], region: str) -> str:
    """AMP's document: ``alertmanager_config`` holds the Alertmanager configuration as text
    (JSON, which is YAML too)."""
    config = {
        "route": routing["route"],
        "inhibit_rules": routing["inhibit_rules"],
        "receivers": [
            {
                "name": kind,
                "sns_configs": [
                    {"topic_arn": arn, "sigv4": {"region": region}, "send_resolved": True}
                ],
            }
            for kind, arn in topics.items()
        ],
    }
    return json.dumps({"alertmanager_config": json.dumps(config, sort_keys=True)}, sort_keys=True)
