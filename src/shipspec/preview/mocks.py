"""Deterministic Pulumi mocks for AWS programs.

A preview must be reproducible: the same program and stack config give byte-identical
resource graphs, so every id, ARN, endpoint and autoname below is derived from the
resource type, its logical name and the region, never from randomness or the clock.
Inputs are echoed back and the outputs a program commonly reads (``arn``,
``arnSuffix``, ``dnsName``, ``masterUserSecrets``, queue ``url``...) are filled in, so
``Output`` values stay known during the mocked run.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

import pulumi

from ..plan.zones import ZONE_IDS, region_short, zone_ids
from .mocks_amp import amp_handlers
from .mocks_network import AccountError, ExistingAccount
from .mocks_search import search_handlers

ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"

# Canonical hosted zone ids of Application Load Balancers, per region (Route 53 alias
# targets). Regions not listed get a deterministic stand-in.
_ALB_ZONE_IDS = {
    "us-east-1": "Z35SXDOTRQ7X7K",
    "us-east-2": "Z3AADJGX6KTTL2",
    "us-west-1": "Z368ELLRRE2KJ0",
    "us-west-2": "Z1H1FL5HABSF5",
    "eu-west-1": "Z32O12XQLNTSW2",
    "eu-west-2": "ZHURV8PSTC4K8",
    "eu-west-3": "Z3Q77PNBQS71R4",
    "eu-central-1": "Z215JYRZR1TBD5",
    "eu-north-1": "Z23TAZ7KCL4AR5",
    "ap-southeast-1": "Z1LMS91P8CMLE5",
    "ap-southeast-2": "Z1GM3OXH4ZPM65",
    "ap-northeast-1": "Z14GRHDCWA56QT",
}
# Network Load Balancers have zone ids of their own (a separate column of
# https://docs.aws.amazon.com/general/latest/gr/elb.html): an alias record of an NLB that
# named the ALB's zone would not resolve.
_NLB_ZONE_IDS = {
    "us-east-1": "Z26RNL4JYFTOTI",
    "us-east-2": "ZLMOA37VPKANP",
    "us-west-1": "Z24FKFUX50B4VW",
    "us-west-2": "Z18D5FSROUN65G",
    "eu-west-1": "Z2IFOLAFXWLO4F",
    "eu-central-1": "Z3F0SRJ5LGBH90",
}

# A region outside the plan's zone table mocks this many zones, az1 upwards.
_UNKNOWN_REGION_ZONES = 3


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _hex(seed: str, length: int) -> str:
    return _digest(seed)[:length]


def _uuid(seed: str) -> str:
    h = _digest(seed)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _alnum(seed: str, length: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    raw = int(_digest(seed), 16)
    out = []
    for _ in range(length):
        raw, idx = divmod(raw, len(alphabet))
        out.append(alphabet[idx])
    return "".join(out)


def _type_parts(token: str) -> tuple[str, str, str]:
    """``aws:ecs/service:Service`` -> (``aws``, ``ecs``, ``Service``)."""
    pkg, _, rest = token.partition(":")
    module, _, typ = rest.partition(":")
    return pkg, module.split("/")[0], typ


class AwsMocks(pulumi.runtime.Mocks):
    """Mocks answering resource registrations and the AWS data sources programs use."""

    def __init__(
        self,
        *,
        region: str = DEFAULT_REGION,
        account_id: str = ACCOUNT_ID,
        existing: ExistingAccount | None = None,
    ) -> None:
        self.region = region
        self.account_id = account_id
        self.existing = existing  # the VPC the stack deploys into, if it creates none
        self._subnet_zones: dict[str, str] = {}  # subnet id -> AZ, for getSubnet
        self._resource_handlers: dict[str, Callable[[str, str, dict[str, Any]], Any]] = {
            "aws:ec2/vpc:Vpc": self._vpc,
            "aws:ec2/eip:Eip": self._eip,
            "aws:ec2/natGateway:NatGateway": self._nat_gateway,
            "aws:ec2/vpcEndpoint:VpcEndpoint": self._vpc_endpoint,
            "aws:cloudwatch/logGroup:LogGroup": self._log_group,
            "aws:cloudwatch/metricAlarm:MetricAlarm": self._metric_alarm,
            "aws:cloudwatch/compositeAlarm:CompositeAlarm": self._composite_alarm,
            "aws:cloudwatch/dashboard:Dashboard": self._dashboard,
            "aws:sns/topicSubscription:TopicSubscription": self._sns_subscription,
            "aws:iam/role:Role": self._iam_role,
            "aws:iam/policy:Policy": self._iam_policy,
            "aws:lb/loadBalancer:LoadBalancer": self._load_balancer,
            "aws:lb/targetGroup:TargetGroup": self._target_group,
            "aws:lb/listener:Listener": self._listener,
            "aws:lb/listenerRule:ListenerRule": self._listener_rule,
            "aws:acm/certificate:Certificate": self._certificate,
            "aws:acm/certificateValidation:CertificateValidation": self._cert_validation,
            "aws:route53/record:Record": self._route53_record,
            "aws:wafv2/webAcl:WebAcl": self._web_acl,
            "aws:ecs/cluster:Cluster": self._ecs_cluster,
            "aws:ecs/taskDefinition:TaskDefinition": self._task_definition,
            "aws:ecs/service:Service": self._ecs_service,
            "aws:appautoscaling/target:Target": self._scaling_target,
            "aws:appautoscaling/policy:Policy": self._scaling_policy,
            "aws:scheduler/schedule:Schedule": self._schedule,
            "aws:scheduler/scheduleGroup:ScheduleGroup": self._schedule_group,
            "aws:rds/instance:Instance": self._rds_instance,
            "aws:elasticache/replicationGroup:ReplicationGroup": self._replication_group,
            "aws:s3/bucket:Bucket": self._bucket,
            "aws:sqs/queue:Queue": self._queue,
            "aws:secretsmanager/secret:Secret": self._secret,
            "aws:kms/key:Key": self._kms_key,
            "aws:sns/topic:Topic": self._sns_topic,
            "aws:docdb/cluster:Cluster": self._docdb_cluster,
            "aws:docdb/clusterInstance:ClusterInstance": self._docdb_instance,
            "aws:mq/broker:Broker": self._mq_broker,
            "aws:elasticache/cluster:Cluster": self._cache_cluster,
            "aws:servicediscovery/httpNamespace:HttpNamespace": self._http_namespace,
            "aws:cloudfront/distribution:Distribution": self._distribution,
            **amp_handlers(region, account_id),
            **search_handlers(region, account_id),
        }
        # EC2-style ids: resource type -> id prefix.
        self._ec2_prefixes = {
            "aws:ec2/subnet:Subnet": "subnet",
            "aws:ec2/internetGateway:InternetGateway": "igw",
            "aws:ec2/routeTable:RouteTable": "rtb",
            "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc",
            "aws:ec2/securityGroup:SecurityGroup": "sg",
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
            "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr",
            "aws:ec2/flowLog:FlowLog": "fl",
            "aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation": "a",
        }
        self._calls: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "aws:index/getAvailabilityZones:getAvailabilityZones": self._get_azs,
            "aws:index/getRegion:getRegion": self._get_region,
            "aws:index/getCallerIdentity:getCallerIdentity": self._get_caller_identity,
            "aws:index/getPartition:getPartition": self._get_partition,
            "aws:route53/getZone:getZone": self._get_zone,
            "aws:iam/getPolicyDocument:getPolicyDocument": self._get_policy_document,
            "aws:secretsmanager/getRandomPassword:getRandomPassword": self._get_random_password,
            "aws:ec2/getSubnet:getSubnet": self._get_subnet,
            "aws:ec2/getVpc:getVpc": lambda a: self._account().vpc(a),
            "aws:ec2/getRouteTables:getRouteTables": lambda a: self._account().route_tables(a),
            "aws:ec2/getRouteTable:getRouteTable": lambda a: self._account().route_table(a),
        }

    # -- helpers --------------------------------------------------------------

    def _arn(self, service: str, resource: str, *, region: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if region else ''}:{self.account_id}:{resource}"

    @staticmethod
    def _autoname(name: str, token: str, max_len: int = 255, *, lower: bool = False) -> str:
        base = f"{name}-{_hex(token + '/' + name, 7)}"
        if lower:
            base = re.sub(r"[^a-z0-9-]", "-", base.lower())
        return base[-max_len:] if len(base) > max_len else base

    def _physical(self, inputs: dict[str, Any], key: str, name: str, token: str, **kw: Any) -> str:
        value = inputs.get(key)
        return value if isinstance(value, str) and value else self._autoname(name, token, **kw)

    # -- Mocks API ------------------------------------------------------------

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        inputs = dict(args.inputs)
        if not args.custom:
            # Component resources have no physical identity.
            return "", inputs
        token = args.typ
        handler = self._resource_handlers.get(token)
        if handler is not None:
            resource_id, extra = handler(args.name, token, inputs)
        elif token in self._ec2_prefixes:
            resource_id = f"{self._ec2_prefixes[token]}-{_hex(token + args.name, 17)}"
            typ = _type_parts(token)[2]
            extra = {"arn": self._arn("ec2", f"{typ.lower()}/{resource_id}")}
            if token.startswith("aws:vpc/securityGroup"):
                extra["securityGroupRuleId"] = resource_id
            if token == "aws:ec2/subnet:Subnet":
                self._subnet_zones[resource_id] = str(inputs.get("availabilityZone") or "")
        elif token.startswith("aws:s3/"):
            # Bucket sub-resources (versioning, encryption, policy...) are keyed by bucket.
            resource_id = str(inputs.get("bucket") or self._autoname(args.name, token))
            extra = {}
        else:
            resource_id, extra = self._generic(args.name, token, inputs)
        own_region = inputs.get("region")
        if isinstance(own_region, str) and own_region != self.region and "arn" in extra:
            # pulumi-aws 7's per-resource `region`: the resource lives there, and so its ARN.
            extra["arn"] = str(extra["arn"]).replace(f":{self.region}:", f":{own_region}:", 1)
        state = {**inputs, **{k: v for k, v in extra.items() if k not in inputs}}
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list]:
        handler = self._calls.get(args.token)
        if handler is None:
            supported = ", ".join(sorted(self._calls))
            raise NotImplementedError(
                f"the offline preview does not answer the data source {args.token!r}; "
                f"supported: {supported}"
            )
        return handler(dict(args.args)), []

    # -- resources ------------------------------------------------------------

    def _distribution(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        """CloudFront: a global ARN (no region), a *.cloudfront.net name and CloudFront's
        fixed alias hosted zone (Route 53 API reference, AliasTarget)."""
        dist_id = "E" + _hex(token + name, 13).upper()
        return dist_id, {
            "arn": self._arn("cloudfront", f"distribution/{dist_id}", region=False),
            "domainName": f"d{_hex(name + 'cf', 13)}.cloudfront.net",
            "hostedZoneId": "Z2FDTNDATAQYW2",
            "status": "Deployed",
        }

    def _generic(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        _, module, typ = _type_parts(token)
        physical = self._physical(inputs, "name", name, token)
        arn = self._arn(module, f"{typ[:1].lower()}{typ[1:]}/{physical}")
        return physical, {"arn": arn, "name": physical}

    def _vpc(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        vpc_id = f"vpc-{_hex(token + name, 17)}"
        return vpc_id, {
            "arn": self._arn("ec2", f"vpc/{vpc_id}"),
            "defaultSecurityGroupId": f"sg-{_hex(vpc_id + 'default-sg', 17)}",
            "defaultRouteTableId": f"rtb-{_hex(vpc_id + 'main-rtb', 17)}",
            "mainRouteTableId": f"rtb-{_hex(vpc_id + 'main-rtb', 17)}",
            "defaultNetworkAclId": f"acl-{_hex(vpc_id + 'acl', 17)}",
            "ownerId": self.account_id,
        }

    def _eip(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        alloc = f"eipalloc-{_hex(token + name, 17)}"
        octet = int(_hex(alloc, 2), 16) % 254 + 1
        ip = f"203.0.113.{octet}"  # TEST-NET-3: never a real address
        return alloc, {
            "allocationId": alloc,
            "publicIp": ip,
            "publicDns": f"ec2-{ip.replace('.', '-')}.{self.region}.compute.amazonaws.com",
            "arn": self._arn("ec2", f"elastic-ip/{alloc}"),
        }

    def _nat_gateway(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        nat_id = f"nat-{_hex(token + name, 17)}"
        return nat_id, {"publicIp": f"203.0.113.{int(_hex(nat_id, 2), 16) % 254 + 1}"}

    def _vpc_endpoint(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        vpce = f"vpce-{_hex(token + name, 17)}"
        service = str(inputs.get("serviceName", ""))
        extra: dict[str, Any] = {"arn": self._arn("ec2", f"vpc-endpoint/{vpce}")}
        if inputs.get("vpcEndpointType") == "Interface":
            extra["dnsEntries"] = [
                {
                    "dnsName": f"{vpce}.{service.rsplit('.', 1)[-1]}.{self.region}"
                    ".vpce.amazonaws.com",
                    "hostedZoneId": f"Z{_hex(vpce, 12).upper()}",
                }
            ]
        else:
            extra["prefixListId"] = f"pl-{_hex(service, 8)}"
        return vpce, extra

    def _log_group(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        group = self._physical(inputs, "name", name, token)
        return group, {"name": group, "arn": self._arn("logs", f"log-group:{group}")}

    def _metric_alarm(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        alarm = self._physical(inputs, "name", name, token)
        return alarm, {"name": alarm, "arn": self._arn("cloudwatch", f"alarm:{alarm}")}

    def _composite_alarm(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        alarm = self._physical(inputs, "alarmName", name, token)
        return alarm, {"alarmName": alarm, "arn": self._arn("cloudwatch", f"alarm:{alarm}")}

    def _dashboard(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        board = self._physical(inputs, "dashboardName", name, token)
        arn = self._arn("cloudwatch", f"dashboard/{board}", region=False)
        return board, {"dashboardName": board, "dashboardArn": arn}

    def _iam_role(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        role = self._physical(inputs, "name", name, token, max_len=64)
        path = str(inputs.get("path") or "/")
        return role, {
            "name": role,
            "arn": self._arn("iam", f"role{path}{role}", region=False),
            "uniqueId": f"AROA{_alnum(role, 17).upper()}",
        }

    def _iam_policy(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        policy = self._physical(inputs, "name", name, token, max_len=128)
        arn = self._arn("iam", f"policy/{policy}", region=False)
        return arn, {"name": policy, "arn": arn, "policyId": f"ANPA{_alnum(policy, 17).upper()}"}

    def _load_balancer(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        lb_name = self._physical(inputs, "name", name, token, max_len=32)
        kind = "net" if inputs.get("loadBalancerType") == "network" else "app"
        suffix = f"{kind}/{lb_name}/{_hex(token + name, 16)}"
        arn = self._arn("elasticloadbalancing", f"loadbalancer/{suffix}")
        prefix = "internal-" if inputs.get("internal") else ""
        digits = str(int(_hex(arn, 8), 16))[:10]
        zones = _NLB_ZONE_IDS if kind == "net" else _ALB_ZONE_IDS
        seed = self.region if kind == "app" else f"net/{self.region}"
        zone_id = zones.get(self.region, f"Z{_hex(seed, 13).upper()}")
        return arn, {
            "name": lb_name,
            "arn": arn,
            "arnSuffix": suffix,
            "dnsName": f"{prefix}{lb_name}-{digits}.{self.region}.elb.amazonaws.com",
            "zoneId": zone_id,
        }

    def _target_group(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        tg_name = self._physical(inputs, "name", name, token, max_len=32)
        suffix = f"targetgroup/{tg_name}/{_hex(token + name, 16)}"
        arn = self._arn("elasticloadbalancing", suffix)
        return arn, {"name": tg_name, "arn": arn, "arnSuffix": suffix}

    def _listener(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        lb_arn = str(inputs.get("loadBalancerArn", ""))
        lb_part = (
            lb_arn.split(":loadbalancer/", 1)[-1] if ":loadbalancer/" in lb_arn else "app/lb/0"
        )
        arn = self._arn("elasticloadbalancing", f"listener/{lb_part}/{_hex(token + name, 16)}")
        return arn, {"arn": arn}

    def _listener_rule(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        listener_arn = str(inputs.get("listenerArn", ""))
        part = (
            listener_arn.split(":listener/", 1)[-1]
            if ":listener/" in listener_arn
            else "app/lb/0/0"
        )
        arn = self._arn("elasticloadbalancing", f"listener-rule/{part}/{_hex(token + name, 16)}")
        return arn, {"arn": arn}

    def _certificate(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        arn = self._arn("acm", f"certificate/{_uuid(token + name)}")
        domains = [str(inputs.get("domainName", f"{name}.example.com"))]
        domains += [str(d) for d in inputs.get("subjectAlternativeNames") or [] if d not in domains]
        options = [
            {
                "domainName": domain,
                "resourceRecordName": f"_{_hex(domain + 'name', 32)}.{domain}.",
                "resourceRecordType": "CNAME",
                "resourceRecordValue": f"_{_hex(domain + 'value', 32)}.acm-validations.aws.",
            }
            for domain in domains
        ]
        return arn, {"arn": arn, "domainValidationOptions": options, "status": "ISSUED"}

    def _cert_validation(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        return "0001-01-01 00:00:00 +0000 UTC", {}

    def _route53_record(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        record = str(inputs.get("name", name)).rstrip(".")
        record_id = f"{inputs.get('zoneId', 'Z0')}_{record}_{inputs.get('type', 'A')}"
        return record_id, {"fqdn": record}

    def _web_acl(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        acl = self._physical(inputs, "name", name, token, max_len=128)
        acl_id = _uuid(token + name)
        scope = "global" if inputs.get("scope") == "CLOUDFRONT" else "regional"
        arn = self._arn("wafv2", f"{scope}/webacl/{acl}/{acl_id}")
        return acl_id, {"name": acl, "arn": arn, "capacity": 0, "lockToken": _uuid(arn)}

    def _ecs_cluster(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        cluster = self._physical(inputs, "name", name, token)
        arn = self._arn("ecs", f"cluster/{cluster}")
        return arn, {"name": cluster, "arn": arn}

    def _task_definition(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        family = self._physical(inputs, "family", name, token)
        base = self._arn("ecs", f"task-definition/{family}")
        return family, {
            "family": family,
            "arn": f"{base}:1",
            "arnWithoutRevision": base,
            "revision": 1,
        }

    def _ecs_service(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        service = self._physical(inputs, "name", name, token)
        cluster = str(inputs.get("cluster", "default")).rsplit("/", 1)[-1]
        arn = self._arn("ecs", f"service/{cluster}/{service}")
        return arn, {"name": service, "arn": arn}

    def _http_namespace(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        # Cloud Map ids are "ns-" and 16 lowercase alphanumerics; the API may take a name
        # as HttpName for discovery calls, the same as the namespace name.
        namespace_id = f"ns-{_alnum(token + name, 16).lower()}"
        physical = self._physical(inputs, "name", name, token)
        arn = self._arn("servicediscovery", f"namespace/{namespace_id}")
        return namespace_id, {"name": physical, "arn": arn, "httpName": physical}

    def _scaling_target(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        resource_id = str(inputs.get("resourceId", name))
        arn = self._arn("application-autoscaling", f"scalable-target/{_hex(token + name, 32)}")
        return resource_id, {"arn": arn}

    def _scaling_policy(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        policy = self._physical(inputs, "name", name, token)
        arn = self._arn(
            "autoscaling",
            f"scalingPolicy:{_uuid(token + name)}:resource/{inputs.get('resourceId', '')}"
            f":policyName/{policy}",
        )
        return policy, {"name": policy, "arn": arn, "alarmArns": []}

    def _schedule(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        schedule = self._physical(inputs, "name", name, token, max_len=64)
        group = str(inputs.get("groupName") or "default")
        arn = self._arn("scheduler", f"schedule/{group}/{schedule}")
        return f"{group}/{schedule}", {"name": schedule, "groupName": group, "arn": arn}

    def _schedule_group(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        group = self._physical(inputs, "name", name, token, max_len=64)
        return group, {"name": group, "arn": self._arn("scheduler", f"schedule-group/{group}")}

    def _rds_instance(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        ident = self._physical(inputs, "identifier", name, token, max_len=63, lower=True)
        engine = str(inputs.get("engine", "postgres"))
        default_port = 3306 if engine in ("mysql", "mariadb") else 5432
        port = int(inputs.get("port") or default_port)
        address = (
            f"{ident}.{_hex(self.account_id + self.region, 12)}.{self.region}.rds.amazonaws.com"
        )
        resource_id = f"db-{_alnum(token + name, 26).upper()}"
        extra: dict[str, Any] = {
            "identifier": ident,
            "arn": self._arn("rds", f"db:{ident}"),
            "address": address,
            "port": port,
            "endpoint": f"{address}:{port}",
            "resourceId": resource_id,
            "hostedZoneId": f"Z{_hex(self.region + 'rds', 13).upper()}",
        }
        if inputs.get("manageMasterUserPassword"):
            extra["masterUserSecrets"] = self._master_user_secrets("db", resource_id)
        return resource_id, extra

    def _master_user_secrets(self, kind: str, resource_id: str) -> list[dict[str, str]]:
        """The secret RDS and DocumentDB create for ``manage_master_user_password``."""
        secret = f"secret:rds!{kind}-{_uuid(resource_id)}-{_alnum(resource_id, 6)}"
        return [
            {
                "secretArn": self._arn("secretsmanager", secret),
                "secretStatus": "active",
                "kmsKeyId": self._arn("kms", f"key/{_uuid(resource_id + 'kms')}"),
            }
        ]

    def _replication_group(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        group = self._physical(inputs, "replicationGroupId", name, token, max_len=40, lower=True)
        host = f"{group}.{_hex(token + name, 6)}.{region_short(self.region)}.cache.amazonaws.com"
        count = int(inputs.get("numCacheClusters") or 1)
        return group, {
            "replicationGroupId": group,
            "arn": self._arn("elasticache", f"replicationgroup:{group}"),
            "primaryEndpointAddress": f"master.{host}",
            "readerEndpointAddress": f"replica.{host}",
            "port": int(inputs.get("port") or 6379),
            "memberClusters": [f"{group}-{i + 1:03d}" for i in range(count)],
        }

    def _docdb_cluster(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        ident = self._physical(inputs, "clusterIdentifier", name, token, max_len=63, lower=True)
        host = f"{_hex(self.account_id + self.region, 12)}.{self.region}.docdb.amazonaws.com"
        resource_id = f"cluster-{_alnum(token + name, 26).upper()}"
        extra: dict[str, Any] = {
            "clusterIdentifier": ident,
            "arn": self._arn("rds", f"cluster:{ident}"),
            "endpoint": f"{ident}.cluster-{host}",
            "readerEndpoint": f"{ident}.cluster-ro-{host}",
            "port": int(inputs.get("port") or 27017),
            "clusterResourceId": resource_id,
            "hostedZoneId": f"Z{_hex(self.region + 'docdb', 13).upper()}",
        }
        if inputs.get("manageMasterUserPassword"):
            extra["masterUserSecrets"] = self._master_user_secrets("cluster", resource_id)
        return ident, extra

    def _docdb_instance(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        ident = self._physical(inputs, "identifier", name, token, max_len=63, lower=True)
        host = f"{_hex(self.account_id + self.region, 12)}.{self.region}.docdb.amazonaws.com"
        return ident, {
            "identifier": ident,
            "arn": self._arn("rds", f"db:{ident}"),
            "endpoint": f"{ident}.{host}",
            "port": 27017,
            "dbiResourceId": f"db-{_alnum(token + name, 26).upper()}",
        }

    def _mq_broker(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        broker = self._physical(inputs, "brokerName", name, token, max_len=50)
        broker_id = f"b-{_uuid(token + name)}"
        host = f"{broker_id}.mq.{self.region}.on.aws"
        return broker_id, {
            "brokerName": broker,
            "arn": self._arn("mq", f"broker:{broker}:{broker_id}"),
            "instances": [
                {
                    "consoleUrl": f"https://{host}",
                    "endpoints": [f"amqps://{host}:5671"],
                    "ipAddress": "",
                }
            ],
        }

    def _cache_cluster(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        cluster = self._physical(inputs, "clusterId", name, token, max_len=40, lower=True)
        stem = f"{cluster}.{_hex(token + name, 6)}"
        domain = f"{region_short(self.region)}.cache.amazonaws.com"
        port = int(inputs.get("port") or 11211)
        count = int(inputs.get("numCacheNodes") or 1)
        return cluster, {
            "clusterId": cluster,
            "arn": self._arn("elasticache", f"cluster:{cluster}"),
            "clusterAddress": f"{stem}.cfg.{domain}",
            "configurationEndpoint": f"{stem}.cfg.{domain}:{port}",
            "cacheNodes": [
                {"id": f"{i:04d}", "address": f"{stem}.{i:04d}.{domain}", "port": port}
                for i in range(1, count + 1)
            ],
        }

    def _bucket(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        bucket = self._physical(inputs, "bucket", name, token, max_len=63, lower=True)
        return bucket, {
            "bucket": bucket,
            "arn": f"arn:aws:s3:::{bucket}",
            "bucketDomainName": f"{bucket}.s3.amazonaws.com",
            "bucketRegionalDomainName": f"{bucket}.s3.{self.region}.amazonaws.com",
            "region": self.region,
        }

    def _queue(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        queue = self._physical(inputs, "name", name, token, max_len=80)
        url = f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{queue}"
        return url, {"name": queue, "url": url, "arn": self._arn("sqs", queue)}

    def _secret(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        secret = self._physical(inputs, "name", name, token, max_len=512)
        arn = self._arn("secretsmanager", f"secret:{secret}-{_alnum(token + name, 6)}")
        return arn, {"name": secret, "arn": arn}

    def _kms_key(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        key_id = _uuid(token + name)
        return key_id, {"keyId": key_id, "arn": self._arn("kms", f"key/{key_id}")}

    def _sns_topic(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        topic = self._physical(inputs, "name", name, token, max_len=256)
        arn = self._arn("sns", topic)
        return arn, {"name": topic, "arn": arn}

    def _sns_subscription(self, name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        arn = f"{inputs.get('topic') or self._arn('sns', name)}:{_uuid(token + name)}"
        # Email subscriptions wait for the recipient to follow the confirmation link.
        pending = inputs.get("protocol") in ("email", "email-json")
        return arn, {"arn": arn, "pendingConfirmation": pending}

    # -- data sources ---------------------------------------------------------

    def _get_azs(self, args: dict[str, Any]) -> dict[str, Any]:
        """Every zone of the region, whatever its state (the component filters none).

        Zone IDs are the plan's table for the region (AWS's real IDs, see plan.zones);
        names pair with the IDs in sorted order, as in an account with no remapping.
        """
        region = str(args.get("region") or self.region)
        ids, _ = zone_ids(region)
        if region not in ZONE_IDS:
            ids = ids[:_UNKNOWN_REGION_ZONES]
        ids = tuple(sorted(ids))
        names = [f"{region}{letter}" for letter in "abcdefgh"[: len(ids)]]
        return {
            "id": region,
            "names": names,
            "zoneIds": list(ids),
            "groupNames": [region] * len(ids),
            "state": args.get("state"),
        }

    def _get_region(self, args: dict[str, Any]) -> dict[str, Any]:
        region = str(args.get("region") or args.get("name") or self.region)
        return {
            "id": region,
            "name": region,
            "region": region,
            "endpoint": f"ec2.{region}.amazonaws.com",
            "description": region,
        }

    def _get_caller_identity(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.account_id,
            "accountId": self.account_id,
            "arn": f"arn:aws:iam::{self.account_id}:user/shipspec-preview",
            "userId": "AIDASHIPSPECPREVIEW0",
        }

    def _get_partition(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": "aws",
            "partition": "aws",
            "dnsSuffix": "amazonaws.com",
            "reverseDnsPrefix": "com.amazonaws",
        }

    def _get_zone(self, args: dict[str, Any]) -> dict[str, Any]:
        name = str(args.get("name") or "example.com").rstrip(".")
        zone_id = str(args.get("zoneId") or f"Z{_hex(name, 20).upper()}")
        return {
            "id": zone_id,
            "zoneId": zone_id,
            "name": name,
            "arn": f"arn:aws:route53:::hostedzone/{zone_id}",
            "privateZone": bool(args.get("privateZone", False)),
            "nameServers": [f"ns-{i}.awsdns-{i:02d}.com" for i in range(1, 5)],
            "primaryNameServer": "ns-1.awsdns-01.com",
            "callerReference": _uuid(name),
            "comment": "",
            "resourceRecordSetCount": 2,
            "tags": {},
            "linkedServiceDescription": "",
            "linkedServicePrincipal": "",
        }

    def _get_random_password(self, args: dict[str, Any]) -> dict[str, Any]:
        # Deterministic, so previews compare equal; never a password anything uses.
        seed = json.dumps(args, sort_keys=True)
        length = int(args.get("passwordLength") or 32)
        return {"id": _hex(seed, 16), "randomPassword": ("Preview0" + _alnum(seed, 64))[:length]}

    def zone_names(self) -> list[str]:
        return list(self._get_azs({})["names"])

    def _account(self) -> ExistingAccount:
        if self.existing is None:
            raise AccountError("the stack creates its own VPC: there is no existing one to read")
        return self.existing

    def _get_subnet(self, args: dict[str, Any]) -> dict[str, Any]:
        subnet = str(args.get("id") or "")
        found = self.existing.subnet(subnet) if self.existing else None
        if found is not None:
            return found
        zone = self._subnet_zones.get(subnet) or f"{self.region}a"
        return {"id": subnet, "availabilityZone": zone, "vpcId": "", "cidrBlock": ""}

    def _get_policy_document(self, args: dict[str, Any]) -> dict[str, Any]:
        statements = []
        for st in args.get("statements") or []:
            out: dict[str, Any] = {}
            if st.get("sid"):
                out["Sid"] = st["sid"]
            out["Effect"] = st.get("effect", "Allow")
            for key, field in (
                ("Action", "actions"),
                ("NotAction", "notActions"),
                ("Resource", "resources"),
                ("NotResource", "notResources"),
            ):
                if st.get(field):
                    out[key] = st[field]
            for key, field in (("Principal", "principals"), ("NotPrincipal", "notPrincipals")):
                if st.get(field):
                    out[key] = {p["type"]: p["identifiers"] for p in st[field]}
            if st.get("conditions"):
                cond: dict[str, dict[str, Any]] = {}
                for c in st["conditions"]:
                    cond.setdefault(c["test"], {})[c["variable"]] = c["values"]
                out["Condition"] = cond
            statements.append(out)
        doc = {"Version": args.get("version") or "2012-10-17", "Statement": statements}
        text = json.dumps(doc, indent=2)
        return {
            "id": _hex(text, 10),
            "json": text,
            "minifiedJson": json.dumps(doc, separators=(",", ":")),
        }
