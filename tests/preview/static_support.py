"""A spec with a static frontend, three services calling each other and queue consumers,
generated and previewed once per environment for the static-site and queue-scaling tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipspec.preview.result import Preview

from .discovery_support import generate_and_preview

SPEC = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: market, owner: team-market}
cloud: {region: eu-west-1, state: s3://acme-pulumi-state}
environments:
  staging: {domain: staging.market.example.com, hosted_zone: example.com}
  prod: {approval: required, domain: market.example.com}
services:
  frontend:
    type: static
    build: {context: ./frontend, output: dist}
    spa: true
  api:
    type: web
    image: ghcr.io/example/api:1.0
    port: 8080
    public: true
    calls: [catalog, orders]
    uses: [{name: jobs, access: produce}]
  catalog: {type: worker, image: ghcr.io/example/catalog:1.0, port: 9000}
  orders: {type: worker, image: ghcr.io/example/orders:1.0, port: 9100, calls: [catalog]}
  fulfil:
    type: worker
    image: ghcr.io/example/fulfil:1.0
    uses: [jobs]
    scaling: {min: 0, max: 8, queue: jobs, messages_per_task: 20}
  mailer: {type: worker, image: ghcr.io/example/mailer:1.0, uses: [{name: jobs, access: consume}]}
datastores:
  jobs: {engine: sqs, dead_letter: true}
requirements:
  security: {waf: true}
"""


def market_preview(tmp_path_factory: pytest.TempPathFactory, env: str) -> Preview:
    root: Path = tmp_path_factory.mktemp(f"market-{env}")
    (root / "handoff.yaml").write_text(SPEC, encoding="utf-8")
    return generate_and_preview(root / "handoff.yaml", root, env)
