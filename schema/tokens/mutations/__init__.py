"""Token mutations, one per module."""
