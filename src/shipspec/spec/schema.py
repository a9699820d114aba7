"""The JSON Schema of the handoff spec, for editor completion (``shipspec schema``)."""

from __future__ import annotations

import json
from typing import Any

from .models import HandoffSpec


def json_schema() -> dict[str, Any]:
    schema = HandoffSpec.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://shipspec.dev/schema/handoff-v1.json"
    schema["title"] = "shipspec handoff spec v1"
    return schema


# The file the starter and imported specs point editors at, in their first line.
SCHEMA_FILE = "handoff.schema.json"
SCHEMA_LINE = f"yaml-language-server: $schema={SCHEMA_FILE}"


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
