"""Offline preview of generated Pulumi programs."""
