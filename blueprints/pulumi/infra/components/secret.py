"""A Secrets Manager secret whose value is set outside Pulumi.

Only the container is declared here. The value is put by a human or a pipeline
(``aws secretsmanager put-secret-value``), so it never enters the program, the stack
config or the Pulumi state; services reference the secret by ARN and ECS injects it.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


class AppSecret(pulumi.ComponentResource):
    """Secrets Manager secret without a value.

    Args:
        name: Component name, prefix of the child resource name.
        description: What the secret is for and who sets it, shown in the console.
        kms_key_arn: Customer-managed KMS key (``DataKey``) for restricted data.
    """

    arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        description: str,
        kms_key_arn: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:AppSecret", name, None, opts)
        secret = aws.secretsmanager.Secret(
            f"{name}-secret",
            description=description,
            # Deleting waits 30 days, so an accidental destroy can be undone.
            recovery_window_in_days=30,
            kms_key_id=kms_key_arn,  # None: the account's aws/secretsmanager key
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn = secret.arn
        self.register_outputs({"arn": self.arn})
