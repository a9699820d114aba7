"""EventBridge rule names: the plan and the program agree, and the topics' policies admit them.

The program (``infra/components/_names.py``) names every rule ``rule_name(...)``, under
``rule_prefix()``, and the alert topics' and key's policies admit
``arn:aws:events:<region>:<account>:rule/<rule_prefix()>-*``. The plan
(``plan/physical_names.py``) computes the same names for the runbook. For any app and
environment names the spec accepts (1-31 characters each, so ``<app>-<env>`` up to 63,
and EventBridge's limit is 64): the two agree, every name fits, and IAM's ``ArnLike``
matches its ARN against the policies' pattern. A stack whose prefix a cut name kept whole
already (56 characters at most) keeps its rule names: renaming a rule replaces it.
"""

from __future__ import annotations

import importlib.util
import shutil
from types import ModuleType

import pulumi
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shipspec.plan import physical_names
from tests.conftest import ROOT
from tests.preview.iam_model import arn_like

LETTERS = "abcdefghijklmnopqrstuvwxyz"
SUFFIXES = ("-failed-runs", "-errors", "-errors-forward")

name = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(LETTERS),
    st.text(LETTERS + "0123456789-", min_size=1, max_size=30),
).filter(lambda n: "--" not in n and not n.endswith("-"))
lengths = st.integers(min_value=2, max_value=31)


@pytest.fixture(scope="module")
def program_names(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The blueprint's ``_names.py``, copied (no bytecode in blueprints/) and imported alone."""
    path = tmp_path_factory.mktemp("names") / "_names.py"
    shutil.copy(ROOT / "blueprints" / "pulumi" / "infra" / "components" / "_names.py", path)
    spec = importlib.util.spec_from_file_location("shipspec_test_names", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _in_stack(monkeypatch: pytest.MonkeyPatch, app: str, env: str) -> None:
    monkeypatch.setattr(pulumi, "get_project", lambda: app)
    monkeypatch.setattr(pulumi, "get_stack", lambda: env)


@given(app=name, env=name, job=name, suffix=st.sampled_from(SUFFIXES))
def test_rule_names_fit_agree_with_the_plan_and_match_the_policy_pattern(
    program_names: ModuleType, app: str, env: str, job: str, suffix: str
) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        _in_stack(monkeypatch, app, env)
        prefix = program_names.rule_prefix()
        rule = program_names.rule_name(job + suffix)
        old = program_names.physical_name(job + suffix, max_length=64)
    assert (prefix, rule) == (
        physical_names.rule_prefix(app, env),
        physical_names.rule_name(app, env, job + suffix),
    )
    assert len(rule) <= 64
    region_account = "us-west-2:123456789012"
    assert arn_like(
        f"arn:aws:events:{region_account}:rule/{prefix}-*",
        f"arn:aws:events:{region_account}:rule/{rule}",
    ), (prefix, rule)
    if len(f"{app}-{env}") <= 56:
        assert prefix == f"{app}-{env}" and rule == old


@given(app_length=lengths, env_length=lengths)
def test_the_longest_names_get_a_short_prefix_and_keep_the_rules_own_name_readable(
    program_names: ModuleType, app_length: int, env_length: int
) -> None:
    app, env, job = "a" * app_length, "e" * env_length, "j" * 31
    rule = physical_names.rule_name(app, env, f"{job}-failed-runs")
    prefix = physical_names.rule_prefix(app, env)
    if app_length + 1 + env_length > 56:
        assert len(prefix) == 32 and prefix.startswith("a" * min(app_length, 24))
        assert "j" * 23 in rule  # the job's name, not only hashes
    else:
        assert prefix == f"{app}-{env}"
    # Two stacks' long prefixes stay apart (the hash is of the whole).
    other = physical_names.rule_prefix(app, env[:-1] + "f")
    assert other != prefix


def test_the_review_stacks_rule_starts_with_what_the_policy_admits() -> None:
    """The SRE review's stack: `<app>-<stack>` is 59 characters, too long to begin a cut name."""
    app, env = "larkspur-veterinary-telehealth", "telehealth-production-oregon"
    prefix = physical_names.rule_prefix(app, env)
    rule = physical_names.rule_name(app, env, "nightly-reconciliation-failed-runs")
    assert len(prefix) == 32 and rule.startswith(f"{prefix}-") and len(rule) <= 64
    assert rule.startswith("larkspur-veterinary-tele")
    assert not physical_names.physical_name(
        app, env, "nightly-reconciliation-failed-runs", max_length=64
    ).startswith(f"{app}-{env}-"), "the old name: cut inside the stack prefix"
