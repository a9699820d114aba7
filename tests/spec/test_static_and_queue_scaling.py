"""`type: static` sites and queue-backlog scaling: what the spec accepts and refuses, located."""

from __future__ import annotations

import pytest

import shipspec
from shipspec.errors import SpecError

HEAD = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: shop, owner: team-shop}
cloud: {region: eu-west-1}
environments:
  dev: {}
  prod: {domain: shop.example.com}
datastores:
  jobs: {engine: sqs}
  files: {engine: s3}
services:
  api: {type: web, image: ghcr.io/example/api:1.0, port: 8080, public: true,
        uses: [{name: jobs, access: produce}]}
"""


def problems(services: str, tail: str = "") -> list[tuple[str, str, str]]:
    try:
        shipspec.loads(HEAD + services + tail)
    except SpecError as error:
        return [(d.path, d.message, d.hint) for d in error.diagnostics]
    return []


def test_a_built_spa_and_a_folder_of_files_are_valid() -> None:
    spec = shipspec.loads(
        HEAD
        + "  front: {type: static, build: {context: ./front, output: dist}, spa: true}\n"
        + "  docs: {type: static, source: ./site, public: true}\n"
    )
    front = spec.services["front"]
    assert front.build is not None and front.build.output == "dist" and front.spa
    assert spec.services["docs"].source == "./site"


@pytest.mark.parametrize(
    ("service", "path", "fragment"),
    [
        ("{type: static}", "services.front", "needs `build`"),
        ("{type: static, source: ., build: {context: ., output: x}}", "services.front", "both"),
        ("{type: static, build: {context: ./front}}", "services.front.build", "needs `output`"),
        ("{type: static, source: ../elsewhere}", "services.front.source", ""),
        ("{type: static, source: /abs}", "services.front.source", ""),
        ("{type: static, source: ., public: false}", "services.front.public", "always public"),
        ("{type: static, source: ., port: 80}", "services.front.port", "does not apply"),
        ("{type: static, source: ., cpu: 1}", "services.front.cpu", "no container"),
        ("{type: static, source: ., uses: [files]}", "services.front.uses", "does not apply"),
        ("{type: static, source: ., image: nginx:1}", "services.front.image", "does not apply"),
        ("{type: worker, image: a:1, source: .}", "services.front.source", "static sites"),
        (
            "{type: worker, build: {context: ., output: dist}}",
            "services.front.build",
            "static sites",
        ),
    ],
)
def test_static_mistakes_are_located(service: str, path: str, fragment: str) -> None:
    found = problems(f"  front: {service}\n")
    assert [p for p, _, _ in found] == [path], found
    assert fragment in found[0][1]


def test_nothing_calls_a_static_site_nor_sets_its_slo_or_environment() -> None:
    site = "  front: {type: static, source: ./site}\n"
    caller = "  wk: {type: worker, image: w:1, calls: [front]}\n"
    assert [p for p, _, _ in problems(site + caller)] == ["services.wk.calls[0]"]
    slo = "observability:\n  slos: [{service: front, objective: 99.9, sli: availability}]\n"
    assert [p for p, _, _ in problems(site, slo)] == ["observability.slos[0].service"]
    text = (HEAD + site).replace("  dev: {}", "  dev: {services: {front: {cpu: 1}}}")
    with pytest.raises(SpecError) as raised:
        shipspec.loads(text)
    assert [d.path for d in raised.value.diagnostics] == ["environments.dev.services.front"]


def test_a_consumer_may_scale_on_its_queue_down_to_zero() -> None:
    spec = shipspec.loads(
        HEAD + "  wk: {type: worker, image: w:1, uses: [jobs], "
        "scaling: {min: 0, max: 10, queue: jobs, messages_per_task: 50}}\n"
    )
    scaling = spec.services["wk"].scaling
    assert scaling is not None and (scaling.queue, scaling.messages_per_task) == ("jobs", 50)
    assert scaling.min == 0


@pytest.mark.parametrize(
    ("service", "path", "fragment"),
    [
        ("{type: worker, image: w:1, scaling: {queue: jobs}}", "queue", "does not use it"),
        (
            "{type: worker, image: w:1, uses: [files], scaling: {queue: files}}",
            "queue",
            "not an SQS",
        ),
        (
            "{type: worker, image: w:1, uses: [{name: jobs, access: produce}], "
            "scaling: {queue: jobs}}",
            "queue",
            "only sends",
        ),
        (
            "{type: web, image: w:1, port: 80, uses: [jobs], scaling: {queue: jobs}}",
            "queue",
            "for workers",
        ),
        (
            "{type: worker, image: w:1, scaling: {messages_per_task: 5}}",
            "messages_per_task",
            "needs",
        ),
        (
            "{type: worker, image: w:1, uses: [jobs], scaling: {queue: jobs, cpu_target: 50}}",
            "cpu_target",
            "fight",
        ),
    ],
)
def test_queue_scaling_mistakes_are_located(service: str, path: str, fragment: str) -> None:
    found = problems(f"  wk: {service}\n")
    assert [p for p, _, _ in found] == [f"services.wk.scaling.{path}"], found
    assert fragment in found[0][1]


def test_an_environment_may_not_scale_on_a_queue_the_worker_only_sends_to() -> None:
    text = (
        HEAD + "  wk: {type: worker, image: w:1, uses: [{name: jobs, access: produce}]}\n"
    ).replace("  dev: {}", "  dev: {services: {wk: {scaling: {queue: jobs}}}}")
    with pytest.raises(SpecError) as raised:
        shipspec.loads(text)
    assert [d.path for d in raised.value.diagnostics] == [
        "environments.dev.services.wk.scaling.queue"
    ]


def test_a_spec_of_static_sites_only_is_refused_with_a_reason() -> None:
    text = HEAD.split("services:")[0] + "services:\n  front: {type: static, source: ./site}\n"
    with pytest.raises(SpecError) as raised:
        shipspec.loads(text)
    [problem] = raised.value.diagnostics
    assert problem.path == "services" and "static site" in problem.message
