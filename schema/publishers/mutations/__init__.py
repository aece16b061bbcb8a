"""Publisher mutations, one per module."""
