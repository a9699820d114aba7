"""Invalid specs, each paired with the diagnostic a user must see: the expected messages as data.

Each case mutates one valid base document (below, with its line numbers) and names the
field path, the ``line:column`` the editor jumps to, and fragments of the message and
the hint. Every mistake is a located message with a hint; none is a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

import shipspec
from shipspec.errors import Diagnostic, SpecError

BASE = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: shop, owner: team-shop}
cloud: {region: eu-west-1}
environments:
  dev: {}
  prod: {domain: shop.example.com}
services:
  web:
    type: web
    image: ghcr.io/example/web:1.0
    port: 8080
    uses: [db]
  mailer: {type: worker, image: ghcr.io/example/mailer:1.0}
datastores:
  db: {engine: postgres}
"""
PORT = "    port: 8080\n"  # line 12; text added after it starts on line 13
MAILER = "type: worker, image: ghcr.io/example/mailer:1.0"  # line 14, the worker's fields
ENVIRONMENTS = "environments:\n  dev: {}\n  prod: {domain: shop.example.com}\n"  # lines 5-7
DB = "db: {engine: postgres}"  # line 16
S3_SIZED = "engine: s3, storage_gb: 100"
SLOS = "observability:\n  slos:\n"  # lines 17-18 when appended


@dataclass(frozen=True)
class Case:
    id: str
    edits: tuple[tuple[str, str], ...]  # (text of BASE, its replacement)
    path: str
    where: str  # "line:column"
    message: str  # a fragment of the message
    hint: str  # a fragment of the hint
    tail: str = ""  # text appended after line 16

    def text(self) -> str:
        text = BASE
        for old, new in self.edits:
            assert text.count(old) == 1, f"{self.id}: {old!r} must occur once in BASE"
            text = text.replace(old, new)
        return text + self.tail


def after_port(text: str) -> tuple[tuple[str, str], ...]:
    return ((PORT, PORT + text),)


def mailer(fields: str) -> tuple[tuple[str, str], ...]:
    return ((MAILER, fields),)


