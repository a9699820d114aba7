"""Valid specs load: the examples, and every scalar form the spec accepts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import shipspec
from shipspec.errors import SpecError
from shipspec.plan.planner import plan
from shipspec.spec.models import HandoffSpec
from shipspec.spec.schedule import check_schedule
from shipspec.spec.types import SpecValueError, parse_memory_mib

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HEADER = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: app, owner: team-app}
cloud: {region: eu-west-1}
environments: {prod: {}}
"""


def web(extra: str = "", *, tail: str = "") -> HandoffSpec:
    """A one-service spec whose web service has ``extra`` fields (flow style, no braces)."""
    fields = "type: web, image: ghcr.io/example/web:1.0, port: 8080"
    return shipspec.loads(
        HEADER + f"services:\n  web: {{{fields}{', ' + extra if extra else ''}}}\n" + tail
    )


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.yaml")))
def test_every_example_loads_and_plans(name: str) -> None:
    spec = shipspec.load(EXAMPLES / f"{name}.yaml")
    model = plan(spec, spec_file=f"examples/{name}.yaml")
    assert [e.name for e in model.environments] == list(spec.environments)


def test_the_four_example_shapes_exist() -> None:
    assert {"minimal", "webapp", "full", "shop"} <= {p.stem for p in EXAMPLES.glob("*.yaml")}


def test_minimal_is_one_web_service_in_one_environment() -> None:
    spec = shipspec.load(EXAMPLES / "minimal.yaml")
    assert list(spec.environments) == ["prod"]
    assert [(n, s.type) for n, s in spec.services.items()] == [("web", "web")]
    assert not spec.datastores and spec.development is None


@pytest.mark.parametrize("line", [3, 4, 5, 6, 8, 9])
def test_minimal_has_nothing_to_spare(line: int) -> None:
    """Dropping any line of the minimal example makes it invalid: it is the smallest."""
    lines = (EXAMPLES / "minimal.yaml").read_text().splitlines()
    assert not lines[line - 1].startswith("#")
    with pytest.raises(SpecError):
        shipspec.loads("\n".join(lines[: line - 1] + lines[line:]))


@pytest.mark.parametrize("field", ["image", "port"])
def test_minimal_web_service_needs_each_of_its_fields(field: str) -> None:
    text = (EXAMPLES / "minimal.yaml").read_text()
    value = {"image": "image: ghcr.io/example/hello:1.0.0, ", "port": ", port: 8080"}[field]
    with pytest.raises(SpecError):
        shipspec.loads(text.replace(value, ""))


def test_webapp_is_web_worker_postgres_redis_on_gitlab_rolling() -> None:
    spec = shipspec.load(EXAMPLES / "webapp.yaml")
    assert sorted(s.type for s in spec.services.values()) == ["web", "worker"]
    assert sorted(d.engine for d in spec.datastores.values()) == ["postgres", "redis"]
    assert list(spec.environments) == ["dev", "prod"]
    assert (spec.delivery.ci, spec.delivery.strategy) == ("gitlab", "rolling")


def _fields_used(value: Any, used: set[tuple[str, str]]) -> None:
    if isinstance(value, BaseModel):
        used.update((type(value).__name__, name) for name in value.model_fields_set)
        for name in value.model_fields_set:
            _fields_used(getattr(value, name), used)
    elif isinstance(value, dict):
        for item in value.values():
            _fields_used(item, used)
    elif isinstance(value, list | tuple):
        for item in value:
            _fields_used(item, used)


def _all_fields(model: type[BaseModel], found: set[tuple[str, str]]) -> None:
    for name, info in model.model_fields.items():
        if (model.__name__, name) in found:
            continue
        found.add((model.__name__, name))
        for nested in _models_in(info.annotation):
            _all_fields(nested, found)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _models_in(arg)]


def test_full_example_uses_every_field_of_the_spec() -> None:
    used: set[tuple[str, str]] = set()
    _fields_used(shipspec.load(EXAMPLES / "full.yaml"), used)
    every: set[tuple[str, str]] = set()
    _all_fields(HandoffSpec, every)
    assert every - used == set()
    assert ("Service", "build") in every and ("Health", "grace_seconds") in every


