"""`${datastore.attribute}` in `env` and `from:` in `secrets`: accepted, refused, located."""

from __future__ import annotations

import pytest

import shipspec
from shipspec.errors import SpecError
from shipspec.spec.datastore_refs import Malformed, Reference, escape, literal, scan

HEAD = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: shop, owner: team-shop}
cloud: {region: eu-west-1}
environments:
  prod: {}
datastores:
  db: {engine: postgres}
  cache: {engine: redis}
  search: {engine: opensearch}
  files: {engine: s3}
services:
  api:
    type: web
    image: ghcr.io/example/api:1.0
    port: 8080
    uses: [db, cache, files]
"""


def problems(extra: str) -> list[tuple[str, int, str, str]]:
    try:
        shipspec.loads(HEAD + extra)
    except SpecError as error:
        return [(d.path, d.line, d.message, d.hint) for d in error.diagnostics]
    return []


def test_references_and_a_datastore_secret_are_valid() -> None:
    spec = shipspec.loads(
        HEAD
        + "    env:\n"
        + '      REDIS_HOST: "${cache.host}"\n'
        + '      VALKEY_ADDR: "${cache.host}:${cache.port}"\n'
        + '      Conn: "Host=${db.host};Port=${db.port};Database=${db.name};SSL Mode=Require"\n'
        + '      BUCKET: "${files.bucket}"\n'
        + '      PRICE: "Pa$word costs $$5"\n'
        + "    secrets: [TOKEN, {name: DB_PASSWORD, from: db.password}]\n"
    )
    api = spec.services["api"]
    assert api.secret_names() == ["TOKEN"]
    assert [(s.name, s.from_) for s in api.datastore_secrets()] == [("DB_PASSWORD", "db.password")]


@pytest.mark.parametrize(
    ("env", "message", "hint"),
    [
        ('"${cahce.host}"', "'cahce', which is not declared", "did you mean `cache`?"),
        ('"${search.host}"', "'search', which this service does not use", "add `search` to `uses`"),
        ('"${db.hots}"', "has no attribute 'hots'", "did you mean `host`?"),
        ('"${cache.name}"', "redis datastore 'cache' has no attribute 'name'", "redis has host"),
        ('"${db.password}"', "no attribute 'password'", "from: db.password}` to `secrets`"),
        ('"${db}"', "`${db}` is not a datastore reference", "`$$` is a literal `$`"),
        ('"Host=${db.host"', "is not a datastore reference", "${<datastore>.<attribute>}"),
    ],
)
def test_a_bad_reference_is_located_with_a_hint(env: str, message: str, hint: str) -> None:
    found = problems(f"    env:\n      A: ok\n      CONN: {env}\n")
    assert len(found) == 1, found
    path, line, text, advice = found[0]
    assert (path, line) == ("services.api.env.CONN", 20)
    assert message in text and hint in advice


@pytest.mark.parametrize(
    ("item", "message", "hint"),
    [
        ("{name: P, from: files.password}", "no credential secret", "engines with one"),
        ("{name: P, from: cache.username}", "no key 'username'", "its keys are password"),
        ("{name: P, from: db.pasword}", "no key 'pasword'", "did you mean `password`?"),
        ("{name: P, from: search.password}", "does not use", "add `search` to `uses`"),
        ("{name: P, from: password}", "from", ""),
    ],
)
def test_a_bad_datastore_secret_is_located(item: str, message: str, hint: str) -> None:
    found = problems(f"    secrets: [{item}]\n")
    assert len(found) == 1, found
    path, _, text, advice = found[0]
    assert path.startswith("services.api.secrets[0]")
    assert message in text + path and hint in advice


def test_a_literal_password_in_a_templated_connection_string_is_still_refused() -> None:
    found = problems('    env:\n      CONN: "Host=${db.host};Password=Pass@word"\n')
    assert [(p, "credential" in m) for p, _, m, _ in found] == [("services.api.env.CONN", True)]


def test_a_secret_name_in_env_and_in_a_datastore_secret_clashes() -> None:
    found = problems(
        "    env: {DB_PASSWORD: x}\n    secrets: [{name: DB_PASSWORD, from: db.password}]\n"
    )
    assert any("both in `env` and in `secrets`" in m for _, _, m, _ in found), found


@pytest.mark.parametrize("text", ["a$${x", "a$$", "${HOME}", "Pa$word", "$", "$$$", "x${y}z$"])
def test_escape_keeps_any_literal_text(text: str) -> None:
    assert scan(escape(text)) == [] and literal(escape(text)) == text


def test_scan_reads_references_in_order() -> None:
    assert scan("${a.host}:${a.port}/$${b.x}${bad}") == [
        Reference("a", "host", "${a.host}"),
        Reference("a", "port", "${a.port}"),
        Malformed("${bad}"),
    ]


def test_an_environments_own_env_is_checked_against_the_services_uses() -> None:
    text = HEAD.replace("  prod: {}\n", '  prod: {services: {api: {env: {X: "${search.url}"}}}}\n')
    try:
        shipspec.loads(text)
    except SpecError as error:
        found = [(d.path, d.message) for d in error.diagnostics]
    assert found == [
        (
            "environments.prod.services.api.env.X",
            "refers to datastore 'search', which this service does not use",
        )
    ]


def test_a_secret_from_a_datastore_that_is_not_a_mapping_is_one_located_problem() -> None:
    """`db: postgres` instead of `db: {engine: postgres}`: the datastore's own problem, not an
    internal error in the secret's check (which read the engine from a string)."""
    text = (HEAD + "    secrets: [{name: DB_PASS, from: db.password}]\n").replace(
        "  db: {engine: postgres}", "  db: postgres"
    )
    with pytest.raises(SpecError) as caught:
        shipspec.loads(text)
    assert [(d.path, d.message.split(",")[0]) for d in caught.value.diagnostics] == [
        ("datastores.db", "must be a mapping of keys to values")
    ]
