"""The runbook and the handoff say which scheduled jobs page, on what, and where.

A job the spec marks ``on_failure: page`` pages in production on the checks the plan gives it;
its ``missed-runs`` stays a ticket (it fires on every new stack before the first run, and can
tell only after twice the gap). Jobs left at the default are tickets, as before.
"""

from __future__ import annotations

import shipspec
from shipspec.render.renderer import render
from shipspec.spec.loader import loads
from tests.conftest import EXAMPLES

SPEC = """
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: pay, owner: team-pay}
cloud: {region: eu-west-1}
environments: {dev: {}, prod: {}}
services:
  settle: {type: job, image: x/settle:1, schedule: 'cron(15 1 * * ? *)', on_failure: page}
  cleanup: {type: job, image: x/cleanup:1, schedule: 'rate(1 day)'}
  weekly: {type: job, image: x/weekly:1, schedule: 'cron(0 4 ? * MON *)', on_failure: page}
"""


def _docs(text: str) -> dict[str, str]:
    return dict(render(shipspec.plan(loads(text)), only=["docs"]))


def _who_is_paged(runbook: str) -> str:
    return runbook.split("## Who is paged")[1].split("\n## ")[0]


def test_the_runbook_names_each_paging_job_and_the_checks_that_page() -> None:
    who = " ".join(_who_is_paged(_docs(SPEC)["docs/operations/runbook.md"]).split())
    assert (
        "settle pages in prod when a run fails or cannot start (`failed-runs`), the scheduler "
        "drops a run (`failed-invocations`) or a run goes on too long (`long-run`); weekly "
        "pages in prod when" in who
    )
    assert "Missed runs stay tickets for these jobs too" in who
    assert "cleanup pages" not in who
    assert "resolve it by hand once a run succeeds" in who


def test_the_handoff_names_the_paging_jobs_and_their_first_missed_runs_page() -> None:
    handoff = " ".join(_docs(SPEC)["docs/operations/handoff.md"].split())
    assert (
        "a scheduled job's failed run opens a ticket, except for settle (`on_failure: page` in "
        "the spec), whose `failed-runs`, `failed-invocations` and `long-run` "
        "page in prod, weekly (`on_failure: page` in the spec), whose `failed-runs`, "
        "`failed-invocations` and `long-run` page in prod" in handoff
    )
    assert "first deploy that is a page" not in handoff  # missed-runs stays a ticket


def test_without_a_paging_job_the_docs_speak_of_tickets_only() -> None:
    docs = _docs(SPEC.replace("on_failure: page", "on_failure: ticket"))
    who = " ".join(_who_is_paged(docs["docs/operations/runbook.md"]).split())
    assert "(`missed-runs`) open tickets." in who and "on_failure" not in who
    handoff = docs["docs/operations/handoff.md"]
    assert "except for" not in handoff.split("failed run opens a ticket")[1][:20]
    assert "first deploy that is a page" not in handoff


def test_a_spec_without_jobs_says_nothing_of_them() -> None:
    model = shipspec.plan(shipspec.load(EXAMPLES / "minimal.yaml"))
    runbook = dict(render(model, only=["docs"]))["docs/operations/runbook.md"]
    assert "scheduled job" not in _who_is_paged(runbook)


def test_the_missed_runs_section_says_it_is_a_ticket_even_for_a_paging_job() -> None:
    """missed-runs never pages (plan/job_alarms.py): its runbook section must not tell the
    reader a page can come from it, for a job marked ``on_failure: page`` either."""
    model = shipspec.plan(loads(SPEC))
    missed = [
        a
        for env in model.monitoring.alarms.values()
        for a in env.alarms
        if a.check == "missed-runs"
    ]
    assert missed and not any(a.pages for a in missed)
    runbook = _docs(SPEC)["docs/operations/runbook.md"]
    section = " ".join(runbook.split("**missed job runs.**")[1].split("How to check:")[0].split())
    assert "page in production" not in section
    assert "always a ticket, also for a job marked `on_failure: page`" in section
