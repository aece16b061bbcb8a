"""Upload security: streaming ZIP validation, content checks and artifact type checks.

Pure and synchronous (no database, HTTP or job code): the scan job runs `scan_archive` in a
worker thread over the stored object's `storage.interface.RandomAccessReader` and stores
`ScanReport.to_dict()`. Rule codes are documented in `domain.scanning.rules`.
"""

from domain.scanning.artifact import check_artifact_binary
from domain.scanning.reader import ShortReadError
from domain.scanning.rules import Rule, ScanRejected
from domain.scanning.scan_limits import ScanLimits
from domain.scanning.scan_report import ScanReport
from domain.scanning.scanner import scan_archive

__all__ = [
    "Rule",
    "ScanLimits",
    "ScanRejected",
    "ScanReport",
    "ShortReadError",
    "check_artifact_binary",
    "scan_archive",
]
