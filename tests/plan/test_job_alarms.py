"""A scheduled job's alarms: tickets by default, pages where alarms page for `on_failure: page`.

A nightly settlement job with a cut-off at 06:00 that fails at 01:15 must wake someone in
production: its failed-runs rule, dropped invocations and hung runs page there (a hung run
misses the cut-off as surely as a failed one). Missed runs stay a ticket: the alarm can tell
only after twice the gap between runs, and fires on every new stack before the first run.
Outside production nothing pages, and a job the spec does not mark stays a ticket everywhere.
"""

from __future__ import annotations

from shipspec.plan.model import DeploymentModel
from shipspec.plan.planner import plan
from shipspec.render.targets._pulumi_monitoring import monitoring_config
from shipspec.spec.loader import loads

SPEC = """
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: pay, owner: team-pay}
cloud: {region: eu-west-1}
environments: {dev: {}, prod: {}}
services:
  settle: {type: job, image: x/settle:1, schedule: 'cron(15 1 * * ? *)', on_failure: page}
  cleanup: {type: job, image: x/cleanup:1, schedule: 'rate(1 day)'}
"""
CHECKS = ("failed-invocations", "long-run", "missed-runs")


def _model() -> DeploymentModel:
    return plan(loads(SPEC))


def _pages(model: DeploymentModel, env: str, job: str) -> dict[str, bool]:
    """Whether each of the job's alarms and its failed-runs rule pages in ``env``."""
    alarms = model.monitoring.alarms[env]
    found = {a.check: a.pages for a in alarms.alarms if a.target == f"job:{job}"}
    (rule,) = [j for j in alarms.job_failures if j.job == job]
    return {**found, "failed-runs": rule.pages}


def test_a_paging_job_pages_in_production_on_every_way_a_run_goes_wrong() -> None:
    model = _model()
    assert _pages(model, "prod", "settle") == {
        **dict.fromkeys((*CHECKS, "failed-runs"), True),
        "missed-runs": False,
    }
    for alarm in model.monitoring.alarms["prod"].alarms:
        if alarm.target == "job:settle" and alarm.check != "missed-runs":
            assert "`on_failure: page`" in alarm.reason and "so it pages" in alarm.reason
    (rule,) = [j for j in model.monitoring.alarms["prod"].job_failures if j.job == "settle"]
    assert "`on_failure: page`" in rule.reason
    decision = model.monitoring.decision(f"alarms.prod.{rule.name}")
    assert decision.value == "page" and decision.inputs["pages"] is True
    # A new stack's missed-runs alarm is in ALARM before the first run: a ticket, and it says why.
    (missed,) = [
        a
        for a in model.monitoring.alarms["prod"].alarms
        if a.target == "job:settle" and a.check == "missed-runs"
    ]
    assert "also for a job marked `on_failure: page`" in missed.reason
    assert "would page every new stack" in missed.reason


def test_a_paging_job_only_notifies_outside_production() -> None:
    model = _model()
    assert _pages(model, "dev", "settle") == dict.fromkeys((*CHECKS, "failed-runs"), False)
    dev = model.monitoring.alarms["dev"]
    reasons = [
        a.reason for a in dev.alarms if a.target == "job:settle" and a.check != "missed-runs"
    ]
    reasons += [j.reason for j in dev.job_failures if j.job == "settle"]
    assert len(reasons) == 3
    assert all(r.endswith("; non-production: notifies, never pages") for r in reasons)


def test_a_job_is_a_ticket_by_default() -> None:
    model = _model()
    assert model.production.service("cleanup").on_failure == "ticket"
    for env in ("dev", "prod"):
        assert _pages(model, env, "cleanup") == dict.fromkeys((*CHECKS, "failed-runs"), False)
    prod = model.monitoring.alarms["prod"]
    for reason in [a.reason for a in prod.alarms if a.target == "job:cleanup"] + [
        j.reason for j in prod.job_failures if j.job == "cleanup"
    ]:
        assert "the spec's `on_failure` is `ticket`), so a ticket" in reason


def test_the_stack_config_sends_a_paging_jobs_failed_runs_to_the_page_topic() -> None:
    """What the program reads: ``pages`` picks the rule's and alarms' topic (Monitoring._target)."""
    model = _model()
    for env, pages in (("prod", True), ("dev", False)):
        config = monitoring_config(model, model.environment(env))
        rules = {spec["job"]: spec["pages"] for spec in config["jobFailures"].values()}
        assert rules == {"settle": pages, "cleanup": False}, env
        alarms = {
            name.removeprefix(f"pay-{env}-"): spec["pages"]
            for name, spec in config["alarms"].items()
            if "settle" in name or "cleanup" in name
        }
        assert alarms == {
            **{f"settle-{check}": pages and check != "missed-runs" for check in CHECKS},
            **{f"cleanup-{check}": False for check in CHECKS},
        }, env


def test_a_job_sidecar_still_running_at_exit_is_warned_about() -> None:
    """The failed-runs rule matches any container's non-zero exit code: a sidecar the job
    does not wait for is stopped with the task when the job exits 0 (143 or 137), and a good
    run reads as failed. An init step the job waits for to succeed is fine."""
    spec = SPEC.replace(
        "on_failure: page}",
        "on_failure: page,\n"
        "    sidecars: {proxy: {image: x/proxy:1, essential: false},\n"
        "               init: {image: x/init:1, essential: false}},\n"
        "    depends_on: {init: SUCCESS}}",
    )
    warnings = plan(loads(spec)).monitoring.warnings()
    (prod,) = [w for w in warnings if "proxy" in w and "143" in w]
    assert "init" not in prod.split("may still run")[0]
    assert not [w for w in _model().monitoring.warnings() if "sidecars" in w]
