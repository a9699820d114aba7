"""Log groups the stack owns, for logs that AWS services would otherwise file on their own.

RDS and DocumentDB write their exported logs to groups whose names they fix
(``/aws/rds/instance/<identifier>/<log>``, ``/aws/docdb/<cluster>/<log>``). Left alone,
AWS creates such a group at the first write with no retention: it is kept, and billed,
forever, and ``pulumi destroy`` leaves it behind. Creating the group first, with the
stack's retention, makes it the stack's: the service finds it and writes there.

That needs the name before the service first writes, so the resources whose names
appear in those paths get a physical name (``_names.physical_name``) computed from the
project, stack and component names, instead of a Pulumi autoname with a random suffix
that is only known once the resource exists (by which time AWS has made the group itself).
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws


def owned_log_groups(
    owner: pulumi.Resource,
    name: str,
    *,
    path: str,
    logs: Sequence[str],
    retention_days: int,
    kms_key_arn: pulumi.Input[str] | None = None,
) -> list[aws.cloudwatch.LogGroup]:
    """A group ``<path>/<log>`` per log, kept ``retention_days``; resource ``<name>-<log>-logs``.

    Make the resource that writes to them depend on the result (``depends_on``), so the
    groups exist before its first write.
    """
    return [
        aws.cloudwatch.LogGroup(
            f"{name}-{log}-logs",
            name=f"{path}/{log}",
            retention_in_days=retention_days,
            kms_key_id=kms_key_arn,
            opts=pulumi.ResourceOptions(parent=owner),
        )
        for log in logs
    ]
