"""``docs/conformance.md``, generated from the rule data so the page never drifts from it.

Regenerate with ``python -m shipspec.preview.conformance.docs docs/conformance.md``; a
test compares the committed page with :func:`markdown`. Limits read from botocore are
shown with the values of the installed botocore.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from .model import Botocore, Rule
from .rules import RULES

INTRO = """\
# Conformance: the preview rejects what AWS rejects

The offline preview runs the generated program under Pulumi mocks, which accept any
input. AWS and the Pulumi AWS provider do not: a target group autonamed
`<logical name>-<7 random chars>` must fit 32 characters, a load balancer's name may not
begin with `internal-`, an RDS storage ceiling must be 0 or above the allocation. So after
every preview, shipspec checks each recorded resource against the rules below. A
violation stops `shipspec preview` and `shipspec check` with exit 1, naming the
resource, the input, the value, the rule and its source:

```console
$ shipspec preview . --env dev
1 input in dev would be rejected by AWS or the Pulumi AWS provider:
aws:lb/targetGroup:TargetGroup 'web-tg': healthCheck.interval = 4: outside 5-300
  rule lb.target-group.health-interval (5-300); source: botocore elbv2 CreateTargetGroup: HealthCheckIntervalSeconds (range)
  hint: the rules and their sources are in docs/conformance.md; if you edited infra/, fix the input, else report it: generated stacks must conform
$ echo $?
1
```

How the rules work:

- **Rules are data**, one constraint each, in `src/shipspec/preview/conformance/`
  (`rules_names.py`, `rules_names_monitoring.py`, `rules_fields.py`), each citing its source.
- **Names are checked as AWS will see them**: the explicit input, or the autoname the
  provider makes up (`<logical name>-<7 random chars>`, lowercased for some types). The
  `autoname.*` rules carry the provider's own maximum per type, from
  `provider/resources.go` of pulumi-aws; the provider refuses a logical name that leaves
  no room ("name 'x-' plus 7 random chars is longer than maximum length 32").
- **botocore is read, not copied**: where botocore's service model states a length,
  range, pattern or enum for the API input (source `botocore <service> <operation>`),
  the rule reads it when the check runs; the values below are those of the installed
  botocore. botocore loads only when a preview runs.
- Values only known after deployment (`[unknown]`, `[secret]`) are not judged.

The generator keeps names within these limits by construction
(`infra/components/_names.py`): a name that could overflow becomes a readable prefix
and a short hash of the whole, stable from run to run.

This page is generated from the rule data:
`python -m shipspec.preview.conformance.docs docs/conformance.md`.
"""  # noqa: E501 (the console example is quoted as printed)


def _source_kind(rule: Rule) -> str:
    if isinstance(rule.constraint, Botocore):
        return "botocore model"
    if "github.com/pulumi/pulumi-aws" in rule.source:
        return "Pulumi AWS provider"
    return "AWS documentation"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(rules: list[Rule] | None = None) -> str:
    rules = RULES if rules is None else rules
    by_type: dict[str, list[Rule]] = {}
    for rule in rules:
        by_type.setdefault(rule.type, []).append(rule)
    kinds = Counter(_source_kind(r) for r in rules)
    lines = [INTRO, "## Summary", ""]
    lines.append(
        f"{len(rules)} rules on {len(by_type)} resource types; sources: "
        + ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
        + "."
    )
    lines += [
        "",
        "| Resource type | Rules | AWS documentation | botocore model | Pulumi AWS provider |",
    ]
    lines.append("| --- | --- | --- | --- | --- |")
    for type_, members in sorted(by_type.items()):
        counts = Counter(_source_kind(r) for r in members)
        lines.append(
            f"| `{type_}` | {len(members)} | {counts['AWS documentation']} | "
            f"{counts['botocore model']} | {counts['Pulumi AWS provider']} |"
        )
    for type_, members in sorted(by_type.items()):
        lines += ["", f"## `{type_}`", "", "| Rule | Input | Constraint | Source |"]
        lines.append("| --- | --- | --- | --- |")
        for rule in members:
            lines.append(
                f"| `{rule.id}` | `{_cell(rule.input)}` | {_cell(rule.constraint.describe())} | "
                f"{_cell(rule.source_text)} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(
            "usage: python -m shipspec.preview.conformance.docs docs/conformance.md",
            file=sys.stderr,
        )
        return 2
    Path(argv[0]).write_text(markdown(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