def test_full_example_covers_every_choice_that_changes_the_plan() -> None:
    spec = shipspec.load(EXAMPLES / "full.yaml")
    assert spec.delivery.strategy == "linear"
    assert {s.type for s in spec.services.values()} == {"web", "worker", "job", "static"}
    assert {s.public for s in spec.services.values() if s.type == "web"} == {True, False}
    assert {e.production for e in spec.environments.values()} == {None, True, False}


@pytest.mark.parametrize(
    ("text", "mib"),
    [
        ("512MiB", 512),
        ("1GiB", 1024),
        ("2GB", 2048),
        ("2048", 2048),
        (2048, 2048),
        ("1.5GiB", 1536),
        ("1.5G", 1536),
        ("512M", 512),
        ("512mb", 512),
        ("4gib", 4096),
        (" 2 GiB ", 2048),
        (3072.0, 3072),
    ],
)
def test_memory_sizes_parse_to_mib(text: Any, mib: int) -> None:
    assert parse_memory_mib(text) == mib


@pytest.mark.parametrize(
    "text",
    ["lots", "0", "0GiB", "-1GiB", "1.3MiB", "1TB", "1 GiB 2", "", True, None, [], float("inf")],
)
def test_memory_sizes_that_are_not_sizes(text: Any) -> None:
    with pytest.raises(SpecValueError) as caught:
        parse_memory_mib(text)
    assert "512MiB" in caught.value.hint


def test_memory_reaches_the_model_in_mib() -> None:
    assert web("cpu: 1, memory: 1.5GiB").services["web"].memory == 1536
    assert web().services["web"].memory is None


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(1 hour)",
        "rate(12 hours)",
        "rate(1 day)",
        "rate(7 days)",
        "cron(0 3 * * ? *)",
        "cron(0/15 * * * ? *)",
        "cron(30 2 ? * MON-FRI *)",
        "cron(0 9 ? * 2#1 *)",
        "cron(0 0 L * ? *)",
        "cron(0 0 15W * ? *)",
        "cron(0 0 LW * ? *)",
        "cron(0 0 ? * 6L *)",
        "cron(0 12 1,15 JAN,JUL ? 2030-2040)",
        "cron(5-10 * * * ? *)",
        "  rate(1 hour)  ",
    ],
)
def test_valid_eventbridge_schedules(expression: str) -> None:
    assert check_schedule(expression) == expression.strip()


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("0 3 * * *", "looks like Unix cron"),
        ("@daily", "must be an EventBridge schedule"),
        ("rate(0 minutes)", "at least 1"),
        ("rate(1 minutes)", "rate(1 minute) or rate(N minutes)"),
        ("rate(5 minute)", "rate(1 minute) or rate(N minutes)"),
        ("rate(5 weeks)", "must be an EventBridge schedule"),
        ("rate(٣ hours)", "must be an EventBridge schedule"),
        ("cron(0 3 * * *)", "cron needs 6 fields"),
        ("cron(0 3 * * ? * *)", "cron needs 6 fields"),
        ("cron(60 3 * * ? *)", "minutes must be 0-59, got 60"),
        ("cron(0 24 * * ? *)", "hours must be 0-23"),
        ("cron(0 3 0 * ? *)", "day-of-month must be 1-31"),
        ("cron(0 3 * 13 ? *)", "month must be 1-12"),
        ("cron(0 3 ? * 8 *)", "day-of-week must be 1-7"),
        ("cron(0 3 * * ? 2300)", "year must be 1970-2199"),
        ("cron(0 3 * * * *)", "exactly one of day-of-month and day-of-week"),
        ("cron(0 3 ? * ? *)", "exactly one of day-of-month and day-of-week"),
        ("cron(? 3 * * ? *)", "minutes has an invalid value '?'"),
        ("cron(0/0 3 * * ? *)", "step '0' must be a positive number"),
        ("cron(0,,5 3 * * ? *)", "minutes has an invalid value ''"),
        ("cron(0 3 32W * ? *)", "day-of-month has an invalid value '32W'"),
        ("cron(0 3 ? * 3W *)", "day-of-week has an invalid value '3W'"),
        ("cron(٣ 3 * * ? *)", "minutes has an invalid value"),
        ("cron(0 3 * FOO ? *)", "month has an invalid value 'FOO'"),
    ],
)
def test_invalid_schedules_say_which_rule_broke(expression: str, fragment: str) -> None:
    with pytest.raises(ValueError) as caught:
        check_schedule(expression)
    assert fragment in str(caught.value)
    assert getattr(caught.value, "hint", "")


