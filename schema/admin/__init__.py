"""Admin queues and the audit log."""
