"""Webhook mutations, one per module."""
