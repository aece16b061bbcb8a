"""Re-rooting a root-layout mod under `N/` (REST_CONTRACT.md §6 normalization)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from domain.manifest import find_manifest
from domain.normalize import needs_reroot, reroot_zip
from domain.scanning import scan_archive
from domain.scanning.archive_manifest import read_archive_manifest
from storage.local import LocalFileReader
from tests.scanning.helpers import scan
from tests.scanning.zipcraft import (
    S_IFLNK,
    Entry,
    build_zip,
    fifield_quoted_overlap,
    stdlib_zip,
    streamed_zip,
    unicode_path_extra,
)

TBCONFIG = "module_name: CloudM\nversion: 1.0.0\n"


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["tbConfig.yaml", "__init__.py", "core/x.py"], True),
        (["CloudM.yaml", "CloudM.py"], True),
        (["cloudm.YAML", "cloudm.py"], True),
        (["TBCONFIG.yaml", "__init__.py"], True),
        (["CloudM/tbConfig.yaml", "CloudM/__init__.py"], False),
        (["tbConfig.yaml", "CloudM/__init__.py"], False),  # an N/ folder already exists
        (["tbConfig.yaml", "cloudm/"], False),
        (["feature.yaml", "web/__init__.py"], False),  # feature.yaml is not a mod manifest
        (["CloudM/CloudM.yaml", "CloudM/CloudM.py"], False),
        (["lib/tbConfig.yaml", "x.py"], False),
        ([], False),
    ],
)
def test_needs_reroot(names: list[str], expected: bool) -> None:
    assert needs_reroot(names, "CloudM") is expected


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def root_layout_mod() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("tbConfig.yaml", TBCONFIG)
        archive.writestr("__init__.py", "print('hi')\n" * 100)
        archive.writestr(zipfile.ZipInfo("static/"), b"")
        stored = zipfile.ZipInfo("static/logo.bin", (2020, 5, 17, 12, 30, 44))
        stored.compress_type = zipfile.ZIP_STORED
        stored.external_attr = 0o100755 << 16
        archive.writestr(stored, bytes(range(256)) * 8)
        archive.writestr("données/été.py", "x = 'é'\n")
        archive.comment = b"made by publish()"
    return buffer.getvalue()


def test_reroot_moves_every_entry_and_keeps_bytes(tmp_path: Path) -> None:
    source = write(tmp_path / "in.zip", root_layout_mod())
    target = tmp_path / "out.zip"
    reroot_zip(source, target, "CloudM")
    with zipfile.ZipFile(source) as before, zipfile.ZipFile(target) as after:
        assert after.testzip() is None
        old = before.infolist()
        new = after.infolist()
        assert [info.filename for info in new] == [f"CloudM/{i.filename}" for i in old]
        for a, b in zip(old, new, strict=True):
            assert (a.CRC, a.compress_size, a.file_size, a.compress_type) == (
                b.CRC,
                b.compress_size,
                b.file_size,
                b.compress_type,
            )
            assert (a.external_attr, a.date_time) == (b.external_attr, b.date_time)
            assert before.read(a) == after.read(b)
        assert after.comment == b"made by publish()"
    names = zipfile.ZipFile(target).namelist()
    assert find_manifest(names, "CloudM") == "CloudM/tbConfig.yaml"
    assert not needs_reroot(names, "CloudM")


def test_rerooted_archive_passes_the_scanner(tmp_path: Path) -> None:
    target = tmp_path / "out.zip"
    reroot_zip(write(tmp_path / "in.zip", root_layout_mod()), target, "CloudM")
    with LocalFileReader(target) as reader:
        report = scan_archive(reader, package_type="mod", package_name="CloudM")
        assert report.verdict == "pass", report.to_dict()
        assert report.manifest is not None and report.manifest.path == "CloudM/tbConfig.yaml"
        found = read_archive_manifest(reader, package_type="mod", package_name="CloudM")
        assert found.manifest is not None and found.manifest.name == "CloudM"
        assert found.manifest.to_dict() == report.manifest.to_dict()


def test_reroot_of_a_streamed_archive_drops_data_descriptors(tmp_path: Path) -> None:
    source = write(
        tmp_path / "in.zip",
        streamed_zip({"tbConfig.yaml": TBCONFIG.encode(), "__init__.py": b"x = 1\n" * 1000}),
    )
    target = tmp_path / "out.zip"
    reroot_zip(source, target, "CloudM")
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None
        assert all(not info.flag_bits & 0x8 for info in archive.infolist())
        assert archive.read("CloudM/__init__.py") == b"x = 1\n" * 1000
    with LocalFileReader(target) as reader:
        assert scan_archive(reader, package_type="mod", package_name="CloudM").passed


def test_reroot_keeps_zip64_entries_readable(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("tbConfig.yaml", TBCONFIG)
        with archive.open("__init__.py", "w", force_zip64=True) as handle:
            handle.write(b"y = 2\n" * 100)
    target = tmp_path / "out.zip"
    reroot_zip(write(tmp_path / "in.zip", buffer.getvalue()), target, "CloudM")
    with zipfile.ZipFile(target) as archive:
        assert archive.read("CloudM/__init__.py") == b"y = 2\n" * 100
    with LocalFileReader(target) as reader:
        assert scan_archive(reader, package_type="mod", package_name="CloudM").passed


@pytest.mark.parametrize("prefix", ["", "/", "a/b", "..", "a\\b"])
def test_reroot_refuses_bad_prefixes(tmp_path: Path, prefix: str) -> None:
    source = write(tmp_path / "in.zip", root_layout_mod())
    with pytest.raises(ValueError):
        reroot_zip(source, tmp_path / "out.zip", prefix)


# --- rewriting never launders an attack ---------------------------------------------------

ROOT_BASE = [Entry("tbConfig.yaml", TBCONFIG.encode()), Entry("__init__.py", b"x = 1\n" * 50)]


def root_mod(*extra: Entry, **build: object) -> bytes:
    return build_zip([*ROOT_BASE, *extra], **build)  # type: ignore[arg-type]


STRUCTURAL = {
    "trailing_data": lambda: root_mod() + b"appended",
    "prepended_data": lambda: root_mod(prepend=b"MZ" + bytes(100)),
    "hidden_data": lambda: root_mod(gap_after={0: b"hidden"}),
    "header_mismatch": lambda: root_mod(Entry("a.py", b"1", local={"name": b"../a.py"})),
    "local_unicode_path": lambda: root_mod(
        Entry("a.py", b"1", local={"extra": unicode_path_extra("../../a.py")})
    ),
    "overlap": lambda: fifield_quoted_overlap(20, 50_000),
    "bad_zip64": lambda: root_mod(zip64_end=True, locator_overrides={"offset": 3}),
    "descriptor": lambda: root_mod(
        Entry("a.py", b"12345", descriptor=True, descriptor_fields={"crc": 1})
    ),
    "not_zip": lambda: b"plain text upload",
}

CONTENT = {
    "unsafe_path": lambda: root_mod(Entry("../evil.py", b"1")),
    "absolute_path": lambda: root_mod(Entry("/etc/evil", b"1")),
    "unicode_path_extra": lambda: root_mod(
        Entry(
            "a.py",
            b"1",
            extra=unicode_path_extra("../../a.py"),
            local={"extra": unicode_path_extra("../../a.py")},
        )
    ),
    "bad_chars": lambda: root_mod(Entry("a\x00b.py", b"1")),
    "reserved": lambda: root_mod(Entry("aux.py", b"1")),
    "duplicate": lambda: root_mod(Entry("x.py", b"1"), Entry("X.py", b"2")),
    "symlink": lambda: root_mod(
        Entry("link", b"/etc", method=0, external_attr=(S_IFLNK | 0o777) << 16)
    ),
    "encrypted": lambda: root_mod(Entry("a.py", b"1", flags=1)),
    "method": lambda: root_mod(Entry("a.py", b"1", method=14, compressed=b"??")),
    "crc": lambda: root_mod(Entry("a.py", b"1", crc=5)),
    "lying_size": lambda: root_mod(Entry("a.py", b"12345" * 100, usize=7)),
    "bomb": lambda: root_mod(Entry("z.bin", bytes(3 * 1024 * 1024))),
    "nested": lambda: root_mod(Entry("v.zip", stdlib_zip({"../x": "1"}))),
}


@pytest.mark.parametrize("attack", sorted(STRUCTURAL))
def test_unclean_structure_is_copied_unchanged(tmp_path: Path, attack: str) -> None:
    original = STRUCTURAL[attack]()
    target = tmp_path / "out.zip"
    assert reroot_zip(write(tmp_path / "in.zip", original), target, "CloudM") is False
    assert target.read_bytes() == original
    assert not scan(original).passed


@pytest.mark.parametrize("attack", sorted(CONTENT))
def test_content_attacks_survive_rerooting(tmp_path: Path, attack: str) -> None:
    original = CONTENT[attack]()
    target = tmp_path / "out.zip"
    assert reroot_zip(write(tmp_path / "in.zip", original), target, "CloudM") is True
    before, after = scan(original), scan(target.read_bytes())
    assert before.verdict == after.verdict == "fail", (before.to_dict(), after.to_dict())
    assert before.rule == after.rule


def test_clean_reroot_reports_true(tmp_path: Path) -> None:
    assert reroot_zip(write(tmp_path / "in.zip", root_mod()), tmp_path / "o.zip", "CloudM")
