"""The contract between services and the datastores they use.

A service is handed ``uses={"DB": db, "UPLOADS": Use(uploads, access="read")}`` and asks each
datastore, for that use, for
the four things wiring needs: network access (``allow_from``), connection settings
(``environment``), credentials as secret references (``secrets``) and IAM statements
scoped to the datastore's own ARNs (``policy_statements``). Access is therefore granted
only by naming a datastore, never by opening a port or a policy by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class Use:
    """One service's use of one datastore, when it is more than the default.

    ``access`` narrows the IAM actions (S3: ``read``, ``read-write``,
    ``read-write-delete``; SQS: ``produce``, ``consume``, ``produce-consume``); ``db_user``
    makes a SQL database hand the service its own user, authenticated with IAM tokens,
    instead of the master secret's ARN. A bare datastore in ``uses`` is ``Use(store)``.
    """

    store: Datastore
    access: str | None = None
    db_user: str | None = None


class Datastore(Protocol):
    """What WebService, WorkerService and ScheduledJob need from a datastore."""

    @property
    def port(self) -> int | None:
        """TCP port consumers connect to, or None for API-only stores (S3, SQS)."""
        ...

    @property
    def security_group_id(self) -> pulumi.Output[str] | None:
        """The datastore's security group, or None for API-only stores."""
        ...

    def allow_from(self, consumer_name: str, security_group_id: pulumi.Input[str]) -> None: ...

    def environment(self, prefix: str, use: Use) -> dict[str, pulumi.Input[str]]: ...

    def secrets(self, prefix: str, use: Use) -> dict[str, pulumi.Input[str]]: ...

    def policy_statements(self, use: Use) -> list[dict[str, Any]]: ...


def as_use(used: Datastore | Use) -> Use:
    return used if isinstance(used, Use) else Use(used)


def env_prefix(prefix: str) -> str:
    """``"uploads"`` -> ``"UPLOADS"``; anything but letters and digits becomes ``_``."""
    cleaned = re.sub(r"[^A-Z0-9]", "_", prefix.upper())
    if not cleaned or cleaned[0].isdigit():
        raise ValueError(f"{prefix!r} cannot start an environment variable name")
    return cleaned


class IngressGate:
    """A datastore's security group, closed until a consumer is allowed in on one port.

    ``allow`` adds a rule referencing exactly the consumer's security group, so the
    group's rules list who may connect and nothing else can.
    """

    def __init__(
        self,
        owner: pulumi.Resource,
        name: str,
        *,
        vpc_id: pulumi.Input[str],
        kind: str,
        port: int,
        description: str,
        label: str | None = None,
    ) -> None:
        self._owner = owner
        self._name = name
        # The group's description cannot change without a new group: it names the
        # datastore as first created (``label``, the old name after a rename).
        label = label or name
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=vpc_id,
            description=f"{label} {kind}: consumers only",
            tags={"Name": label},
            opts=pulumi.ResourceOptions(parent=owner),
        )
        self._port = port
        self._description = description
        self._allowed: set[str] = set()

    def allow(self, consumer_name: str, security_group_id: pulumi.Input[str]) -> None:
        if consumer_name in self._allowed:
            return
        self._allowed.add(consumer_name)
        aws.vpc.SecurityGroupIngressRule(
            f"{self._name}-from-{consumer_name}",
            security_group_id=self.security_group.id,
            referenced_security_group_id=security_group_id,
            ip_protocol="tcp",
            from_port=self._port,
            to_port=self._port,
            description=f"{self._description} from {consumer_name}",
            opts=pulumi.ResourceOptions(parent=self._owner),
        )
