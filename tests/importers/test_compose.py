"""Compose files → spec: each mapping rule, on the fixtures in fixtures/."""

from __future__ import annotations

import pytest

from shipspec.importers import ImportFailed
from tests.importers.importer_helpers import findings, fixture


def test_merge_keys_and_anchors_are_expanded() -> None:
    result = fixture("merge-keys")
    api, worker = result.spec.services["api"], result.spec.services["worker"]
    assert api.image == worker.image == "ghcr.io/example/app:1.2.0"
    assert api.env == {"LOG_LEVEL": "debug", "REGION": "eu"}  # own key wins over the merged one
    assert worker.env == {"LOG_LEVEL": "info", "REGION": "eu"}
    assert (api.cpu, api.memory) == (0.5, 1024)  # from the `<<: [*common, *limits]` list merge
    assert worker.scaling is not None and worker.scaling.min == 3
    assert api.health is not None and (api.health.path, api.health.grace_seconds) == (
        "/healthz",
        20,
    )


def test_interpolation_operators_follow_compose() -> None:
    result = fixture("interpolation")
    web = result.spec.services["web"]
    assert web.image == "ghcr.io/example/web:2.1.0"
    assert web.port == 9000
    assert web.env == {
        "GREETING": "hello world",
        "MODE": "production",
        "FALLBACK": "used-when-empty",
        "KEPT_EMPTY": "",
        "ALT": "tagged",
        "NO_ALT": "",
        "PRICE": "$5",
        "NESTED": "2.1.0",
        "UNSET": "",
    }
    unset = [f for f in result.report.dropped if "NOT_SET_ANYWHERE" in f.message]
    assert unset and unset[0].line == 15


def test_process_environment_wins_over_dotenv_and_is_named_in_the_header() -> None:
    result = fixture("interpolation", environ={"TAG": "9.9.9"})
    assert result.spec.services["web"].image == "ghcr.io/example/web:9.9.9"
    assert "Variables read from the process environment: TAG." in result.handoff_yaml


def test_required_variable_is_a_located_error(compose) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ImportFailed) as failed:
        compose("services:\n  web:\n    image: x\n    environment:\n      K: ${KEY:?set the key}\n")
    (problem,) = failed.value.diagnostics
    assert (problem.line, problem.path) == (5, "services.web.environment.K")
    assert "KEY" in problem.message and "set the key" in problem.message


def test_override_file_adds_ports_replaces_command_and_honours_tags() -> None:
    result = fixture("override", "compose.override.yaml")
    web = result.spec.services["web"]
    assert web.type == "web" and web.port == 3000 and web.public  # the override published 80:3000
    assert web.env == {"LOG_LEVEL": "warning"}  # DEBUG_TOOLBAR: !reset null
    assert web.command == ["serve"]  # the override replaces the command, not appends
    assert "command" in findings(result, "mapped", "web")
    assert "dns" in findings(result, "dropped", "web")
    assert result.spec.datastores["cache"].version == "7.0"


def test_build_only_services_read_the_dockerfile() -> None:
    result = fixture("build-only")
    web = result.spec.services["web"]
    assert web.build is not None and web.build.context == "web" and web.image is None
    assert (web.type, web.port, web.public) == ("web", 8080, False)  # EXPOSE ${APP_PORT}
    assert web.health is not None and web.health.path == "/status"  # HEALTHCHECK CMD wget ...
    assert "build.target" in findings(result, "dropped", "web")
    assert any("runs as 1000" in m for m in findings(result, "mapped", "web").values())


def test_dockerfile_without_user_warns_about_root(compose) -> None:  # type: ignore[no-untyped-def]
    result = compose(
        "services:\n  app:\n    build: .\n", extra={"Dockerfile": "FROM python:3.12\nEXPOSE 8000\n"}
    )
    assert result.spec.services["app"].port == 8000
    assert "root" in findings(result, "dropped", "app")["build"]


