"""Runbook guidance for the ACM certificates' expiry alarms and the EFS volumes' I/O alarm.

Keyed as :mod:`._docs_runbook_guides` keys its own (``<kind>:<check>``); the certificates'
ARNs come from the stack output ``certificates`` (``$CERT`` in the runbook's "Before you
start"), the file systems' ids from ``volumes`` (``$FS``).
"""

from __future__ import annotations

from ._docs_runbook_guide import Guide
from ._docs_runbook_manual import FIRST


def _certificate(region: str) -> str:
    return (
        "`$CERT` from Before you start (another load balancer's or site's: the same with "
        "its name), then `aws acm describe-certificate "
        f'{region}--certificate-arn "$CERT" --query '
        "'Certificate.[Status,NotAfter,RenewalEligibility,RenewalSummary]'`: the renewal's "
        "status and, when it failed, `RenewalSummary.RenewalStatusReason`"
    )


def _validation(region: str) -> str:
    return (
        f"the validation record: `aws acm describe-certificate {region}--certificate-arn "
        '"$CERT" --query \'Certificate.DomainValidationOptions[].[DomainName,'
        "ValidationStatus,ResourceRecord.Name,ResourceRecord.Value]'`, then `dig +short CNAME "
        "<ResourceRecord.Name>` must answer the value: no answer means the CNAME was deleted"
    )


_CAA = (
    "`dig +short CAA <domain>` (and its parent domains): any CAA record must admit "
    "`amazon.com`, `amazontrust.com`, `awstrust.com` or `amazonaws.com`, else ACM may not "
    "issue the renewal"
)

_FIXES = (
    "validation CNAME deleted or changed: `pulumi up --refresh` recreates it (the program's "
    "`<name>-cert-validation` record; a plain `pulumi up` compares with its state, which "
    "still lists the record); ACM retries the renewal once it resolves " + FIRST,
    'a CAA record that excludes Amazon: add `0 issue "amazon.com"` to it',
    "renewal still failing near expiry: `pulumi up --replace <URN>` with the URN of the "
    "`<name>-cert` certificate (`pulumi stack --show-urns`): the program requests a new one, "
    "validates it through its Route 53 record and moves the listener or distribution to it "
    + FIRST,
)


def _certificate_guide(title: str, meaning: str, region: str = "") -> Guide:
    return Guide(title, meaning, (_certificate(region), _validation(region), _CAA), _FIXES)


_RENEWAL = (
    "ACM renews a DNS-validated certificate 60 days before it expires, by checking its "
    "validation CNAME again; under 30 days left means that renewal failed. Nothing is broken "
    "yet: HTTPS keeps working until the certificate's NotAfter date. The Route 53 health "
    "check does not notice (it does not validate certificates), so this alarm is the only "
    "warning."
)
_EXPIRY = (
    "Under 7 days left and the renewal still failed: once the certificate expires, browsers "
    "and clients refuse every HTTPS connection to the name. "
)
CERT_GUIDES: dict[str, Guide] = {
    "load_balancer:certificate-renewal": _certificate_guide(
        "load balancer certificate renewal failed",
        _RENEWAL + " The certificate is the load balancer's.",
    ),
    "load_balancer:certificate-expiry": _certificate_guide(
        "load balancer certificate about to expire",
        _EXPIRY + "The certificate is the load balancer's.",
    ),
    "service:certificate-renewal": _certificate_guide(
        "TLS service certificate renewal failed",
        _RENEWAL.replace("HTTPS keeps", "TLS keeps")
        + " The certificate is the TLS listener's of this service's Network Load Balancer.",
    ),
    "service:certificate-expiry": _certificate_guide(
        "TLS service certificate about to expire",
        "Under 7 days left and the renewal still failed: once the certificate expires, "
        "clients that verify it refuse every TLS connection to the service's name. The "
        "certificate is the TLS listener's of this service's Network Load Balancer.",
    ),
    "static_site:site-certificate-renewal": _certificate_guide(
        "static site certificate renewal failed",
        _RENEWAL + " The certificate is a static site's, in us-east-1 (CloudFront's); its "
        "alarm reaches the stack's topics through EventBridge.",
        "--region us-east-1 ",
    ),
    "static_site:site-certificate-expiry": _certificate_guide(
        "static site certificate about to expire",
        _EXPIRY + "The certificate is a static site's, in us-east-1 (CloudFront's).",
        "--region us-east-1 ",
    ),
    "volume:io-limit": Guide(
        "EFS volume near its I/O limit",
        "The EFS file system (General Purpose mode, elastic throughput) is above 90% of "
        "General Purpose mode's I/O operations limit: the services that mount it (listed in "
        "the handoff's storage table) will see their file operations wait. Elastic "
        "throughput has no burst credits; the limit is on operations, not bytes.",
        (
            "`$FS` from Before you start (another volume's: the same with its name), then "
            '`aws efs describe-file-systems --file-system-id "$FS" --query '
            "'FileSystems[0].[LifeCycleState,PerformanceMode,ThroughputMode,SizeInBytes.Value]'`",
            "who mounts it and where: the alarm's description above (each service through an "
            "access point of its own onto the volume's one directory); their logs for slow "
            "file operations",
            '`aws efs describe-mount-targets --file-system-id "$FS" --query '
            "'MountTargets[].[MountTargetId,AvailabilityZoneName,LifeCycleState]'`: one "
            "`available` target per private subnet; `aws efs "
            "describe-mount-target-security-groups --mount-target-id <id>`: the volume's group, "
            "which admits NFS (2049) from the mounting services' groups only",
        ),
        (
            "a burst of small-file or metadata operations (many tasks scanning a directory): "
            "spread it out, or cache in the service",
            "sustained above the limit: the services do more file operations than one General "
            "Purpose file system serves (the program creates no other mode); move the hot "
            "files elsewhere (S3, a cache)",
            "files lost or overwritten: restore from AWS Backup: `aws backup "
            "list-recovery-points-by-backup-vault --backup-vault-name <vault> --query "
            "'RecoveryPoints[].[RecoveryPointArn,CreationDate,Status]'` (the vault: `aws "
            "backup list-backup-vaults`, named after the volume), then `aws backup "
            "start-restore-job --recovery-point-arn <arn> --iam-role-arn <the volume's "
            "backup role ARN> --resource-type EFS --metadata "
            'file-system-id="$FS",newFileSystem=false,Encrypted=true,'
            "PerformanceMode=generalPurpose,CreationToken=restore-<date>`: the files come "
            "back under `/aws-backup-restore_<timestamp>` on the same file system, to copy "
            "into place",
        ),
    ),
}
