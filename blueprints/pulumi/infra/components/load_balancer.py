"""The Application Load Balancer services attach their routes to.

One ALB per environment is shared by every web service (each adds a listener rule), so
its security posture is set once here: TLS 1.2+ with a redirect from HTTP when a domain
is given, invalid headers dropped, a 404 for anything no service claims, optional WAF,
and a security group that only the internet (public) or the VPC (internal) may reach.

Every request is recorded in an access log, in an S3 bucket of the load balancer's own:
private, owner-enforced, TLS-only, versioned so a deleted log can be recovered, and
emptied by a lifecycle rule after the stack's log retention. It is encrypted with SSE-S3
because ALB log delivery does not support SSE-KMS, and its policy lets Elastic Load
Balancing write under this account's prefix only: the log delivery service principal in
every region and, in regions opened before August 2022, the region's ELB account as well.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from . import _dns
from ._dns import TLS_POLICY
from ._names import fitting_logical_name
from ._waf import ALL_RULES, web_acl

TEST_PORT_HTTPS = 8443
TEST_PORT_HTTP = 8080
# Elastic Load Balancing's log delivery service principal: what regions opened in August
# 2022 or later honour in a bucket policy.
LOG_DELIVERY_PRINCIPAL = "logdelivery.elasticloadbalancing.amazonaws.com"
# Regions available before August 2022 write access logs as the region's Elastic Load
# Balancing account, so their bucket policies grant arn:<partition>:iam::<id>:root; the
# bucket policy allows both that account and the service principal there. From AWS's
# "Enable access logs for your Application Load Balancer" (bucket permissions) and
# terraform-provider-aws internal/service/elb/service_account_data_source.go
# (accountIDPerRegionMap). A region not listed has no legacy account: the service
# principal alone.
ELB_LOG_ACCOUNTS = {
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331",
    "ap-south-1": "718504428378",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-southeast-3": "589379963580",
    "ca-central-1": "985666609251",
    "cn-north-1": "638102146993",
    "cn-northwest-1": "037604701340",
    "eu-central-1": "054676820928",
    "eu-north-1": "897822967062",
    "eu-south-1": "635631232127",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-west-3": "009996457667",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-gov-east-1": "190560391635",
    "us-gov-west-1": "048591011584",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
}
NONCURRENT_LOG_DAYS = 7


class LoadBalancer(pulumi.ComponentResource):
    """Application Load Balancer with listeners, optional TLS certificate and WAF.

    Args:
        name: Component name, prefix of every child resource name.
        vpc_id: VPC of the load balancer.
        vpc_cidr: VPC range; the only source allowed on an internal load balancer and on
            the test listener. The ALB sends only to the tasks of the services that
            register with ``allow_to``, on their container port.
        subnet_ids: Public subnets for an internet-facing ALB, private ones otherwise.
        internet_facing: Accept traffic from the internet (80/443 from anywhere).
        domain: Host name to serve over HTTPS, e.g. ``"shop.example.com"``. With a
            domain: an ACM certificate validated through Route 53, an HTTPS listener, an
            HTTP listener that only redirects, and an alias record. Without: HTTP only.
        hosted_zone_name: Public Route 53 zone that holds ``domain``; required with it.
        waf: Attach a WAFv2 web ACL (AWS common and known-bad-inputs rule groups plus a
            per-IP rate limit).
        deletion_protection: Refuse to delete the ALB (set in production).
        needs_test_listener: Add a listener on a non-public port, reachable only from the
            VPC, for ECS blue/green, canary and linear deployments' test traffic.
        waf_rate_limit: Requests per client IP per 5 minutes before WAF blocks it; every
            user behind one NAT counts as one IP (the plan's
            ``load_balancers.<name>.waf_rate_limit``, in the stack config).
        log_retention_days: How long access logs (S3) and WAF logs (CloudWatch Logs) are
            kept.
        kms_key_arn: Customer-managed KMS key (``DataKey``) for the WAF log group. The
            access-log bucket keeps SSE-S3: the only encryption ALB log delivery supports.
    """

    arn: pulumi.Output[str]
    arn_suffix: pulumi.Output[str]
    dns_name: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    listener_arn: pulumi.Output[str]
    test_listener_arn: pulumi.Output[str] | None
    https: bool  # the listener is HTTPS (a domain was given): what gRPC target groups need
    # The domain's ACM certificate (issued), whose DaysToExpiry the expiry alarms watch.
    certificate_arn: pulumi.Output[str] | None
    url: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        vpc_id: pulumi.Input[str],
        vpc_cidr: str,
        subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
        internet_facing: bool,
        domain: str | None = None,
        hosted_zone_name: str | None = None,
        waf: bool = False,
        deletion_protection: bool = False,
        needs_test_listener: bool = False,
        waf_rate_limit: int = 2000,
        log_retention_days: int = 30,
        kms_key_arn: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:LoadBalancer", name, None, opts)
        if domain and not hosted_zone_name:
            raise ValueError("hosted_zone_name is required when a domain is given")
        child = pulumi.ResourceOptions(parent=self)
        self._name = name

        sg = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=vpc_id,
            description=f"{name} load balancer",
            tags={"Name": f"{name}-alb"},
            opts=child,
        )
        public_ports = [80, 443] if domain else [80]
        # ::/0 as well as 0.0.0.0/0 so the rules stay right if the ALB goes dualstack.
        sources = {"ipv4": "0.0.0.0/0", "ipv6": "::/0"} if internet_facing else {"vpc": vpc_cidr}
        for port in public_ports:
            for label, cidr in sources.items():
                self._ingress(f"{name}-{port}-{label}", sg, port, cidr)
        # No egress until a service registers (allow_to): the ALB may reach its targets'
        # tasks on their container port and nothing else, not even the rest of the VPC.
        self._sg = sg
        self._targets: set[str] = set()

        # A protected load balancer keeps its logs when the stack is destroyed.
        log_bucket, log_bucket_ready = self._access_log_bucket(
            name, log_retention_days, force_destroy=not deletion_protection
        )
        # Autonamed <logical name>-<7 chars>: at most 32 characters, and a load balancer's
        # name may not begin with "internal-" (which the internal one's would).
        alb_name = f"{name}-alb"
        if alb_name.startswith("internal-"):
            alb_name = f"alb-{name}"
        alb = aws.lb.LoadBalancer(
            fitting_logical_name(alb_name, max_length=32),
            load_balancer_type="application",
            internal=not internet_facing,
            security_groups=[sg.id],
            subnets=subnet_ids,
            drop_invalid_header_fields=True,  # blocks header-smuggling tricks
            enable_deletion_protection=deletion_protection,
            access_logs=aws.lb.LoadBalancerAccessLogsArgs(bucket=log_bucket.bucket, enabled=True),
            # The ALB writes a test object when logging is turned on: policy first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=log_bucket_ready),
        )

        certificate_arn: pulumi.Output[str] | None = None
        self.https = bool(domain and hosted_zone_name)
        if domain and hosted_zone_name:
            certificate_arn = self._certificate(name, alb, domain, hosted_zone_name)
            self.listener_arn = aws.lb.Listener(
                f"{name}-https",
                load_balancer_arn=alb.arn,
                port=443,
                protocol="HTTPS",
                ssl_policy=TLS_POLICY,
                certificate_arn=certificate_arn,
                default_actions=[_not_found()],
                opts=child,
            ).arn
            aws.lb.Listener(
                f"{name}-http",
                load_balancer_arn=alb.arn,
                port=80,
                protocol="HTTP",
                default_actions=[
                    aws.lb.ListenerDefaultActionArgs(
                        type="redirect",
                        redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                            port="443", protocol="HTTPS", status_code="HTTP_301"
                        ),
                    )
                ],
                opts=child,
            )
            self.url = pulumi.Output.from_input(f"https://{domain}")
        else:
            self.listener_arn = aws.lb.Listener(
                f"{name}-http",
                load_balancer_arn=alb.arn,
                port=80,
                protocol="HTTP",
                default_actions=[_not_found()],
                opts=child,
            ).arn
            self.url = pulumi.Output.concat("http://", alb.dns_name)

        self.test_listener_arn = None
        if needs_test_listener:
            test_port = TEST_PORT_HTTPS if certificate_arn else TEST_PORT_HTTP
            # Test traffic reaches the new revision before production does; keep it
            # off the internet even on a public ALB.
            self._ingress(f"{name}-test-vpc", sg, test_port, vpc_cidr)
            self.test_listener_arn = aws.lb.Listener(
                f"{name}-test",
                load_balancer_arn=alb.arn,
                port=test_port,
                protocol="HTTPS" if certificate_arn else "HTTP",
                ssl_policy=TLS_POLICY if certificate_arn else None,
                certificate_arn=certificate_arn,
                default_actions=[_not_found()],
                opts=child,
            ).arn

        # The web ACL's CloudWatch dimensions (_waf.py's visibility metric names, Rule "ALL"
        # for the whole ACL), for the alarms on its rate-limit rule's BlockedRequests and on
        # the share of all requests it blocks.
        self.waf_ids: dict[str, list[pulumi.Input[str]]] = {}
        if waf:
            acl = web_acl(
                self,
                f"{name}-waf",
                resource_arn=alb.arn,
                rate_limit=waf_rate_limit,
                log_retention_days=log_retention_days,
                kms_key_arn=kms_key_arn,
            )
            region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region
            # Read from the ACL, so an alarm on them waits for it (and names what it made).
            self.waf_ids = {
                "waf_acl": [acl.visibility_config.metric_name],
                "waf_rate_rule": [
                    acl.rules.apply(
                        lambda rules: next(
                            r.visibility_config.metric_name
                            for r in rules or []
                            if r.name == "rate-limit"
                        )
                    )
                ],
                "waf_all_rules": [acl.id.apply(lambda _: ALL_RULES)],
                "region": [pulumi.Output.all(acl.id, region).apply(lambda v: v[1])],
            }

        self.certificate_arn = certificate_arn
        self.arn = alb.arn
        self.arn_suffix = alb.arn_suffix
        self.dns_name = alb.dns_name
        self.security_group_id = sg.id
        self.register_outputs(
            {
                "arn": self.arn,
                "arn_suffix": self.arn_suffix,
                "dns_name": self.dns_name,
                "security_group_id": self.security_group_id,
                "listener_arn": self.listener_arn,
                "test_listener_arn": self.test_listener_arn,
                "url": self.url,
            }
        )

    def allow_to(self, service: str, security_group_id: pulumi.Input[str], port: int) -> None:
        """Egress to one service's tasks on its container port (traffic and health checks)."""
        if service in self._targets:
            return
        self._targets.add(service)
        aws.vpc.SecurityGroupEgressRule(
            f"{self._name}-to-{service}",
            security_group_id=self._sg.id,
            referenced_security_group_id=security_group_id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            description=f"To {service} tasks on {port}",
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _ingress(self, rule_name: str, sg: aws.ec2.SecurityGroup, port: int, cidr: str) -> None:
        ipv6 = ":" in cidr
        aws.vpc.SecurityGroupIngressRule(
            rule_name,
            security_group_id=sg.id,
            cidr_ipv4=None if ipv6 else cidr,
            cidr_ipv6=cidr if ipv6 else None,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            description=f"Port {port} from {cidr}",
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _access_log_bucket(
        self, name: str, retention_days: int, *, force_destroy: bool
    ) -> tuple[aws.s3.Bucket, list[pulumi.Resource]]:
        """The access-log bucket, and what must exist before the ALB may log to it."""
        child = pulumi.ResourceOptions(parent=self)
        bucket = aws.s3.Bucket(f"{name}-access-logs", force_destroy=force_destroy, opts=child)
        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-access-logs-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        ownership = aws.s3.BucketOwnershipControls(
            f"{name}-access-logs-ownership",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        encryption = aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-access-logs-encryption",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    # SSE-S3: ALB access log delivery rejects buckets with SSE-KMS default.
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    )
                )
            ],
            opts=child,
        )
        versioning = aws.s3.BucketVersioning(
            f"{name}-access-logs-versioning",
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                status="Enabled"
            ),
            opts=child,
        )
        everything = aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix="")
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-access-logs-lifecycle",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-logs",
                    status="Enabled",
                    filter=everything,
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                        days=retention_days
                    ),
                    # A deleted or expired log stays recoverable for a while, then goes.
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=NONCURRENT_LOG_DAYS
                    ),
                ),
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="remove-expired-delete-markers",
                    status="Enabled",
                    filter=everything,
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                        expired_object_delete_marker=True
                    ),
                ),
            ],
            # S3 rejects concurrent configuration calls on one bucket; serialize them.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account_id = aws.get_caller_identity_output(opts=invoke).account_id
        # The provider's region: the one the load balancer and the bucket are created in.
        region = aws.get_region_output(opts=invoke).region
        policy = aws.s3.BucketPolicy(
            f"{name}-access-logs-policy",
            bucket=bucket.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "AllowLoadBalancerLogDelivery",
                            "Effect": "Allow",
                            "Principal": region.apply(log_delivery_principal),
                            "Action": "s3:PutObject",
                            "Resource": pulumi.Output.concat(
                                bucket.arn, "/AWSLogs/", account_id, "/*"
                            ),
                        },
                        {
                            "Sid": "DenyInsecureTransport",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [bucket.arn, pulumi.Output.concat(bucket.arn, "/*")],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        },
                    ],
                }
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access]),
        )
        return bucket, [policy, ownership, encryption]

    def _certificate(
        self, name: str, alb: aws.lb.LoadBalancer, domain: str, zone_name: str
    ) -> pulumi.Output[str]:
        zone = _dns.zone_id(self, zone_name)
        arn = _dns.certificate(self, name, domain, zone)
        _dns.alias(self, name, domain, zone, alb)
        # Listeners use the validated ARN, so they wait until the certificate is issued.
        return arn


def log_delivery_principal(region: str) -> dict[str, str]:
    """Who may write the access logs in ``region``: the service principal, plus the
    region's ELB account where the region predates the service principal."""
    principal = {"Service": LOG_DELIVERY_PRINCIPAL}
    account = ELB_LOG_ACCOUNTS.get(region)
    if account is not None:
        partition = "aws-cn" if region.startswith("cn-") else "aws"
        if region.startswith("us-gov-"):
            partition = "aws-us-gov"
        principal["AWS"] = f"arn:{partition}:iam::{account}:root"
    return principal


def _not_found() -> aws.lb.ListenerDefaultActionArgs:
    # Requests no service claims get a 404 from the ALB instead of reaching a default
    # backend, so scanners learn nothing about the apps behind it.
    return aws.lb.ListenerDefaultActionArgs(
        type="fixed-response",
        fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
            content_type="text/plain", message_body="Not Found", status_code="404"
        ),
    )
