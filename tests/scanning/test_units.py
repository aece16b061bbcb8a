"""Unit checks of the scanner's building blocks: readers, names, signatures, decoders."""

from __future__ import annotations

import bz2
import lzma
from pathlib import Path

import pytest

from domain.scanning import ScanLimits, ShortReadError, scan_archive
from domain.scanning.entry_names import NameRegistry, check_entry_name, collision_key
from domain.scanning.reader import BlockCursor
from domain.scanning.rules import Rule, ScanRejected
from domain.scanning.signatures import ArchiveKind, detect_archive, looks_like_text
from storage.local import LocalFileReader
from storage.readers import BytesReader
from tests.scanning.helpers import MOD, mod_with, scan
from tests.scanning.zipcraft import Entry, stdlib_zip, tar_bytes

# --- readers ------------------------------------------------------------------------------


def test_block_cursor_reads_across_blocks() -> None:
    data = bytes(range(256)) * 100
    cursor = BlockCursor(BytesReader(data), 10, 20_000, block_size=4096)
    assert cursor.read(5) == data[10:15]
    assert cursor.peek(5000) == data[15:5015]
    assert b"".join(bytes(v) for v in cursor.chunks(9000)) == data[15:9015]
    assert cursor.skip(100) == 100
    assert cursor.read(50_000) == data[9115:20_000]
    assert cursor.read(1) == b""


def test_file_reader(tmp_path: Path) -> None:
    path = tmp_path / "blob"
    path.write_bytes(b"0123456789")
    with LocalFileReader(path) as reader:
        assert reader.size == 10
        assert reader.read_at(3, 4) == b"3456"
        assert reader.read_at(8, 10) == b"89"


class FlakyReader:
    """A storage backend that fails (or returns short reads) after some requests."""

    def __init__(self, data: bytes, *, fail_after: int, short: bool = False) -> None:
        self._data = data
        self.size = len(data)
        self._left = fail_after
        self._short = short

    def read_at(self, offset: int, length: int) -> bytes:
        self._left -= 1
        if self._left < 0:
            if self._short:
                return self._data[offset : offset + length // 2]
            raise ConnectionResetError("storage went away")
        return self._data[offset : offset + length]


def test_infrastructure_errors_propagate_instead_of_becoming_a_verdict() -> None:
    data = mod_with()
    with pytest.raises(ConnectionResetError):
        scan_archive(
            FlakyReader(data, fail_after=3), package_type="mod", package_name=MOD, block_size=4096
        )
    with pytest.raises(ShortReadError):
        scan_archive(
            FlakyReader(data, fail_after=3, short=True),
            package_type="mod",
            package_name=MOD,
            block_size=4096,
        )


# --- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "CloudM/__init__.py",
        "a/b/c/",
        "données/été.py",
        "日本語/ファイル.txt",
        "x/.hidden",
        "x/...config",
        "x/file.name.with.dots",
        "x/con_fig.py",
        "x/console.py",
        "x/auxiliary.py",
        "with space/and (parens) & more#1.txt",
        "x/COM10.py",
        "x/LPT.txt",
        "emoji 🚀.md",
    ],
)
def test_safe_names(name: str) -> None:
    check_entry_name(name)


def test_collision_key() -> None:
    assert collision_key("A/B.py") == collision_key("a/b.py")
    assert collision_key("caf\u00e9") == collision_key("cafe\u0301")
    assert collision_key("dir/") == collision_key("dir")
    assert collision_key("x.py.") == collision_key("x.py")
    assert collision_key("a.py") != collision_key("b.py")


def test_name_registry_allows_folders_implied_and_explicit() -> None:
    registry = NameRegistry()
    registry.add(0, ["a/b/c.py"], is_dir=False, entry="a/b/c.py")
    registry.add(1, ["a/"], is_dir=True, entry="a/")
    registry.add(2, ["A/b/d.py"], is_dir=False, entry="A/b/d.py")
    with pytest.raises(ScanRejected) as raised:
        registry.add(3, ["a/b"], is_dir=False, entry="a/b")
    assert raised.value.rule == Rule.DUPLICATE_NAME


