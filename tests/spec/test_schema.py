"""The exported JSON Schema is a valid Draft 2020-12 schema that accepts every example."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from jsonschema import Draft202012Validator

import shipspec
from shipspec.spec.schema import json_schema, json_schema_text
from shipspec.spec.yamlsource import read_yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    return Draft202012Validator(json_schema())


def test_the_schema_is_valid_draft_2020_12() -> None:
    schema = json_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_schema_text_is_stable_json() -> None:
    assert json.loads(json_schema_text()) == json_schema()
    assert json_schema_text() == json_schema_text()


def _document(path: Path) -> Any:
    return read_yaml(path.read_bytes(), path.name).data


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.yaml")))
def test_every_example_validates_against_the_schema(
    name: str, validator: Draft202012Validator
) -> None:
    validator.validate(_document(EXAMPLES / f"{name}.yaml"))


def test_the_schema_forbids_unknown_keys(validator: Draft202012Validator) -> None:
    document = _document(EXAMPLES / "minimal.yaml")
    document["services"]["web"]["helth"] = {"path": "/"}
    with pytest.raises(jsonschema.ValidationError, match="helth"):
        validator.validate(document)


@pytest.mark.parametrize(
    ("field", "value"),
    [("port", 70000), ("port", 0), ("cpu", 32), ("type", "webb"), ("on_failure", "wake")],
)
def test_the_schema_carries_ranges_and_choices_for_editors(
    field: str, value: Any, validator: Draft202012Validator
) -> None:
    document = _document(EXAMPLES / "minimal.yaml")
    document["services"]["web"][field] = value
    assert not validator.is_valid(document)
    with pytest.raises(shipspec.SpecError):
        shipspec.loads(json.dumps(document))


def test_fields_have_descriptions_where_the_spec_documents_them() -> None:
    service = json_schema()["$defs"]["Environment"]["properties"]
    assert "HTTPS" in service["domain"]["description"]


@pytest.mark.parametrize(
    "memory", ["512MiB", "1GiB", "2GB", "1.5GiB", "1g", " 2 gib ", "lots", "1TB", "1.GiB", "-1G"]
)
def test_the_schema_and_the_loader_agree_on_memory_sizes(
    memory: str, validator: Draft202012Validator
) -> None:
    document = _document(EXAMPLES / "minimal.yaml")
    document["services"]["web"].update(cpu=4, memory=memory)
    try:
        shipspec.loads(json.dumps(document))
        loads = True
    except shipspec.SpecError:
        loads = False
    assert validator.is_valid(document) == loads
