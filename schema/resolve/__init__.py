"""Dependency resolution: the resolved set, or a structured explanation of the conflict."""
