"""Per-request loaders for publishers."""

from schema.publishers.dataloaders.publishers import (
    LatestVerificationRequestByPublisherIdLoader,
    PublisherByIdLoader,
    PublisherByNameLoader,
    PublisherStatsByIdLoader,
)

__all__ = [
    "LatestVerificationRequestByPublisherIdLoader",
    "PublisherByIdLoader",
    "PublisherByNameLoader",
    "PublisherStatsByIdLoader",
]
