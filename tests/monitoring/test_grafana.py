"""The Grafana dashboard: importable JSON whose queries read only series that exist."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from tests.monitoring.monitoring_support import EXAMPLES, model_of, run

# PromQL words that are not series names: functions are followed by "(", these are not.
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and",
            "or", "unless", "offset"}  # fmt: skip


def dashboard(rendered, example: str) -> dict:
    path = next((rendered[example] / "grafana").glob("*.json"))
    return json.loads(path.read_text())


def series_names(expr: str) -> set[str]:
    """The metric names an expression selects: strings, label sets, ranges and calls removed."""
    text = re.sub(r'"(\\.|[^"\\])*"', "", expr)
    text = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = re.findall(r"(?<![\w:.])[a-zA-Z_:][\w:]*(?![\w:])(?!\s*\()", text)
    return {n for n in names if n not in KEYWORDS and not re.fullmatch(r"\d.*", n)}


def recorded(rendered, example: str) -> set[str]:
    rules = yaml.safe_load(next((rendered[example] / "prometheus").glob("*.rules.yml")).read_text())
    return {r["record"] for g in rules["groups"] for r in g["rules"] if "record" in r}


def targets(board: dict, kind: str) -> list[dict]:
    return [
        t for p in board["panels"] for t in p.get("targets", []) if t["datasource"]["type"] == kind
    ]


def test_series_names_parser() -> None:
    expr = 'sum by (le) (rate(x_bucket{job="a", le=~"1(\\\\.0)?"}[5m])) / on(app) y:z{a="b"}'
    assert series_names(expr) == {"x_bucket", "y:z"}
    assert series_names("1 - not:recorded{a='b'} > 1e-05") == {"not:recorded"}


@pytest.mark.parametrize("example", EXAMPLES)
def test_prometheus_panels_read_only_recording_rules(rendered, example: str) -> None:
    defined = recorded(rendered, example)
    used = set().union(
        *(series_names(t["expr"]) for t in targets(dashboard(rendered, example), "prometheus"))
    )
    assert used, "the dashboard queries something"
    assert used <= defined, f"undefined series: {used - defined}"


@pytest.mark.parametrize("example", EXAMPLES)
def test_panel_queries_are_valid_promql(
    rendered, example: str, promtool: str, tmp_path: Path
) -> None:
    """promtool parses every panel query (as a recording rule) and the dashboard's variables."""
    exprs = [t["expr"] for t in targets(dashboard(rendered, example), "prometheus")]
    rules = {
        "groups": [
            {
                "name": "panels",
                "rules": [{"record": f"panel:q{i}", "expr": e} for i, e in enumerate(exprs)],
            }
        ]
    }
    path = tmp_path / "panels.rules.yml"
    path.write_text(yaml.safe_dump(rules))
    result = run(promtool, "check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("example", EXAMPLES)
def test_cloudwatch_panels_plot_metrics_the_alarms_watch(rendered, example: str) -> None:
    model = model_of(example)
    watched = {
        (m.namespace, m.metric_name)
        for env in model.monitoring.alarms.values()
        for a in env.alarms
        for m in a.metrics
    }
    plotted = {
        (t["namespace"], t["metricName"])
        for t in targets(dashboard(rendered, example), "cloudwatch")
    }
    assert plotted and plotted <= watched


@pytest.mark.parametrize("example", EXAMPLES)
def test_dashboard_is_importable(rendered, example: str) -> None:
    board = dashboard(rendered, example)
    app = model_of(example).app
    assert board["uid"] == f"shipspec-{app}" and len(board["uid"]) <= 40
    assert board["id"] is None and isinstance(board["schemaVersion"], int)
    ids = [p["id"] for p in board["panels"]]
    assert ids == list(range(1, len(ids) + 1))
    variables = {v["name"] for v in board["templating"]["list"]}
    for p in board["panels"]:
        grid = p["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24
        if p["type"] != "row":
            uid = p["datasource"]["uid"]
            assert uid.startswith("${") and uid[2:-1] in variables
            assert all(t["refId"] for t in p["targets"])
    cells = [
        (x, y)
        for p in board["panels"]
        for x in range(p["gridPos"]["x"], p["gridPos"]["x"] + p["gridPos"]["w"])
        for y in range(p["gridPos"]["y"], p["gridPos"]["y"] + p["gridPos"]["h"])
    ]
    assert len(cells) == len(set(cells)), "panels overlap"


def test_one_slo_row_per_slo(rendered) -> None:
    rows = [p["title"] for p in dashboard(rendered, "shop")["panels"] if p["type"] == "row"]
    assert rows[:2] == [
        "SLO web-availability: 99.9% availability over 30 days",
        "SLO web-latency: 99.0% latency over 30 days",
    ]
