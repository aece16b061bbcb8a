"""The malicious corpus: one crafted archive per attack, each asserting the exact rule."""

from __future__ import annotations

import struct
from collections.abc import Callable

import pytest

from domain.scanning import Rule, ScanLimits
from tests.scanning.helpers import MOD, mod_entries, mod_with, scan
from tests.scanning.zipcraft import (
    S_IFCHR,
    S_IFDIR,
    S_IFIFO,
    S_IFLNK,
    Entry,
    build_zip,
    deflate,
    fifield_full_overlap,
    fifield_quoted_overlap,
    stdlib_zip,
    tar_bytes,
    unicode_path_extra,
    zero_bomb,
)

MiB = 1024 * 1024
NO_RATIO = {"max_ratio": 1e12, "max_total_ratio": 1e12}


def bomb_entry(name: str, size: int, *, declared: int | None = None) -> Entry:
    compressed, crc = zero_bomb(size)
    return Entry(name, compressed=compressed, crc=crc, usize=size if declared is None else declared)


def valid_mod() -> bytes:
    return mod_with()


# (case id, builder, expected rule, scan limits or None)
Case = tuple[str, Callable[[], bytes], Rule, ScanLimits | None]

CASES: list[Case] = [
    # --- not a ZIP, cut short, bytes around the archive --------------------------------------
    ("not_zip_text", lambda: b"just some text, certainly not a zip\n" * 5, Rule.NOT_ZIP, None),
    ("not_zip_empty", lambda: b"", Rule.NOT_ZIP, None),
    ("not_zip_png", lambda: b"\x89PNG\r\n\x1a\n" + bytes(200), Rule.NOT_ZIP, None),
    ("truncated_end_record", lambda: valid_mod()[:-10], Rule.TRUNCATED, None),
    ("truncated_half", lambda: valid_mod()[: len(valid_mod()) // 2], Rule.TRUNCATED, None),
    ("trailing_bytes", lambda: valid_mod() + b"APPENDED PAYLOAD", Rule.TRAILING_DATA, None),
    ("trailing_large", lambda: valid_mod() + bytes(200_000), Rule.TRAILING_DATA, None),
    ("prepended_stub", lambda: mod_with(prepend=b"MZ" + bytes(510)), Rule.PREPENDED_DATA, None),
    (
        "prepended_adjusted_offsets",
        lambda: mod_with(prepend=b"#!/usr/bin/env python3\n", offsets_include_prepend=True),
        Rule.PREPENDED_DATA,
        None,
    ),
    ("hidden_between_entries", lambda: mod_with(gap_after={0: b"secret"}), Rule.HIDDEN_DATA, None),
    ("hidden_before_directory", lambda: mod_with(gap_after={2: b"x" * 64}), Rule.HIDDEN_DATA, None),
    # --- central directory and end records ----------------------------------------------------
    (
        "directory_count_too_small",
        lambda: mod_with(end_overrides={"on_disk": 2, "total": 2}),
        Rule.BAD_CENTRAL_DIRECTORY,
        None,
    ),
    (
        "directory_count_too_large",
        lambda: mod_with(end_overrides={"on_disk": 9, "total": 9}),
        Rule.BAD_CENTRAL_DIRECTORY,
        None,
    ),
    (
        "comment_hides_end_record",
        lambda: mod_with(comment=b"PK\x05\x06" + bytes(18)),
        Rule.BAD_CENTRAL_DIRECTORY,
        None,
    ),
    (
        "multi_disk_end",
        lambda: mod_with(end_overrides={"disk": 1, "cd_disk": 1}),
        Rule.MULTI_DISK,
        None,
    ),
    (
        "multi_disk_entry",
        lambda: mod_with(Entry(f"{MOD}/x.py", b"x", central={"disk": 2})),
        Rule.MULTI_DISK,
        None,
    ),
    # --- ZIP64 --------------------------------------------------------------------------------
    (
        "zip64_marker_without_locator",
        lambda: mod_with(end_overrides={"cd_offset": 0xFFFFFFFF}),
        Rule.BAD_ZIP64,
        None,
    ),
    (
        "zip64_locator_points_at_garbage",
        lambda: mod_with(zip64_end=True, locator_overrides={"offset": 7}),
        Rule.BAD_ZIP64,
        None,
    ),
    (
        "zip64_record_size_wrong",
        lambda: mod_with(zip64_end=True, zip64_overrides={"size": 100}),
        Rule.BAD_ZIP64,
        None,
    ),
    (
        "zip64_contradicts_end_record",
        lambda: mod_with(
            zip64_end=True,
            zip64_overrides={"total": 9, "on_disk": 9},
            end_overrides={"on_disk": 3, "total": 3},
        ),
        Rule.BAD_ZIP64,
        None,
    ),
    (
        "zip64_absurd_entry_count",
        lambda: mod_with(zip64_end=True, zip64_overrides={"total": 2**40, "on_disk": 2**40}),
        Rule.BAD_ZIP64,
        None,
    ),
    (
        "zip64_marker_without_extra",
        lambda: mod_with(Entry(f"{MOD}/x.py", b"x", central={"csize": 0xFFFFFFFF})),
        Rule.BAD_ZIP64,
        None,
    ),
    (
        "zip64_extra_too_short",
        lambda: mod_with(
            Entry(
                f"{MOD}/x.py",
                b"x",
                central={
                    "usize": 0xFFFFFFFF,
                    "csize": 0xFFFFFFFF,
                    "extra": struct.pack("<HHQ", 1, 8, 1),
                },
            )
        ),
        Rule.BAD_ZIP64,
        None,
    ),
    (
        "zip64_local_marker_without_extra",
        lambda: mod_with(Entry(f"{MOD}/x.py", b"x", local={"csize": 0xFFFFFFFF})),
        Rule.BAD_ZIP64,
        None,
    ),
    # --- local headers against the directory --------------------------------------------------
    (
        "local_name_differs",
        lambda: mod_with(Entry(f"{MOD}/safe.py", b"x=1", local={"name": b"../../evil.py"})),
        Rule.HEADER_MISMATCH,
        None,
    ),
    (
        "local_flags_differ",
        lambda: mod_with(Entry(f"{MOD}/x.py", b"x=1", local={"flags": 0x1})),
        Rule.HEADER_MISMATCH,
        None,
    ),
    (
        "local_utf8_flag_differs_for_non_ascii_name",
        lambda: mod_with(Entry(f"{MOD}/\u00e9t\u00e9.py", b"x=1", local={"flags": 0})),
        Rule.HEADER_MISMATCH,
        None,
    ),
    (
        "local_method_differs",
        lambda: mod_with(Entry(f"{MOD}/x.py", b"x=1", method=0, local={"method": 8})),
        Rule.HEADER_MISMATCH,
        None,
    ),
    (
        "local_size_differs",
        lambda: mod_with(Entry(f"{MOD}/x.py", b"x=1" * 50, local={"usize": 10})),
        Rule.HEADER_MISMATCH,
        None,
    ),
    (
        "local_crc_differs",
        lambda: mod_with(Entry(f"{MOD}/x.py", b"x=1", local={"crc": 12345})),
        Rule.HEADER_MISMATCH,
        None,
    ),
    (
        "descriptor_differs",
        lambda: mod_with(
            Entry(f"{MOD}/x.py", b"x=1" * 10, descriptor=True, descriptor_fields={"usize": 5})
        ),
        Rule.HEADER_MISMATCH,
        None,
    ),
    (
        "local_unicode_path_differs",
        lambda: mod_with(
            Entry(f"{MOD}/x.py", b"x=1", local={"extra": unicode_path_extra(f"{MOD}/y.py")})
        ),
        Rule.HEADER_MISMATCH,
        None,
    ),
    (
        "no_local_header_at_offset",
        lambda: mod_with(Entry(f"{MOD}/x.py", b"x=1", local={"signature": b"PK\x01\x02"})),
        Rule.HEADER_MISMATCH,
        None,
    ),
    # --- overlap ------------------------------------------------------------------------------
    (
        "fifield_full_overlap",
        lambda: fifield_full_overlap(50, 200_000),
        Rule.OVERLAPPING_ENTRIES,
        None,
    ),
    (
        "fifield_quoted_overlap",
        lambda: fifield_quoted_overlap(50, 200_000),
        Rule.OVERLAPPING_ENTRIES,
        None,
    ),
    (
        "entry_overlaps_directory",
        lambda: mod_with(
            Entry(f"{MOD}/x.py", b"x=1", csize=5000, central={"csize": 5000}, local={"csize": 5000})
        ),
        Rule.OVERLAPPING_ENTRIES,
        None,
    ),
    # --- counts, sizes, ratios ----------------------------------------------------------------
    (
        "too_many_entries",
        lambda: build_zip([Entry(f"{MOD}/f{i}.py", b"", method=0) for i in range(10_001)]),
        Rule.TOO_MANY_ENTRIES,
        None,
    ),
    (
        "entry_too_large_declared",
        lambda: mod_with(bomb_entry(f"{MOD}/big.bin", 101 * MiB)),
        Rule.ENTRY_TOO_LARGE,
        None,
    ),
    (
        "entry_too_large_lying_header",
        lambda: mod_with(bomb_entry(f"{MOD}/big.bin", 4 * MiB, declared=1000)),
        Rule.ENTRY_TOO_LARGE,
        ScanLimits(max_entry_size=2 * MiB, **NO_RATIO),
    ),
    (
        "total_too_large_declared",
        lambda: mod_with(*(bomb_entry(f"{MOD}/part{i}.bin", 90 * MiB) for i in range(6))),
        Rule.TOTAL_TOO_LARGE,
        None,
    ),
    (
        "total_too_large_lying_header",
        lambda: mod_with(bomb_entry(f"{MOD}/p.bin", 8 * MiB, declared=10)),
        Rule.TOTAL_TOO_LARGE,
        ScanLimits(max_total_size=5 * MiB, **NO_RATIO),
    ),
    (
        "total_too_large_nested",
        lambda: mod_with(
            Entry(f"{MOD}/v.zip", stdlib_zip({"a": bytes(3 * MiB), "b": bytes(3 * MiB)}))
        ),
        Rule.TOTAL_TOO_LARGE,
        ScanLimits(max_total_size=5 * MiB, **NO_RATIO),
    ),
    (
        "ratio_declared",
        lambda: mod_with(bomb_entry(f"{MOD}/zeros.bin", 2 * MiB)),
        Rule.RATIO_EXCEEDED,
        None,
    ),
    (
        "ratio_lying_header",
        lambda: mod_with(bomb_entry(f"{MOD}/zeros.bin", 64 * MiB, declared=100)),
        Rule.RATIO_EXCEEDED,
        None,
    ),
    (
        "ratio_total_many_small",
        lambda: mod_with(*(Entry(f"{MOD}/pad{i}.txt", bytes(900 * 1024)) for i in range(12))),
        Rule.RATIO_EXCEEDED,
        None,
    ),
    # --- methods, encryption, entry types -----------------------------------------------------
    (
        "method_bzip2",
        lambda: mod_with(Entry(f"{MOD}/x.py", b"x", method=12, compressed=b"BZh9")),
        Rule.UNSUPPORTED_METHOD,
        None,
    ),
    (
        "method_deflate64",
        lambda: mod_with(Entry(f"{MOD}/x.py", b"x", method=9, compressed=b"?")),
        Rule.UNSUPPORTED_METHOD,
        None,
    ),
    (
        "encrypted_traditional",
        lambda: mod_with(Entry(f"{MOD}/x.py", b"x=1", flags=0x1)),
        Rule.ENCRYPTED_ENTRY,
        None,
    ),
    (
        "encrypted_strong",
        lambda: mod_with(Entry(f"{MOD}/x.py", b"x=1", flags=0x41)),
        Rule.ENCRYPTED_ENTRY,
        None,
    ),
    (
        "encrypted_aes",
        lambda: mod_with(Entry(f"{MOD}/x.py", b"x", method=99, compressed=b"??")),
        Rule.ENCRYPTED_ENTRY,
        None,
    ),
    (
        "symlink",
        lambda: mod_with(
            Entry(f"{MOD}/link.py", b"/etc/passwd", method=0, external_attr=(S_IFLNK | 0o777) << 16)
        ),
        Rule.SYMLINK_ENTRY,
        None,
    ),
    (
        "fifo",
        lambda: mod_with(Entry(f"{MOD}/pipe", b"", external_attr=(S_IFIFO | 0o644) << 16)),
        Rule.SYMLINK_ENTRY,
        None,
    ),
    (
        "device",
        lambda: mod_with(Entry(f"{MOD}/tty", b"", external_attr=(S_IFCHR | 0o644) << 16)),
        Rule.SYMLINK_ENTRY,
        None,
    ),
    (
        "windows_reparse_point",
        lambda: mod_with(Entry(f"{MOD}/j", b"", external_attr=0x410, create_system=0)),
        Rule.SYMLINK_ENTRY,
        None,
    ),
    (
        "folder_with_data",
        lambda: mod_with(Entry(f"{MOD}/dir/", b"data", external_attr=(S_IFDIR | 0o755) << 16)),
        Rule.SYMLINK_ENTRY,
        None,
    ),
    # --- names --------------------------------------------------------------------------------
    *[
        (
            f"unsafe_path_{index}",
            (lambda n=name: mod_with(Entry(n, b"x=1"))),
            Rule.UNSAFE_PATH,
            None,
        )
        for index, name in enumerate(
            [
                "../evil.py",
                f"{MOD}/../../evil.py",
                "/etc/cron.d/evil",
                "C:/Windows/evil.py",
                "C:evil.py",
                "\\\\server\\share\\evil.py",
                "//server/share/evil.py",
                f"{MOD}\\..\\evil.py",
                f"{MOD}/./x.py",
                f"{MOD}//x.py",
                "",
                f"{MOD}/.. /x.py",
                f"{MOD}/x.py:hidden",
                f"{MOD}\uff0f..\uff0fevil.py",
                "\u2025/evil.py",
                "..",
            ]
        )
    ],
    (
        "unsafe_unicode_path_extra",
        lambda: mod_with(
            Entry(
                f"{MOD}/x.py",
                b"x=1",
                extra=unicode_path_extra("../evil.py"),
                local={"extra": unicode_path_extra("../evil.py")},
            )
        ),
        Rule.UNSAFE_PATH,
        None,
    ),
    *[
        (
            f"bad_chars_{index}",
            (lambda n=name: mod_with(Entry(n, b"x=1"))),
            Rule.BAD_NAME_CHARS,
            None,
        )
        for index, name in enumerate(
            [
                f"{MOD}/a\x00b.py",
                f"{MOD}/a\nb.py",
                f"{MOD}/evil\u202eyp.exe",
                f"{MOD}/del\x7f.py",
                f"{MOD}/c1\x85.py",
            ]
        )
    ],
    (
        "bad_chars_invalid_utf8",
        lambda: mod_with(Entry(b"CloudM/\xff\xfe.py", b"x", flags=0x800)),
        Rule.BAD_NAME_CHARS,
        None,
    ),
    ("name_too_long_ascii", lambda: mod_with(Entry("a" * 256, b"x")), Rule.NAME_TOO_LONG, None),
    ("name_too_long_utf8", lambda: mod_with(Entry("é" * 128, b"x")), Rule.NAME_TOO_LONG, None),
    *[
        (f"reserved_{index}", (lambda n=name: mod_with(Entry(n, b"x=1"))), Rule.RESERVED_NAME, None)
        for index, name in enumerate(
            [
                "CON",
                f"{MOD}/aux.py",
                f"{MOD}/lpt1.txt",
                f"{MOD}/Nul.tar.gz",
                f"{MOD}/COM\u00b9.py",
                f"{MOD}/prn /x.py",
                f"{MOD}/com9",
                f"{MOD}/conin$",
            ]
        )
    ],
    (
        "duplicate_case",
        lambda: mod_with(Entry(f"{MOD}/a.py", b"1"), Entry(f"{MOD}/A.py", b"2")),
        Rule.DUPLICATE_NAME,
        None,
    ),
    (
        "duplicate_nfc_nfd",
        lambda: mod_with(Entry(f"{MOD}/caf\u00e9.py", b"1"), Entry(f"{MOD}/cafe\u0301.py", b"2")),
        Rule.DUPLICATE_NAME,
        None,
    ),
    (
        "duplicate_exact",
        lambda: mod_with(Entry(f"{MOD}/a.py", b"1"), Entry(f"{MOD}/a.py", b"2")),
        Rule.DUPLICATE_NAME,
        None,
    ),
    (
        "duplicate_trailing_dot",
        lambda: mod_with(Entry(f"{MOD}/a.py", b"1"), Entry(f"{MOD}/a.py.", b"2")),
        Rule.DUPLICATE_NAME,
        None,
    ),
    (
        "file_and_folder",
        lambda: mod_with(Entry(f"{MOD}/x", b"1"), Entry(f"{MOD}/x/y.py", b"2")),
        Rule.DUPLICATE_NAME,
        None,
    ),
    (
        "duplicate_sharp_s",
        lambda: mod_with(Entry(f"{MOD}/stra\u00dfe.py", b"1"), Entry(f"{MOD}/STRASSE.py", b"2")),
        Rule.DUPLICATE_NAME,
        None,
    ),
    # --- nested archives ----------------------------------------------------------------------
    (
        "nested_7z",
        lambda: mod_with(Entry(f"{MOD}/data.bin", b"7z\xbc\xaf\x27\x1c" + bytes(100))),
        Rule.NESTED_ARCHIVE,
        None,
    ),
    (
        "nested_rar",
        lambda: mod_with(Entry(f"{MOD}/img.png", b"Rar!\x1a\x07\x01\x00" + bytes(64))),
        Rule.NESTED_ARCHIVE,
        None,
    ),
    (
        "nested_too_deep",
        lambda: mod_with(
            Entry(
                f"{MOD}/a.zip",
                stdlib_zip({"b.zip": stdlib_zip({"c.zip": stdlib_zip({"d.txt": "deep"})})}),
            )
        ),
        Rule.NESTED_ARCHIVE,
        None,
    ),
    (
        "nested_zip_with_traversal",
        lambda: mod_with(Entry(f"{MOD}/vendor.whl", build_zip([Entry("../../evil.py", b"1")]))),
        Rule.UNSAFE_PATH,
        None,
    ),
    (
        "nested_tar_gz_with_symlink",
        lambda: mod_with(
            Entry(
                f"{MOD}/assets.tgz",
                tar_bytes({"a.txt": b"hello"}, symlinks={"b": "/etc/passwd"}, compression="gz"),
            )
        ),
        Rule.SYMLINK_ENTRY,
        None,
    ),
    (
        "nested_tar_with_traversal",
        lambda: mod_with(Entry(f"{MOD}/assets.tar", tar_bytes({"../../x.py": b"1"}))),
        Rule.UNSAFE_PATH,
        None,
    ),
    (
        "nested_gzip_bomb",
        lambda: mod_with(Entry(f"{MOD}/data.json.gz", gzip_bomb(64 * MiB), method=0)),
        Rule.RATIO_EXCEEDED,
        None,
    ),
    (
        "nested_entries_count",
        lambda: mod_with(Entry(f"{MOD}/v.zip", stdlib_zip({f"m{i}.py": "1" for i in range(4)}))),
        Rule.TOO_MANY_ENTRIES,
        ScanLimits(max_entries=6),
    ),
    # --- data ---------------------------------------------------------------------------------
    (
        "corrupt_deflate",
        lambda: mod_with(Entry(f"{MOD}/x.py", b"x" * 100, compressed=b"\xff" * 40)),
        Rule.CORRUPT_DATA,
        None,
    ),
    (
        "truncated_deflate",
        lambda: mod_with(
            Entry(
                f"{MOD}/x.py",
                bytes(range(256)) * 40,
                compressed=deflate(bytes(range(256)) * 40)[:-20],
            )
        ),
        Rule.CORRUPT_DATA,
        None,
    ),
    (
        "bytes_after_deflate_end",
        lambda: mod_with(
            Entry(f"{MOD}/x.py", b"x" * 100, compressed=deflate(b"x" * 100) + b"tail")
        ),
        Rule.CORRUPT_DATA,
        None,
    ),
    (
        "size_larger_than_declared",
        lambda: mod_with(Entry(f"{MOD}/x.py", b"x=1\n" * 100, usize=50)),
        Rule.SIZE_MISMATCH,
        None,
    ),
    (
        "stored_size_differs",
        lambda: mod_with(Entry(f"{MOD}/x.py", b"x=1\n" * 10, method=0, usize=4)),
        Rule.SIZE_MISMATCH,
        None,
    ),
    (
        "crc_mismatch",
        lambda: mod_with(Entry(f"{MOD}/x.py", b"x=1\n", crc=0xDEADBEEF)),
        Rule.CRC_MISMATCH,
        None,
    ),
    # --- content ------------------------------------------------------------------------------
    ("mod_without_manifest", lambda: build_zip(mod_entries()[1:]), Rule.MANIFEST_MISSING, None),
    (
        "mod_manifest_in_other_folder",
        lambda: build_zip([Entry("Other/tbConfig.yaml", b"version: 1.0.0\n"), *mod_entries()[1:]]),
        Rule.MANIFEST_MISSING,
        None,
    ),
    (
        "mod_manifest_broken_yaml",
        lambda: build_zip([Entry(f"{MOD}/tbConfig.yaml", b"version: [1.0\n"), *mod_entries()[1:]]),
        Rule.MANIFEST_INVALID,
        None,
    ),
    (
        "mod_manifest_alias_bomb",
        lambda: build_zip([Entry(f"{MOD}/tbConfig.yaml", alias_bomb()), *mod_entries()[1:]]),
        Rule.MANIFEST_INVALID,
        None,
    ),
    (
        "mod_manifest_too_large",
        lambda: build_zip(
            [
                Entry(f"{MOD}/tbConfig.yaml", b"# pad\n" * 60_000 + b"version: 1\n"),
                *mod_entries()[1:],
            ]
        ),
        Rule.MANIFEST_INVALID,
        None,
    ),
    (
        "mod_manifest_python_tag",
        lambda: build_zip(
            [
                Entry(f"{MOD}/tbConfig.yaml", b"x: !!python/object/apply:os.system ['id']\n"),
                *mod_entries()[1:],
            ]
        ),
        Rule.MANIFEST_INVALID,
        None,
    ),
    (
        "mod_without_python",
        lambda: build_zip([mod_entries()[0], Entry(f"{MOD}/README.md", b"# hi")]),
        Rule.TYPE_MISMATCH,
        None,
    ),
]


def gzip_bomb(size: int) -> bytes:
    """A gzip member expanding to `size` zeros (header + bomb deflate + trailer)."""
    compressed, crc = zero_bomb(size)
    header = b"\x1f\x8b\x08\x00" + bytes(4) + b"\x02\xff"
    return header + compressed + struct.pack("<II", crc, size & 0xFFFFFFFF)


def alias_bomb() -> bytes:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ",".join([f"*{previous}"] * 9) + "]")
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(
    ("builder", "rule", "limits"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_attack_is_rejected_with_its_rule(
    builder: Callable[[], bytes], rule: Rule, limits: ScanLimits | None
) -> None:
    report = scan(builder(), limits=limits)
    assert report.verdict == "fail", report.to_dict()
    assert report.rule == rule, report.to_dict()
    assert report.message


def test_every_rule_is_exercised() -> None:
    covered = {case[2] for case in CASES}
    # empty_file only applies to artifacts (tests/scanning/test_artifact.py); scanner_error
    # needs a scanner bug (test_a_scanner_bug_fails_closed below).
    assert covered | {Rule.EMPTY_FILE, Rule.SCANNER_ERROR} == set(Rule)


def test_a_scanner_bug_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    from domain.scanning import scanner

    def broken(*args: object, **kwargs: object) -> None:
        raise IndexError("bug")

    monkeypatch.setattr(scanner, "_check_overlap", broken)
    report = scan(valid_mod())
    assert (report.verdict, report.rule) == ("fail", Rule.SCANNER_ERROR)
    assert report.entry_count == 3


def test_entry_count_is_reported_on_failure() -> None:
    report = scan(mod_with(Entry(f"{MOD}/x.py", b"x", crc=1)))
    assert (report.rule, report.entry_count) == (Rule.CRC_MISMATCH, 4)


def test_feature_pack_without_feature_yaml() -> None:
    data = build_zip([Entry("web/__init__.py", b"x=1"), Entry("tbConfig.yaml", b"version: 1\n")])
    report = scan(data, package_type="library", package_name="tbv2-feature-web")
    assert (report.verdict, report.rule) == ("fail", Rule.MANIFEST_MISSING)


def test_feature_type_with_broken_feature_yaml() -> None:
    data = build_zip([Entry("feature.yaml", b"- just\n- a list\n")])
    report = scan(data, package_type="feature", package_name="tbv2-feature-web")
    assert (report.verdict, report.rule) == ("fail", Rule.MANIFEST_INVALID)


def test_failure_names_the_entry() -> None:
    report = scan(mod_with(Entry(f"{MOD}/../../evil.py", b"x")))
    assert report.entry == f"{MOD}/../../evil.py"
    nested = scan(mod_with(Entry(f"{MOD}/vendor.whl", build_zip([Entry("../x.py", b"1")]))))
    assert nested.entry == f"{MOD}/vendor.whl!/../x.py"


def test_report_of_a_failure_is_json_safe() -> None:
    import json

    report = scan(fifield_quoted_overlap(10, 10_000))
    stored = json.loads(json.dumps(report.to_dict()))
    assert stored["verdict"] == "fail"
    assert stored["rule"] == "overlapping_entries"
    assert stored["compressed_size"] > 0
    assert stored["detected_types"]["(upload)"] == "application/zip"
