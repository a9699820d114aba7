"""A static site or single-page app: a private S3 bucket served by CloudFront.

The bucket is never public: all public access is blocked, objects are encrypted (SSE-S3)
and the bucket policy admits only this distribution, through Origin Access Control
(SigV4-signed requests, ``AWS:SourceArn`` = the distribution), plus TLS only. CloudFront
serves HTTPS with security headers and compression; a single-page app answers unknown
paths with ``/index.html`` and 200, so client-side routes load.

One alarm watches what visitors get, in minutes busy enough to judge: more than
``error_rate_percent`` of responses 5xx (the origin or the distribution fails), or more than
``client_error_percent`` 4xx. S3 answers CloudFront 403 when the bucket policy or the origin
access control no longer admits it or the bucket is gone, and 404 for deleted files; an SPA's
custom error responses fetch ``/index.html`` from that same origin, and when that fails
too CloudFront passes the origin's 403/404 to the viewer (CloudFront Developer Guide,
"Generating custom error responses"). So a broken policy is ~100% 4xx and no 5xx at all.

CloudFront is a global service whose certificates, metrics and logs live in us-east-1.
The certificate, the errors alarm and the access-log delivery therefore set
``region="us-east-1"`` (pulumi-aws 7's per-resource region), so the stack's provider
and its default tags serve them too. The alarm's notifications reach the stack's alert
topics through EventBridge (:meth:`StaticSite.alert_to`, ``_static_site_alerts``): a
CloudWatch alarm can only notify a topic in its own region.

CI uploads the files after ``pulumi up`` (``aws s3 sync --delete`` to ``bucket_name``)
and invalidates the cache (``aws cloudfront create-invalidation`` on
``distribution_id``); versioning keeps the previous deploy's objects for 30 days.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from ._dns import certificate, zone_id
from ._names import physical_name
from ._site_waf import cloudfront_web_acl
from ._static_site_alerts import CLOUDFRONT_REGION, alert_through_eventbridge
from ._waf import ALL_RULES

# AWS managed cache policy "Managed-CachingOptimized": long TTLs, gzip and brotli keys.
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
NONCURRENT_VERSION_DAYS = 30


def _cloudfront_metric(
    id: str, metric: str, stat: str, distribution_id: pulumi.Input[str]
) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
    """One of a distribution's metrics (CloudFront publishes them in us-east-1, Region=Global)."""
    return aws.cloudwatch.MetricAlarmMetricQueryArgs(
        id=id,
        return_data=False,
        metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
            namespace="AWS/CloudFront",
            metric_name=metric,
            dimensions={"DistributionId": distribution_id, "Region": "Global"},
            stat=stat,
            period=60,
        ),
    )


