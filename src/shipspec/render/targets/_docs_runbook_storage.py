"""What an RDS instance's full disk is checked with first, for every engine's guide."""

from __future__ import annotations


def rds_storage_checks(variable: str) -> tuple[str, ...]:
    """The ceiling and the cooldown of the instance named by the shell variable ``variable``."""
    return (
        f'`aws rds describe-db-instances --db-instance-identifier "${variable}" --query '
        "'DBInstances[0].[AllocatedStorage,MaxAllocatedStorage,DBInstanceStatus,"
        "PendingModifiedValues]'`: `AllocatedStorage` equal to `MaxAllocatedStorage` is the "
        "ceiling; status `storage-optimization` is a change still settling",
        "when the disk last grew: `aws rds describe-events --source-type db-instance "
        f'--source-identifier "${variable}" --duration 1440` (storage events of the last '
        "24 hours; within 6 hours of one, RDS accepts no storage change)",
    )
