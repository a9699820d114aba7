"""Acceptance of issue 15 over every compose sample that imports: would the application run?

The samples are ../shared/compose-samples and the trimmed public files under
``tests/importers/samples`` (eShop). For each, the converted services (before the spec's
own field list is applied, so the agreed ``healthcheck``/``ports``/``protocol`` fields are
seen) and the written handoff are checked against the compose file itself:

* every web service's load balancer path has a provenance in the report (a health path
  with its source, or "no HTTP probe" said out loud), a compose ``curl -f`` probe's path
  is kept, and a compose health check is carried as the container check, command as is;
* every port another service names (``host:port``) is served;
* a public service is an entry point: nothing else calls it, or the application sends
  browsers to it, or it fronted (or is) the reverse proxy;
* no credential (by name or by value shape) is in a plain ``env`` value of the spec;
* the application keeps a way in.

One sample (eShop) is also generated and previewed: no task definition has a credential
in its plain environment.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import pytest

from shipspec.importers import ImportFailed, ImportResult, import_compose
from shipspec.importers.context import Context, credential
from shipspec.importers.convert import convert
from shipspec.importers.project import load_project
from shipspec.importers.report import ImportReport
from shipspec.spec.checks import credential_reason

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / ".." / "shared" / "compose-samples"
FILES = sorted([p for p in SHARED.rglob("*.y*ml")] if SHARED.is_dir() else []) + sorted(
    (HERE / "samples").glob("*/compose.yaml")
)
_HOST_PORT = re.compile(r"(?:://|^|[\s,;=@])([A-Za-z0-9_.-]+):(\d{1,5})(?=$|[/\s,;?#])")
_PROBE = re.compile(r"https?://(localhost|127\.0\.0\.1)(?::\d+)?(/[^\s'\"]*)")
_EMBEDDED = re.compile(
    r"://[^:/@\s]+:([^@/\s]{3,})@|(?:^|;)\s*(?:password|pwd)\s*=\s*([^;]{3,})", re.I
)


def _id(path: Path) -> str:
    parts = path.resolve().parts
    return "/".join(parts[-4:])


@functools.cache
def imported(path: Path) -> tuple[ImportResult, dict[str, Any], dict[str, Any]] | None:
    """(result, converted services, compose services), or None when the sample is refused."""
    try:
        result = import_compose([path], environ={}, allow_incompatible=True)
    except ImportFailed:
        return None
    project = load_project([path], env_files=[], profiles=[], environ={})
    ctx = Context(project, ImportReport(allow_incompatible=True), path.parent, True)
    services, _, _ = convert(ctx)
    return result, services, project.services


@pytest.mark.parametrize("path", FILES, ids=_id)
def test_the_imported_application_would_run(path: Path) -> None:
    found = imported(path)
    if found is None:
        pytest.skip("refused: test_samples checks it is refused clearly")
    result, converted, compose = found
    names = {c: _spec_name(c, converted) for c in compose}
    by_name = {n: c for c, n in names.items() if n}
    decisions = "\n".join(result.report.decisions)
    # A way in, unless the only one compose had cannot run on AWS (a UDP VPN port), said so.
    assert any(s.public for s in result.spec.services.values()) or any(
        f.key.startswith("ports") for f in result.report.incompatible
    ), "no way in"
    for name, spec in converted.items():
        data = compose[by_name[name]]
        _health(result, by_name[name], name, spec, data)
        if spec.get("public"):
            callers = [n for n, s in converted.items() if name in s.get("calls", ())]
            assert not callers or re.search(
                rf"{re.escape(name)}: public \((.*sends browsers|.*reverse proxy|named|.*way in)",
                decisions,
            ), f"{name} is public although {callers} call it"
    for caller, data in compose.items():
        for variable, value in ((data or {}).get("environment") or {}).items():
            for host, port in _HOST_PORT.findall(str(value or "")):
                target = next((n for c, n in names.items() if c == host.lower()), None)
                if target in converted and target != names.get(caller):
                    spec = converted[target]
                    served = {spec.get("port")} | {p["port"] for p in spec.get("ports", [])}
                    assert int(port) in served, f"{caller}.{variable} calls {target}:{port}"
    for name, service in result.spec.services.items():
        for variable, value in service.env.items():
            assert credential_reason(variable, value) is None, (name, variable)
            assert credential(variable, value) is None, (name, variable)
            assert not _EMBEDDED.search(value), (name, variable)


def _health(
    result: ImportResult, compose: str, name: str, spec: dict[str, Any], data: dict[str, Any]
) -> None:
    check = (data or {}).get("healthcheck")
    test = check.get("test") if isinstance(check, dict) else None
    if isinstance(test, list) and test and str(test[0]).upper() in ("CMD", "CMD-SHELL"):
        assert spec["healthcheck"]["command"] == [str(test[0]).upper(), *map(str, test[1:])]
    if spec["type"] != "web":
        return
    said = [
        f.message
        for f in result.report.findings
        if f.service == compose
        and ("health path" in f.message or "no HTTP probe" in f.message or "probes" in f.message)
    ]
    assert said, f"{name}: the load balancer's probe has no provenance in the report"
    text = " ".join(map(str, test)) if isinstance(test, list) else str(test or "")
    probe = _PROBE.search(text)
    if probe and re.search(r"\s(-\w*f\w*|--fail)\b", text):
        assert spec["health"]["path"] == probe.group(2), name


def _spec_name(compose: str, converted: dict[str, Any]) -> str | None:
    from shipspec.importers.convert import spec_name

    name = spec_name(compose, set())
    return name if name in converted else None


ESHOP_LIKE = """
services:
  catalog-api:
    image: eshop/catalog.api:linux-latest
    environment:
      - ConnectionStrings__CatalogDb=Server=sqldata;Database=Catalog;User Id=sa;Password=Pass@word
      - EventBus__Password=guest-pw
      - Token=6168DB8D-DC58-4094-AF24-483278923590
      - PicBaseUrl=http://host.docker.internal:5101/pics
      - LOG_LEVEL=info
    ports: ["5101:80"]
"""


def test_no_credential_reaches_a_task_definition(tmp_path: Path, compose) -> None:  # type: ignore[no-untyped-def]
    """eShop's credential shapes, generated and previewed: plain environments hold none."""
    from tests.preview.discovery_support import TASK_DEFINITION, generate_and_preview

    result = compose(ESHOP_LIKE)
    assert result.spec.services["catalog-api"].secrets == [
        "ConnectionStrings__CatalogDb",
        "EventBus__Password",
        "Token",
    ]
    spec = tmp_path / "spec" / "handoff.yaml"
    spec.parent.mkdir()
    spec.write_text(result.handoff_yaml)
    preview = generate_and_preview(spec, tmp_path / "out", "staging")
    definitions = [r for r in preview.resources if r.type == TASK_DEFINITION]
    assert definitions
    for definition in definitions:
        containers = definition.inputs["containerDefinitions"]
        containers = json.loads(containers) if isinstance(containers, str) else containers
        app = next(c for c in containers if c["name"] == "catalog-api")
        plain = {pair["name"]: pair["value"] for pair in app.get("environment") or []}
        assert plain["LOG_LEVEL"] == "info"
        for name, value in plain.items():
            assert credential_reason(name, value) is None and credential(name, value) is None
            assert "Pass@word" not in value and "guest-pw" not in value
        assert {"ConnectionStrings__CatalogDb", "EventBus__Password", "Token"} <= {
            s["name"] for s in app.get("secrets") or []
        }
    for text in ("Pass@word", "guest-pw", "6168DB8D"):
        assert text not in result.handoff_yaml
