"""Compliance contradictions: specs that declare a standard and then rule out meeting it.

``compliance: [pci-dss]`` with ``waf: false`` and a public web service can never pass
the ``pci-dss`` pack, so it is caught here, before anything is generated, with the
line to change. Like the other cross-field checks these read the raw document
defensively (pydantic reports wrong shapes) and apply the spec's own defaults.

Which environments are production follows the planner's rule (``production:`` if set,
else the name, else "the only environment"); the names are repeated here because the
spec package must not import the planner.
"""

from __future__ import annotations

from typing import Any

from ..errors import Diagnostic
from .diagnostics import dotted
from .yamlsource import Path, YamlDocument

PRODUCTION_NAMES = frozenset({"prod", "production", "prd", "live"})
_HTTPS_STANDARDS = ("pci-dss", "hipaa")
_ALERT_STANDARDS = ("pci-dss", "hipaa")
_BACKUP_STANDARDS = ("hipaa", "soc2")
# Their packs' `public-tcp-encrypted`: PCI DSS 4.2.1, HIPAA §164.312(e)(1), SOC 2 CC6.7.
_TRANSIT_STANDARDS = ("pci-dss", "hipaa", "soc2")
_SQL = ("postgres", "mysql", "mariadb")
_OWN_USERS_STANDARDS = ("pci-dss", "hipaa", "soc2")  # plan.rules.OWN_DB_USERS
# Amazon DocumentDB offers IAM authentication (MONGODB-AWS) on instance-based clusters of
# version 5.0 only (Amazon DocumentDB Developer Guide, "Authentication using IAM identity").
DOCDB_IAM_VERSIONS = ("5.0",)
DOCDB_DEFAULT_VERSION = "5.0"  # plan.rules.DOCDB_DEFAULT_VERSION
_CODE = "compliance-contradiction"


def contradictions(document: YamlDocument | Any) -> list[Diagnostic]:
    """Every contradiction between ``requirements.security`` and the rest of the spec.

    Takes the :class:`YamlDocument` the loader read (positions) or a validated
    ``HandoffSpec`` (then the diagnostics name ``handoff.yaml`` without a line).
    """
    if not isinstance(document, YamlDocument):
        data = document.model_dump(mode="json", by_alias=True, exclude_unset=False)
        document = YamlDocument("handoff.yaml", data)
    data = document.data if isinstance(document.data, dict) else {}
    security = _mapping(_mapping(data.get("requirements")).get("security"))
    standards = [s for s in _list(security.get("compliance")) if isinstance(s, str)]
    classification = security.get("data_classification", "internal")
    public_web = [
        name
        for name, service in _mapping(data.get("services")).items()
        if _mapping(service).get("type") == "web" and _mapping(service).get("public") is True
    ]
    found: list[Diagnostic] = []
    at = _Locator(document)
    compliance_path: Path = ("requirements", "security", "compliance")

    if "pci-dss" in standards and public_web and security.get("waf") is not True:
        path = ("requirements", "security", "waf") if "waf" in security else compliance_path
        found.append(
            at(
                path,
                "pci-dss requires a web application firewall in front of public web services "
                f"({', '.join(public_web)}), but `waf` is {_shown(security, 'waf')}",
                "set `waf: true` (PCI DSS 4.0 req 6.4.2), or make the services `public: false`",
            )
        )
    regulated = [s for s in standards if s in _HTTPS_STANDARDS]
    if regulated and classification == "public":
        found.append(
            at(
                ("requirements", "security", "data_classification"),
                f"{' and '.join(regulated)} data cannot be classified `public`",
                "use `confidential` or `restricted`",
            )
        )
    https_reason = (
        regulated[0] if regulated else ("restricted data" if classification == "restricted" else "")
    )
    if https_reason and public_web:
        for name, env in _production(data):
            if not _mapping(env).get("domain"):
                found.append(
                    at(
                        ("environments", name),
                        f"{https_reason} needs HTTPS for the public web services "
                        f"({', '.join(public_web)}), but production environment `{name}` "
                        "has no `domain`",
                        f"add `domain:` to `{name}`: its certificate and HTTPS are generated",
                        key=True,
                    )
                )
    encrypting = [s for s in standards if s in _TRANSIT_STANDARDS]
    for name in public_web if encrypting else []:
        service = _mapping(_mapping(data.get("services")).get(name))
        if service.get("protocol") == "tcp" and service.get("app_tls") is not True:
            found.append(
                at(
                    ("services", name, "protocol"),
                    f"{' and '.join(encrypting)} {'needs' if len(encrypting) == 1 else 'need'} "
                    f"encryption in transit, but `{name}` is a public tcp service: its Network "
                    "Load Balancer passes the traffic across the internet in cleartext",
                    f"set `protocol: tls` (the load balancer terminates TLS for {name}.<domain>; "
                    "every environment needs a `domain`), or `app_tls: true` if the application "
                    "speaks TLS itself",
                )
            )
    alerting = [s for s in standards if s in _ALERT_STANDARDS]
    if alerting and not _mapping(data.get("observability")).get("alert_email"):
        found.append(
            at(
                compliance_path,
                f"{' and '.join(alerting)} needs alarms to reach a person, but "
                "`observability.alert_email` is not set",
                "add `observability: {alert_email: oncall@example.com}`",
            )
        )
    backed_up = [s for s in standards if s in _BACKUP_STANDARDS]
    if backed_up and _production(data):
        for name, store in _mapping(data.get("datastores")).items():
            store = _mapping(store)
            if store.get("engine") in _SQL and store.get("backup_days") == 0:
                found.append(
                    at(
                        ("datastores", name, "backup_days"),
                        f"{' and '.join(backed_up)} needs database backups, "
                        f"but `{name}` keeps none",
                        "set `backup_days` to 7 or more (it applies to production)",
                    )
                )
    found.extend(_docdb_identities(data, standards, at))
    return found


