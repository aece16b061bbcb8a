"""Upload to scan with one manifest reader: the dependencies a version stores come from the
strict parse the scan validates, and an archive that parse refuses is the uploader's 400
(REST_CONTRACT §4.4: "400 (bad version or ZIP)"), whatever Python's zipfile makes of it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from domain.models import Dependency, PackageVersion, StoredCopy
from domain.scanning.archive_manifest import read_archive_manifest
from storage.readers import BytesReader
from tests.fixtures.stack import Stack, bearer
from tests.helpers import upload_version
from tests.pipeline.support import OWNER, make_owner_package
from tests.scanning.disagreeing import (
    DISAGREEING,
    EVIL_TBCONFIG,
    stdlib_dependencies,
    streamed_mod,
)
from tests.scanning.helpers import MOD
from tests.scanning.zipcraft import stdlib_zip

VERSION = "1.2.3"


async def _stored_dependencies(version: str = VERSION) -> list[str]:
    row = await PackageVersion.get(version=version)
    deps = await Dependency.filter(version_id=row.id).order_by("id")
    return [f"{dep.name}{dep.version_spec}" for dep in deps]


@pytest.mark.parametrize("build", DISAGREEING.values(), ids=DISAGREEING.keys())
async def test_an_archive_zipfile_and_the_scanner_read_differently_is_refused(
    stack: Stack, build: Callable[[], bytes]
) -> None:
    await make_owner_package(stack.client)
    data = build()
    assert stdlib_dependencies(data)  # the old publish-time reader would have stored these
    response = await upload_version(stack.client, OWNER, MOD, VERSION, data)
    assert response.status_code == 400, response.text
    assert response.json()["detail"].startswith("The file is not a valid ZIP archive: ")
    assert await PackageVersion.all().count() == 0
    assert await StoredCopy.all().count() == 0


async def test_stored_dependencies_are_the_ones_the_scan_validated(stack: Stack) -> None:
    await make_owner_package(stack.client)
    data = streamed_mod()  # data descriptors: sizes after the data, as a pipe writes them
    response = await upload_version(stack.client, OWNER, MOD, VERSION, data)
    assert response.status_code == 201, response.text
    assert await _stored_dependencies() == ["DB>=1.0.0"]
    await stack.drain_jobs()
    row = await PackageVersion.get(version=VERSION)
    assert row.status == "published", row.scan_report
    scanned = row.scan_report["manifest"]["dependencies"]
    assert [f"{dep['name']}{dep['version_spec']}" for dep in scanned] == ["DB>=1.0.0"]


async def test_a_feature_pack_stores_what_its_feature_yaml_requires(stack: Stack) -> None:
    # The stdlib-zipfile lookup took the root tbConfig.yaml here; the scan judges feature.yaml.
    name = "tbv2-feature-web"
    await make_owner_package(stack.client, name, "library")
    data = stdlib_zip(
        {
            "tbConfig.yaml": EVIL_TBCONFIG,
            "feature.yaml": f"name: web\nversion: {VERSION}\nrequires: [core]\n",
        }
    )
    assert stdlib_dependencies(data, name) == ["Evil>=6.6.6"]
    response = await upload_version(stack.client, OWNER, name, VERSION, data)
    assert response.status_code == 201, response.text
    assert await _stored_dependencies() == ["tbv2-feature-core*"]
    await stack.drain_jobs()
    row = await PackageVersion.get(version=VERSION)
    assert row.status == "published", row.scan_report
    assert row.scan_report["manifest"]["path"] == "feature.yaml"
    found = read_archive_manifest(BytesReader(data), package_type="library", package_name=name)
    assert found.manifest is not None
    assert row.scan_report["manifest"] == found.manifest.to_dict()


async def test_one_step_publish_refuses_what_the_strict_reader_refuses(stack: Stack) -> None:
    import json

    await make_owner_package(stack.client)
    data = DISAGREEING["end_record_in_comment"]()
    response = await stack.client.post(
        "/api/v1/packages",
        headers=bearer(OWNER),
        data={"metadata": json.dumps({"name": MOD, "version": VERSION})},
        files={"file": ("tmpq1w2e3.zip", data, "application/zip")},
    )
    assert response.status_code == 400, response.text
    assert "not a valid ZIP" in response.json()["detail"]
    assert await PackageVersion.all().count() == 0
