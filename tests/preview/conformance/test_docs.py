"""docs/conformance.md is generated from the rule data and committed current."""

from __future__ import annotations

from shipspec.preview.conformance.docs import markdown
from shipspec.preview.conformance.rules import RULES
from tests.conftest import ROOT


def test_committed_conformance_page_is_current() -> None:
    committed = (ROOT / "docs" / "conformance.md").read_text(encoding="utf-8")
    assert committed == markdown(), (
        "docs/conformance.md is stale: run "
        "`.venv/bin/python -m shipspec.preview.conformance.docs docs/conformance.md`"
    )


def test_the_page_lists_every_rule_and_the_readme_links_it() -> None:
    page = markdown()
    assert all(f"`{rule.id}`" in page for rule in RULES)
    assert "(docs/conformance.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
