"""The scanner's memory stays flat however far an entry expands."""

from __future__ import annotations

import tracemalloc

from domain.scanning import Rule, ScanLimits, scan_archive
from storage.readers import BytesReader
from tests.scanning.helpers import MOD, mod_with
from tests.scanning.zipcraft import Entry, zero_bomb

GiB = 1024**3
MiB = 1024**2
UNLIMITED = ScanLimits(
    max_total_size=4 * GiB,
    max_entry_size=4 * GiB,
    max_ratio=1e12,
    max_total_ratio=1e12,
)


def one_gib_bomb(*, declared: int | None = None) -> bytes:
    compressed, crc = zero_bomb(GiB)
    return mod_with(
        Entry(
            f"{MOD}/zeros.bin",
            compressed=compressed,
            crc=crc,
            usize=GiB if declared is None else declared,
        )
    )


def peak_while(callable_: object) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = callable_()  # type: ignore[operator]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def test_full_inflation_of_a_1_gib_bomb_stays_bounded() -> None:
    """With the limits lifted the scanner inflates all 1 GiB, one bounded chunk at a time."""
    data = one_gib_bomb()
    reader = BytesReader(data)
    report, peak = peak_while(
        lambda: scan_archive(reader, limits=UNLIMITED, package_type="mod", package_name=MOD)
    )
    assert report.verdict == "pass", report.to_dict()  # type: ignore[attr-defined]
    assert report.total_uncompressed > GiB  # type: ignore[attr-defined]
    # Output chunks of 1 MiB, one input block, the head buffer: far below 16 MiB.
    assert peak < 16 * MiB, peak


def test_default_limits_stop_a_lying_1_gib_bomb_early() -> None:
    data = one_gib_bomb(declared=1234)
    report, peak = peak_while(
        lambda: scan_archive(BytesReader(data), package_type="mod", package_name=MOD)
    )
    assert report.rule == Rule.RATIO_EXCEEDED  # type: ignore[attr-defined]
    # The entry is ~1 MiB compressed, so ratio 50 stops it after ~50 MiB, not a gigabyte.
    assert report.total_uncompressed < 64 * MiB  # type: ignore[attr-defined]
    assert peak < 16 * MiB, peak
