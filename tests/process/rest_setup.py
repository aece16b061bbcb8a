"""What process-level tests do over REST before their real work: a publisher, a package, an
upload, and waiting for a version to be published. One place, so that each test's setup reads
as what it needs, and a change in the REST contract is mended once."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.fixtures.stack import bearer
from tests.helpers import mod_zip

TEAM = {"name": "team", "display_name": "Team", "email": "t@example.com"}


def publisher_and_package(
    base: str,
    name: str,
    *,
    headers: dict[str, str] | None = None,
    publisher: dict[str, str] = TEAM,
    **package_fields: Any,
) -> None:
    """Registers the caller (`p1` unless `headers` say otherwise) as `publisher` and creates
    the unlisted package `name` (with any further `package_fields`); both must answer 201."""
    headers = headers or bearer("p1")
    registered = httpx.post(
        f"{base}/api/v1/auth/register-publisher", headers=headers, json=publisher
    )
    assert registered.status_code == 201, registered.text
    created = httpx.post(
        f"{base}/api/v1/packages",
        headers=headers,
        json={"name": name, "visibility": "unlisted", **package_fields},
    )
    assert created.status_code == 201, created.text


def upload(
    base: str,
    name: str,
    version: str,
    *,
    headers: dict[str, str] | None = None,
    file: tuple[str, bytes] | tuple[str, bytes, str] | None = None,
    timeout: float = 5.0,
) -> None:
    """Uploads `version` of `name` (a well-formed mod unless `file` is given); must answer 201."""
    uploaded = httpx.post(
        f"{base}/api/v1/packages/{name}/versions",
        headers=headers or bearer("p1"),
        data={"version": version},
        files={"file": file or ("s.zip", mod_zip(name, version))},
        timeout=timeout,
    )
    assert uploaded.status_code == 201, uploaded.text


def wait_published(
    base: str, name: str, timeout: float, *, version: str | None = None, every: float = 0.2
) -> None:
    """Waits until the package's latest version is `version` (or any, without one)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        latest = httpx.get(f"{base}/api/v1/packages/{name}").json().get("latest_version")
        if latest == version if version else latest:
            return
        time.sleep(every)
    versions = httpx.get(f"{base}/api/v1/packages/{name}/versions", headers=bearer("p1")).json()
    wanted = version or "any version"
    raise AssertionError(f"{name} {wanted} not published within {timeout} s: {versions}")
