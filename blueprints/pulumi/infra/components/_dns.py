"""A public name for a load balancer: an ACM certificate validated in its Route 53 zone and
an alias record, shared by the Application Load Balancer and each Network Load Balancer.

The zone is looked up by name in the stack's account (``get_zone_output``); the
certificate is validated by DNS (a CNAME record there, which ACM also reads when it renews),
and the alias ``A`` record points at the load balancer, checking its targets' health.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

# TLS 1.3 and 1.2 only, on HTTPS (ALB) and TLS (NLB) listeners alike. Without one, a
# listener created through the API gets ELBSecurityPolicy-2016-08, which accepts TLS 1.0:
# https://docs.aws.amazon.com/elasticloadbalancing/latest/network/describe-ssl-policies.html
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


def zone_id(parent: pulumi.Resource, zone_name: str | None) -> pulumi.Output[str]:
    """The public hosted zone ``zone_name`` in the stack's account."""
    return aws.route53.get_zone_output(
        name=zone_name, private_zone=False, opts=pulumi.InvokeOutputOptions(parent=parent)
    ).zone_id


def certificate(
    parent: pulumi.Resource,
    name: str,
    domain: str,
    zone: pulumi.Input[str],
    region: str | None = None,
) -> pulumi.Output[str]:
    """An ACM certificate for ``domain``, DNS-validated in ``zone``: the validated ARN, so a
    listener (or a distribution) that uses it waits until the certificate is issued.
    ``region``: where the certificate lives when not the stack's (CloudFront reads
    us-east-1 only)."""
    child = pulumi.ResourceOptions(parent=parent)
    cert = aws.acm.Certificate(
        f"{name}-cert", region=region, domain_name=domain, validation_method="DNS", opts=child
    )
    option = cert.domain_validation_options[0]
    record = aws.route53.Record(
        f"{name}-cert-validation",
        zone_id=zone,
        name=option.resource_record_name,
        type=option.resource_record_type,
        records=[option.resource_record_value],
        ttl=60,
        allow_overwrite=True,  # the record is deterministic per domain; adopt it
        opts=child,
    )
    validation = aws.acm.CertificateValidation(
        f"{name}-cert-validation",
        region=region,
        certificate_arn=cert.arn,
        validation_record_fqdns=[record.fqdn],
        opts=child,
    )
    return validation.certificate_arn


def alias(
    parent: pulumi.Resource,
    name: str,
    domain: str,
    zone: pulumi.Input[str],
    load_balancer: aws.lb.LoadBalancer,
) -> aws.route53.Record:
    """``domain`` as an alias ``A`` record of ``load_balancer`` in ``zone``."""
    return aws.route53.Record(
        f"{name}-alias",
        zone_id=zone,
        name=domain,
        type="A",
        aliases=[
            aws.route53.RecordAliasArgs(
                name=load_balancer.dns_name,
                zone_id=load_balancer.zone_id,
                evaluate_target_health=True,
            )
        ],
        opts=pulumi.ResourceOptions(parent=parent),
    )
