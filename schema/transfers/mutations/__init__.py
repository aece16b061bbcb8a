"""Package transfer mutations."""