def test_services_without_ports_are_workers_and_one_shots_are_reported() -> None:
    result = fixture("one-shot")
    assert list(result.spec.services) == ["app", "consumer"]
    assert result.spec.services["consumer"].type == "worker"
    assert result.spec.services["app"].type == "web" and not result.spec.services["app"].public
    reported = {f.service for f in result.report.dropped if f.message.startswith("a one-shot")}
    assert reported == {"seed", "retry"}
    assert "# seed:\n  #   type: job" in result.handoff_yaml
    # The step the app waits for (service_completed_successfully) runs in each app task first.
    app = result.spec.services["app"]
    migrate = app.sidecars["migrate"]
    assert (migrate.image, migrate.command, migrate.essential) == (
        "example/app:1",
        ["migrate"],
        False,
    )
    assert app.depends_on == {"migrate": "SUCCESS"}
    assert "depends_on.migrate" in findings(result, "mapped", "app")


def test_secrets_from_files_and_datastore_credentials() -> None:
    result = fixture("secrets")
    backend = result.spec.services["backend"]
    assert backend.secrets == ["STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET"]
    assert backend.uses == ["db"]  # shares the db-password secret with the database
    assert "DB_PASSWORD_FILE" not in backend.env
    assert not backend.public  # published on 127.0.0.1 only
    assert "not-a-real-password" not in result.handoff_yaml
    assert "whsec_abcdefghijklmnop" not in result.handoff_yaml
    assert result.spec.datastores["db"].engine == "mariadb"


def test_profiles_exclude_services_unless_active() -> None:
    assert list(fixture("profiles").spec.services) == ["web"]
    assert list(fixture("profiles", profiles=["admin"]).spec.services) == ["web", "admin"]
    assert len(fixture("profiles", profiles=["*"]).spec.services) == 3
    via_env = fixture("profiles", environ={"COMPOSE_PROFILES": "debug"})
    assert list(via_env.spec.services) == ["web", "debug"]


def test_udp_port_is_incompatible_unless_allowed() -> None:
    with pytest.raises(ImportFailed) as failed:
        fixture("udp")
    assert [d.path for d in failed.value.diagnostics] == ["services.dns.ports[0]"]
    assert failed.value.report is not None and failed.value.report.incompatible
    allowed = fixture("udp", allow_incompatible=True)
    assert allowed.spec.services["dns"].port == 8053
    assert "--allow-incompatible" in allowed.handoff_yaml


def test_host_networking_and_friends_are_incompatible() -> None:
    with pytest.raises(ImportFailed) as failed:
        fixture("host-network")
    paths = {d.path for d in failed.value.diagnostics}
    assert paths == {
        "services.agent.network_mode",
        "services.agent.privileged",
        "services.agent.pid",
        "services.agent.cap_add[0]",
        "services.agent.devices",
        "services.agent.volumes[0]",
        "services.gpu.deploy.resources.reservations.devices",
    }
    assert all(d.hint and d.line > 0 for d in failed.value.diagnostics)
    result = fixture("host-network", allow_incompatible=True)
    assert set(result.spec.services) == {"agent", "gpu", "web"}
    assert "cap_add[1]" in findings(result, "dropped", "agent")  # NET_BIND_SERVICE: default set


def test_every_key_of_every_service_lands_in_a_bin() -> None:
    result = fixture("host-network", allow_incompatible=True)
    keys = {(f.service, f.key.split(".")[0].split("[")[0]) for f in result.report.findings}
    for key in ("network_mode", "privileged", "pid", "cap_add", "devices", "volumes", "image"):
        assert ("agent", key) in keys


def test_unknown_compose_key_is_an_error_with_a_suggestion(compose) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ImportFailed) as failed:
        compose("services:\n  web:\n    image: x\n    enviroment: {A: b}\n")
    (problem,) = failed.value.diagnostics
    assert problem.line == 4 and "environment" in problem.hint


def test_renamed_services_and_extends(compose) -> None:  # type: ignore[no-untyped-def]
    result = compose(
        "services:\n"
        "  base: &b\n    image: ex/app:1\n    environment: {A: '1'}\n    restart: 'no'\n"
        "  Web_App:\n    extends: base\n    ports: ['80:8080']\n    environment: {B: '2'}\n"
    )
    web = result.spec.services["web-app"]
    assert web.image == "ex/app:1" and web.env == {"A": "1", "B": "2"}
    assert "renamed" in result.handoff_yaml


def test_output_is_deterministic() -> None:
    first = fixture("custom-datastores").handoff_yaml
    assert fixture("custom-datastores").handoff_yaml == first
