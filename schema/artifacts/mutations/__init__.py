"""Artifact mutations, one per module."""
