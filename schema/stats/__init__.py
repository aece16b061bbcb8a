"""GraphQL download statistics (domain/services/download_stats.py)."""