# fmt: off
CASES = [
    # Unknown keys, with "did you mean".
    Case("unknown-key", after_port("    helth: {path: /healthz}\n"), "services.web.helth", "13:5",
         "unknown field `helth`", "did you mean `health`?"),
    Case("unknown-key-in-environment", (("prod: {domain:", "prod: {domian:"),),
         "environments.prod.domian", "7:10", "unknown field `domian`", "did you mean `domain`?"),
    Case("unknown-top-level-key", (), "obserability", "17:1", "unknown field `obserability`",
         "did you mean `observability`?", tail="obserability: {}\n"),
    Case("unknown-key-far-from-any", after_port("    zzz: 1\n"), "services.web.zzz", "13:5",
         "unknown field `zzz`",
         "allowed here: app_tls, build, calls, capacity_rps, "),
    # Wrong types.
    Case("text-for-a-number", (("port: 8080", "port: eighty"),), "services.web.port", "12:11",
         "must be a whole number, got 'eighty'", "whole number"),
    Case("bool-for-a-number", (("port: 8080", "port: true"),), "services.web.port", "12:11",
         "must be a number from 1 to 65535, got true", "e.g. 8080"),
    Case("list-for-a-mapping", after_port("    env: [LOG_LEVEL=info]\n"), "services.web.env",
         "13:10", "must be a mapping of keys to values, got a list", "`name: value` pairs"),
    Case("text-for-a-bool", after_port("    public: maybe\n"), "services.web.public", "13:13",
         "must be true or false, got 'maybe'", "write true or false"),
    Case("text-for-a-list", (("uses: [db]", "uses: db"),), "services.web.uses", "13:11",
         "must be a list, got 'db'", "`[a, b]`"),
    Case("mapping-for-text", after_port("    env: {LIMITS: {cpu: 1}}\n"), "services.web.env.LIMITS",
         "13:11", "must be text, got a mapping", "plain text"),
    Case("empty-section", (), "requirements", "17:1", "got nothing (null)", "write `{}` for none",
         tail="requirements:\n"),
    Case("float-version", (("db: {engine: postgres}", "db: {engine: postgres, version: 16.4}"),),
         "datastores.db.version", "16:35", "read as a number by YAML", 'quote the version: "16.4"'),
    # Out of range.
    Case("port-out-of-range", (("port: 8080", "port: 70000"),), "services.web.port", "12:11",
         "must be 1-65535, got 70000", "the port the container listens on"),
    Case("cpu-out-of-range", after_port("    cpu: 32\n"), "services.web.cpu", "13:10",
         "must be 0.25-16, got 32", "0.25, 0.5, 1, 2, 4, 8 or 16"),
    Case("availability-out-of-range", (), "requirements.availability", "17:30",
         "must be 90-99.999, got 100", "a percentage", tail="requirements: {availability: 100}\n"),
    # Missing required fields.
    Case("missing-kind", (("kind: Handoff\n", ""),), "kind", "1:1", "is required", "add `kind`"),
    Case("missing-service-type", (("    type: web\n", ""),), "services.web.type", "9:3",
         "is required", "add `type`"),
    Case("missing-region", (("cloud: {region: eu-west-1}", "cloud: {}"),), "cloud.region", "4:1",
         "is required", "add `region`"),
    Case("no-environments",
         ((ENVIRONMENTS, "environments: {}\n"),),
         "environments", "5:1", "must not be empty", "at least one"),
    Case("web-without-port", ((PORT, ""),), "services.web", "9:3", "a web service needs `port`",
         "port: 8080"),
    Case("neither-image-nor-build", (("    image: ghcr.io/example/web:1.0\n", ""),), "services.web",
         "9:3", "needs `image` or `build`", "build: {context: ./web}"),
    # References between sections.
    Case("uses-undeclared-datastore", (("uses: [db]", "uses: [dbb]"),), "services.web.uses[0]",
         "13:12", "names datastore 'dbb', which is not declared", "did you mean `db`?"),
    Case("uses-unlike-any-datastore", (("uses: [db]", "uses: [queue]"),), "services.web.uses[0]",
         "13:12", "'queue', which is not declared", "declared datastores: db"),
    Case("slo-unknown-service", (), "observability.slos[0].service", "19:17",
         "names service 'wbe', which is not declared", "did you mean `web`?",
         tail=SLOS + "    - {service: wbe, objective: 99.9, sli: availability}\n"),
    Case("latency-slo-on-worker", (), "observability.slos[0].service", "19:17",
         "a latency SLO needs a web service; 'mailer'", "use an availability SLO",
         tail=SLOS + "    - {service: mailer, objective: 99, sli: latency, threshold_ms: 300}\n"),
    Case("latency-slo-without-threshold", (), "observability.slos[0]", "19:7",
         "a latency SLO needs `threshold_ms`", "threshold_ms: 300",
         tail=SLOS + "    - {service: web, objective: 99, sli: latency}\n"),
    Case("service-and-datastore-share-a-name",
         (("db: {engine: postgres}", "db: {engine: postgres}\n  mailer: {engine: sqs}"),),
         "datastores.mailer", "17:3", "`mailer` names both a service and a datastore",
         "rename the datastore"),
    Case("service-named-after-a-db-admin-task", (("  mailer: {type", "  db-admin: {type"),),
         "services.db-admin", "14:3", "`db-admin` is the name of datastore `db`'s db-admin task",
         "rename the service"),
    Case("migrate-without-database", ((MAILER, MAILER + ", migrate: [m]"),),
         "services.mailer.migrate", "14:61",
         "`migrate` needs a PostgreSQL, MySQL or MariaDB", "add the database to `uses`"),
    Case("service-named-after-a-migration",
         (("    uses: [db]\n", "    uses: [db]\n    migrate: [m]\n"),
          ("  mailer: {type", "  web-migrate: {type")),
         "services.web-migrate", "15:3", "`web-migrate` is the name of service `web`'s",
         "rename one of the services"),
    Case("migrate-on-a-job",
         ((MAILER, "type: job, image: ghcr.io/example/m:1, schedule: 'rate(1 hour)', "
                   "uses: [db], migrate: [m]"),),
         "services.mailer.migrate", "14:98", "a job has no rollout to run it before",
         "move `migrate`"),
    Case("env-and-secret",
         after_port("    env: {STRIPE_KEY: pk_test}\n    secrets: [STRIPE_KEY]\n"),
         "services.web.env.STRIPE_KEY", "13:11", "is both in `env` and in `secrets`",
         "keep it in `secrets` only"),
    # Repeats.
    Case("duplicate-environment", (("  dev: {}\n", "  dev: {}\n  dev: {approval: required}\n"),),
         "environments.dev", "7:3", "environments are named once", "rename one of them"),
    Case("duplicate-service", (("  mailer: {type", "  web: {type"),), "services.web", "14:3",
         "service `web` is defined twice (first on line 9)", "rename one of them"),
    Case("duplicate-field", after_port("    port: 9090\n"), "services.web.port", "13:5",
         "`port` is given twice (first on line 12)", "keep one"),
    Case("duplicate-uses", (("uses: [db]", "uses: [db, db]"),), "services.web.uses[1]", "13:16",
         "lists 'db' twice", "remove the repeat"),
    Case("duplicate-secret", after_port("    secrets: [API_KEY, API_KEY]\n"),
         "services.web.secrets[1]", "13:24", "lists 'API_KEY' twice", "remove the repeat"),
    # Service-to-service calls (Service Connect).
    Case("calls-unknown-service", after_port("    calls: [mailr]\n"), "services.web.calls[0]",
         "13:13", "names service 'mailr', which is not declared", "did you mean `mailer`?"),
    Case("calls-itself", after_port("    calls: [web]\n"), "services.web.calls[0]", "13:13",
         "cannot call itself", "reaches itself on localhost"),
    Case("calls-service-without-port", after_port("    calls: [mailer]\n"),
         "services.web.calls[0]", "13:13", "'mailer' cannot be called: it has no `port`",
         "give `mailer` a `port`"),
    Case("calls-from-job",
         ((MAILER, "type: job, image: ghcr.io/example/m:1, schedule: 'rate(1 hour)', "
                   "calls: [web]"),),
         "services.mailer.calls", "14:84", "a job cannot call other services",
         "make it a `worker`"),
    Case("duplicate-calls", ((MAILER, MAILER + ", port: 9000, calls: [web, web]"),),
         "services.mailer.calls[1]", "14:86", "lists 'web' twice", "remove the repeat"),
    # Credentials in plain sight.
    Case("aws-access-key", after_port("    env: {AWS_KEY_ID: AKIAIOSFODNN7EXAMPLE}\n"),
         "services.web.env.AWS_KEY_ID", "13:23", "looks like an AWS access key id",
         "list `AWS_KEY_ID` under `secrets`"),
    Case("private-key",
         after_port('    env: {TLS_KEY: "-----BEGIN RSA PRIVATE KEY-----\\nMIIE"}\n'),
         "services.web.env.TLS_KEY", "13:20", "looks like a private key", "Secrets Manager"),
    Case("github-token", after_port("    env: {GH: ghp_abcdefghijklmnopqrstuvwxyz0123456789}\n"),
         "services.web.env.GH", "13:15", "looks like a GitHub token", "under `secrets`"),
    Case("slack-token", after_port("    env: {SLACK_HOOK: xoxb-123456789012-abcdefghij}\n"),
         "services.web.env.SLACK_HOOK", "13:23", "looks like a Slack token", "under `secrets`"),
    Case("password-with-a-value", after_port("    env: {DB_PASSWORD: hunter2hunter2}\n"),
         "services.web.env.DB_PASSWORD", "13:24", "the name DB_PASSWORD says so",
         "list `DB_PASSWORD` under `secrets`"),
    Case("password-that-yaml-reads-as-a-number", after_port("    env: {DB_PASSWORD: 12345678}\n"),
         "services.web.env.DB_PASSWORD", "13:24", "credentials must not be in `env`",
         "under `secrets`"),
    Case("url-with-a-password",
         after_port("    env: {DATABASE_URL: 'postgres://app:s3cret@db:5432/app'}\n"),
         "services.web.env.DATABASE_URL", "13:25", "a URL with a password", "under `secrets`"),
    # Service rules.
    Case("memory-fits-no-fargate-size", after_port("    memory: 8GiB\n"), "services.web.memory",
         "13:13", "8 GiB does not fit 0.25 vCPU (at most 2 GiB); ask for cpu: 1", "set `cpu: 1`"),
    Case("memory-beyond-fargate", after_port("    cpu: 16\n    memory: 200GiB\n"),
         "services.web.memory", "14:13", "more than Fargate's largest size, 120 GiB",
         "memory: 120GiB"),
    Case("memory-not-a-size", after_port("    memory: lots\n"), "services.web.memory", "13:13",
         "must be a size such as 512MiB", "a bare number is MiB"),
    Case("image-and-build", after_port("    build: {context: ./web}\n"), "services.web", "9:3",
         "has both `image` and `build`; give exactly one", "keep `image`"),
    Case("job-without-schedule", mailer("type: job, image: ghcr.io/example/mailer:1.0"),
         "services.mailer", "14:3", "a job needs `schedule`", "cron(0 3 * * ? *)"),
    Case("unix-cron", mailer("type: job, image: x:1, schedule: '0 3 * * *'"),
         "services.mailer.schedule", "14:45", "looks like Unix cron", "'cron(0 3 * * ? *)'"),
    Case("schedule-on-worker", mailer(f"{MAILER}, schedule: 'rate(1 hour)'"),
         "services.mailer.schedule", "14:71", "`schedule` is for jobs; this service is a worker",
         "set `type: job`"),
    Case("on-failure-on-worker", mailer(f"{MAILER}, on_failure: page"),
         "services.mailer.on_failure", "14:73", "`on_failure` is for jobs",
         "remove `on_failure`, or set `type: job`"),
    Case("on-failure-on-static", mailer("type: static, source: ./site, on_failure: ticket"),
         "services.mailer.on_failure", "14:54", "`on_failure` does not apply to a static site",
         "`on_failure` is for jobs"),
    Case("on-failure-misspelt", mailer("type: job, image: x:1, schedule: 'rate(1 day)', "
                                       "on_failure: pager"),
         "services.mailer.on_failure", "14:72", "must be one of 'page' or 'ticket', got 'pager'",
         "did you mean `page`?"),
    Case("on-failure-unknown-choice", mailer("type: job, image: x:1, schedule: 'rate(1 day)', "
                                             "on_failure: wake"),
         "services.mailer.on_failure", "14:72", "must be one of 'page' or 'ticket', got 'wake'",
         "`page`: a failed, hung, dropped or missed run wakes the on-call in production"),
    Case("health-on-worker", mailer(f"{MAILER}, health: {{path: /}}"), "services.mailer.health",
         "14:61", "`health` is for web services", "remove `health`"),
    Case("scaling-min-above-max", after_port("    scaling: {min: 5, max: 2}\n"),
         "services.web.scaling", "13:5", "min (5) must not exceed max (2)", "raise `max`"),
    # Datastore rules.
    Case("field-not-for-s3", (("db: {engine: postgres}", f"{DB}\n  files: {{{S3_SIZED}}}"),),
         "datastores.files.storage_gb", "17:35", "`storage_gb` does not apply to engine s3",
         "s3 takes no settings besides `engine`"),
    Case("field-not-for-postgres",
         (("db: {engine: postgres}", "db: {engine: postgres, dead_letter: true}"),),
         "datastores.db.dead_letter", "16:39", "`dead_letter` does not apply to engine postgres",
         "postgres takes `version`, `storage_gb`, `backup_days`"),
    # Names, choices and formats.
    Case("bad-service-name", (("  mailer: {", "  Mailer: {"),), "services.Mailer", "14:3",
         "lowercase letters, digits and single inner '-'", "e.g. `web`, `order-api`"),
    Case("misspelt-choice", (("type: web", "type: webb"),), "services.web.type", "10:11",
         "must be one of 'web', 'worker', 'job' or 'static', got 'webb'", "did you mean `web`?"),
    Case("misspelt-strategy", (), "delivery.strategy", "17:22", "got 'canery'",
         "did you mean `canary`?", tail="delivery: {strategy: canery}\n"),
    Case("bad-region", (("region: eu-west-1", "region: ireland"),), "cloud.region", "4:17",
         "must be an AWS region, got 'ireland'", "eu-west-1"),
    Case("bad-secret-name", after_port("    secrets: [stripe-key]\n"), "services.web.secrets[0]",
         "13:15", "must be a variable name", "e.g. STRIPE_KEY"),
    Case("bad-env-name", after_port("    env: {1ST: x}\n"), "services.web.env.1ST", "13:11",
         "must be a variable name, got '1ST'", "not starting with a digit"),
    Case("bad-domain", (("domain: shop.example.com", "domain: https://shop.example.com"),),
         "environments.prod.domain", "7:18", "must be a DNS name", "no scheme or path"),
    Case("hosted-zone-without-domain", (("  dev: {}", "  dev: {hosted_zone: example.com}"),),
         "environments.dev.hosted_zone", "6:22", "only used with `domain`", "remove `hosted_zone`"),
    Case("hosted-zone-not-holding-the-domain",
         (("{domain: shop.example.com}", "{domain: shop.example.com, hosted_zone: example.org}"),),
         "environments.prod.hosted_zone", "7:49", "zone example.org cannot hold the domain",
         "e.g. example.com"),
    Case("default-zone-is-another-environments-domain",
         (("  dev: {}", "  dev: {domain: dev.shop.example.com}"),),
         "environments.dev.domain", "6:17",
         "the hosted zone shop.example.com (the domain's parent) is prod's domain "
         "shop.example.com, a record in prod's zone, not a zone",
         "set `hosted_zone` to a zone that holds dev.shop.example.com, e.g. example.com "
         "(the zone prod uses)"),
    Case("given-zone-is-another-environments-domain",
         (("  dev: {}", "  dev: {domain: a.shop.example.com, hosted_zone: shop.example.com}"),),
         "environments.dev.hosted_zone", "6:50",
         "the hosted zone shop.example.com is prod's domain shop.example.com",
         "a zone named shop.example.com would hide prod's record"),
    # Paths stay the user's even where pydantic adds its own tags.
    Case("service-named-like-a-pydantic-tag",
         (("  mailer: {", "  function-api: {"), (MAILER, f"{MAILER}, cpu: lots")),
         "services.function-api.cpu", "14:72", "must be a number, got 'lots'", "0.5"),
    Case("key-that-is-a-list", (), "", "17:3", "a key here is a list", "keys are plain names",
         tail="? [a, b]\n: c\n"),
]
# fmt: on


