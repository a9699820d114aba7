"""The AWS Distro for OpenTelemetry collector beside an app container.

The app sends OTLP to ``localhost`` (the task's containers share one network namespace
under ``awsvpc``); the collector batches the metrics and remote-writes them, signed with
the task role (SigV4), to the managed Prometheus workspace. Its configuration travels in
``AOT_CONFIG_CONTENT``, which the ADOT image reads instead of a file.

Why the settings are what they are:

* The receivers listen on ``localhost`` only: nothing outside the task can write metrics.
* Resource attributes become labels (``resource_to_telemetry_conversion``): the SLO rules
  select a stack's series by ``deployment_environment_name`` and a service by ``job``,
  which the Prometheus mapping builds as ``<service.namespace>/<service.name>``.
* ``memory_limiter`` keeps the collector under its container's hard limit: refusing data
  beats being killed by it.
* The container is not essential: a collector crash stops metrics, not the app.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi

COLLECTOR_NAME = "otel-collector"


@dataclass(frozen=True)
class MetricsCollector:
    """What a task needs to run the collector: image and size, and where it writes."""

    image: str
    cpu: int  # CPU units reserved out of the task's
    memory: int  # MiB, the container's hard limit
    remote_write_url: pulumi.Output[str]
    workspace_arn: pulumi.Output[str]


def collector_config(remote_write_url: str, region: str, memory: int) -> str:
    """The collector's configuration (JSON, which is YAML too)."""
    return json.dumps(
        {
            "extensions": {"sigv4auth": {"region": region, "service": "aps"}},
            "receivers": {
                "otlp": {
                    "protocols": {
                        "grpc": {"endpoint": "localhost:4317"},
                        "http": {"endpoint": "localhost:4318"},
                    }
                }
            },
            "processors": {
                "memory_limiter": {
                    "check_interval": "1s",
                    "limit_mib": memory * 3 // 4,
                    "spike_limit_mib": memory // 8,
                },
                "batch": {},
            },
            "exporters": {
                "prometheusremotewrite": {
                    "endpoint": remote_write_url,
                    "auth": {"authenticator": "sigv4auth"},
                    "resource_to_telemetry_conversion": {"enabled": True},
                }
            },
            "service": {
                "extensions": ["sigv4auth"],
                "pipelines": {
                    "metrics": {
                        "receivers": ["otlp"],
                        "processors": ["memory_limiter", "batch"],
                        "exporters": ["prometheusremotewrite"],
                    }
                },
            },
        },
        sort_keys=True,
    )


def collector_container(
    collector: MetricsCollector, region: pulumi.Input[str], log_group: pulumi.Input[str]
) -> dict[str, Any]:
    """The sidecar's container definition (values may be Outputs)."""
    config = pulumi.Output.all(collector.remote_write_url, region).apply(
        lambda args: collector_config(args[0], args[1], collector.memory)
    )
    return {
        "name": COLLECTOR_NAME,
        "image": collector.image,
        "essential": False,
        "cpu": collector.cpu,
        "memory": collector.memory,
        "environment": [{"name": "AOT_CONFIG_CONTENT", "value": config}],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group,
                "awslogs-region": region,
                "awslogs-stream-prefix": "collector",
            },
        },
    }


def otlp_to_collector(env: dict[str, Any]) -> dict[str, str]:
    """The app's OTLP settings for the collector, unless the spec set the endpoint itself:
    HTTP on 4318, or gRPC on 4317 when the spec asks for ``grpc`` (as the plan lists them)."""
    if "OTEL_EXPORTER_OTLP_ENDPOINT" in env:
        return {}
    protocol = env.get("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
    port = 4317 if protocol == "grpc" else 4318
    return {
        "OTEL_EXPORTER_OTLP_PROTOCOL": protocol,
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://localhost:{port}",
    }


def remote_write_statement(collector: MetricsCollector) -> dict[str, Any]:
    """The task role's one permission for it: remote write to this workspace only."""
    return {"Effect": "Allow", "Action": "aps:RemoteWrite", "Resource": collector.workspace_arn}
