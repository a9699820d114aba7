"""The attributes a spec `${store.attribute}` may name are what each component injects.

`spec/datastore_refs.ATTRIBUTES` is data kept beside the spec; the components'
`environment()` is what a task receives. Read from the full example's task definitions
(every engine), each listed attribute must be an injected `<PREFIX>_<ATTRIBUTE>` of
every service using that engine, so a reference the spec accepts always resolves.
"""

from __future__ import annotations

import json
from typing import Any

from shipspec.spec.datastore_refs import ATTRIBUTES, MASTER_SECRET_ONLY

TASK = "aws:ecs/taskDefinition:TaskDefinition"


def test_every_referable_attribute_is_injected_for_every_engine(generated: Any) -> None:
    model = generated.model("full")
    env = model.production
    preview = generated.preview("full", env.name)
    tasks = {r.name.removesuffix("-task"): r for r in preview.of_type(TASK)}
    seen: set[str] = set()
    for service in env.services:
        definitions = tasks[service.name].inputs["containerDefinitions"]
        definitions = json.loads(definitions) if isinstance(definitions, str) else definitions
        app = next(d for d in definitions if d["name"] == service.name)
        names = {e["name"] for e in app["environment"]}
        for use in service.uses:
            # A use with its own user (DocumentDB: the task role) gets no master secret.
            skipped = MASTER_SECRET_ONLY.get(use.engine, ()) if use.db_user else ()
            attributes = [a for a in ATTRIBUTES[use.engine] if a not in skipped]
            expected = {f"{use.env_prefix}_{a.upper()}" for a in attributes}
            assert expected <= names, (service.name, use.datastore, expected - names)
            seen.add(use.engine)
    assert seen == set(ATTRIBUTES), set(ATTRIBUTES) - seen
