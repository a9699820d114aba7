"""Pulumi components for an application on AWS: network, load balancer, Fargate
services and jobs, and the datastores they use.

Each class is a ``pulumi.ComponentResource`` (type ``shipspec:aws:<Class>``), so
``pulumi preview`` shows one tree per service and datastore. Services are wired to
datastores by passing them in ``uses``; that single argument opens the datastore's
security group to the service, injects its connection settings and grants IAM access
to exactly that datastore.
"""

from ._containers import Container, Sidecar
from ._datastore import Use, credential, resolve_env
from ._fargate import Egress, ExtraPort
from .bucket import Bucket
from .cache import Cache
from .data_key import DataKey
from .database import Database
from .db_admin import DatabaseAdmin
from .docdb_admin import DocumentDbAdmin
from .document_db import DocumentDB
from .existing_network import ExistingNetwork
from .file_system import FileSystem, Mount
from .load_balancer import LoadBalancer
from .managed_prometheus import ManagedPrometheus
from .memcached import Memcached
from .message_broker import MessageBroker
from .migration import Migration
from .monitoring import Monitoring
from .network import Network
from .network_service import NetworkService
from .queue import Queue
from .scheduled_job import ScheduledJob
from .search_admin import SearchAdmin
from .search_domain import SearchDomain
from .search_logs import SearchLogs
from .secret import AppSecret
from .service_calls import ServiceCalls
from .sql_server import SqlServer
from .static_site import StaticSite
from .web_service import WebService
from .worker_service import WorkerService

__all__ = [
    "AppSecret",
    "Bucket",
    "Cache",
    "Container",
    "DataKey",
    "Database",
    "DatabaseAdmin",
    "DocumentDB",
    "DocumentDbAdmin",
    "Egress",
    "ExistingNetwork",
    "ExtraPort",
    "FileSystem",
    "LoadBalancer",
    "ManagedPrometheus",
    "Memcached",
    "MessageBroker",
    "Migration",
    "Monitoring",
    "Mount",
    "Network",
    "NetworkService",
    "Queue",
    "ScheduledJob",
    "SearchAdmin",
    "SearchDomain",
    "SearchLogs",
    "ServiceCalls",
    "Sidecar",
    "SqlServer",
    "StaticSite",
    "Use",
    "WebService",
    "WorkerService",
    "credential",
    "resolve_env",
]
