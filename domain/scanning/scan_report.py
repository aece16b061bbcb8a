"""The outcome of one scan, as stored on the version and shown to owners and admins."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.enums import ScanVerdict
from domain.manifest import Manifest
from domain.pages.sources import ArchivePages
from domain.scanning.rules import Rule


@dataclass
class ScanReport:
    verdict: ScanVerdict
    rule: Rule | None = None
    entry: str | None = None
    message: str = ""
    total_uncompressed: int = 0
    compressed_size: int = 0
    entry_count: int = 0
    max_ratio: float = 0.0
    # What libmagic said: "(upload)" for the whole object, then entry names of note
    # (manifest, nested archives, native executables). A first filter, never the verdict.
    detected_types: dict[str, str] = field(default_factory=dict)
    duration_ms: float = 0.0
    warnings: list[str] = field(default_factory=list)
    manifest: Manifest | None = None
    # The package page's entries, when the scan was asked to collect them and passed (not
    # part of `to_dict`: domain/pages turns them into the version's page).
    pages: ArchivePages | None = None

    @property
    def passed(self) -> bool:
        return self.verdict == ScanVerdict.PASS

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict for the version's `scan_report` column."""
        return {
            "verdict": str(self.verdict),
            "rule": str(self.rule) if self.rule is not None else None,
            "entry": self.entry,
            "message": self.message,
            "total_uncompressed": self.total_uncompressed,
            "compressed_size": self.compressed_size,
            "entry_count": self.entry_count,
            "max_ratio": round(self.max_ratio, 3),
            "detected_types": dict(self.detected_types),
            "duration_ms": round(self.duration_ms, 3),
            "warnings": list(self.warnings),
            "manifest": self.manifest.to_dict() if self.manifest is not None else None,
        }