# --- signatures ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (stdlib_zip({"a": "b"}), ArchiveKind.ZIP),
        (tar_bytes({"a": b"b"}), ArchiveKind.TAR),
        (tar_bytes({"a": b"b"}, compression="gz"), ArchiveKind.GZIP),
        (bz2.compress(b"x" * 100), ArchiveKind.BZIP2),
        (lzma.compress(b"x"), ArchiveKind.XZ),
        (b"7z\xbc\xaf\x27\x1c\x00\x04", ArchiveKind.SEVEN_ZIP),
        (b"\x28\xb5\x2f\xfd\x00", ArchiveKind.ZSTD),
        (b"BZh9 just text that starts like bzip2", None),
        (b"print('hello')\n", None),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), None),
    ],
)
def test_detect_archive(head: bytes, kind: ArchiveKind | None) -> None:
    assert detect_archive(head[:2048]) == kind


def test_looks_like_text() -> None:
    assert looks_like_text(b"def f():\n\treturn 'caf\xc3\xa9'\r\n")
    assert looks_like_text("日本".encode()[:-1])  # a character cut at the end of the head
    assert not looks_like_text(b"abc\x00def")
    assert not looks_like_text(b"\xff\xfe\x00a")
    assert not looks_like_text(b"PK\x03\x04")


# --- nested compressors -------------------------------------------------------------------


def test_nested_bzip2_and_xz_tarballs_are_opened() -> None:
    good = tar_bytes({"a.txt": b"fine"})
    assert scan(
        mod_with(
            Entry(f"{MOD}/a.tar.bz2", bz2.compress(good)),
            Entry(f"{MOD}/b.tar.xz", lzma.compress(good)),
        )
    ).passed
    evil = tar_bytes({"../escape.txt": b"no"})
    report = scan(mod_with(Entry(f"{MOD}/c.tar.xz", lzma.compress(evil))))
    assert (report.rule, report.entry) == (Rule.UNSAFE_PATH, f"{MOD}/c.tar.xz!!/../escape.txt")


def test_bzip2_bomb_is_stopped_by_the_ratio() -> None:
    bomb = bz2.compress(bytes(64 * 1024 * 1024))
    report = scan(mod_with(Entry(f"{MOD}/zeros.bz2", bomb, method=0)))
    assert report.rule == Rule.RATIO_EXCEEDED


def test_corrupt_nested_gzip_is_rejected() -> None:
    report = scan(mod_with(Entry(f"{MOD}/x.gz", b"\x1f\x8b\x08\x00" + bytes(6) + b"garbage!")))
    assert report.rule == Rule.CORRUPT_DATA


def test_tar_inside_zip_inside_mod_counts_depth() -> None:
    inner = stdlib_zip({"t.tar": tar_bytes({"a": b"x"})}, method=0)
    report = scan(mod_with(Entry(f"{MOD}/v.zip", inner)))
    assert report.passed, report.to_dict()
    shallow = ScanLimits(max_nesting_depth=1)
    report = scan(mod_with(Entry(f"{MOD}/v.zip", inner)), limits=shallow)
    assert (report.rule, report.entry) == (Rule.NESTED_ARCHIVE, f"{MOD}/v.zip!/t.tar")


def test_libmagic_on_text_entries_is_optional() -> None:
    data = mod_with()
    fast = scan_archive(BytesReader(data), package_type="mod", package_name=MOD)
    thorough = scan_archive(
        BytesReader(data), package_type="mod", package_name=MOD, magic_on_text=True
    )
    assert fast.passed and thorough.passed
    assert fast.detected_types["(upload)"] == "application/zip"
    assert fast.detected_types[f"{MOD}/tbConfig.yaml"].startswith("text/")