class StaticSite(pulumi.ComponentResource):
    """S3 + CloudFront with Origin Access Control.

    Args:
        name: Component name, the spec's service name.
        spa: Answer 403 and 404 with ``/index.html`` and 200 (client-side routing).
        price_class: CloudFront price class (``PriceClass_All``, ``PriceClass_100``...).
        domain: Serve on this name: an ACM certificate in us-east-1, validated in
            ``hosted_zone_name``, and alias records to the distribution. None: the
            distribution's own ``*.cloudfront.net`` name.
        hosted_zone_name: Public Route 53 zone holding ``domain``.
        access_logs: Deliver CloudFront standard logs (v2) to a CloudWatch log group in
            us-east-1, kept ``log_retention_days``.
        error_rate_percent: The errors alarm fires when more than this % of responses are
            5xx for 5 minutes...
        client_error_percent: ... or more than this % are 4xx (S3 refusing CloudFront).
        min_requests: Minutes with fewer CloudFront requests do not count (0 for them).
        alarm_description: The alarm's description (what, why, the runbook link).
        force_destroy: Let ``pulumi destroy`` empty the bucket (CI rebuilds its content).
        waf: Put a WAFv2 web ACL (scope CLOUDFRONT, in us-east-1) in front of the
            distribution: AWS managed rule groups, blocked requests logged.
    """

    bucket_name: pulumi.Output[str]
    distribution_id: pulumi.Output[str]
    url: pulumi.Output[str]
    alarm: aws.cloudwatch.MetricAlarm
    # The domain's ACM certificate in us-east-1 (None without a domain), whose DaysToExpiry
    # the Monitoring's expiry alarms watch there.
    certificate_arn: pulumi.Output[str] | None

    def __init__(
        self,
        name: str,
        *,
        spa: bool,
        price_class: str,
        domain: str | None = None,
        hosted_zone_name: str | None = None,
        access_logs: bool = False,
        log_retention_days: int = 30,
        error_rate_percent: float = 5.0,
        client_error_percent: float = 50.0,
        min_requests: int = 100,
        alarm_description: str | None = None,
        force_destroy: bool = False,
        waf: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:StaticSite", name, None, opts)
        if domain and not hosted_zone_name:
            raise ValueError("hosted_zone_name is required when a domain is given")
        child = pulumi.ResourceOptions(parent=self)
        self._site = name
        bucket = self._bucket(name, force_destroy)
        access = aws.cloudfront.OriginAccessControl(
            f"{name}-oac",
            name=physical_name(name, max_length=64),
            description=f"CloudFront reads the {name} bucket with SigV4-signed requests",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=child,
        )
        headers = aws.cloudfront.ResponseHeadersPolicy(
            f"{name}-headers",
            name=physical_name(f"{name}-headers", max_length=128),
            comment="HSTS, nosniff, DENY framing, strict referrer",
            security_headers_config=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs(
                strict_transport_security=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs(
                    access_control_max_age_sec=31536000, include_subdomains=True, override=True
                ),
                content_type_options=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentTypeOptionsArgs(
                    override=True
                ),
                frame_options=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigFrameOptionsArgs(
                    frame_option="DENY", override=True
                ),
                referrer_policy=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigReferrerPolicyArgs(
                    referrer_policy="strict-origin-when-cross-origin", override=True
                ),
            ),
            opts=child,
        )
        certificate_arn = self._certificate(name, domain, hosted_zone_name) if domain else None
        acl = cloudfront_web_acl(self, name, log_retention_days) if waf else None
        origin = "s3"
        distribution = aws.cloudfront.Distribution(
            f"{name}-cdn",
            comment=f"{name}: static site",
            enabled=True,
            is_ipv6_enabled=True,
            http_version="http2and3",
            price_class=price_class,
            default_root_object="index.html",
            aliases=[domain] if domain else None,
            web_acl_id=acl.arn if acl is not None else None,  # WAFv2: the ACL's ARN
            origins=[
                aws.cloudfront.DistributionOriginArgs(
                    origin_id=origin,
                    domain_name=bucket.bucket_regional_domain_name,
                    origin_access_control_id=access.id,
                )
            ],
            default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
                target_origin_id=origin,
                viewer_protocol_policy="redirect-to-https",
                allowed_methods=["GET", "HEAD", "OPTIONS"],
                cached_methods=["GET", "HEAD"],
                compress=True,
                cache_policy_id=CACHING_OPTIMIZED,
                response_headers_policy_id=headers.id,
            ),
            # The bucket lets CloudFront list it, so a missing object is S3's 404, not 403;
            # a single-page app answers both with its index so client routes load.
            custom_error_responses=[
                aws.cloudfront.DistributionCustomErrorResponseArgs(
                    error_code=code,
                    response_code=200,
                    response_page_path="/index.html",
                    error_caching_min_ttl=10,
                )
                for code in (403, 404)
            ]
            if spa
            else None,
            restrictions=aws.cloudfront.DistributionRestrictionsArgs(
                geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(
                    restriction_type="none"
                )
            ),
            viewer_certificate=aws.cloudfront.DistributionViewerCertificateArgs(
                acm_certificate_arn=certificate_arn,
                ssl_support_method="sni-only",
                minimum_protocol_version="TLSv1.2_2021",
            )
            if certificate_arn is not None
            else aws.cloudfront.DistributionViewerCertificateArgs(
                cloudfront_default_certificate=True
            ),
            opts=child,
        )
        self._bucket_policy(name, bucket, distribution)
        if domain and hosted_zone_name:
            self._alias_records(name, domain, hosted_zone_name, distribution)
        if access_logs:
            self._access_logs(name, distribution, log_retention_days)
        self.alarm = aws.cloudwatch.MetricAlarm(
            f"{name}-errors",
            name=physical_name(f"{name}-errors", max_length=255),
            region=CLOUDFRONT_REGION,  # CloudFront publishes its metrics in us-east-1 only
            alarm_description=alarm_description
            or f"{name}: more than {error_rate_percent:g}% of CloudFront responses are 5xx, or "
            f"more than {client_error_percent:g}% are 4xx, for 5 minutes (the origin fails, or "
            "S3 refuses CloudFront: bucket policy, origin access control, bucket or files gone).",
            metric_queries=[
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id="failing",
                    # A quiet minute (a handful of requests) is not judged: one error would
                    # be a 20% rate. CloudWatch metric math's IF takes AND and OR.
                    expression=(
                        f"IF(FILL(requests, 0) >= {min_requests} AND "
                        f"(FILL(server_errors, 0) > {error_rate_percent:g} OR "
                        f"FILL(client_errors, 0) > {client_error_percent:g}), 1, 0)"
                    ),
                    label="busy minutes failing: 5xx, or mostly 4xx (1) or not (0)",
                    return_data=True,
                ),
                _cloudfront_metric("server_errors", "5xxErrorRate", "Average", distribution.id),
                _cloudfront_metric("client_errors", "4xxErrorRate", "Average", distribution.id),
                _cloudfront_metric("requests", "Requests", "Sum", distribution.id),
            ],
            evaluation_periods=5,
            datapoints_to_alarm=5,
            threshold=1,
            comparison_operator="GreaterThanOrEqualToThreshold",
            treat_missing_data="notBreaching",  # no requests: nothing is failing
            # Named <site>-5xx before it watched 4xx too: the same alarm, renamed.
            opts=pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(name=f"{name}-5xx")]),
        )
        self.certificate_arn = certificate_arn
        # The web ACL's CloudWatch dimensions, for the alarm on the share it blocks: its
        # visibility metric name and Rule "ALL" (a CloudFront ACL's metrics have no Region),
        # read from the ACL so the alarm waits for it.
        self.waf_ids: dict[str, list[pulumi.Input[str]]] = {}
        if acl is not None:
            self.waf_ids = {
                "waf_acl": [acl.visibility_config.metric_name],
                "waf_all_rules": [acl.id.apply(lambda _: ALL_RULES)],
            }
        self.bucket_name = bucket.bucket
        self.distribution_id = distribution.id
        self.url = pulumi.Output.concat("https://", domain if domain else distribution.domain_name)
        self.register_outputs(
            {
                "bucket_name": self.bucket_name,
                "distribution_id": self.distribution_id,
                "url": self.url,
            }
        )

    def alert_to(self, topic_arn: pulumi.Input[str], *, pages: bool) -> None:
        """Notify ``topic_arn`` (in the stack's region) of the alarm's state changes, as
        CloudWatch's own alarm message (see :mod:`._static_site_alerts`). ``pages``: also
        the return to OK, as paging alarms do."""
        alert_through_eventbridge(
            self, self._site, self.alarm, topic_arn, pages=pages, former=f"{self._site}-5xx"
        )

    def _bucket(self, name: str, force_destroy: bool) -> aws.s3.Bucket:
        child = pulumi.ResourceOptions(parent=self)
        bucket = aws.s3.Bucket(f"{name}-site", force_destroy=force_destroy, opts=child)
        self._public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    # SSE-S3: CloudFront's OAC reads it without a KMS key policy grant.
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    ),
                )
            ],
            opts=child,
        )
        aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                status="Enabled"
            ),
            opts=child,
        )
        # Every deploy's `sync --delete` leaves the replaced objects as old versions:
        # kept 30 days to restore a bad deploy, then expired.
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-noncurrent-versions",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=NONCURRENT_VERSION_DAYS
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=7
                    ),
                )
            ],
            opts=child,
        )
        return bucket

    def _bucket_policy(
        self, name: str, bucket: aws.s3.Bucket, distribution: aws.cloudfront.Distribution
    ) -> None:
        """Only this distribution reads (and lists) the bucket; nothing over plain HTTP."""
        from_this_distribution = {
            "StringEquals": {"AWS:SourceArn": distribution.arn},
        }
        aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "DenyInsecureTransport",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [bucket.arn, pulumi.Output.concat(bucket.arn, "/*")],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        },
                        {
                            "Sid": "ThisDistributionReads",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudfront.amazonaws.com"},
                            "Action": "s3:GetObject",
                            "Resource": pulumi.Output.concat(bucket.arn, "/*"),
                            "Condition": from_this_distribution,
                        },
                        {
                            # Listing lets S3 answer a missing key with 404 instead of 403.
                            "Sid": "ThisDistributionLists",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudfront.amazonaws.com"},
                            "Action": "s3:ListBucket",
                            "Resource": bucket.arn,
                            "Condition": from_this_distribution,
                        },
                    ],
                }
            ),
            # A policy put before the public access block exists could be refused or race.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self._public_access]),
        )

    def _certificate(self, name: str, domain: str, zone_name: str | None) -> pulumi.Output[str]:
        """An ACM certificate in us-east-1 (the only region CloudFront reads), DNS-validated."""
        self._zone_id = zone_id(self, zone_name)
        return certificate(self, name, domain, self._zone_id, region=CLOUDFRONT_REGION)

    def _alias_records(
        self,
        name: str,
        domain: str,
        zone_name: str,
        distribution: aws.cloudfront.Distribution,
    ) -> None:
        for kind in ("A", "AAAA"):  # the distribution serves IPv4 and IPv6
            aws.route53.Record(
                f"{name}-alias-{kind.lower()}",
                zone_id=self._zone_id,
                name=domain,
                type=kind,
                aliases=[
                    aws.route53.RecordAliasArgs(
                        name=distribution.domain_name,
                        zone_id=distribution.hosted_zone_id,
                        evaluate_target_health=False,
                    )
                ],
                opts=pulumi.ResourceOptions(parent=self),
            )

    def _access_logs(
        self, name: str, distribution: aws.cloudfront.Distribution, retention_days: int
    ) -> None:
        """CloudFront standard logging (v2): CloudWatch Logs vended delivery in us-east-1."""
        child = pulumi.ResourceOptions(parent=self)
        group = aws.cloudwatch.LogGroup(
            f"{name}-access-logs",
            # /aws/vendedlogs/: CloudWatch Logs' prefix for vended (service-delivered) logs.
            name="/aws/vendedlogs/cloudfront/" + physical_name(name, max_length=200),
            region=CLOUDFRONT_REGION,
            retention_in_days=retention_days,
            opts=child,
        )
        source = aws.cloudwatch.LogDeliverySource(
            f"{name}-log-source",
            name=physical_name(f"{name}-cdn", max_length=60),
            region=CLOUDFRONT_REGION,
            log_type="ACCESS_LOGS",
            resource_arn=distribution.arn,
            opts=child,
        )
        destination = aws.cloudwatch.LogDeliveryDestination(
            f"{name}-log-destination",
            name=physical_name(f"{name}-cdn-logs", max_length=60),
            region=CLOUDFRONT_REGION,
            delivery_destination_configuration=aws.cloudwatch.LogDeliveryDestinationDeliveryDestinationConfigurationArgs(
                destination_resource_arn=group.arn
            ),
            opts=child,
        )
        aws.cloudwatch.LogDelivery(
            f"{name}-log-delivery",
            region=CLOUDFRONT_REGION,
            delivery_source_name=source.name,
            delivery_destination_arn=destination.arn,
            opts=child,
        )
