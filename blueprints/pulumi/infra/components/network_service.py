"""A TCP, UDP or TLS service behind a Network Load Balancer of its own.

An ALB speaks HTTP only; a database-like protocol, a game server, syslog or DNS needs a
Network Load Balancer. Each such service gets one (a listener is a port, and ports do not
multiply well on a shared one), internet-facing or internal, with a security group (NLBs
support them since August 2023): clients reach the listener port and nothing else, and
the load balancer reaches the tasks on that port and the health check port only.

Health checks: an NLB checks a UDP target group over TCP or HTTP, never UDP, so a UDP
service names a TCP ``health_check_port`` it also listens on; a TCP service is checked
with a TCP connection (or an HTTP path) on its own port unless another is given.

TLS: the listener terminates TLS (1.2 or 1.3, ``TLS_POLICY``) with an ACM certificate for
``domain``, validated by DNS in ``hosted_zone_name``, and forwards plain TCP to a TCP
target group: the tasks serve TCP, as a ``tcp`` service's do. No ALPN policy is set (the
listener negotiates none: the bytes are not HTTP).

Name: with a ``domain``, an alias record of that name points at the load balancer, so
clients keep their address when the load balancer (and its AWS-generated DNS name) is
replaced, and ``url`` uses it.

Source addresses: a TCP target group of IP targets is set not to preserve the client's
address, so the tasks see the NLB's and their security group admits the NLB's group. A
UDP target group always preserves it, so the tasks admit the listener's own sources
(the internet, or the VPC) on the UDP port, as the NLB does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from ._collector import MetricsCollector
from ._containers import Container
from ._datastore import Datastore, Use
from ._dns import TLS_POLICY, alias, certificate, zone_id
from ._ecs_service import create_service
from ._fargate import Egress, ExtraPort, create_task
from ._names import fitting_logical_name, original_name

PROTOCOLS = ("tcp", "udp", "tls")


class NetworkService(pulumi.ComponentResource):
    """Fargate service behind its own Network Load Balancer.

    Args:
        name: Component name; also the container name and the child resource prefix.
        cluster_arn: ECS cluster to run in.
        cluster_name: Name of the same cluster (Application Auto Scaling wants it).
        vpc_id: VPC of the tasks, load balancer and target group.
        vpc_cidr: VPC range: the only source an internal load balancer admits.
        subnet_ids: Private subnets for the tasks; they never get a public IP.
        load_balancer_subnet_ids: Public subnets when ``internet_facing``, private otherwise.
        internet_facing: Accept connections from the internet.
        image: Container image, pinned by tag or digest.
        port: Container port, also the listener's port.
        protocol: ``tcp``, ``udp``, or ``tls`` (a TLS listener; TCP to the tasks).
        domain: The load balancer's name, e.g. ``"ingest.example.com"``: an alias record
            in ``hosted_zone_name``, and with ``tls`` the certificate's name. None: no
            record, clients use the AWS-generated DNS name (``tls`` requires one).
        hosted_zone_name: Public Route 53 zone that holds ``domain``; required with it.
        cpu: Task CPU units (256 = 0.25 vCPU), a valid Fargate size.
        memory: Task memory in MiB, valid for ``cpu``.
        desired_count: Tasks at first deployment.
        min_count: Autoscaling floor; equal to ``max_count`` disables autoscaling.
        max_count: Autoscaling ceiling.
        cpu_target: Average CPU % that target tracking holds.
        health_check_port: TCP port the NLB checks; None: the traffic port (tcp only).
        health_check_path: An HTTP path to check on that port; None: a TCP connection.
        health_check_grace_seconds: Start-up time before failed health checks count.
        deletion_protection: Refuse to delete the load balancer (set in production).
        ports: Further ports other services call (``ExtraPort``), through Service Connect.
        service_connect_namespace: ARN of the environment's Service Connect namespace.
        starts_after: The ECS services (``ecs_service``) of the services it calls: its own
            is created after them, because a Service Connect client resolves only the
            endpoints that existed when its task started.
        container: Command, user, health check, sidecars and volume mounts
            (``_containers.Container``); None keeps the image's defaults.
        capacity_providers: ECS capacity provider strategy items, e.g. Fargate Spot; None
            runs on the FARGATE launch type.
        execute_command: ECS Exec into its tasks (``shipspec exec``).
        Other arguments as for WebService.
        egress: Outbound allowances beyond HTTPS (``Egress``, spec ``egress``): one
            security group egress rule each on the task's security group.
    """

    service_name: pulumi.Output[str]
    ecs_service: aws.ecs.Service  # what a caller's ECS service depends on
    task_definition_arn: pulumi.Output[str]  # the revision the stack deployed (status checks it)
    security_group_id: pulumi.Output[str]
    load_balancer_security_group_id: pulumi.Output[str]
    port: int | None
    called_ports: list[tuple[str, int]]  # (ip protocol, port) Service Connect callers reach
    url: pulumi.Output[str]  # <protocol>://<domain or the NLB's DNS name>:<port>
    certificate_arn: pulumi.Output[str] | None
    metric_ids: dict[str, list[pulumi.Input[str]]]

    def __init__(
        self,
        name: str,
        *,
        cluster_arn: pulumi.Input[str],
        cluster_name: pulumi.Input[str],
        vpc_id: pulumi.Input[str],
        vpc_cidr: str,
        subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
        load_balancer_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
        internet_facing: bool,
        image: pulumi.Input[str],
        port: int,
        protocol: str,
        cpu: int,
        memory: int,
        desired_count: int,
        min_count: int,
        max_count: int,
        cpu_target: int,
        health_check_port: int | None = None,
        health_check_path: str | None = None,
        health_check_grace_seconds: int = 60,
        deletion_protection: bool = False,
        domain: str | None = None,
        hosted_zone_name: str | None = None,
        ports: Sequence[ExtraPort] = (),
        environment: Mapping[str, pulumi.Input[str]] | None = None,
        secrets: Mapping[str, pulumi.Input[str]] | None = None,
        image_credentials: pulumi.Input[str] | None = None,
        uses: Mapping[str, Datastore | Use] | None = None,
        log_retention_days: int = 30,
        cpu_architecture: str = "X86_64",
        kms_key_arn: pulumi.Input[str] | None = None,
        service_connect_namespace: pulumi.Input[str] | None = None,
        collector: MetricsCollector | None = None,
        container: Container | None = None,
        capacity_providers: Sequence[Mapping[str, Any]] | None = None,
        execute_command: bool = False,
        starts_after: Sequence[pulumi.Resource] = (),
        egress: Sequence[Egress] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:NetworkService", name, None, opts)
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
        if protocol == "udp" and health_check_port is None:
            raise ValueError(f"{name}: an NLB cannot health-check UDP; give health_check_port")
        if protocol == "tls" and not domain:
            raise ValueError(f"{name}: a TLS listener needs a certificate, hence a domain")
        if domain and not hosted_zone_name:
            raise ValueError("hosted_zone_name is required when a domain is given")
        # What the tasks, the target group and the security groups carry: TLS ends at the
        # listener, TCP goes on.
        carried = "tcp" if protocol == "tls" else protocol
        child = pulumi.ResourceOptions(parent=self)
        task = create_task(
            self,
            name,
            created_as=original_name(name, opts),
            vpc_id=vpc_id,
            image=image,
            cpu=cpu,
            memory=memory,
            port=port,
            environment=environment or {},
            secrets=secrets or {},
            image_credentials=image_credentials,
            uses=uses or {},
            log_retention_days=log_retention_days,
            cpu_architecture=cpu_architecture,
            kms_key_arn=kms_key_arn,
            collector=collector,
            protocol=carried,
            extra_ports=ports,
            container=container,
            execute_command=execute_command,
            egress=egress,
        )
        check_port = health_check_port or port
        sources = {"ipv4": "0.0.0.0/0", "ipv6": "::/0"} if internet_facing else {"vpc": vpc_cidr}

        sg = aws.ec2.SecurityGroup(
            f"{name}-nlb-sg",
            vpc_id=vpc_id,
            description=f"{name} network load balancer",
            tags={"Name": f"{name}-nlb"},
            opts=child,
        )
        for label, cidr in sources.items():
            _rule(
                aws.vpc.SecurityGroupIngressRule,
                f"{name}-nlb-{port}-{label}",
                sg.id,
                carried,
                port,
                cidr=cidr,
                parent=self,
            )
        # To the tasks: traffic and health checks, nothing else.
        _rule(
            aws.vpc.SecurityGroupEgressRule,
            f"{name}-nlb-to-tasks",
            sg.id,
            carried,
            port,
            group=task.security_group.id,
            parent=self,
        )
        if carried == "tcp":
            _rule(
                aws.vpc.SecurityGroupIngressRule,
                f"{name}-from-nlb",
                task.security_group.id,
                "tcp",
                port,
                group=sg.id,
                parent=self,
            )
        else:  # UDP keeps the client's address: admit what the NLB admits, on the UDP port
            for label, cidr in sources.items():
                _rule(
                    aws.vpc.SecurityGroupIngressRule,
                    f"{name}-from-clients-{label}",
                    task.security_group.id,
                    "udp",
                    port,
                    cidr=cidr,
                    parent=self,
                )
        if protocol == "udp" or check_port != port:
            _rule(
                aws.vpc.SecurityGroupEgressRule,
                f"{name}-nlb-to-health",
                sg.id,
                "tcp",
                check_port,
                group=task.security_group.id,
                parent=self,
            )
            _rule(
                aws.vpc.SecurityGroupIngressRule,
                f"{name}-health-from-nlb",
                task.security_group.id,
                "tcp",
                check_port,
                group=sg.id,
                parent=self,
            )

        nlb_name = f"{name}-nlb" if not name.startswith("internal-") else f"nlb-{name}"
        nlb = aws.lb.LoadBalancer(
            fitting_logical_name(nlb_name, max_length=32),
            load_balancer_type="network",
            internal=not internet_facing,
            security_groups=[sg.id],
            subnets=load_balancer_subnet_ids,
            # A client reaching a zone without a healthy task is sent to another zone.
            enable_cross_zone_load_balancing=True,
            enable_deletion_protection=deletion_protection,
            opts=child,
        )
        target_group = aws.lb.TargetGroup(
            fitting_logical_name(f"{name}-tg", max_length=32, keep_suffix="-tg"),
            target_type="ip",  # Fargate tasks register by ENI address
            protocol=carried.upper(),
            port=port,
            vpc_id=vpc_id,
            deregistration_delay=30,
            preserve_client_ip="false" if carried == "tcp" else None,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                protocol="HTTP" if health_check_path else "TCP",
                port=str(check_port) if health_check_port else "traffic-port",
                path=health_check_path,
                matcher="200-399" if health_check_path else None,
                interval=10,
                healthy_threshold=2,
                unhealthy_threshold=2,
            ),
            opts=child,
        )
        zone = zone_id(self, hosted_zone_name) if domain and hosted_zone_name else None
        certificate_arn = (
            certificate(self, name, domain, zone) if protocol == "tls" and domain and zone else None
        )
        listener = aws.lb.Listener(
            f"{name}-listener",
            load_balancer_arn=nlb.arn,
            port=port,
            protocol=protocol.upper(),
            # TLS: the validated certificate (the listener waits until it is issued), TLS
            # 1.2+ only; no ALPN policy, so none is negotiated.
            certificate_arn=certificate_arn,
            ssl_policy=TLS_POLICY if certificate_arn is not None else None,
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=target_group.arn)
            ],
            opts=child,
        )
        service = create_service(
            self,
            name,
            created_as=original_name(name, opts),
            task=task,
            cluster_arn=cluster_arn,
            cluster_name=cluster_name,
            subnet_ids=subnet_ids,
            desired_count=desired_count,
            min_count=min_count,
            max_count=max_count,
            cpu_target=cpu_target,
            deployment_configuration=aws.ecs.ServiceDeploymentConfigurationArgs(strategy="ROLLING"),
            rolling=True,
            load_balancers=[
                aws.ecs.ServiceLoadBalancerArgs(
                    target_group_arn=target_group.arn,
                    container_name=task.container_name,
                    container_port=port,
                )
            ],
            health_check_grace_period_seconds=health_check_grace_seconds,
            service_connect_namespace=service_connect_namespace,
            # ECS rejects a target group no listener uses yet; callees' endpoints first.
            depends_on=[listener, *starts_after],
            capacity_providers=capacity_providers,
            execute_command=execute_command,
        )
        self.ecs_service = service
        self.service_name = service.name
        self.task_definition_arn = task.task_definition.arn
        # Its own DocumentDB user, where it has one, is named by this ARN (DocumentDbAdmin).
        self.task_role_arn = task.task_role.arn
        self.security_group_id = task.security_group.id
        # The load balancer's own group: it admits clients (the VPC's range when internal);
        # add ingress rules to it in infra/overrides.py for clients outside the VPC.
        self.load_balancer_security_group_id = sg.id
        if domain and zone is not None:
            alias(self, name, domain, zone, nlb)
        self.port = port
        # Service Connect carries TCP only (a tls service's callers get its plain TCP port).
        served = [port] if carried == "tcp" else []
        self.called_ports = [("tcp", p) for p in [*served, *(x.port for x in ports)]]
        # The domain's ACM certificate (issued) with tls, else None.
        self.certificate_arn = certificate_arn
        self.url = pulumi.Output.concat(
            f"{protocol}://", domain if domain else nlb.dns_name, f":{port}"
        )
        self.metric_ids = {
            "name": [service.name],
            "load_balancer": [nlb.arn_suffix],
            "target_group": [target_group.arn_suffix],
        }
        if service_connect_namespace is not None and served:
            self.metric_ids["discovery"] = [name]
        if certificate_arn is not None:  # the expiry alarms' DaysToExpiry dimension
            self.metric_ids["certificate"] = [certificate_arn]
        self.register_outputs(
            {
                "service_name": self.service_name,
                "task_definition_arn": self.task_definition_arn,
                "security_group_id": self.security_group_id,
                "load_balancer_security_group_id": self.load_balancer_security_group_id,
                "url": self.url,
            }
        )


def _rule(
    kind: type[aws.vpc.SecurityGroupIngressRule] | type[aws.vpc.SecurityGroupEgressRule],
    resource_name: str,
    security_group_id: pulumi.Input[str],
    protocol: str,
    port: int,
    *,
    parent: pulumi.Resource,
    cidr: str | None = None,
    group: pulumi.Input[str] | None = None,
) -> None:
    ipv6 = cidr is not None and ":" in cidr
    kind(
        resource_name,
        security_group_id=security_group_id,
        cidr_ipv4=None if ipv6 else cidr,
        cidr_ipv6=cidr if ipv6 else None,
        referenced_security_group_id=group,
        ip_protocol=protocol,
        from_port=port,
        to_port=port,
        description=f"{protocol.upper()} {port}" + (f" from {cidr}" if cidr else ""),
        opts=pulumi.ResourceOptions(parent=parent),
    )
