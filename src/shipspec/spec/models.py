"""The handoff spec, version 1: what a team hands over when an application is ready to ship.

This is the user's file, typed. It is deliberately separate from the internal
:class:`~shipspec.plan.model.DeploymentModel`: the spec says what the application
needs, the plan decides what AWS gets. Unknown keys are errors (``extra="forbid"``),
so a typo never silently becomes a default.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .fargate import SizeError, fargate_size
from .types import EnvValue, MemoryMiB, Name, Port, Schedule, Version, in_range

API_VERSION = "shipspec/v1"


class SpecModel(BaseModel):
    """Base of every spec section: strict about unknown keys, immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Metadata(SpecModel):
    name: Name = Field(description="Application name; prefixes every resource name.")
    owner: str = Field(min_length=1, description="Owning team, tagged on every resource.")


class Development(SpecModel):
    """The Phase 6 (development) handoff this deployment starts from."""

    phase: Annotated[int, in_range(1, 8)] = 6
    status: Literal["complete", "in-progress"]
    approved_by: str | None = Field(default=None, description="Who approved the handoff.")
    deliverables: list[str] = Field(default_factory=list)


class Cloud(SpecModel):
    provider: Literal["aws"] = "aws"
    region: str = Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$", description="e.g. eu-west-1")
    state: str | None = Field(
        default=None,
        pattern=r"^(s3://[a-z0-9.\-]{3,63}(/.*)?|https://.+|file://.+)$",
        description="Pulumi state backend URL; Pulumi Cloud when omitted.",
    )


class Environment(SpecModel):
    """One deployment environment. Their order in the spec is the promotion order."""

    approval: Literal["required", "none"] = "none"
    domain: str | None = Field(
        default=None,
        max_length=253,
        pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
        description="Serve public web services on this name over HTTPS.",
    )
    hosted_zone: str | None = Field(
        default=None,
        description="Route 53 zone holding `domain`; defaults to the domain's parent.",
    )
    production: bool | None = Field(
        default=None,
        description="Size and protect as production; defaults to true for prod/production/prd/live.",
    )


class Build(SpecModel):
    context: str = Field(min_length=1)
    dockerfile: str = "Dockerfile"


class Health(SpecModel):
    path: str = Field(default="/health", pattern=r"^/\S*$")
    grace_seconds: Annotated[int, in_range(0, 3600)] = 30


class Scaling(SpecModel):
    min: Annotated[int, in_range(0, 1000)] = 1
    max: Annotated[int, in_range(1, 1000)] = 4
    cpu_target: Annotated[int, in_range(10, 95)] = 60

    @model_validator(mode="after")
    def _min_le_max(self) -> Scaling:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) must not exceed max ({self.max})")
        return self


class Service(SpecModel):
    type: Literal["web", "worker", "job"]
    image: str | None = Field(default=None, pattern=r"^\S+$")
    build: Build | None = None
    port: Port | None = None
    public: bool = False
    health: Health | None = None
    cpu: Annotated[float, in_range(0.25, 16)] = 0.25
    memory: MemoryMiB | None = None
    env: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], EnvValue] = Field(
        default_factory=dict
    )
    secrets: list[Annotated[str, Field(pattern=r"^[A-Z_][A-Z0-9_]*$")]] = Field(
        default_factory=list
    )
    uses: list[str] = Field(default_factory=list)
    scaling: Scaling | None = None
    capacity_rps: Annotated[float, in_range(1, 1_000_000)] | None = None
    schedule: Schedule | None = None

    @model_validator(mode="after")
    def _fits_type(self) -> Service:
        if (self.image is None) == (self.build is None):
            raise ValueError("give exactly one of `image` or `build`")
        if self.type == "web" and self.port is None:
            raise ValueError("a web service needs `port`: the container port it listens on")
        if self.type == "job" and self.schedule is None:
            raise ValueError("a job needs `schedule`, e.g. 'cron(0 3 * * ? *)' or 'rate(1 hour)'")
        if self.type != "job" and self.schedule is not None:
            raise ValueError(f"`schedule` is for jobs; this service is a {self.type}")
        if self.type != "web" and (self.public or self.health or self.capacity_rps):
            raise ValueError(f"`public`, `health` and `capacity_rps` are for web services, not {self.type}s")
        try:
            fargate_size(self.cpu, self.memory)
        except SizeError as error:
            raise ValueError(f"no Fargate size fits: {error}") from None
        return self


