"""Policy: compliance and security rule packs (YAML + cerberus) and their evaluation.

The flow, one value to the next::

    load_pack(path) / builtin_packs(names) -> Pack           (located errors: PackError)
    evaluate(model, env, preview.resources, packs) -> PolicyReport
    check(out_dir, env, policy_files) -> list[PolicyReport]  (what `shipspec check` runs)
    PolicyReport.to_json() / .to_sarif() / .summary_line()

Packs are data users write without Python (``docs/policy.md``); the built-in ones
(``baseline``, ``pci-dss``, ``hipaa``, ``soc2``) live in ``blueprints/policy/``.
Importing this package does not load Pulumi: only :func:`check` previews.
"""

from .check import check, enforce, preview_report
from .errors import PackError, PolicyViolation
from .evaluate import evaluate
from .pack import (
    BUILTIN,
    Pack,
    Rule,
    builtin_pack,
    builtin_packs,
    load_pack,
    loads_pack,
    pack_json_schema,
    packs_for,
)
from .report import Location, PolicyReport, Violation, reports_to_json, reports_to_sarif
from .validator import PolicyValidator

__all__ = [
    "BUILTIN",
    "Location",
    "Pack",
    "PackError",
    "PolicyReport",
    "PolicyValidator",
    "PolicyViolation",
    "Rule",
    "Violation",
    "builtin_pack",
    "builtin_packs",
    "check",
    "enforce",
    "evaluate",
    "load_pack",
    "loads_pack",
    "pack_json_schema",
    "packs_for",
    "preview_report",
    "reports_to_json",
    "reports_to_sarif",
]
