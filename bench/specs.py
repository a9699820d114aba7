"""Synthetic handoff specs of N services for the benchmark (web, worker and job in turn).

Every service uses two datastores, as the issue's targets assume; ``environments`` gives
the spec two (staging, prod) or three (dev, staging, prod) environments. Each block of
``SERVICES_PER_DATABASE`` services gets its own database and cache: a security group
takes at most 60 ingress rules (one per calling service), so 200 services sharing one
database is a stack AWS refuses and the preview's conformance check says so.
"""

from __future__ import annotations

SERVICES_PER_DATABASE = 50


def _suffix(index: int) -> str:
    """``""`` for the first block of services (``db``, ``cache``), then ``1``, ``2``..."""
    block = index // SERVICES_PER_DATABASE
    return str(block) if block else ""


def spec_text(services: int, environments: int = 2) -> str:
    envs = ["  dev: {}"] if environments >= 3 else []
    lines = [
        "apiVersion: shipspec/v1",
        "kind: Handoff",
        "metadata: {name: bench, owner: team-bench}",
        "cloud: {provider: aws, region: eu-west-1}",
        "environments:",
        *envs,
        "  staging: {}",
        "  prod: {approval: required, domain: bench.example.com}",
        "datastores:",
        *(
            f'  db{_suffix(first)}: {{engine: postgres, version: "16", storage_gb: 50}}\n'
            f"  cache{_suffix(first)}: {{engine: redis}}"
            for first in range(0, max(services, 1), SERVICES_PER_DATABASE)
        ),
        "  files: {engine: s3}",
        "  jobs: {engine: sqs}",
        "requirements: {availability: 99.95, performance: {peak_rps: 900, latency_p99_ms: 300}}",
        "delivery: {ci: github, strategy: auto, test_command: pytest}",
        "services:",
    ]
    for index in range(services):
        kind = ("web", "worker", "job")[index % 3] if services > 1 else "web"
        name = f"svc{index:03d}"
        block = _suffix(index)
        if kind == "web":
            public = "true" if index % 2 == 0 else "false"
            lines.append(
                f"  {name}: {{type: web, image: ghcr.io/example/{name}:1.0, port: 8080, "
                f"public: {public}, uses: [db{block}, cache{block}], capacity_rps: 100}}"
            )
        elif kind == "worker":
            image = f"ghcr.io/example/{name}:1.0"
            lines.append(f"  {name}: {{type: worker, image: {image}, uses: [jobs, files]}}")
        else:
            lines.append(
                f"  {name}: {{type: job, image: ghcr.io/example/{name}:1.0, "
                f'schedule: "cron(0 3 * * ? *)", uses: [db{block}, files]}}'
            )
    return "\n".join(lines) + "\n"
