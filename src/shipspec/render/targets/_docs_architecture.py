"""The architecture diagram of one environment, as Mermaid (for the markdown) and DOT.

Both come from one :class:`Graph` built from the model, so the picture in
``handoff.md`` and ``architecture.dot`` (which ``shipspec session end`` renders to
``architecture.svg`` when Graphviz is installed) show the same boxes and arrows.
Regional services (S3, SQS, EventBridge) sit outside the VPC box; everything with a
network interface sits inside it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ...plan.engine_versions import version_label
from ...plan.engines import az_spread
from ...plan.model import EnvironmentPlan

_SHAPES = {  # kind → (mermaid open, mermaid close, dot shape)
    "actor": ("((", "))", "circle"),
    "lb": ("[", "]", "box"),
    "service": ("[", "]", "box"),
    "store": ("[(", ")]", "cylinder"),
    "regional": ("[/", "/]", "parallelogram"),
    "scheduler": ("([", "])", "oval"),
}


@dataclass
class Graph:
    title: str
    nodes: list[tuple[str, str, str, bool]] = field(default_factory=list)  # id, label, kind, vpc
    edges: list[tuple[str, str, str]] = field(default_factory=list)  # from, to, label

    def node(self, id: str, label: str, kind: str, in_vpc: bool) -> None:
        self.nodes.append((id, label, kind, in_vpc))

    def edge(self, source: str, target: str, label: str = "") -> None:
        self.edges.append((source, target, label))


def _id(prefix: str, name: str) -> str:
    return f"{prefix}_{name.replace('-', '_')}"


def graph(env: EnvironmentPlan) -> Graph:
    net = env.network
    g = Graph(f"VPC {net.label}, {net.az_count} AZs, {net.nat_gateway_count} NAT")
    public = [lb for lb in env.load_balancers if lb.internet_facing]
    if public:
        g.node("internet", "Internet", "actor", False)
    for lb in env.load_balancers:
        extras = [x for x, on in (("HTTPS", lb.https), ("WAF", lb.waf)) if on]
        label = f"{lb.name} ALB" + (f" ({', '.join(extras)})" if extras else "")
        g.node(_id("lb", lb.name), label, "lb", True)
        if lb.internet_facing:
            g.edge("internet", _id("lb", lb.name), lb.domain or "")
    if any(s.kind == "job" for s in env.services):
        g.node("schedule", "EventBridge schedules", "scheduler", False)
    for s in env.services:
        if s.kind == "job":
            size = f"job, {s.schedule}"
        else:
            size = f"{s.kind}, {s.min_count}-{s.max_count} tasks"
        g.node(_id("svc", s.name), f"{s.name}: {size}", "service", True)
        if s.load_balancer:
            g.edge(_id("lb", s.load_balancer), _id("svc", s.name), " ".join(s.path_patterns))
        if s.kind == "job":
            g.edge("schedule", _id("svc", s.name))
    for d in env.datastores:
        regional = d.engine in ("s3", "sqs")
        # The version the program sets (postgres 16.4 runs as RDS's 16.x), not the spec's.
        detail = " ".join(part for part in (version_label(d), d.instance_class or "") if part)
        if az_spread(d):
            detail += f", {az_spread(d)}"
        g.node(
            _id("ds", d.name),
            f"{d.name}: {detail}",
            "regional" if regional else "store",
            not regional,
        )
    for s in env.services:
        for use in s.uses:
            g.edge(_id("svc", s.name), _id("ds", use.datastore))
    return g


def _mermaid_text(text: str) -> str:
    return json.dumps(
        text.replace('"', "'"), ensure_ascii=False
    )  # Mermaid's quoted labels; no quotes inside


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a DOT string: the same escapes as JSON


def mermaid(env: EnvironmentPlan) -> str:
    """A ``flowchart LR`` of the environment (the body of a ```mermaid block)."""
    g = graph(env)
    lines = ["flowchart LR"]

    def declare(id: str, label: str, kind: str, pad: str) -> None:
        opening, closing = _SHAPES[kind][:2]
        lines.append(f"{pad}{id}{opening}{_mermaid_text(label)}{closing}")

    for id, label, kind, in_vpc in g.nodes:
        if not in_vpc:
            declare(id, label, kind, "  ")
    lines.append(f"  subgraph vpc[{_mermaid_text(g.title)}]")
    for id, label, kind, in_vpc in g.nodes:
        if in_vpc:
            declare(id, label, kind, "    ")
    lines.append("  end")
    for source, target, label in g.edges:
        arrow = f"-->|{_mermaid_text(label)}|" if label else "-->"
        lines.append(f"  {source} {arrow} {target}")
    return "\n".join(lines)


def dot(env: EnvironmentPlan) -> str:
    """A Graphviz ``digraph`` of the environment, stable text for the same model."""
    g = graph(env)
    lines = [
        "digraph architecture {",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]

    def declare(id: str, label: str, kind: str, pad: str) -> None:
        lines.append(f"{pad}{id} [label={_quote(label)}, shape={_SHAPES[kind][2]}];")

    for id, label, kind, in_vpc in g.nodes:
        if not in_vpc:
            declare(id, label, kind, "  ")
    lines.append("  subgraph cluster_vpc {")
    lines.append(f"    label={_quote(g.title)};")
    for id, label, kind, in_vpc in g.nodes:
        if in_vpc:
            declare(id, label, kind, "    ")
    lines.append("  }")
    for source, target, label in g.edges:
        suffix = f" [label={_quote(label)}]" if label else ""
        lines.append(f"  {source} -> {target}{suffix};")
    lines.append("}")
    return "\n".join(lines)
