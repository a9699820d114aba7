"""``shipspec logs``: a service's log lines from CloudWatch Logs (FilterLogEvents).

``--follow`` polls every :data:`FOLLOW_INTERVAL` seconds from the last event seen, and
skips events already printed (FilterLogEvents may return an event again when several
share the last timestamp). It stops on Ctrl-C; the CLI turns that into a clean exit.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .errors import OperateError, aws_error
from .stack import StackContext

FOLLOW_INTERVAL = 2.0  # seconds between polls: FilterLogEvents allows 5 per second per account
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class LogEvent:
    timestamp: int  # milliseconds since the epoch
    stream: str
    message: str
    event_id: str

    def as_dict(self) -> dict[str, Any]:
        return {"timestamp": self.timestamp, "stream": self.stream, "message": self.message}


def parse_since(text: str) -> int:
    """``15m`` -> 900 (seconds); s, m, h and d are understood."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", text)
    if match is None or int(match.group(1)) == 0:
        raise OperateError(
            f"--since {text!r}: expected a positive number and a unit, like 30s, 15m, 2h or 1d"
        )
    return int(match.group(1)) * _UNITS[match.group(2)]


def log_events(
    stack: StackContext,
    service: str,
    *,
    since_seconds: int,
    follow: bool = False,
    now: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[LogEvent]:
    """The service's events from ``since_seconds`` ago, oldest first; forever with ``follow``."""
    from botocore.exceptions import BotoCoreError, ClientError

    group = stack.log_group(service)
    logs = stack.client("logs")
    start = int((now() - since_seconds) * 1000)
    seen: set[str] = set()
    while True:
        try:
            batch = _fetch(logs, group, start)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                raise OperateError(
                    f"service {service}: no log group {group}\n"
                    f"  hint: has stack {stack.env.name!r} been deployed (`pulumi up`)?"
                ) from None
            raise aws_error(error, f"logs of {service}") from None
        except BotoCoreError as error:
            raise aws_error(error, f"logs of {service}") from None
        for event in batch:
            if event.event_id not in seen:
                seen.add(event.event_id)
                yield event
            start = max(start, event.timestamp)
        if not follow:
            return
        # Only ids at the resume timestamp can come back; forget the rest.
        seen = {e.event_id for e in batch if e.timestamp == start} | (seen if not batch else set())
        sleep(FOLLOW_INTERVAL)


def _fetch(logs: Any, group: str, start: int) -> list[LogEvent]:
    events = []
    for page in logs.get_paginator("filter_log_events").paginate(
        logGroupName=group, startTime=start
    ):
        events += [
            LogEvent(
                int(e["timestamp"]),
                str(e.get("logStreamName", "")),
                str(e["message"]),
                e["eventId"],
            )
            for e in page.get("events", [])
        ]
    return sorted(events, key=lambda e: (e.timestamp, e.event_id))
