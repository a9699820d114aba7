"""The handoff spec (v1): pydantic models, located loading, and its JSON Schema."""

from .loader import load, loads
from .models import API_VERSION, Datastore, Environment, HandoffSpec, Service
from .schema import json_schema

__all__ = [
    "API_VERSION",
    "Datastore",
    "Environment",
    "HandoffSpec",
    "Service",
    "json_schema",
    "load",
    "loads",
]
