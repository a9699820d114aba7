"""When RDS ends standard support for each major version of the engines shipspec deploys.

After the RDS end of standard support date, RDS enrolls a MySQL or PostgreSQL instance in
RDS Extended Support automatically (new instances of that major too) and bills it per
vCPU-hour of the instance, a Multi-AZ standby included (AWS RDS User Guide, "Amazon RDS
Extended Support charges"). MariaDB has no Extended Support: past the date RDS upgrades the
major version itself (the `describe-db-major-engine-versions` lifecycle of MariaDB returns
standard support only).

The plan carries no date (its output must not depend on the clock), so a version is judged
against this table's own date, :data:`TABLE_DATE`: "past the end of standard support as of
2026-12-07". Update the table, its date and its sources together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .model import DatastorePlan, DeploymentModel

TABLE_DATE = date(2026, 12, 7)  # the day these rows were last checked against the calendars

_MYSQL = 'AWS RDS User Guide, "MySQL on Amazon RDS versions": Supported MySQL major versions'
_POSTGRES = (
    'Amazon RDS for PostgreSQL Release Notes, "Release calendars for Amazon RDS for '
    'PostgreSQL": major versions'
)
_MARIADB = 'AWS RDS User Guide, "MariaDB on Amazon RDS versions": Supported MariaDB major versions'
_ENGINES = {"mysql": "MySQL", "postgres": "PostgreSQL", "mariadb": "MariaDB"}


@dataclass(frozen=True)
class StandardSupport:
    engine: str
    major: str
    ends: date  # the RDS end of standard support date (the last day)
    source: str

    @property
    def extended_support(self) -> bool:
        """Whether RDS bills Extended Support past ``ends`` (MySQL, PostgreSQL) rather than
        upgrading the major version itself (MariaDB)."""
        return self.engine in ("mysql", "postgres")

    @property
    def label(self) -> str:
        return f"{_ENGINES[self.engine]} {self.major}"

    def past(self, on: date = TABLE_DATE) -> bool:
        return on > self.ends


def _row(engine: str, major: str, ends: str, source: str) -> StandardSupport:
    return StandardSupport(engine, major, date.fromisoformat(ends), source)


STANDARD_SUPPORT: tuple[StandardSupport, ...] = (
    _row("mysql", "5.7", "2024-02-29", _MYSQL),
    _row("mysql", "8.0", "2026-07-31", _MYSQL),
    _row("mysql", "8.4", "2029-07-31", _MYSQL),
    # RDS for PostgreSQL 11 entered Extended Support on 2024-03-01 and 12 ended standard
    # support on 2025-02-28 (RDS User Guide, "Amazon RDS Extended Support charges").
    _row("postgres", "11", "2024-02-29", _POSTGRES),
    _row("postgres", "12", "2025-02-28", _POSTGRES),
    _row("postgres", "13", "2026-02-28", _POSTGRES),
    _row("postgres", "14", "2027-02-28", _POSTGRES),
    _row("postgres", "15", "2028-02-29", _POSTGRES),
    _row("postgres", "16", "2029-02-28", _POSTGRES),
    _row("postgres", "17", "2030-02-28", _POSTGRES),
    _row("mariadb", "10.6", "2026-08-31", _MARIADB),
    _row("mariadb", "10.11", "2028-02-29", _MARIADB),
    _row("mariadb", "11.4", "2029-05-31", _MARIADB),
    _row("mariadb", "11.8", "2030-06-30", _MARIADB),
)


def major_version(engine: str, version: str) -> str:
    """RDS's major version of ``version``: PostgreSQL 16.4 → 16, MySQL 8.0.35 → 8.0."""
    parts = version.split(".")
    return parts[0] if engine == "postgres" else ".".join(parts[:2])


def standard_support(engine: str, version: str | None) -> StandardSupport | None:
    """The table's row for ``engine`` at ``version``'s major; None when the table has none."""
    if version is None or engine not in _ENGINES:
        return None
    major = major_version(engine, version)
    return next((r for r in STANDARD_SUPPORT if (r.engine, r.major) == (engine, major)), None)


def past_standard_support(d: DatastorePlan) -> StandardSupport | None:
    """``d``'s row when its major version is past RDS's end of standard support as of
    :data:`TABLE_DATE`; None otherwise."""
    row = standard_support(d.engine, d.version)
    return row if row is not None and row.past() else None


def upgrade_target(engine: str) -> str:
    """The newest major of ``engine`` the table has in standard support as of its date."""
    supported = [r for r in STANDARD_SUPPORT if r.engine == engine and not r.past()]
    return max(supported, key=lambda r: tuple(int(p) for p in r.major.split("."))).major


def support_reason(name: str, row: StandardSupport) -> str:
    """The warning decision's reason: what RDS does with ``row``'s version and the fix."""
    target = upgrade_target(row.engine)
    when = (
        f"its RDS standard support ended on {row.ends.isoformat()} (past as of "
        f"{TABLE_DATE.isoformat()}, the date of shipspec's support table; {row.source})"
    )
    fix = (
        f'set version: "{target}" on datastore {name} before the first deploy: a later major '
        "upgrade of a Multi-AZ production database is an outage window"
    )
    if row.extended_support:
        return (
            f"datastore {name}: RDS bills Extended Support for {row.label}, per vCPU-hour of "
            f"the instance (a Multi-AZ standby too), since {when}; {fix}"
        )
    return (
        f"datastore {name}: RDS offers no Extended Support for {row.label}: {when}, and RDS "
        f"upgrades its major version in a maintenance window it picks; {fix}"
    )


def support_note(d: DatastorePlan) -> str:
    """The handoff's datastore table note for a version past standard support ("" if not)."""
    row = past_standard_support(d)
    if row is None:
        return ""
    if row.extended_support:
        return (
            f"past RDS end of standard support ({row.ends.isoformat()}): Extended Support "
            f'billed per vCPU-hour; set version "{upgrade_target(row.engine)}"'
        )
    return (
        f"past RDS end of standard support ({row.ends.isoformat()}): RDS upgrades the "
        f'major version itself; set version "{upgrade_target(row.engine)}"'
    )


def support_warnings(model: DeploymentModel) -> list[str]:
    """The reasons of the environments' ``standard_support`` warning decisions, each once
    (a datastore is in every environment): what `shipspec generate` prints."""
    return list(
        dict.fromkeys(
            d.reason
            for env in model.environments
            for d in env.decisions
            if d.key.endswith(".standard_support") and d.inputs.get("warning")
        )
    )