def problems(text: str) -> list[Diagnostic]:
    with pytest.raises(SpecError) as caught:
        shipspec.loads(text)
    return caught.value.diagnostics


def test_the_base_document_is_valid() -> None:
    assert list(shipspec.loads(BASE).services) == ["web", "mailer"]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_mistake_reports_its_place_message_and_hint(case: Case) -> None:
    [problem] = problems(case.text())
    assert problem.path == case.path
    assert f"{problem.line}:{problem.column}" == case.where
    assert case.message in problem.message
    assert case.hint in problem.hint
    assert problem.file == "handoff.yaml"
    rendered = str(problem)
    assert f"(handoff.yaml:{case.where})" in rendered and "hint: " in rendered


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LOG_LEVEL", "info"),
        ("DB_PASSWORD", '""'),
        ("DB_PASSWORD", "changeme"),
        ("API_TOKEN", '"$${API_TOKEN}"'),  # a literal `${API_TOKEN}`: `$$` escapes `$`
        ("ADMIN_PASSWORD", "<set in secrets manager>"),
        ("DEBUG", "true"),
        ("SECRET_NAME", "shop/prod/stripe"),
        ("PUBLIC_URL", "https://shop.example.com/path"),
        ("WORKERS", "4"),
    ],
)
def test_values_that_are_not_credentials_pass(name: str, value: str) -> None:
    spec = shipspec.loads(BASE.replace(PORT, PORT + f"    env: {{{name}: {value}}}\n"))
    assert name in spec.services["web"].env


