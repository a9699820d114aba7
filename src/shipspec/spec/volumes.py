"""Who owns a persistent volume's files: the one POSIX identity its services share.

Every service that mounts a volume reaches it through an EFS access point of its own,
and EFS runs every file operation through an access point as that access point's POSIX
user, whatever user the container runs as ("The full POSIX identity ... on the access
point that is used for all file system operations performed by NFS clients using the
access point", EFS API ``PosixUser``). So a volume shared by two services shares its
files only when both access points use one identity and one root directory: the plan
gives all of them the volume's identity, decided here from

* ``volumes.<name>.uid`` / ``gid`` when the spec sets them;
* else the numeric ``user`` of the mounting services, when those that set one agree;
* else :data:`DEFAULT_POSIX_ID` (1000:1000).

Mounting services whose numeric users differ, with no ``uid`` on the volume, are an
error: whichever identity shipspec picked, the other service's files would belong to a
user it does not run as (a program that checks its files' owner, as PostgreSQL, sshd or
``git`` do, refuses them), and shipspec cannot know which one the data needs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .yamlsource import Path

# The first regular user most images create (node, python, eclipse-temurin's `useradd`
# defaults), and never root: the owner when neither the volume nor a service names one.
DEFAULT_POSIX_ID = 1000
# EFS API shapes Uid and Gid (botocore ``efs``): long, 0-4294967295.
POSIX_ID = (0, 4294967295)


def numeric_owner(user: str | None) -> tuple[int, int] | None:
    """``"10001:10001"`` -> (10001, 10001); ``"10001"`` or ``"10001:app"`` -> (10001,
    10001); a user name -> None (its uid is the image's business, unknown here)."""
    if not user:
        return None
    owner, _, group = user.partition(":")
    if not owner.isdigit():
        return None
    uid = int(owner)
    return uid, int(group) if group.isdigit() else uid


def volume_owner(
    volume: str, uid: int | None, gid: int | None, users: Mapping[str, str | None]
) -> tuple[int, int, str]:
    """The identity every access point of ``volume`` uses, and why.

    ``users`` maps each mounting service to its ``user`` (None when it sets none).
    Assumes the spec loaded, so the services' numeric users agree when ``uid`` is None.
    """
    if uid is not None:
        group = uid if gid is None else gid
        return uid, group, f"volumes.{volume}.uid/gid in the spec: {uid}:{group}"
    stated = {s: numeric_owner(u) for s, u in sorted(users.items())}
    owners = {o for o in stated.values() if o is not None}
    if owners:
        [(owner_uid, owner_gid)] = owners
        named = ", ".join(s for s, o in stated.items() if o is not None)
        return owner_uid, owner_gid, f"the numeric `user` of {named}: {owner_uid}:{owner_gid}"
    return (
        DEFAULT_POSIX_ID,
        DEFAULT_POSIX_ID,
        f"no `uid` on the volume and no numeric `user` on its services: "
        f"{DEFAULT_POSIX_ID}:{DEFAULT_POSIX_ID}, the first regular user most images create "
        f"(set volumes.{volume}.uid/gid to choose)",
    )


def volume_owner_problems(data: Mapping[str, Any]) -> Iterator[tuple[Path, str, str, str]]:
    """Mounting services whose numeric users differ on a volume without a ``uid``."""
    services = data.get("services")
    volumes = data.get("volumes")
    if not isinstance(services, dict) or not isinstance(volumes, dict):
        return
    for volume, settings in volumes.items():
        if isinstance(settings, dict) and settings.get("uid") is not None:
            continue
        first: tuple[str, tuple[int, int]] | None = None
        for name, service in services.items():
            if not isinstance(service, dict) or not isinstance(service.get("volumes"), dict):
                continue
            user = service.get("user")
            owner = numeric_owner(user) if isinstance(user, str) else None
            if volume not in service["volumes"] or owner is None:
                continue
            if first is None:
                first = (name, owner)
            elif owner != first[1]:
                yield (
                    ("services", name, "user"),
                    f"{name} runs as {owner[0]}:{owner[1]} and {first[0]} as "
                    f"{first[1][0]}:{first[1][1]}, and both mount volume {volume!r}: its "
                    "files have one owner, so one of them would find files that are not its "
                    "user's",
                    f"set `volumes.{volume}.uid` and `gid` to the identity the files belong "
                    "to (every mounting service then reads and writes as it), or give both "
                    "services the same `user`",
                    "volume-owner-conflict",
                )