def test_a_schedule_error_is_located_at_the_schedule() -> None:
    text = (
        HEADER + "services:\n  nightly:\n    type: job\n    image: x:1\n    schedule: 0 3 * * *\n"
    )
    with pytest.raises(SpecError) as caught:
        shipspec.loads(text)
    [problem] = caught.value.diagnostics
    assert (problem.path, problem.line, problem.column) == ("services.nightly.schedule", 10, 15)
    assert "cron(0 3 * * ? *)" in problem.hint


@pytest.mark.parametrize(
    ("yaml_value", "text"),
    [
        ("8080", "8080"),
        ("true", "true"),
        ("false", "false"),
        ("0.5", "0.5"),
        ("-3", "-3"),
        ('"007"', "007"),
        ("info", "info"),
        ('""', ""),
    ],
)
def test_env_values_are_text_whatever_yaml_read(yaml_value: str, text: str) -> None:
    assert web(f"env: {{VALUE: {yaml_value}}}").services["web"].env == {"VALUE": text}


@pytest.mark.parametrize(
    ("yaml_value", "text"),
    [('"16"', "16"), ("16", "16"), ('"16.4"', "16.4"), ('"8.0.36"', "8.0.36"), ('"7"', "7")],
)
def test_datastore_versions_are_text(yaml_value: str, text: str) -> None:
    spec = web(tail=f"datastores:\n  db: {{engine: postgres, version: {yaml_value}}}\n")
    assert spec.datastores["db"].version == text


def test_an_unquoted_decimal_version_asks_for_quotes() -> None:
    with pytest.raises(SpecError) as caught:
        web(tail="datastores:\n  db: {engine: mysql, version: 8.0}\n")
    [problem] = caught.value.diagnostics
    assert problem.path == "datastores.db.version"
    assert 'quote the version: "8.0"' in problem.hint


@pytest.mark.parametrize("cpu", [0.25, 0.5, 1, 2, 4, 8, 16, 0.3, 3])
def test_any_cpu_in_fargate_range_loads(cpu: float) -> None:
    assert web(f"cpu: {cpu}").services["web"].cpu == cpu


@pytest.mark.parametrize("name", ["ab", "web", "order-api", "a1", "x" * 31, "web-2"])
def test_names_that_are_valid(name: str) -> None:
    header = HEADER.replace("{name: app", f"{{name: {name}")
    spec = shipspec.loads(header + f"services:\n  {name}: {{type: worker, image: x:1}}\n")
    assert (spec.metadata.name, list(spec.services)) == (name, [name])


def test_defaults_fill_what_the_spec_leaves_out() -> None:
    spec = web()
    service = spec.services["web"]
    assert (service.cpu, service.public, service.health, service.scaling) == (
        0.25,
        False,
        None,
        None,
    )
    assert (spec.delivery.ci, spec.delivery.strategy) == ("github", "auto")
    assert spec.requirements.availability == 99.9
    assert spec.cloud.provider == "aws" and spec.cloud.state is None
    assert spec.environments["prod"].approval == "none"


def test_a_loaded_spec_is_immutable() -> None:
    spec = web()
    with pytest.raises(ValueError, match="frozen"):
        spec.services["web"].port = 1  # type: ignore[misc]
