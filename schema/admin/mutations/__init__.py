"""Admin mutations, one per module."""
