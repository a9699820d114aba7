"""Runs without error but declares nothing."""

import pulumi

pulumi.log.info("nothing to do")
