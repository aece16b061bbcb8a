"""Well-formed packages of every shape must pass, with their manifest read."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from domain.scanning import Rule, ScanLimits, scan_archive
from storage.local import LocalFileReader
from tests.scanning.helpers import MOD, TBCONFIG, scan
from tests.scanning.zipcraft import (
    S_IFDIR,
    Entry,
    build_zip,
    stdlib_zip,
    streamed_zip,
    tar_bytes,
)

SOURCE = "def run():\n    return 'ok'\n" * 30
SINGLE_FILE_MANIFEST = """\
name: CloudM
display_name: Cloud Manager
version: 0.4.0
file_path: CloudM.py
specification:
  exports: [run]
  functions: [run]
  classes: []
  requires: []
dependencies:
  - DB
  - isaa>=0.2
platforms: [server, client]
keywords: [cloud, sync]
toolbox_version: ">=0.1.20"
visibility: public
"""
FEATURE_YAML = """\
name: web
version: 1.0.0
description: Web feature
files: ["web/*"]
enabled: true
immutable: false
imports: [toolboxv2.web]
dependencies: [starlette>=0.40]
requires: [core]
"""


def assert_pass(data: bytes, **kwargs: object) -> None:
    report = scan(data, **kwargs)  # type: ignore[arg-type]
    assert report.verdict == "pass", report.to_dict()
    assert report.rule is None
    json.dumps(report.to_dict())


def test_package_layout_deflated() -> None:
    data = stdlib_zip(
        {
            f"{MOD}/tbConfig.yaml": TBCONFIG,
            f"{MOD}/__init__.py": SOURCE,
            f"{MOD}/core/api.py": SOURCE,
            f"{MOD}/static/app.js": "x" * 5000,
        }
    )
    report = scan(data, version="1.2.3")
    assert report.verdict == "pass", report.to_dict()
    assert report.manifest is not None and report.manifest.path == f"{MOD}/tbConfig.yaml"
    assert [dep.name for dep in report.manifest.dependencies] == ["DB"]
    assert report.warnings == []
    assert report.entry_count == 4
    assert report.total_uncompressed == sum(len(v) for v in (TBCONFIG, SOURCE, SOURCE)) + 5000


def test_root_layout_stored() -> None:
    data = stdlib_zip(
        {"tbConfig.yaml": TBCONFIG, "__init__.py": SOURCE, "utils/helpers.py": SOURCE},
        method=zipfile.ZIP_STORED,
    )
    report = scan(data)
    assert report.verdict == "pass", report.to_dict()
    assert report.manifest is not None and report.manifest.path == "tbConfig.yaml"


def test_single_file_module() -> None:
    data = stdlib_zip({f"{MOD}.yaml": SINGLE_FILE_MANIFEST, f"{MOD}.py": SOURCE})
    report = scan(data)
    assert report.verdict == "pass", report.to_dict()
    manifest = report.manifest
    assert manifest is not None and manifest.kind == "single"
    assert manifest.display_name == "Cloud Manager"
    assert manifest.keywords == ["cloud", "sync"]
    assert [(d.name, d.version_spec) for d in manifest.dependencies] == [
        ("DB", "*"),
        ("isaa", ">=0.2"),
    ]


def test_single_file_in_folder() -> None:
    assert_pass(stdlib_zip({f"{MOD}/{MOD}.yaml": SINGLE_FILE_MANIFEST, f"{MOD}/{MOD}.py": SOURCE}))


def test_case_insensitive_manifest_lookup() -> None:
    data = stdlib_zip({"cloudm/TBCONFIG.yaml": TBCONFIG, "cloudm/__init__.py": SOURCE})
    report = scan(data)
    assert report.verdict == "pass", report.to_dict()
    assert report.manifest is not None and report.manifest.path == "cloudm/TBCONFIG.yaml"


def test_feature_pack_as_library() -> None:
    data = stdlib_zip(
        {
            "feature.yaml": FEATURE_YAML,
            "web/__init__.py": SOURCE,
            "web/static/index.html": "<html></html>",
        }
    )
    report = scan(data, package_type="library", package_name="tbv2-feature-web", version="1.0.0")
    assert report.verdict == "pass", report.to_dict()
    manifest = report.manifest
    assert manifest is not None and manifest.is_feature
    assert [d.name for d in manifest.dependencies] == ["tbv2-feature-core"]
    assert manifest.python_requirements == ["starlette>=0.40"]
    # §6: a feature pack names itself without the prefix: a warning, never a rejection.
    assert any("'web'" in warning for warning in report.warnings)


def test_feature_type() -> None:
    assert_pass(
        stdlib_zip({"feature.yaml": FEATURE_YAML}),
        package_type="feature",
        package_name="tbv2-feature-web",
    )


def test_stale_manifest_version_is_only_a_warning() -> None:
    data = stdlib_zip(
        {
            f"{MOD}/tbConfig.yaml": "module_name: CloudM\nversion: 0.0.5\n",
            f"{MOD}/__init__.py": SOURCE,
        }
    )
    report = scan(data, version="1.4.0")
    assert report.verdict == "pass"
    assert any("0.0.5" in warning and "1.4.0" in warning for warning in report.warnings)


def test_folders_subfolders_and_empty_files() -> None:
    data = stdlib_zip(
        {
            f"{MOD}/tbConfig.yaml": TBCONFIG,
            f"{MOD}/__init__.py": "",
            f"{MOD}/a/b/c/d.py": SOURCE,
            f"{MOD}/a/empty.txt": "",
        },
        directories=[f"{MOD}", f"{MOD}/a", f"{MOD}/a/b", f"{MOD}/a/b/c", f"{MOD}/unused"],
    )
    assert_pass(data)


def test_non_ascii_but_safe_names() -> None:
    data = stdlib_zip(
        {
            f"{MOD}/tbConfig.yaml": TBCONFIG,
            f"{MOD}/__init__.py": SOURCE,
            f"{MOD}/données/été.py": SOURCE,
            f"{MOD}/文档/说明.md": "你好",
            f"{MOD}/emoji/🚀 launch (v2) #1 & more.txt": "go",
            f"{MOD}/Ünïcödé Spaces/ß.py": SOURCE,
        }
    )
    assert_pass(data)


def test_legacy_cp437_names_without_utf8_flag() -> None:
    entry = Entry("CloudM/caf\xe9.py".encode("cp437"), SOURCE.encode(), flags=0)
    assert_pass(build_zip([Entry(f"{MOD}/tbConfig.yaml", TBCONFIG), entry]))


def test_harmless_flag_differences_between_headers() -> None:
    # Compression-level bits, and the UTF-8 bit on an ASCII name, in one header only.
    data = build_zip(
        [
            Entry(f"{MOD}/tbConfig.yaml", TBCONFIG, local={"flags": 0x2}),
            Entry(f"{MOD}/__init__.py", b"x", central={"flags": 0x800}),
        ]
    )
    assert_pass(data)


def test_streamed_archive_with_data_descriptors() -> None:
    assert_pass(
        streamed_zip(
            {
                f"{MOD}/tbConfig.yaml": TBCONFIG,
                f"{MOD}/__init__.py": b"x" * 9000,
                f"{MOD}/empty.py": b"",
            }
        )
    )


def test_forced_zip64_entries() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{MOD}/tbConfig.yaml", TBCONFIG)
        with archive.open(f"{MOD}/__init__.py", "w", force_zip64=True) as handle:
            handle.write(SOURCE.encode())
    assert_pass(buffer.getvalue())


def test_crafted_zip64_records() -> None:
    data = build_zip(
        [
            Entry(f"{MOD}/tbConfig.yaml", TBCONFIG, zip64=True),
            Entry(f"{MOD}/__init__.py", SOURCE.encode(), zip64=True, descriptor=True),
        ],
        zip64_end=True,
    )
    assert_pass(data)


def test_archive_comment_and_folder_entries_with_modes() -> None:
    data = build_zip(
        [
            Entry(f"{MOD}/", b"", method=0, external_attr=(S_IFDIR | 0o755) << 16 | 0x10),
            Entry(f"{MOD}/tbConfig.yaml", TBCONFIG),
            Entry(f"{MOD}/__init__.py", SOURCE.encode(), external_attr=0o100755 << 16),
            Entry(f"{MOD}/win.py", b"x=1", external_attr=0x20, create_system=0),
        ],
        comment=b"built by tests",
    )
    assert_pass(data)


def test_nested_wheel_tarball_and_gzip_data() -> None:
    wheel = stdlib_zip({"pkg/__init__.py": SOURCE, "pkg-1.0.dist-info/METADATA": "Name: pkg"})
    data = stdlib_zip(
        {
            f"{MOD}/tbConfig.yaml": TBCONFIG,
            f"{MOD}/__init__.py": SOURCE,
            f"{MOD}/vendor/pkg-1.0-py3-none-any.whl": wheel,
            f"{MOD}/assets/theme.tar.gz": tar_bytes(
                {"theme/a.css": b"body{}", "theme/b.css": b"p{}"}, compression="gz"
            ),
            f"{MOD}/data/table.json.gz": gzip.compress(b'{"a": 1}' * 100),
            f"{MOD}/data/plain.tar": tar_bytes({"x.txt": b"x"}),
        }
    )
    report = scan(data)
    assert report.verdict == "pass", report.to_dict()
    assert report.detected_types[f"{MOD}/vendor/pkg-1.0-py3-none-any.whl"] == "application/zip"
    assert report.detected_types[f"{MOD}/assets/theme.tar.gz"] == "application/gzip"


def test_theme_without_manifest_and_library_with_broken_manifest() -> None:
    assert_pass(stdlib_zip({"style.css": "body {}"}), package_type="theme", package_name="dark")
    report = scan(
        stdlib_zip({"tbConfig.yaml": "a: [", "lib.py": SOURCE}),
        package_type="library",
        package_name="lib",
    )
    assert report.verdict == "pass"
    assert report.manifest is None
    assert any("manifest was ignored" in warning for warning in report.warnings)


def test_empty_archive_is_valid_for_a_theme_but_not_a_mod() -> None:
    empty = stdlib_zip({})
    assert_pass(empty, package_type="theme", package_name="empty")
    assert scan(empty).rule == Rule.MANIFEST_MISSING


def test_small_highly_compressible_files_are_fine() -> None:
    # 500 KiB of padding compresses ~1000:1 but stays under the ratio grace size.
    data = stdlib_zip(
        {
            f"{MOD}/tbConfig.yaml": TBCONFIG,
            f"{MOD}/__init__.py": SOURCE,
            f"{MOD}/pad.txt": " " * 500_000,
        }
    )
    assert_pass(data)


def test_native_executable_is_a_warning_not_a_rejection() -> None:
    elf = b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x03\x00\x3e\x00" + bytes(3000)
    data = stdlib_zip(
        {
            f"{MOD}/tbConfig.yaml": TBCONFIG,
            f"{MOD}/__init__.py": SOURCE,
            f"{MOD}/bin/_native.so": elf,
        }
    )
    report = scan(data)
    assert report.verdict == "pass", report.to_dict()
    assert any("native executable" in warning for warning in report.warnings)


@pytest.mark.skipif(shutil.which("zip") is None, reason="Info-ZIP `zip` is not installed")
def test_info_zip_cli_archive(tmp_path: Path) -> None:
    source = tmp_path / "src" / MOD
    (source / "sub").mkdir(parents=True)
    (source / "tbConfig.yaml").write_bytes(TBCONFIG)
    (source / "__init__.py").write_text(SOURCE)
    (source / "sub" / "données.py").write_text(SOURCE)
    (source / "sub" / "big.txt").write_text("line\n" * 50_000)
    archive = tmp_path / "mod.zip"
    subprocess.run(["zip", "-qr", str(archive), MOD], cwd=tmp_path / "src", check=True)
    with LocalFileReader(archive) as reader:
        report = scan_archive(reader, package_type="mod", package_name=MOD)
    assert report.verdict == "pass", report.to_dict()


def test_file_reader_and_large_blocks(tmp_path: Path) -> None:
    path = tmp_path / "mod.zip"
    path.write_bytes(stdlib_zip({f"{MOD}/tbConfig.yaml": TBCONFIG, f"{MOD}/__init__.py": SOURCE}))
    with LocalFileReader(path) as reader:
        report = scan_archive(
            reader,
            package_type="mod",
            package_name=MOD,
            limits=ScanLimits(),
            block_size=8 * 1024 * 1024,
        )
    assert report.verdict == "pass"
    assert report.compressed_size == path.stat().st_size
