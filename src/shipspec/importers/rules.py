"""The fate of every compose service key that has no place in the handoff spec.

Three outcomes, as :mod:`.report` describes: a key the converter maps is handled
there; the keys below are dropped with the reason given, or are incompatible with
Fargate, where the application would not run as written (host namespaces, devices,
privileged mode, the Docker socket). :func:`judge` decides the value-dependent ones
(``network_mode: bridge`` is harmless, ``network_mode: host`` is not). A key that
Compose itself does not know is an error, as it is for Compose.
"""

from __future__ import annotations

from typing import Any

from .syntax import parse_volume

_NETWORKING = (
    "tasks run in the generated VPC's private subnets; security groups replace compose networks"
)
_TUNING = "Fargate sizes a task with `cpu` and `memory` only"
_IMAGE = "bake it into the image"
DROPPED: dict[str, str] = {
    "container_name": "ECS names tasks itself",
    "hostname": "services reach each other through load balancers, not container hostnames",
    "domainname": "services reach each other through load balancers, not container hostnames",
    "networks": _NETWORKING,
    "links": _NETWORKING,
    "external_links": _NETWORKING,
    "restart": "ECS replaces a failed task, and the deployment circuit breaker rolls back "
    "a bad release",
    "labels": "container labels are not carried over; AWS resources get shipspec's tags",
    "label_file": "container labels are not carried over; AWS resources get shipspec's tags",
    "annotations": "container annotations are not carried over",
    "logging": "logs go to CloudWatch Logs with the retention the planner decides",
    "stop_signal": "ECS stops containers with SIGTERM; handle it in the application",
    "cap_drop": "the spec cannot drop capabilities (hardening lost)",
    "ulimits": "the spec has no ulimits; Fargate's defaults apply",
    "shm_size": "Fargate does not size /dev/shm",
    "sysctls": "the spec has no kernel parameters",
    "dns": "tasks use the VPC's DNS resolver",
    "dns_opt": "tasks use the VPC's DNS resolver",
    "dns_search": "tasks use the VPC's DNS resolver",
    "extra_hosts": "tasks use the VPC's DNS; add the names to a Route 53 private zone",
    "mac_address": "Fargate assigns network interfaces itself",
    "pull_policy": "ECS pulls the image each deployment",
    "pull_refresh_after": "ECS pulls the image each deployment",
    "tty": "interactive settings do not apply to a service",
    "stdin_open": "interactive settings do not apply to a service",
    "attach": "logs go to CloudWatch Logs",
    "develop": "development-only (compose watch)",
    "configs": "the spec has no config files; " + _IMAGE + " or pass settings as `env`",
    "volumes_from": "Fargate tasks do not share volumes with other services",
    "group_add": "the spec cannot add groups; " + _IMAGE,
    "post_start": "the spec has no lifecycle hooks; " + _IMAGE,
    "pre_stop": "the spec has no lifecycle hooks; handle SIGTERM in the application",
    "models": "AI model bindings are not carried over",
    "credential_spec": "Windows credential specs do not apply to Fargate Linux tasks",
    "isolation": "Windows isolation does not apply to Fargate Linux tasks",
    "storage_opt": "Fargate manages task storage",
    "cgroup_parent": "Fargate manages cgroups",
    "blkio_config": _TUNING,
    "cpu_count": _TUNING,
    "cpu_percent": _TUNING,
    "cpu_shares": _TUNING,
    "cpu_period": _TUNING,
    "cpu_quota": _TUNING,
    "cpu_rt_period": _TUNING,
    "cpu_rt_runtime": _TUNING,
    "cpuset": _TUNING,
    "memswap_limit": _TUNING,
    "mem_swappiness": _TUNING,
    "oom_kill_disable": _TUNING,
    "oom_score_adj": _TUNING,
    "pids_limit": _TUNING,
}
INCOMPATIBLE: dict[str, str] = {
    "devices": "Fargate cannot pass host devices into a task",
    "device_cgroup_rules": "Fargate cannot pass host devices into a task",
    "gpus": "Fargate has no GPUs; GPU work needs ECS on EC2 GPU instances",
    "provider": "a provider-managed service is not a container shipspec can deploy",
}
HANDLED = frozenset(
    {
        "image", "build", "ports", "expose", "environment", "env_file", "secrets", "depends_on",
        "deploy", "healthcheck", "profiles", "extends", "cpus", "mem_limit", "mem_reservation",
        "scale", "volumes", "user", "privileged", "cap_add", "network_mode", "pid", "ipc", "uts",
        "userns_mode", "cgroup", "runtime", "security_opt", "use_api_socket",
        "command", "entrypoint", "working_dir", "stop_grace_period", "read_only", "platform",
        "tmpfs", "init",
    }
)  # fmt: skip
KNOWN = HANDLED | DROPPED.keys() | INCOMPATIBLE.keys()
# Capabilities every Docker (and Fargate) container already has.
DEFAULT_CAPS = frozenset(
    {
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
        "NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    }
)  # fmt: skip
_HOST_SYSTEM = ("/proc", "/sys", "/dev", "/lib/modules", "/var/lib/docker", "/boot", "/run/udev")


def judge(key: str, value: Any) -> list[tuple[str, str, str]]:
    """``(bin, sub-key, reason)`` for a value-dependent key; empty when nothing to say."""
    if key == "privileged":
        if value in (True, "true"):
            return [("incompatible", key, "Fargate never runs privileged containers")]
        return [("mapped", key, "not privileged, as on Fargate")]
    if key in ("network_mode", "pid", "ipc", "uts", "userns_mode", "cgroup"):
        text = str(value)
        if text == "host" or text.startswith(("service:", "container:")):
            what = "network" if key == "network_mode" else key
            return [
                (
                    "incompatible",
                    key,
                    f"`{key}: {text}` shares the host's or another container's {what} "
                    "namespace, which Fargate does not allow",
                )
            ]
        return [("dropped", key, f"`{key}: {text}` is Fargate's default or has no equivalent")]
    if key == "runtime":
        if "nvidia" in str(value):
            return [
                ("incompatible", key, "the NVIDIA runtime needs GPUs, which Fargate does not have")
            ]
        return [("dropped", key, "Fargate chooses the container runtime")]
    if key == "use_api_socket":
        if value in (True, "true"):
            return [
                (
                    "incompatible",
                    key,
                    "gives the container the Docker API socket, which Fargate does not have",
                )
            ]
        return []
    if key == "security_opt":
        found = []
        for index, option in enumerate(value if isinstance(value, list) else [value]):
            text = str(option).replace(":", "=")
            if "unconfined" in text or text == "label=disable":
                found.append(
                    (
                        "incompatible",
                        f"{key}[{index}]",
                        f"`{option}` turns off confinement Fargate always applies",
                    )
                )
            else:
                found.append(
                    ("dropped", f"{key}[{index}]", f"`{option}`: the spec has no security options")
                )
        return found
    if key == "cap_add":
        found = []
        for index, cap in enumerate(value if isinstance(value, list) else [value]):
            name = str(cap).upper().removeprefix("CAP_")
            sub = f"{key}[{index}]"
            if name in DEFAULT_CAPS:
                found.append(("dropped", sub, f"{name} is in the default set Fargate grants"))
            elif name == "SYS_PTRACE":
                found.append(
                    (
                        "dropped",
                        sub,
                        "SYS_PTRACE is the one capability Fargate can add, but the spec "
                        "cannot ask for it",
                    )
                )
            else:
                found.append(("incompatible", sub, f"Fargate cannot grant {name}"))
        return found
    return []


def judge_volume(index: int, value: Any, datastore: bool) -> tuple[str, str] | None:
    """``(bin, reason)`` for one ``volumes`` entry; None when it cannot be read."""
    spec = parse_volume(value)
    if spec is None:
        return None
    if "docker.sock" in spec.source or "docker.sock" in spec.target:
        return ("incompatible", "mounts the Docker socket: Fargate has no Docker daemon to control")
    if datastore:
        if spec.kind == "volume":
            return (
                "dropped",
                f"data in volume `{spec.source}` is not migrated: restore a dump into the "
                "managed service",
            )
        if "initdb" in spec.target or "entrypoint" in spec.target:
            return (
                "dropped",
                f"init scripts mounted at {spec.target} do not run: apply them to the "
                "managed database yourself",
            )
        return (
            "dropped",
            f"{spec.target}: the managed service is configured through AWS, not files",
        )
    if spec.kind == "bind" and (
        spec.source in ("/", "/etc", "/var/run", "/run") or spec.source.startswith(_HOST_SYSTEM)
    ):
        return (
            "incompatible",
            f"mounts the host's {spec.source}; Fargate tasks cannot see the host",
        )
    if spec.kind == "bind" and spec.source.startswith("/"):
        return ("dropped", f"host path {spec.source}: Fargate tasks cannot mount host paths")
    if spec.kind == "bind":
        return (
            "dropped",
            f"bind mount of {spec.source}: the image must contain what the service needs "
            "(source code, config)",
        )
    if spec.kind == "volume":
        return (
            "dropped",
            f"volume `{spec.source}` at {spec.target}: Fargate task storage is ephemeral, "
            "data is lost on each deploy; keep it in S3 or a database (EFS is not generated)",
        )
    if spec.kind == "anonymous":
        return (
            "dropped",
            f"anonymous volume at {spec.target} (a development trick for dependencies): not "
            "needed in an image",
        )
    return ("dropped", f"{spec.kind} mount at {spec.target}: not carried over")
