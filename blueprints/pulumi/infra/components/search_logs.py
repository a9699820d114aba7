"""Where the stack's OpenSearch domains publish their logs, and CloudWatch Logs' leave for it.

A domain publishes nothing unless told to: its slow logs (index and search) and its
application (error) logs go to CloudWatch log groups named in the domain's
``log_publishing_options``. OpenSearch Service writes there as ``es.amazonaws.com``, which
needs a CloudWatch Logs *resource policy* granting ``logs:CreateLogStream`` and
``logs:PutLogEvents`` on those groups; the domain must not be created before the policy,
or AWS refuses the configuration ("The Resource Access Policy specified for the
CloudWatch Logs log group ... does not grant sufficient permissions").

An account holds at most 10 such policies per region (CloudWatch Logs quotas, not
adjustable), so every domain of the stack shares one, scoped to this account
(``aws:SourceAccount``) and to the stack's own domains (``aws:SourceArn``), and naming
exactly their groups.

Audit logs are not published: OpenSearch Service accepts ``AUDIT_LOGS`` only from a domain
with fine-grained access control, and these domains use IAM-based access instead
(see ``search_domain.py``).

Slow logs stay empty until an index sets its thresholds
(``index.search.slowlog.threshold.query.warn`` and friends): the runbook gives the call.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from ._logs import owned_log_groups

# OpenSearch Service's log types (botocore opensearch model, LogType) -> our group's name.
LOG_TYPES = {
    "INDEX_SLOW_LOGS": "index-slow",
    "SEARCH_SLOW_LOGS": "search-slow",
    "ES_APPLICATION_LOGS": "application",
}


def log_group_path(domain: str) -> str:
    """``/aws/opensearch/domains/<domain>``: the prefix of a domain's log groups."""
    return f"/aws/opensearch/domains/{domain}"


class SearchLogs(pulumi.ComponentResource):
    """The log groups of every OpenSearch domain in the stack and the one policy letting it write.

    Args:
        name: Component name, prefix of every child resource name.
        domains: The physical names of the stack's domains (``search_domain.domain_name``,
            or the name of an adopted domain).
        retention_days: How long the groups keep their logs (the stack's log retention).
        kms_key_arn: Customer-managed KMS key encrypting the groups.

    Pass it to each ``SearchDomain`` (``logs=``): the domain names its groups and waits
    for the policy.
    """

    policy: aws.cloudwatch.LogResourcePolicy

    def __init__(
        self,
        name: str,
        *,
        domains: Sequence[str],
        retention_days: int,
        kms_key_arn: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:SearchLogs", name, None, opts)
        if not domains:
            raise ValueError("SearchLogs needs at least one domain")
        self._groups: dict[str, dict[str, aws.cloudwatch.LogGroup]] = {}
        for domain in sorted(set(domains)):
            groups = owned_log_groups(
                self,
                f"{name}-{domain}",
                path=log_group_path(domain),
                logs=list(LOG_TYPES.values()),
                retention_days=retention_days,
                kms_key_arn=kms_key_arn,
            )
            self._groups[domain] = dict(zip(LOG_TYPES, groups, strict=True))
        invoke = pulumi.InvokeOutputOptions(parent=self)
        region = aws.get_region_output(opts=invoke).region
        account = aws.get_caller_identity_output(opts=invoke).account_id
        every_group = [g for groups in self._groups.values() for g in groups.values()]
        self.policy = aws.cloudwatch.LogResourcePolicy(
            f"{name}-policy",
            policy_name=f"{pulumi.get_project()}-{pulumi.get_stack()}-opensearch-logs",
            policy_document=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "OpenSearchPublishesLogs",
                            "Effect": "Allow",
                            "Principal": {"Service": "es.amazonaws.com"},
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                            # The groups' streams: "<group ARN>:*".
                            "Resource": [pulumi.Output.concat(g.arn, ":*") for g in every_group],
                            # Only on behalf of this account's domains of this stack (the
                            # confused-deputy guard AWS asks for).
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": account},
                                "ArnLike": {
                                    "aws:SourceArn": [
                                        pulumi.Output.concat(
                                            "arn:aws:es:", region, ":", account, ":domain/", d
                                        )
                                        for d in self._groups
                                    ]
                                },
                            },
                        }
                    ],
                }
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=every_group),
        )
        self.register_outputs({})

    def publishing_options(self, domain: str) -> list[aws.opensearch.DomainLogPublishingOptionArgs]:
        """The ``log_publishing_options`` of ``domain``: each log type to its own group."""
        if domain not in self._groups:
            raise ValueError(f"SearchLogs has no log groups for domain {domain!r}")
        return [
            aws.opensearch.DomainLogPublishingOptionArgs(
                log_type=log_type, cloudwatch_log_group_arn=group.arn, enabled=True
            )
            for log_type, group in self._groups[domain].items()
        ]
