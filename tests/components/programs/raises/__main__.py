"""Registers one resource, then fails the way a typo in a generated program would."""

import pulumi
import pulumi_aws as aws

aws.sqs.Queue("first")
raise RuntimeError(f"cannot size the {pulumi.get_stack()} cluster")
