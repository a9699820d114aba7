"""The managed Prometheus path: where it runs and what it adds to each task.

With ``observability.prometheus: managed`` the stack of the environment the SLO rules
describe (``monitoring.environment``) gets an Amazon Managed Service for Prometheus
workspace, and every service's task there an AWS Distro for OpenTelemetry collector sidecar that
receives the app's OTLP metrics on localhost and remote-writes them to the workspace.
Other stacks get none: the rules' alerts carry the production environment's label, so
loading them elsewhere would page about the wrong environment. Scheduled jobs get none
either (:func:`no_collector`): a collector still running when the job exits is stopped with
the task and can exit non-zero (143 on SIGTERM, 137 when killed), which the job's
failed-runs rule would read as a failed run.

The collector needs room in the task. Its memory is a hard limit added on top of what
the service asked for, and the sum rounded up to a Fargate size, so the app keeps at
least its own request however much the collector uses; its CPU is a reservation carved
out of the task's (the app container gets the rest, so the two share CPU by those
weights instead of an unweighted app losing to a weighted collector).
"""

from __future__ import annotations

from ..spec.fargate import MEMORY_BY_CPU, cpu_units, fargate_size
from ..spec.models import HandoffSpec
from .decisions import Decisions
from .model import PrometheusPlan, ServicePlan

# The ADOT collector release, pinned: a moving tag could change the config schema under a
# running stack. v0.47.0 is the release AWS's own EKS Anywhere packaging builds
# (aws/eks-anywhere-build-tooling, projects/aws-observability/aws-otel-collector).
COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.47.0"
# An OTLP-to-remote-write pipeline for one task's series: a small, bounded footprint.
COLLECTOR_CPU = 64
COLLECTOR_MEMORY = 128
# The collector's OTLP receiver: gRPC on 4317, HTTP on 4318 (the OTLP specification's ports).
OTLP_PORTS = {"grpc": 4317, "http/protobuf": 4318, "http/json": 4318}


def plan_prometheus(
    spec: HandoffSpec, environment: str, monitored: str, log: Decisions
) -> PrometheusPlan | None:
    """The managed path for ``environment``, or None: off in the spec, or not the
    environment the rules describe (``monitored``)."""
    if spec.observability.prometheus != "managed":
        return None
    if environment != monitored:
        log.decide(
            "prometheus",
            None,
            f"observability.prometheus is managed, but the rules describe {monitored!r}: "
            "no workspace or collector here",
        )
        return None
    return log.decide(
        "prometheus",
        PrometheusPlan(
            collector_image=COLLECTOR_IMAGE,
            collector_cpu=COLLECTOR_CPU,
            collector_memory=COLLECTOR_MEMORY,
            rule_namespace=f"{spec.metadata.name}-slos",
        ),
        "observability.prometheus is managed: an Amazon Managed Service for Prometheus "
        "workspace with the generated rules and alert routing, and an ADOT collector beside "
        "every service's task (not the scheduled jobs') remote-writing the app's OTLP "
        "metrics to it",
    )


def with_collector(
    spec: HandoffSpec, s: ServicePlan, prometheus: PrometheusPlan, log: Decisions
) -> ServicePlan:
    """``s`` resized to hold the collector, its app pointed at the collector's OTLP port
    (HTTP unless the spec's ``OTEL_EXPORTER_OTLP_PROTOCOL`` says gRPC; a spec's own
    ``OTEL_EXPORTER_OTLP_ENDPOINT`` wins)."""
    service = spec.services[s.name]
    vcpu, app_memory = fargate_size(service.cpu, service.memory)
    wanted = app_memory + prometheus.collector_memory
    # The smallest CPU at or above the service's whose memory sizes reach the sum.
    fits = next((c for c in MEMORY_BY_CPU if c >= vcpu and MEMORY_BY_CPU[c][-1] >= wanted), None)
    if fits is None:  # already Fargate's largest memory: the collector's share comes out of it
        task_vcpu, task_memory = vcpu, app_memory
    else:
        task_vcpu, task_memory = fargate_size(fits, wanted)
    log.decide(
        f"services.{s.name}.collector_size",
        {"cpu": cpu_units(task_vcpu), "memory": task_memory},
        f"the app's {app_memory} MiB plus the collector's {prometheus.collector_memory} MiB, "
        f"rounded up to the Fargate size {task_vcpu:g} vCPU / {task_memory} MiB; the collector "
        f"reserves {prometheus.collector_cpu} of its CPU units",
        app_memory=app_memory,
        collector_memory=prometheus.collector_memory,
    )
    env = dict(s.env)
    if "OTEL_EXPORTER_OTLP_ENDPOINT" not in env:
        protocol = env.setdefault("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        port = OTLP_PORTS.get(protocol, OTLP_PORTS["http/protobuf"])
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = f"http://localhost:{port}"
    return s.model_copy(
        update={
            "cpu": cpu_units(task_vcpu),
            "memory": task_memory,
            "env": dict(sorted(env.items())),
        }
    )


def no_collector(s: ServicePlan, log: Decisions) -> ServicePlan:
    """A scheduled job, unchanged: its task runs no collector.

    The job's failed-runs rule matches a STOPPED task event with any container's
    ``exitCode`` other than 0: EventBridge matches each field of an array of objects on its
    own, so "the job's container, and exit code not 0" cannot be said of one element. When
    the job exits 0, ECS stops the task's other containers (SIGTERM, then SIGKILL after the
    stop timeout): a collector beside it can exit 143 or 137, and a good run would read
    as failed. With the job's container alone, every exit code the rule sees is the job's.
    Prometheus's own guidance, too, is not to scrape short-lived batch jobs.
    """
    log.decide(
        f"services.{s.name}.collector",
        None,
        "a scheduled job: no OpenTelemetry collector beside it. ECS stops a collector still "
        "running when the job exits (it can exit 143, or 137 after the stop timeout), and the "
        "job's failed-runs rule, which reads every container's exit code, would report a "
        "successful run as failed; its metrics do not reach the workspace (its failed, hung "
        "and missed runs are CloudWatch's and EventBridge's)",
    )
    return s
