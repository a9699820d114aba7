"""Every conformance rule, in one list: names first, then values and combinations."""

from __future__ import annotations

from collections import Counter

from .model import Rule
from .rules_cloudfront import CLOUDFRONT_RULES
from .rules_containers import CONTAINER_RULES
from .rules_engines import ENGINE_RULES
from .rules_fields import FIELD_RULES
from .rules_logs import LOG_RULES
from .rules_names import NAME_RULES
from .rules_names_monitoring import MONITORING_NAME_RULES
from .rules_parameters import PARAMETER_RULES
from .rules_regions import REGION_RULES
from .rules_traffic import TRAFFIC_RULES

RULES: list[Rule] = [
    *NAME_RULES,
    *MONITORING_NAME_RULES,
    *FIELD_RULES,
    *CONTAINER_RULES,
    *ENGINE_RULES,
    *PARAMETER_RULES,
    *LOG_RULES,
    *TRAFFIC_RULES,
    *CLOUDFRONT_RULES,
    *REGION_RULES,
]

_duplicates = [rule_id for rule_id, n in Counter(r.id for r in RULES).items() if n > 1]
if _duplicates:  # pragma: no cover - a programming error caught at import in every test run
    raise RuntimeError(f"duplicate conformance rule ids: {_duplicates}")
