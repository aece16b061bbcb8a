"""The strict manifest reader: the one reading of a manifest that publishing and the scan share."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from domain.manifest import ManifestError
from domain.scanning import Rule, ScanLimits, ScanRejected
from domain.scanning.archive_manifest import (
    ArchiveManifest,
    manifest_path_for,
    read_archive_manifest,
)
from storage.readers import BytesReader
from tests.scanning.disagreeing import (
    DISAGREEING,
    EVIL_TBCONFIG,
    MANIFEST,
    end_record_in_comment,
    stdlib_dependencies,
    streamed_mod,
)
from tests.scanning.helpers import MOD, TBCONFIG, mod_entries, scan
from tests.scanning.zipcraft import Entry, build_zip, deflate, stdlib_zip


def read(data: bytes, package_type: str | None = "mod", name: str = MOD) -> ArchiveManifest:
    return read_archive_manifest(BytesReader(data), package_type=package_type, package_name=name)


def deps(found: ArchiveManifest) -> list[str]:
    assert found.manifest is not None
    return [f"{dep.name}{dep.version_spec}" for dep in found.manifest.dependencies]


def test_reads_names_and_manifest() -> None:
    data = stdlib_zip(
        {"CloudM/tbConfig.yaml": "module_name: CloudM\nversion: 2.0.0\n", "CloudM/__init__.py": ""}
    )
    found = read(data)
    assert found.names == ["CloudM/tbConfig.yaml", "CloudM/__init__.py"]
    assert found.path == "CloudM/tbConfig.yaml"
    assert found.manifest is not None and found.manifest.version == "2.0.0"
    assert read(stdlib_zip({"a.py": ""})) == ArchiveManifest(["a.py"], None, None)


def test_without_a_name_a_single_folder_names_the_mod() -> None:
    found = read(build_zip(mod_entries()), package_type=None, name="")
    assert found.path == MANIFEST and deps(found) == ["DB>=1.0.0"]


def test_not_a_zip_and_oversized_manifests_are_refused() -> None:
    with pytest.raises(ScanRejected) as refused:
        read(b"not a zip at all" * 4)
    assert refused.value.rule == Rule.NOT_ZIP
    huge = stdlib_zip({"tbConfig.yaml": "# " + "x" * 300_000 + "\n"})
    with pytest.raises(ManifestError, match="larger than"):
        read(huge)


def test_a_size_that_lies_is_caught_after_a_bounded_read() -> None:
    # Declares 20 bytes, inflates to 200 KiB: the reader stops at the 21st byte.
    text = b"module_name: CloudM\n" + b"#" * 200_000
    lying = Entry(MANIFEST, text, usize=20)
    with pytest.raises(ScanRejected) as refused:
        read(build_zip([lying, *mod_entries()[1:]]))
    assert refused.value.rule == Rule.SIZE_MISMATCH


def test_a_wrong_crc_is_refused() -> None:
    bad = Entry(MANIFEST, TBCONFIG, crc=1)
    with pytest.raises(ScanRejected) as refused:
        read(build_zip([bad, *mod_entries()[1:]]))
    assert refused.value.rule == Rule.CRC_MISMATCH


def test_limits_are_the_scanners() -> None:
    many = build_zip([*mod_entries(), *(Entry(f"{MOD}/f{i}.py", b"") for i in range(20))])
    with pytest.raises(ScanRejected) as refused:
        read_archive_manifest(
            BytesReader(many),
            package_type="mod",
            package_name=MOD,
            limits=ScanLimits(max_entries=10),
        )
    assert refused.value.rule == Rule.TOO_MANY_ENTRIES
    assert scan(many, limits=ScanLimits(max_entries=10)).rule == Rule.TOO_MANY_ENTRIES


def test_data_descriptors_are_read_like_the_scan_reads_them() -> None:
    data = streamed_mod()
    assert deps(read(data)) == stdlib_dependencies(data) == ["DB>=1.0.0"]
    report = scan(data)
    assert report.passed, report.message


def test_feature_packs_take_feature_yaml_like_the_scan() -> None:
    data = stdlib_zip(
        {"tbConfig.yaml": EVIL_TBCONFIG, "feature.yaml": "name: web\nrequires: [core]\n"}
    )
    name = "tbv2-feature-web"
    assert manifest_path_for(["tbConfig.yaml", "feature.yaml"], "library", name) == "feature.yaml"
    found = read(data, "library", name)
    assert found.path == "feature.yaml" and deps(found) == ["tbv2-feature-core*"]
    report = scan(data, package_type="library", package_name=name)
    assert report.passed, report.message
    assert report.manifest is not None and report.manifest.path == "feature.yaml"


def test_the_hidden_end_record_really_fools_zipfile() -> None:
    data = end_record_in_comment()
    assert stdlib_dependencies(data) == ["Evil>=6.6.6"]
    with pytest.raises(ScanRejected) as refused:
        read(data)
    assert refused.value.rule == Rule.BAD_CENTRAL_DIRECTORY


@pytest.mark.parametrize("build", DISAGREEING.values(), ids=DISAGREEING.keys())
def test_one_reader_decides(build: Callable[[], bytes]) -> None:
    """zipfile reads a manifest out of each of these; the strict reader refuses the archive
    with the very rule the scan quarantines it for, so nothing zipfile saw is ever stored."""
    data = build()
    assert stdlib_dependencies(data)  # zipfile is happy to read a manifest
    with pytest.raises(ScanRejected) as refused:
        read(data)
    report = scan(data)
    assert not report.passed
    assert report.rule == refused.value.rule


@pytest.mark.parametrize(
    "data",
    [
        build_zip(mod_entries()),
        streamed_mod(),
        stdlib_zip({MANIFEST: TBCONFIG, f"{MOD}/a.py": b""}),
        build_zip([Entry(MANIFEST, TBCONFIG, method=0), *mod_entries()[1:]]),
        build_zip([Entry(MANIFEST, b"", compressed=deflate(b"")), *mod_entries()[1:]]),
    ],
    ids=["crafted", "streamed", "stdlib", "stored", "empty-manifest"],
)
def test_what_the_reader_reads_is_what_the_scan_parsed(data: bytes) -> None:
    try:
        found = read(data)
    except (ScanRejected, ManifestError):
        found = None
    report = scan(data)
    if found is None:
        assert not report.passed
        return
    if report.passed:
        assert report.manifest is not None and found.manifest is not None
        assert report.manifest.to_dict() == found.manifest.to_dict()