FIVE_MISTAKES = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: shop, owner: team-shop}
cloud: {region: eu-west-1}
environments:
  prod: {}
services:
  web:
    type: web
    image: ghcr.io/example/web:1.0
    port: 70000
    helth: {path: /}
    uses: [dbb]
    env: {GH: ghp_abcdefghijklmnopqrstuvwxyz0123456789}
  nightly: {type: job, image: x:1, schedule: '0 3 * * *'}
datastores:
  db: {engine: postgres}
"""


def test_all_problems_are_reported_at_once_sorted_by_line() -> None:
    found = problems(FIVE_MISTAKES)
    assert [(d.line, d.path) for d in found] == [
        (11, "services.web.port"),
        (12, "services.web.helth"),
        (13, "services.web.uses[0]"),
        (14, "services.web.env.GH"),
        (15, "services.nightly.schedule"),
    ]
    assert str(SpecError(found)).startswith("5 problems in the handoff spec:")


def test_field_errors_do_not_hide_the_rules_between_fields() -> None:
    """A bad `cpu` and both `image` and `build` are two problems, shown in one run."""
    text = BASE.replace(PORT, PORT + "    cpu: lots\n    build: {context: .}\n    zzz: 1\n")
    assert [(d.path, d.code) for d in problems(text)] == [
        ("services.web", "image-and-build"),
        ("services.web.cpu", "float_parsing"),
        ("services.web.zzz", "unknown-field"),
    ]


def test_a_rule_is_not_reported_when_a_field_it_reads_is_invalid() -> None:
    """`type: webb` is the problem; "a web service needs port" would be noise."""
    text = BASE.replace(PORT, "").replace("type: web", "type: webb")
    assert [d.path for d in problems(text)] == ["services.web.type"]


def test_several_rules_of_one_service_are_all_reported() -> None:
    text = BASE.replace(MAILER, "type: job, public: true, capacity_rps: 5")
    assert sorted(d.message for d in problems(text)) == [
        "`capacity_rps` is for web services; this service is a job",
        "`public` is for web services; this service is a job",
        "a job needs `schedule`",
        "needs `image` or `build`",
    ]


def test_every_diagnostic_is_located_and_has_a_hint() -> None:
    for case in CASES:
        for problem in problems(case.text()):
            assert problem.file and problem.line > 0 and problem.column > 0, case.id
            assert problem.message and problem.hint, case.id


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ("health: 5", "services.web.health"),
        ("health: {path: healthz}", "services.web.health.path"),
        ("capacity_rps: fast", "services.web.capacity_rps"),
        ("build: ./web", "services.web.build"),
        ("scaling: {min: x}", "services.web.scaling.min"),
        ("memory: [1]", "services.web.memory"),
        ("env: {A: [1]}", "services.web.env.A"),
        ("env: {A-B: x}", "services.web.env.A-B"),
        ("env: {'A[0]': x}", "services.web.env.A[0]"),
    ],
)
def test_errors_in_optional_fields_and_dict_keys_have_the_users_path(
    fields: str, path: str
) -> None:
    """Pydantic tags union members in its paths (`function-after[...]`); users never see them."""
    text = BASE.replace(PORT, PORT + f"    {fields}\n")
    [problem] = problems(text)
    assert problem.path == path
    assert problem.line == 13 and problem.hint


@pytest.mark.parametrize(
    "environments",
    [
        # production at a zone's apex: that zone exists and holds the staging record too
        "  dev: {domain: dev.example.com}\n  prod: {domain: example.com}\n",
        "  dev: {domain: dev.shop.example.com}\n"
        "  prod: {domain: shop.example.com, hosted_zone: shop.example.com}\n",
        # staging in the zone production uses, named explicitly
        "  dev: {domain: dev.shop.example.com, hosted_zone: example.com}\n"
        "  prod: {domain: shop.example.com}\n",
        # a subzone of its own below production's record (delegated from example.com, in
        # another account): its NS records hide nothing of prod's
        "  dev: {domain: dev.shop.example.com, hosted_zone: dev.shop.example.com}\n"
        "  prod: {domain: shop.example.com}\n",
        "  dev: {domain: a.eu.shop.example.com, hosted_zone: eu.shop.example.com}\n"
        "  prod: {domain: shop.example.com}\n",
    ],
)
def test_a_zone_that_holds_no_other_environments_record_is_valid(environments: str) -> None:
    spec = shipspec.loads(BASE.replace(ENVIRONMENTS, "environments:\n" + environments))
    assert spec.environments["prod"].domain is not None


def test_a_variable_a_renamed_datastore_sets_under_its_former_name_is_refused() -> None:
    """While `renamed_from` is in the spec the program sets DB_HOST... beside MAIN_HOST...
    (components/_datastore.Use.former): the service's own DB_HOST would be set twice."""
    renamed = BASE.replace("uses: [db]", "uses: [main]").replace(
        "  db: {engine: postgres}", "  main: {renamed_from: db, engine: postgres}"
    )
    shipspec.loads(renamed)  # valid on its own
    text = renamed.replace(PORT, PORT + '    env: {DB_HOST: "${main.host}"}\n')
    [problem] = problems(text)
    assert problem.code == "renamed-variable-clash"
    assert problem.path == "services.web.env.DB_HOST"
    assert "DB_HOST is what main sets under its former name db" in problem.message
    assert "the same as MAIN_HOST" in (problem.hint or "")
    secret = renamed.replace(PORT, PORT + "    secrets: [API_KEY, DB_SECRET_ARN]\n")
    [problem] = problems(secret)
    assert problem.path == "services.web.secrets[1]"
    # Without renamed_from the old name is the application's own.
    shipspec.loads(text.replace("renamed_from: db, ", ""))
