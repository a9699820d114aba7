"""What people may do to a service's running tasks, as the spec says it.

``exec`` is ECS Exec (``shipspec exec``, ``aws ecs execute-command``): a shell or one command
in a running container, through SSM Session Manager. Unset, it is on outside production
(debugging a development stack should not need a redeploy) and off in production (a shell
into production tasks is a function the application does not need: PCI DSS 4.0 req 2.2.4,
and the baseline policy's ``ecs-exec-disabled-in-production``). ``true`` allows it in
production too, ``false`` turns it off everywhere.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

ExecSetting = Annotated[
    bool | None,
    Field(
        description="ECS Exec into this service's tasks (`shipspec exec`): unset = on outside "
        "production, off in production; true = also in production; false = never.",
    ),
]
