"""Abuse and malware reports: filing one, the reporter's own list, and the admin queue."""
