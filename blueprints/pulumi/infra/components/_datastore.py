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
from collections.abc import Mapping
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
    instead of the master secret's ARN. ``former`` is the datastore's name before a
    rename (the spec's ``renamed_from``): the service gets every variable and secret under
    that name's prefix too, with the same values, so an application still reading
    ``<OLD>_HOST`` keeps its settings until its own release moves to the new names. A bare
    datastore in ``uses`` is ``Use(store)``.
    """

    store: Datastore
    access: str | None = None
    db_user: str | None = None
    former: str | None = None


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


def prefixes(prefix: str, use: Use) -> list[str]:
    """The variable prefixes ``use`` is wired under: ``prefix``, then the datastore's
    former name's while a rename is in the spec (``Use.former``)."""
    current = env_prefix(prefix)
    if use.former is None or env_prefix(use.former) == current:
        return [current]
    return [current, env_prefix(use.former)]


# `$$` is a literal `$`, `${store.attribute}` a reference; any other `$` is literal
# (the spec's rule, shipspec/spec/datastore_refs.py).
_TOKEN = re.compile(r"\$\$|\$\{([a-z][a-z0-9-]*)\.([a-z_]+)\}")


def resolve_env(
    env: Mapping[str, str], stores: Mapping[str, Datastore | Use]
) -> dict[str, pulumi.Input[str]]:
    """The service's own variables with each ``${store.attribute}`` resolved.

    ``REDIS_HOST: "${cache.host}"`` becomes the value ``cache.environment()`` gives its
    ``<PREFIX>_HOST``, so the application's variable holds the managed endpoint, exactly
    what ``uses`` injects. ``stores`` maps each referenced datastore's spec name to its
    component (the service uses each one).
    """
    resolved: dict[str, pulumi.Input[str]] = {}
    for variable, value in env.items():
        parts: list[pulumi.Input[str]] = []
        last = 0
        for match in _TOKEN.finditer(value):
            parts.append(value[last : match.start()])
            last = match.end()
            if match.group(0) == "$$":
                parts.append("$")
                continue
            name, attribute = match.group(1), match.group(2)
            if name not in stores:
                raise ValueError(f"{variable} refers to {name!r}, which is not passed in stores")
            use = as_use(stores[name])
            prefix = env_prefix(name)
            injected = use.store.environment(prefix, use)
            key = f"{prefix}_{attribute.upper()}"
            if key not in injected:
                raise ValueError(f"{variable}: {name!r} has no attribute {attribute!r}")
            parts.append(injected[key])
        parts.append(value[last:])
        texts = [p for p in parts if p != ""]
        if all(isinstance(p, str) for p in texts):
            resolved[variable] = "".join(str(p) for p in texts)
        else:
            resolved[variable] = pulumi.Output.concat(*texts)
    return resolved


class HasSecret(Protocol):
    """A datastore whose credential lives in a Secrets Manager secret the stack creates."""

    @property
    def secret_arn(self) -> pulumi.Output[str]: ...


def credential(store: HasSecret, key: str) -> pulumi.Output[str]:
    """The ECS ``valueFrom`` for one JSON key of ``store``'s secret.

    ``arn:aws:secretsmanager:region:account:secret:name:json-key:version-stage:version-id``
    with the stage and id left empty: the current version, read when a task starts (Amazon
    ECS Developer Guide, "Pass Secrets Manager secrets through Amazon ECS environment
    variables"). The execution role may read exactly that secret (``_iam.py``).
    """
    return pulumi.Output.concat(store.secret_arn, f":{key}::")


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
