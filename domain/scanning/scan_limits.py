"""Configurable scan limits and the budget that enforces them while bytes are decompressed."""

from __future__ import annotations

from dataclasses import dataclass

from domain.enums import PackageType
from domain.manifest import MANIFEST_MAX_BYTES
from domain.scanning.rules import Rule, ScanRejected

MiB = 1024 * 1024


@dataclass(frozen=True)
class ScanLimits:
    """Defaults follow the ToolBoxV2 client's own checks (500 MiB, 100 MiB, ratio 50 for mods).

    Ratios are only judged once an entry (or the archive) has produced `ratio_grace_bytes`:
    a 40 KiB file of padding compresses 500:1 and is no bomb, while a real bomb is caught
    after at most `ratio_grace_bytes` of output.
    """

    max_total_size: int = 500 * MiB
    max_entry_size: int = 100 * MiB
    max_ratio: float = 50.0
    max_total_ratio: float = 50.0
    max_entries: int = 10_000
    ratio_grace_bytes: int = 1 * MiB
    max_name_bytes: int = 255
    # Layers of archives below the upload that are opened and checked (`a.whl`, `b.tar.gz`
    # counts two: gzip then tar). Anything deeper is rejected as `nested_archive`.
    max_nesting_depth: int = 2
    max_manifest_bytes: int = MANIFEST_MAX_BYTES

    @classmethod
    def for_package_type(cls, package_type: str) -> ScanLimits:
        """Mods are code and get the strict ratio; other types may carry compressible assets."""
        if package_type == PackageType.MOD:
            return cls()
        return cls(max_ratio=100.0, max_total_ratio=100.0)


class Budget:
    """Shared counters for one scan, nested archives included, checked on every chunk."""

    def __init__(self, limits: ScanLimits, compressed_payload: int = 0) -> None:
        self.limits = limits
        self.entries = 0
        self.total_out = 0
        # Sum of the top-level entries' compressed sizes: the denominator of the total ratio.
        self.compressed_payload = compressed_payload
        self.max_ratio = 0.0

    def remaining_entries(self) -> int:
        return self.limits.max_entries - self.entries

    def add_entries(self, count: int, *, where: str | None = None) -> None:
        self.entries += count
        if self.entries > self.limits.max_entries:
            raise ScanRejected(
                Rule.TOO_MANY_ENTRIES,
                f"more than {self.limits.max_entries} entries",
                entry=where,
            )

    def meter(self, entry: str, compressed_size: int) -> EntryMeter:
        return EntryMeter(self, entry, compressed_size)

    def check_total_size(self, entry: str | None) -> None:
        if self.total_out > self.limits.max_total_size:
            raise ScanRejected(
                Rule.TOTAL_TOO_LARGE,
                f"the archive expands to more than {self.limits.max_total_size} bytes",
                entry=entry,
            )

    def check_total_ratio(self, entry: str | None) -> None:
        limits = self.limits
        if (
            self.total_out > limits.ratio_grace_bytes
            and self.total_out > max(self.compressed_payload, 1) * limits.max_total_ratio
        ):
            raise ScanRejected(
                Rule.RATIO_EXCEEDED,
                f"the archive expands more than {limits.max_total_ratio:g} times its "
                f"compressed size ({self.compressed_payload} bytes)",
                entry=entry,
            )


class EntryMeter:
    """Counts one entry's decompressed bytes against the per-entry and total limits."""

    def __init__(self, budget: Budget, entry: str, compressed_size: int) -> None:
        self._budget = budget
        self.entry = entry
        self.compressed_size = compressed_size
        self.produced = 0

    def add(self, count: int) -> None:
        budget = self._budget
        limits = budget.limits
        self.produced += count
        budget.total_out += count
        if self.produced > limits.max_entry_size:
            raise ScanRejected(
                Rule.ENTRY_TOO_LARGE,
                f"expands to more than {limits.max_entry_size} bytes",
                entry=self.entry,
            )
        budget.check_total_size(self.entry)
        if (
            self.produced > limits.ratio_grace_bytes
            and self.produced > max(self.compressed_size, 1) * limits.max_ratio
        ):
            raise ScanRejected(
                Rule.RATIO_EXCEEDED,
                f"expands more than {limits.max_ratio:g} times its compressed size "
                f"({self.compressed_size} bytes)",
                entry=self.entry,
            )
        budget.check_total_ratio(self.entry)

    def finish(self) -> None:
        if self.compressed_size > 0:
            ratio = self.produced / self.compressed_size
            self._budget.max_ratio = max(self._budget.max_ratio, ratio)
