"""Webhook queries and mutations (issue 18 part 1)."""
