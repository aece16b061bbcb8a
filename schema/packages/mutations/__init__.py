"""Package mutations, one per module."""
