"""Property: a spec with every name at the spec's maximum length previews without violations.

Hypothesis draws the names (31 characters, the spec's limit: app, environments, services,
datastores); each example carries every datastore engine, every service type (a public
and an internal web service, a worker, a job) and a production and a non-production
environment, and the test runs once per deployment strategy. Both environments are
generated and previewed; the preview itself raises on a conformance violation, and the
test also asserts the checker finds none. Seeded and bounded: one example per strategy;
the two environments preview at once, in two child processes, as ``--env all`` runs them.

Names the plan computes for the docs (the job's failed-runs EventBridge rule, 107
characters before it is cut to 64) must be the names the stack creates: the runbook's
tables and commands use them.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import shipspec
from shipspec.errors import PreviewError
from shipspec.preview.conformance import check_resources
from shipspec.preview.service import run_previews
from shipspec.spec.types import NAME_PATTERN

LETTERS = "abcdefghijklmnopqrstuvwxyz"
CHARS = LETTERS + "0123456789"
MAX = 31
ENGINES = ("postgres", "mysql", "mariadb", "redis", "memcached", "mongodb", "rabbitmq", "s3", "sqs")
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
STRATEGIES = ("rolling", "blue-green", "canary", "linear", "auto")

max_length_name = st.builds(
    lambda first, middle, last: first + "".join(middle) + last,
    st.sampled_from(LETTERS),
    st.lists(st.sampled_from(CHARS + "-"), min_size=MAX - 2, max_size=MAX - 2),
    st.sampled_from(CHARS),
).filter(lambda n: "--" not in n)

names = st.lists(max_length_name, min_size=7 + len(ENGINES), max_size=7 + len(ENGINES), unique=True)


def spec_text(all_names: list[str], strategy: str) -> str:
    app, prod, dev, web, internal, worker, job, *stores = all_names
    datastores = "".join(f"  {n}: {{engine: {e}}}\n" for n, e in zip(stores, ENGINES, strict=True))
    queue = stores[ENGINES.index("sqs")]
    uses = ", ".join(stores)
    return (
        "apiVersion: shipspec/v1\nkind: Handoff\n"
        f"metadata: {{name: {app}, owner: team}}\n"
        "cloud: {region: eu-central-1}\n"
        "environments:\n"
        f"  {dev}: {{production: false}}\n"
        f"  {prod}: {{production: true, domain: app.example.com, hosted_zone: example.com}}\n"
        "services:\n"
        f"  {web}: {{type: web, image: x/web:1, port: 8080, public: true, uses: [{uses}]}}\n"
        f"  {internal}: {{type: web, image: x/admin:1, port: 8081, public: false}}\n"
        f"  {worker}: {{type: worker, image: x/worker:1, uses: [{queue}]}}\n"
        f"  {job}: {{type: job, image: x/job:1, schedule: 'rate(1 hour)'}}\n"
        f"datastores:\n{datastores}"
        "requirements:\n"
        "  availability: 99.95\n"
        "  security: {waf: true, data_classification: restricted}\n"
        f"delivery: {{strategy: {strategy}}}\n"
    )


@pytest.mark.parametrize("strategy", STRATEGIES)
@settings(
    max_examples=1,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(all_names=names)
def test_max_length_names_preview_without_violations(strategy: str, all_names: list[str]) -> None:
    assert all(len(n) == MAX and re.match(NAME_PATTERN, n) for n in all_names)
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "handoff.yaml"
        spec.write_text(spec_text(all_names, strategy))
        model = shipspec.plan(shipspec.load(spec))
        out = Path(tmp) / "out"
        shipspec.generate(model, out)
        kinds = set()
        # Both environments at once, each in its own child process, as `--env all` runs them.
        results = run_previews(out, [env.name for env in model.environments])
        for env, preview in zip(model.environments, results, strict=True):
            if isinstance(preview, PreviewError):  # a conformance violation, among others
                raise preview
            assert check_resources(preview.resources) == []
            rules = {r.inputs["name"] for r in preview.of_type(EVENT_RULE)}
            planned = {f.name for f in model.monitoring.alarms[env.name].job_failures}
            assert planned and planned <= rules
            assert all(len(name) <= 64 for name in rules)
            kinds.add(env.production)
        assert kinds == {True, False}
