"""Resolves the plan's metric references to the values CloudWatch knows resources by.

The plan cannot know a target group's ARN suffix or a cache node's id, so its alarm
metrics name them by reference: ``cluster.name``, ``load_balancer:<name>``, and
``service:``, ``job:``, ``datastore:`` or ``volume:<name>.<key>`` (and
``health_check:<service>.id``, the Route 53 health checks the Monitoring creates;
``load_balancer:<name>.certificate`` and ``static_site:<name>.certificate``, the ACM
certificates whose expiry the alarms watch; ``load_balancer:<name>.waf_acl``,
``.waf_rate_rule``, ``.waf_all_rules`` and ``.region``, the WAF dimensions of a protected
ALB; ``static_site:<name>.waf_acl`` and ``.waf_all_rules``, a site's CloudFront ACL's). A component
answers for its references through ``metric_ids``: ``<key>`` -> the values, one per part CloudWatch
reports on separately (a web service's target groups, a cache's nodes), so a reference
may stand for several metrics; :meth:`References.combinations` spells them out.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

Ids = Mapping[str, Sequence[pulumi.Input[str]]]


class References:
    """The referable components of a stack, by the names the plan uses."""

    def __init__(
        self,
        *,
        cluster: aws.ecs.Cluster,
        load_balancers: Mapping[str, Any],
        services: Mapping[str, Any],
        datastores: Mapping[str, Any],
        volumes: Mapping[str, Any] | None = None,
        static_sites: Mapping[str, Any] | None = None,
    ) -> None:
        self.services = services
        self._ids: dict[str, Ids] = {"cluster": {"name": [cluster.name]}}
        for name, lb in load_balancers.items():
            self._ids[f"load_balancer:{name}"] = {"": [lb.arn_suffix]}
            if getattr(lb, "certificate_arn", None) is not None:
                self._ids[f"load_balancer:{name}"]["certificate"] = [lb.certificate_arn]
            # A WAF-protected ALB: its web ACL's and rate-limit rule's metric names, region.
            self._ids[f"load_balancer:{name}"].update(getattr(lb, "waf_ids", None) or {})
        for name, site in (static_sites or {}).items():
            self._ids[f"static_site:{name}"] = {}
            if getattr(site, "certificate_arn", None) is not None:
                self._ids[f"static_site:{name}"]["certificate"] = [site.certificate_arn]
            # A WAF-protected site: its CloudFront web ACL's metric name and Rule "ALL".
            self._ids[f"static_site:{name}"].update(getattr(site, "waf_ids", None) or {})
        for kind, components in (
            ("service", services),
            ("job", services),
            ("datastore", datastores),
            ("volume", volumes or {}),
        ):
            for name, component in components.items():
                self._ids[f"{kind}:{name}"] = getattr(component, "metric_ids", {})

    def add(self, owner: str, ids: Ids) -> None:
        """Referable parts the Monitoring creates itself (``health_check:<service>``)."""
        self._ids[owner] = ids

    def has(self, owner: str, key: str) -> bool:
        return bool(self._ids.get(owner, {}).get(key))

    def resolve(self, reference: str) -> list[pulumi.Input[str]]:
        """``service:web.target_group`` -> every target group's ARN suffix."""
        owner, _, key = reference.rpartition(".") if "." in reference else (reference, "", "")
        if not self.has(owner, key):
            raise ValueError(f"cannot resolve {reference!r}: no {owner} with metric_ids[{key!r}]")
        return list(self._ids[owner][key])

    def combinations(self, dimensions: Mapping[str, str]) -> list[dict[str, pulumi.Input[str]]]:
        """One dimension set per combination of the references' values, in a stable order."""
        values = {name: self.resolve(reference) for name, reference in dimensions.items()}
        return [
            dict(zip(values, combination, strict=True))
            for combination in itertools.product(*values.values())
        ]

    def deployment_alarm(self, reference: str) -> pulumi.Output[str]:
        """``service:web.5xx-ratio`` -> the name of the web service's own rollback alarm."""
        owner, _, check = reference.rpartition(".")
        service = self.services[owner.removeprefix("service:")]
        alarms = getattr(service, "deployment_alarm_names", {})
        if check not in alarms:
            raise ValueError(f"cannot resolve {reference!r}: {owner} has no {check} alarm")
        return alarms[check]