SqlEngine = Literal["postgres", "mysql"]


class Datastore(SpecModel):
    engine: Literal["postgres", "mysql", "redis", "s3", "sqs"]
    version: Annotated[Version, Field(pattern=r"^\d+(\.\d+){0,2}$")] | None = None
    storage_gb: Annotated[int, in_range(20, 65536)] | None = None
    backup_days: Annotated[int, in_range(0, 35)] | None = None
    dead_letter: bool | None = None

    @model_validator(mode="after")
    def _fits_engine(self) -> Datastore:
        allowed = {
            "postgres": {"version", "storage_gb", "backup_days"},
            "mysql": {"version", "storage_gb", "backup_days"},
            "redis": {"version", "backup_days"},
            "s3": set(),
            "sqs": {"dead_letter"},
        }[self.engine]
        misplaced = sorted(self.model_fields_set - allowed - {"engine"})
        if misplaced:
            names = ", ".join(f"`{m}`" for m in misplaced)
            raise ValueError(f"{names} does not apply to engine {self.engine}")
        return self


class Performance(SpecModel):
    peak_rps: Annotated[float, in_range(0, 10_000_000)] | None = None
    latency_p99_ms: Annotated[int, in_range(1, 120_000)] | None = None


class Security(SpecModel):
    compliance: list[Literal["pci-dss", "hipaa", "soc2"]] = Field(default_factory=list)
    data_classification: Literal["public", "internal", "confidential", "restricted"] = "internal"
    waf: bool = False


class Requirements(SpecModel):
    availability: Annotated[float, in_range(90, 99.999)] = 99.9
    performance: Performance = Field(default_factory=Performance)
    security: Security = Field(default_factory=Security)


class Delivery(SpecModel):
    ci: Literal["github", "gitlab"] = "github"
    strategy: Literal["rolling", "blue-green", "canary", "linear", "auto"] = "auto"
    test_command: str | None = None


class Slo(SpecModel):
    service: str
    objective: Annotated[float, in_range(50, 99.999)]
    sli: Literal["availability", "latency"]
    threshold_ms: Annotated[int, in_range(1, 120_000)] | None = None

    @model_validator(mode="after")
    def _threshold_for_latency(self) -> Slo:
        if self.sli == "latency" and self.threshold_ms is None:
            raise ValueError("a latency SLO needs `threshold_ms`")
        if self.sli == "availability" and self.threshold_ms is not None:
            raise ValueError("`threshold_ms` is only for latency SLOs")
        return self


class Observability(SpecModel):
    alert_email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    slos: list[Slo] = Field(default_factory=list)


class HandoffSpec(SpecModel):
    """A whole handoff spec (``apiVersion: shipspec/v1``, ``kind: Handoff``)."""

    api_version: Literal["shipspec/v1"] = Field(alias="apiVersion")
    kind: Literal["Handoff"]
    metadata: Metadata
    development: Development | None = None
    cloud: Cloud
    environments: Annotated[dict[Name, Environment], Field(min_length=1)]
    services: Annotated[dict[Name, Service], Field(min_length=1)]
    datastores: dict[Name, Datastore] = Field(default_factory=dict)
    requirements: Requirements = Field(default_factory=Requirements)
    delivery: Delivery = Field(default_factory=Delivery)
    observability: Observability = Field(default_factory=Observability)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
