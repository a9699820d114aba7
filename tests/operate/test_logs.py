"""``logs`` against moto's CloudWatch Logs FilterLogEvents."""

from __future__ import annotations

import time

import pytest

from shipspec.operate import OperateError, StackContext
from shipspec.operate.logs import log_events, parse_since

from .conftest import Deployed, client


def _stack(deployed: Deployed) -> StackContext:
    return StackContext.load(deployed.out_dir, deployed.env, outputs=deployed.fake_outputs)


def test_since_keeps_only_the_window(deployed: Deployed) -> None:
    events = list(log_events(_stack(deployed), "api", since_seconds=15 * 60))
    assert [e.message for e in events] == ["GET /healthz 200", "GET /orders 500"]
    assert {e.stream for e in events} == {"ecs/api/abc"}


def test_the_log_group_is_the_one_the_program_names(deployed: Deployed) -> None:
    assert _stack(deployed).log_group("api") == "/ecs/atlas/dev/api"


def test_follow_prints_new_events_once_and_stops_on_ctrl_c(deployed: Deployed) -> None:
    polls: list[float] = []

    def sleep(seconds: float) -> None:
        polls.append(seconds)
        if len(polls) == 1:
            client("logs").put_log_events(
                logGroupName="/ecs/atlas/dev/api",
                logStreamName="ecs/api/abc",
                logEvents=[{"timestamp": int(time.time() * 1000), "message": "GET /new 201"}],
            )
        else:
            raise KeyboardInterrupt

    seen = []
    with pytest.raises(KeyboardInterrupt):
        for event in log_events(
            _stack(deployed), "api", since_seconds=120, follow=True, sleep=sleep
        ):
            seen.append(event.message)
    assert seen == ["GET /healthz 200", "GET /orders 500", "GET /new 201"]
    assert polls == [2.0, 2.0]


def test_a_service_without_a_log_group_is_located(deployed: Deployed) -> None:
    with pytest.raises(OperateError, match="service admin: no log group /ecs/atlas/dev/admin"):
        list(log_events(_stack(deployed), "admin", since_seconds=60))


def test_an_unknown_service_names_the_known_ones(deployed: Deployed) -> None:
    with pytest.raises(
        OperateError, match=r"no service 'web' .*api, docs, ingest, admin, indexer, reports"
    ):
        list(log_events(_stack(deployed), "web", since_seconds=60))


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("15m", 900), ("2h", 7200), ("1d", 86400)]
)
def test_since_units(text: str, seconds: int) -> None:
    assert parse_since(text) == seconds


@pytest.mark.parametrize("text", ["15", "0m", "-5m", "15 minutes", ""])
def test_bad_since_is_refused(text: str) -> None:
    with pytest.raises(OperateError, match="expected a positive number and a unit"):
        parse_since(text)
