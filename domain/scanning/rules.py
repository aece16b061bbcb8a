"""The stable rule codes a scan can fail with.

A failed scan names exactly one rule: the first one that fired. Codes are stored in scan reports
and shown to owners and admins, so they never change meaning once released.

| code | what it means |
|---|---|
| `not_zip` | the upload is not a ZIP archive at all (no end-of-central-directory record) |
| `truncated` | a ZIP that stops early: the end record is missing or points past the end |
| `trailing_data` | bytes after the end-of-central-directory record (appended data) |
| `prepended_data` | bytes before the first entry (self-extractors, polyglots, shifted offsets) |
| `hidden_data` | bytes no entry accounts for: gaps between entries or before the directory |
| `bad_central_directory` | malformed directory records, or ones that disagree with the end record |
| `multi_disk` | a split or spanned archive (disk numbers other than 0) |
| `bad_zip64` | ZIP64 end record, locator or extra field malformed or inconsistent |
| `header_mismatch` | a local header or data descriptor disagrees with the central directory |
| `overlapping_entries` | entries share bytes (Fifield's non-recursive bombs, full or quoted) |
| `too_many_entries` | more entries than `ScanLimits.max_entries` (nested archives included) |
| `entry_too_large` | one entry expands beyond `ScanLimits.max_entry_size` |
| `total_too_large` | all entries together expand beyond `ScanLimits.max_total_size` |
| `ratio_exceeded` | an entry, or the archive as a whole, expands more than the ratio limit |
| `unsupported_method` | a compression method other than stored (0) or deflate (8) |
| `encrypted_entry` | an encrypted entry (traditional, strong or AES encryption) |
| `symlink_entry` | a symlink, hard link, device, FIFO, socket or other non-regular entry |
| `unsafe_path` | absolute path, drive letter, UNC path, backslash, `..`/`.`/empty component |
| `bad_name_chars` | NUL or other control characters, bidi overrides, or undecodable names |
| `name_too_long` | an entry name longer than `ScanLimits.max_name_bytes` bytes |
| `reserved_name` | a Windows device name (CON, PRN, AUX, NUL, COM0-9, LPT0-9, ...) |
| `duplicate_name` | names equal after Unicode NFC + casefold, or a file named like a folder |
| `nested_archive` | an archive inside the archive that cannot be inspected or nests too deeply |
| `corrupt_data` | compressed data that does not decode, or has bytes after the end of its stream |
| `size_mismatch` | an entry that decompresses to a different size than it declares |
| `crc_mismatch` | an entry whose CRC-32 differs from the declared one |
| `manifest_missing` | a mod or feature pack without its manifest (REST_CONTRACT.md §6 lookup) |
| `manifest_invalid` | a manifest that is not safe, valid YAML of the expected shape |
| `type_mismatch` | the contents do not match the declared package type or artifact platform |
| `empty_file` | an empty upload where content is required |
| `scanner_error` | the scanner hit an internal error on this input: quarantined, never passed |
"""

from __future__ import annotations

from enum import StrEnum


class Rule(StrEnum):
    NOT_ZIP = "not_zip"
    TRUNCATED = "truncated"
    TRAILING_DATA = "trailing_data"
    PREPENDED_DATA = "prepended_data"
    HIDDEN_DATA = "hidden_data"
    BAD_CENTRAL_DIRECTORY = "bad_central_directory"
    MULTI_DISK = "multi_disk"
    BAD_ZIP64 = "bad_zip64"
    HEADER_MISMATCH = "header_mismatch"
    OVERLAPPING_ENTRIES = "overlapping_entries"
    TOO_MANY_ENTRIES = "too_many_entries"
    ENTRY_TOO_LARGE = "entry_too_large"
    TOTAL_TOO_LARGE = "total_too_large"
    RATIO_EXCEEDED = "ratio_exceeded"
    UNSUPPORTED_METHOD = "unsupported_method"
    ENCRYPTED_ENTRY = "encrypted_entry"
    SYMLINK_ENTRY = "symlink_entry"
    UNSAFE_PATH = "unsafe_path"
    BAD_NAME_CHARS = "bad_name_chars"
    NAME_TOO_LONG = "name_too_long"
    RESERVED_NAME = "reserved_name"
    DUPLICATE_NAME = "duplicate_name"
    NESTED_ARCHIVE = "nested_archive"
    CORRUPT_DATA = "corrupt_data"
    SIZE_MISMATCH = "size_mismatch"
    CRC_MISMATCH = "crc_mismatch"
    MANIFEST_MISSING = "manifest_missing"
    MANIFEST_INVALID = "manifest_invalid"
    TYPE_MISMATCH = "type_mismatch"
    EMPTY_FILE = "empty_file"
    SCANNER_ERROR = "scanner_error"


class ScanRejected(Exception):
    """Raised inside the scanner when a rule fires; `scan_archive` turns it into a report.

    Infrastructure failures (a storage read that fails) are *not* ScanRejected: they propagate
    so the job can retry, because a verdict must never depend on a flaky read.
    """

    def __init__(self, rule: Rule, message: str, *, entry: str | None = None) -> None:
        super().__init__(f"{rule}: {message}" + (f" ({entry})" if entry else ""))
        self.rule = rule
        self.message = message
        self.entry = entry
