"""Your changes to the generated Pulumi program: this file is yours.

shipspec created it once and never overwrites or deletes it (not even with
`generate --force`), and `generate --check` ignores it. `shipspec preview` runs it with
the rest of the program.

* Code at the top level runs when `__main__.py` imports this module, before any resource
  exists: register transforms here, and they apply to every resource the program creates
  (change any resource's arguments or options, found by type and name).
* `customize(components)` runs once every component exists: `components` maps each
  component's variable name in `__main__.py` (the spec's names: "web", "db"; "public_lb",
  "network", "cluster", "monitoring"; secrets as "secret_<name>") to the component, whose
  child resources are named "<component>-<part>" (see `shipspec preview --json`). Add
  resources here, e.g. as children of a component.

Only `pulumi` and `pulumi_aws` are needed; keep other imports in requirements.txt.
"""

import pulumi
import pulumi_aws as aws  # noqa: F401  (used by the examples below)

# Example transform: a larger instance class for one database. Properties use Pulumi's
# wire names (camelCase), as in `shipspec preview --json`.
#
# def _my_changes(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
#     if args.type_ == "aws:rds/instance:Instance" and args.name == "db-db":
#         props = {**args.props, "instanceClass": "db.r7g.large"}
#         return pulumi.ResourceTransformResult(props, args.opts)
#     return None
#
# pulumi.runtime.register_resource_transform(_my_changes)


def customize(components: dict[str, pulumi.Resource]) -> None:
    """Called by __main__.py once every component exists.

    Example: a reports bucket beside the uploads datastore.

        aws.s3.Bucket("reports", opts=pulumi.ResourceOptions(parent=components["uploads"]))
    """
