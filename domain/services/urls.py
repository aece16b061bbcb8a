"""Download URLs (REST_CONTRACT §4.5): root-relative, or absolute under PUBLIC_BASE_URL."""

from __future__ import annotations

from urllib.parse import quote


def _segment(text: str) -> str:
    return quote(text, safe="")


def absolute(path: str, base_url: str | None) -> str:
    return f"{base_url}{path}" if base_url else path


def package_file_url(name: str, version: str, base_url: str | None) -> str:
    path = f"/api/v1/packages/{_segment(name)}/versions/{_segment(version)}/file"
    return absolute(path, base_url)


def artifact_build_url(name: str, version: str, platform: str, architecture: str,
                       base_url: str | None) -> str:
    path = (f"/api/v1/artifacts/{_segment(name)}/versions/{_segment(version)}/builds/"
            f"{_segment(platform)}/{_segment(architecture)}/file")
    return absolute(path, base_url)