def _docdb_identities(data: dict[str, Any], standards: list[str], at: _Locator) -> list[Diagnostic]:
    """Under PCI DSS, HIPAA or SOC 2 each service signs in to a DocumentDB cluster as its own
    IAM identity (MONGODB-AWS), which DocumentDB offers on version 5.0 only; and such a
    service gets no master secret, so no ``${<cluster>.secret_arn}`` can reach it."""
    own = [s for s in standards if s in _OWN_USERS_STANDARDS]
    if not own:
        return []
    found = []
    stores = _mapping(data.get("datastores"))
    documents = {n for n, s in stores.items() if _mapping(s).get("engine") == "mongodb"}
    used = {
        name
        for service in _mapping(data.get("services")).values()
        for u in _list(_mapping(service).get("uses"))
        if isinstance(name := u.get("name") if isinstance(u, dict) else u, str)
    }
    for name in sorted(documents & used):
        version = _mapping(stores[name]).get("version", DOCDB_DEFAULT_VERSION)
        if isinstance(version, str) and version not in DOCDB_IAM_VERSIONS:
            found.append(
                at(
                    ("datastores", name, "version"),
                    f"{' and '.join(own)} gives each service its own identity on `{name}`, "
                    f"but DocumentDB {version} has no IAM authentication (MONGODB-AWS): only "
                    "instance-based 5.0 clusters do, and every service would share the "
                    "master user",
                    'set `version: "5.0"` (upgrade the cluster first: AWS\'s in-place major '
                    "version upgrade, or a snapshot restored into 5.0)",
                )
            )
    for service_name, service in _mapping(data.get("services")).items():
        for variable, value in _mapping(_mapping(service).get("env")).items():
            if not isinstance(value, str):
                continue
            for store in sorted(documents):
                if f"${{{store}.secret_arn}}" in value:
                    found.append(
                        at(
                            ("services", service_name, "env", variable),
                            f"`${{{store}.secret_arn}}`: under {' and '.join(own)} a service "
                            f"signs in to `{store}` with its task role (MONGODB-AWS) and gets "
                            "no master secret",
                            f"remove it: connect with {store.upper().replace('-', '_')}_URL, "
                            "which says authMechanism=MONGODB-AWS (docs/credentials.md)",
                        )
                    )
    return found


class _Locator:
    def __init__(self, document: YamlDocument) -> None:
        self.document = document

    def __call__(self, path: Path, message: str, hint: str, *, key: bool = False) -> Diagnostic:
        line, column = self.document.position(path, key=key) if self.document.values else (0, 0)
        return Diagnostic(self.document.file, line, column, dotted(path), message, hint, _CODE)


def _production(data: dict[str, Any]) -> list[tuple[str, Any]]:
    environments = _mapping(data.get("environments"))
    chosen = []
    for name, env in environments.items():
        flag = _mapping(env).get("production")
        if flag is True or (flag is None and (name in PRODUCTION_NAMES or len(environments) == 1)):
            chosen.append((name, env))
    return chosen


def _shown(section: dict[str, Any], key: str) -> str:
    return "false" if key in section else "not set"


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
